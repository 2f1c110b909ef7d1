"""The tag legend above the reader: each tag's colour, as a fill and as an underline.

The reader fills a span with its first tag (in style order) and draws one line under the text for
each further tag, so the legend shows both forms for every tag and says which applies when.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from annotator.gui.theme import tag_looks, theme_of

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
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setAccessibleName("Tag legend")

    def set_tag_styles(self, colours: dict[str, QColor]) -> None:
        """Tag name -> stored colour; dict order = paint priority, as given to the reader (the
        theme's look of each tag is shown, as the reader paints it)."""
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

    def _layout_items(self, width: int | None = None) -> tuple[list[tuple[QRect, str]], QRect]:
        """Swatch rectangles and the caption, wrapped onto rows `width` wide (the widget's
        width; one row when None): a codebook of many tags stays readable."""
        metrics = QFontMetrics(self.font())
        height = max(self.SWATCH.height(), metrics.height()) + 2 * self.PADDING
        right = None if width is None else width - self.PADDING
        x, y = self.PADDING, 0
        items: list[tuple[QRect, str]] = []

        def place(item_width: int) -> QRect:
            nonlocal x, y
            if right is not None and x > self.PADDING and x + item_width > right:
                x, y = self.PADDING, y + height
            rect = QRect(x, y, item_width, height)
            x += item_width + 3 * self.PADDING
            return rect

        for name in self._colours:
            items.append((place(self.SWATCH.width() + 6 + metrics.horizontalAdvance(name)), name))
        caption = place(metrics.horizontalAdvance(_CAPTION) + self.PADDING)
        return items, caption

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        _items, caption = self._layout_items()
        return QSize(caption.right() + self.PADDING, caption.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(0, self.heightForWidth(max(self.width(), 1)))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        _items, caption = self._layout_items(width)
        return caption.bottom() + 1

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        page = palette.color(QPalette.ColorRole.Base)
        looks = tag_looks(self._colours, palette)
        self._items, caption = self._layout_items(self.width())
        for rect, name in self._items:
            look = looks[name]
            swatch = QRectF(
                rect.left(),
                rect.center().y() - self.SWATCH.height() / 2,
                self.SWATCH.width(),
                self.SWATCH.height() - 4,
            )
            # The fill on a piece of page: the very colour the reader shows.
            painter.setPen(Qt.PenStyle.NoPen)
            for brush in (page, look.fill):
                painter.setBrush(brush)
                painter.drawRoundedRect(swatch, 2, 2)
            line = QRectF(swatch.left(), swatch.bottom() + 1, swatch.width(), 3)
            painter.fillRect(line, look.line)
            painter.setPen(text_colour)
            label = rect.adjusted(self.SWATCH.width() + 6, 0, 0, 0)
            painter.drawText(label, _LEFT_MIDDLE, name)
        painter.setPen(QColor(theme_of(palette).muted))
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
        for rect, name in self._layout_items(self.width())[0]:
            if rect.contains(point):
                return f"{name}: {self._role(names.index(name), names)}"
        return ""
