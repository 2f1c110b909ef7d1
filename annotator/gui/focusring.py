"""The focus ring of the controls whose style draws none (the reader, the note, a checked tag
button): a line in the palette's Highlight colour, so it follows the light or dark theme."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

RING_WIDTH = 2  # pixels


def ring_pen(colours: QWidget) -> QPen:
    """A RING_WIDTH pen in the Highlight colour of `colours`' palette."""
    pen = QPen(colours.palette().color(QPalette.ColorRole.Highlight), RING_WIDTH)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    return pen


def paint_ring(painter: QPainter, rect: QRectF, colours: QWidget, radius: float = 0) -> None:
    """Draw the ring just inside `rect`."""
    inset = RING_WIDTH / 2
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, radius > 0)
    painter.setPen(ring_pen(colours))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    area = rect.adjusted(inset, inset, -inset, -inset)
    if radius:
        painter.drawRoundedRect(area, radius, radius)
    else:
        painter.drawRect(area)
    painter.restore()


def paint_widget_ring(widget: QWidget, rect: QRectF, colours: QWidget | None = None) -> None:
    """Draw the ring on `widget` itself (call it while it handles its paint event)."""
    painter = QPainter(widget)
    paint_ring(painter, rect, colours or widget)
    painter.end()
