"""The tag legend above the reader: each tag's colour, as a fill and as an underline.

The reader fills a span with its first tag (in style order) and draws one line under the text for
each further tag, so the legend shows both forms for every tag and says which applies when.
After the tags come the authors' layers ("Mine" first). A click on an entry (or Space / Enter on
the entry picked with Left / Right when the legend has the focus) shows or hides that tag or
layer in the reader (`toggled`); a hidden one is drawn dimmed and struck through.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from annotator.gui.theme import TagLook, tag_looks, theme_of

_CAPTION = "fill: first tag of a span · line: each further tag"
_LEFT_MIDDLE = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
TAG, LAYER = "tag", "layer"
Entry = tuple[str, str]  # (TAG or LAYER, tag name or author)


class TagLegend(QWidget):
    """One swatch per tag, in paint priority order, and how a tag shows on a span."""

    PADDING = 6
    SWATCH = QSize(26, 16)
    toggled = Signal(str, str)  # TAG or LAYER, name: the analyst asked to show / hide it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colours: dict[str, QColor] = {}
        self._layers: dict[str, str] = {}  # author -> label ("Mine" for the analyst's)
        self._hidden: set[Entry] = set()
        self._focus = 0  # index of the entry Space / Enter toggles
        self._items: list[tuple[QRect, Entry]] = []
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setAccessibleName("Tag legend")

    def set_tag_styles(self, colours: dict[str, QColor]) -> None:
        """Tag name -> stored colour; dict order = paint priority, as given to the reader (the
        theme's look of each tag is shown, as the reader paints it)."""
        self._colours = {name: QColor(colour) for name, colour in colours.items()}
        self._changed()

    def set_layers(self, layers: dict[str, str]) -> None:
        """Author -> label of each layer, in the order shown (the analyst's first)."""
        self._layers = dict(layers)
        self._changed()

    def set_hidden(self, tags: set[str], authors: set[str]) -> None:
        self._hidden = {(TAG, t) for t in tags} | {(LAYER, a) for a in authors}
        self._changed()

    def is_hidden(self, kind: str, name: str) -> bool:
        return (kind, name) in self._hidden

    def entries(self) -> list[Entry]:
        return [(TAG, name) for name in self._colours] + [(LAYER, a) for a in self._layers]

    def _label(self, entry: Entry) -> str:
        return entry[1] if entry[0] == TAG else self._layers.get(entry[1], entry[1])

    def describe(self, entry: Entry) -> str:
        """What a screen reader says of one entry."""
        kind, name = entry
        state = "hidden" if entry in self._hidden else "shown"
        if kind == TAG:
            names = list(self._colours)
            role = self._role(names.index(name), names) if name in names else ""
            return f"Tag {name}, {state}" + (f": {role}" if role and state == "shown" else "")
        return f"Layer {self._label(entry)}, {state}"

    def focused_entry(self) -> Entry | None:
        entries = self.entries()
        return entries[self._focus] if 0 <= self._focus < len(entries) else None

    def _changed(self) -> None:
        entries = self.entries()
        self._focus = max(0, min(self._focus, len(entries) - 1))
        self.setAccessibleDescription("; ".join(self.describe(e) for e in entries))
        self._name_focused()
        self.updateGeometry()
        self.update()

    def _name_focused(self) -> None:
        entry = self.focused_entry()
        picked = f": {self.describe(entry)} (Space shows or hides it)" if entry else ""
        self.setAccessibleName("Tag legend" + picked)

    def tag_styles(self) -> dict[str, QColor]:
        return dict(self._colours)

    @staticmethod
    def _role(index: int, names: list[str]) -> str:
        if index == 0:
            return "always fills its span"
        before = ", ".join(names[:index])
        return f"fills its span, or a line under it when the span also has {before}"

    def _layout_items(self, width: int | None = None) -> tuple[list[tuple[QRect, Entry]], QRect]:
        """Swatch rectangles and the caption, wrapped onto rows `width` wide (the widget's
        width; one row when None): a codebook of many tags stays readable."""
        metrics = QFontMetrics(self.font())
        height = max(self.SWATCH.height(), metrics.height()) + 2 * self.PADDING
        right = None if width is None else width - self.PADDING
        x, y = self.PADDING, 0
        items: list[tuple[QRect, Entry]] = []

        def place(item_width: int) -> QRect:
            nonlocal x, y
            if right is not None and x > self.PADDING and x + item_width > right:
                x, y = self.PADDING, y + height
            rect = QRect(x, y, item_width, height)
            x += item_width + 3 * self.PADDING
            return rect

        for name in self._colours:
            advance = metrics.horizontalAdvance(name)
            items.append((place(self.SWATCH.width() + 6 + advance), (TAG, name)))
        for author, label in self._layers.items():
            advance = metrics.horizontalAdvance(label)
            items.append((place(advance + 2 * self.PADDING), (LAYER, author)))
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
        muted = QColor(theme_of(palette).muted)
        struck = QFont(self.font())
        struck.setStrikeOut(True)
        for index, (rect, entry) in enumerate(self._items):
            hidden = entry in self._hidden
            painter.setOpacity(0.35 if hidden else 1.0)
            if entry[0] == TAG:
                self._paint_swatch(painter, rect, looks[entry[1]], page)
                label = rect.adjusted(self.SWATCH.width() + 6, 0, 0, 0)
            else:  # a layer: its name in an outline
                box = QRectF(rect).adjusted(0.5, self.PADDING - 1.5, -0.5, 1.5 - self.PADDING)
                painter.setPen(muted)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(box, 4, 4)
                label = rect.adjusted(self.PADDING, 0, 0, 0)
            painter.setOpacity(1.0)
            painter.setPen(muted if hidden else text_colour)
            painter.setFont(struck if hidden else self.font())
            painter.drawText(label, _LEFT_MIDDLE, self._label(entry))
            painter.setFont(self.font())
            if self.hasFocus() and index == self._focus:
                painter.setPen(palette.color(QPalette.ColorRole.Highlight))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(QRectF(rect).adjusted(-3, 2, 3, -2), 3, 3)
        painter.setPen(muted)
        painter.drawText(caption, _LEFT_MIDDLE, _CAPTION)
        painter.end()

    def _paint_swatch(self, painter: QPainter, rect: QRect, look: TagLook, page: QColor) -> None:
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

    def entry_rect(self, entry: Entry) -> QRect:
        for rect, found in self._layout_items(self.width())[0]:
            if found == entry:
                return rect
        return QRect()

    def _entry_at(self, point: QPoint) -> int | None:
        for index, (rect, _entry) in enumerate(self._layout_items(self.width())[0]):
            if rect.contains(point):
                return index
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        index = self._entry_at(event.position().toPoint())
        if event.button() != Qt.MouseButton.LeftButton or index is None:
            super().mousePressEvent(event)
            return
        self._focus = index
        self._toggle_focused()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key, count = event.key(), len(self.entries())
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and count:
            step = 1 if key == Qt.Key.Key_Right else -1
            if self.layoutDirection() == Qt.LayoutDirection.RightToLeft:
                step = -step
            self._focus = (self._focus + step) % count
            self._name_focused()
            self.update()
        elif key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter) and count:
            self._toggle_focused()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _toggle_focused(self) -> None:
        entry = self.focused_entry()
        if entry is not None:
            self.toggled.emit(*entry)

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
        index = self._entry_at(point)
        if index is None:
            return ""
        entry = self.entries()[index]
        return f"{self.describe(entry)} (click to show or hide)"
