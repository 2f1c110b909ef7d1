"""Small painted pieces of the form: tag swatches, the suggestion mark, the tag buttons.

Colours come in from the theme (`theme.tag_looks`, `ThemeColours.suggestion`): a tag's swatch
is its line colour, which reaches 3:1 against the page in both themes."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPaintEvent, QPixmap
from PySide6.QtWidgets import QPushButton, QSizePolicy, QWidget

from annotator.gui.focusring import paint_ring
from annotator.gui.theme_colours import text_on


def text_colour_on(fill: QColor) -> QColor:
    """Black or white, whichever reads better on `fill` (at least 4.58:1 on any colour)."""
    return QColor(text_on(fill.name()))


def _canvas(size: int, ratio: float) -> QPixmap:
    pixmap = QPixmap(QSize(size, size) * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    return pixmap


def swatch_pixmap(colour: str, size: int = 12, ratio: float = 1.0) -> QPixmap:
    """A rounded square in a tag's colour."""
    pixmap = _canvas(size, ratio)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(colour).darker(130))
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 3, 3)
    painter.end()
    return pixmap


def swatch_icon(colour: str, size: int = 12) -> QIcon:
    return QIcon(swatch_pixmap(colour, size))


def sparkle_pixmap(size: int, colour: str, ratio: float = 1.0) -> QPixmap:
    """A small four-pointed star in `colour` (the theme's suggestion colour): the mark of a
    suggested value."""
    pixmap = _canvas(size, ratio)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    centre, outer, inner = size / 2, size / 2 - 0.5, size / 7
    path = QPainterPath(QPointF(centre, centre - outer))
    for dx, dy, ix, iy in ((1, 0, 1, -1), (0, 1, 1, 1), (-1, 0, -1, 1), (0, -1, -1, -1)):
        path.lineTo(centre + ix * inner, centre + iy * inner)
        path.lineTo(centre + dx * outer, centre + dy * outer)
    painter.fillPath(path, QColor(colour))
    painter.end()
    return pixmap


class TagButton(QPushButton):
    """A checkable tag button: its key drawn on a swatch of the tag's colour, then its name.

    Checked (the annotation carries the tag), the button is tinted with the tag's colour.
    """

    def __init__(self, name: str, colour: str, key: str | None, parent: QWidget | None) -> None:
        super().__init__(name.replace("_", " ").capitalize(), parent)
        self.key = key or ""
        self.setCheckable(True)
        self.setAutoDefault(False)
        # Tab reaches it; a click leaves the keyboard in the reader, where J/K/N go on.
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.set_colour(colour)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_colour(self, colour: str) -> None:
        """The tag's colour in the current theme (its line colour): key cap and tint."""
        self.colour = QColor(colour)
        side = self.fontMetrics().height()
        self.setIcon(QIcon(key_cap_pixmap(colour, self.key, side, self.font())))
        self.setIconSize(QSize(side, side))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.isChecked():
            super().paintEvent(event)
            return
        # Imported at the first checked button painted, not with the window (issue 15).
        from PySide6.QtWidgets import QStyle, QStyleOptionButton

        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.state &= ~QStyle.StateFlag.State_On & ~QStyle.StateFlag.State_Sunken
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        tint = QColor(self.colour)
        tint.setAlpha(48)
        painter.setPen(self.colour.darker(115))
        painter.setBrush(tint)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        style = self.style()
        style.drawControl(QStyle.ControlElement.CE_PushButtonLabel, option, painter, self)
        if self.hasFocus():
            # The style's focus rectangle is invisible on the tint; a ring replaces the border.
            paint_ring(painter, QRectF(self.rect()), self, radius=3)
        painter.end()


def key_cap_pixmap(colour: str, key: str, size: int, font: QFont, ratio: float = 2.0) -> QPixmap:
    """A swatch of a tag's colour with its key on it (a plain swatch without a key)."""
    if not key:
        return swatch_pixmap(colour, size, ratio)
    pixmap = _canvas(size, ratio)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(colour)
    painter.setPen(fill.darker(130))
    painter.setBrush(fill)
    painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 3, 3)
    bold = QFont(font)
    bold.setBold(True)
    bold.setPixelSize(max(8, round(size * 0.7)))
    painter.setFont(bold)
    painter.setPen(text_colour_on(fill))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, key)
    painter.end()
    return pixmap
