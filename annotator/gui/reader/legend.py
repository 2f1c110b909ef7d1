"""The tag legend above the reader: each tag's colour, as a fill and as an underline.

The reader fills a span with its first tag (in style order) and draws one line under the text for
each further tag, so the legend shows both forms for every tag and says which applies when.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

FILL_ALPHA = 70
_CAPTION = "fill: first tag of a span · line: each further tag"
_LEFT_MIDDLE = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft


class TagLegend(QWidget):
    """One swatch per tag, in paint priority order, and how a tag shows on a span."""

    PADDING = 6
    SWATCH = QSize(26, 16)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colours: dict[str, QColor] = {}
        self._items: list[tuple[QRect, str]] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Tag legend")

    def set_tag_styles(self, colours: dict[str, QColor]) -> None:
        """Tag name -> colour; dict order = paint priority, as given to the reader."""
        self._colours = {name: QColor(colour) for name, colour in colours.items()}
        names = list(self._colours)
        self.setAccessibleDescription(
            "; ".join(f"{name}: {self._role(i, names)}" for i, name in enumerate(names))
        )
        self.updateGeometry()
        self.update()

    def tag_styles(self) -> dict[str, QColor]:
        return dict(self._colours)

    @staticmethod
    def _role(index: int, names: list[str]) -> str:
        if index == 0:
            return "always fills its span"
        before = ", ".join(names[:index])
        return f"fills its span, or a line under it when the span also has {before}"

    def _layout_items(self) -> tuple[list[tuple[QRect, str]], QRect]:
        metrics = QFontMetrics(self.font())
        x = self.PADDING
        height = max(self.SWATCH.height(), metrics.height()) + 2 * self.PADDING
        items: list[tuple[QRect, str]] = []
        for name in self._colours:
            width = self.SWATCH.width() + 6 + metrics.horizontalAdvance(name)
            items.append((QRect(x, 0, width, height), name))
            x += width + 3 * self.PADDING
        caption = QRect(x, 0, metrics.horizontalAdvance(_CAPTION) + self.PADDING, height)
        return items, caption

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        items, caption = self._layout_items()
        return QSize(caption.right() + self.PADDING, caption.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(0, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        self._items, caption = self._layout_items()
        for rect, name in self._items:
            colour = self._colours[name]
            swatch = QRectF(
                rect.left(),
                rect.center().y() - self.SWATCH.height() / 2,
                self.SWATCH.width(),
                self.SWATCH.height() - 4,
            )
            fill = QColor(colour)
            fill.setAlpha(FILL_ALPHA)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(swatch, 2, 2)
            painter.fillRect(QRectF(swatch.left(), swatch.bottom() + 1, swatch.width(), 3), colour)
            painter.setPen(text_colour)
            label = rect.adjusted(self.SWATCH.width() + 6, 0, 0, 0)
            painter.drawText(label, _LEFT_MIDDLE, name)
        muted = QColor(text_colour)
        muted.setAlphaF(0.6)
        painter.setPen(muted)
        painter.drawText(caption, _LEFT_MIDDLE, _CAPTION)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            names = list(self._colours)
            tip = self._tip_at(event.pos(), names)
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _tip_at(self, point: QPoint, names: list[str]) -> str:
        for rect, name in self._layout_items()[0]:
            if rect.contains(point):
                return f"{name}: {self._role(names.index(name), names)}"
        return ""
