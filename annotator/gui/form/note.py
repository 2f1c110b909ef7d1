"""The note box of the form: saved when the analyst leaves it, ringed while it has the focus."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from annotator.gui.focusring import RING_WIDTH, paint_widget_ring


class NoteEdit(QPlainTextEdit):
    """`focusLost` when the focus leaves it (the form saves the note then).

    Fusion draws no focus ring around a text box, only the caret, which is easy to miss:
    this one draws a ring in the palette's Highlight colour, in its frame (outside the
    viewport, so scrolling the note never moves it).
    """

    focusLost = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # With the style's frame (a pixel or more), room for the ring around the text.
        inset = RING_WIDTH - 1
        self.setViewportMargins(inset, inset, inset, inset)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.update()
        self.focusLost.emit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint and self.hasFocus():
            paint_widget_ring(self, QRectF(self.rect()))
        return handled
