"""The results of Find in All Documents as a tree: one row per document (its title and number of
hits), under it one row per hit, painted by `HitDelegate`: a "note" mark for a note, the
sentence (or note) cut to the part around its first match, the matched words in bold on the
find colour, and the tags of the annotations over it as coloured chips on the right.

Spans from core.search count code points; QTextLayout counts UTF-16 units, so the spans are
converted here (offsets.OffsetMap) before they become format ranges. Text is never parsed as
rich text: a sentence holding "<b>" shows those characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QLinearGradient,
    QPainter,
    QPalette,
    QStandardItem,
    QStandardItemModel,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from annotator.gui.offsets import OffsetMap
from annotator.gui.theme import TagLook, tag_looks, theme_of, unlisted_look

if TYPE_CHECKING:
    from annotator.core.search import Hit, SearchResults

HIT_ROLE = Qt.ItemDataRole.UserRole + 1  # the core.search.Hit of a hit row
DOCUMENT_ROLE = Qt.ItemDataRole.UserRole + 2  # the document id, on every row
KEY_ROLE = Qt.ItemDataRole.UserRole + 3  # what a row stands for, kept across a refresh

LEAD = 40  # code points kept before the first match when a sentence is cut
LONGEST = 400  # code points painted at most (a row shows one line)
MAX_CHIPS = 3  # tags shown as chips; the others as "+N"
NOTE_MARK = "note"
CHIP_PADDING = 5
CHIP_GAP = 4
FADE = 28  # pixels over which a line cut by the row's edge fades out
UNBOUNDED = 1_000_000.0  # a line width no row reaches: one line, never wrapped


def row_key(hit: Hit) -> str:
    """What a hit row stands for (its sentence or its annotation), kept over a refresh."""
    ident = hit.annotation_id if hit.kind == "note" else hit.unit_id
    return f"{hit.kind} {hit.document_id} {ident} {hit.start}"


def excerpt(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[str, list[tuple[int, int]]]:
    """`text` on one line, cut to start shortly before its first match (with "…" in front) and
    to at most LONGEST code points; `spans` moved to match. Code points throughout."""
    line = "".join(" " if ch in "\n\r\t\u2028\u2029" else ch for ch in text)
    first = spans[0][0] if spans else 0
    cut = 0
    if first > LEAD:
        cut = line.rfind(" ", 0, first - LEAD + 1) + 1 or first - LEAD
    head = "…" if cut else ""
    kept = line[cut : cut + LONGEST].rstrip()
    tail = "…" if cut + LONGEST < len(line.rstrip()) else ""
    shift = len(head) - cut
    moved = [
        (max(s + shift, len(head)), min(e + shift, len(head) + len(kept)))
        for s, e in spans
        if e > cut and s < cut + len(kept)
    ]
    return head + kept + tail, moved


def is_right_to_left(text: str) -> bool:
    """Whether the first strongly directional character of `text` is right-to-left."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return False


def hit_label(hit: Hit) -> str:
    """The plain text of a hit row (what a screen reader says, a test reads)."""
    tags = f" [{', '.join(hit.tags)}]" if hit.tags else ""
    prefix = "Note: " if hit.kind == "note" else ""
    return prefix + " ".join(hit.text.split()) + tags


def fill(model: QStandardItemModel, results: SearchResults) -> None:
    """Replace the rows of `model` by `results`, grouped by document."""
    model.clear()
    root = model.invisibleRootItem()
    for document in results.documents:
        count = len(document.hits)
        title = document.title or f"Document {document.document_id}"
        parent = QStandardItem(f"{title}  ({count} hit{'s' if count != 1 else ''})")
        parent.setEditable(False)
        parent.setData(document.document_id, DOCUMENT_ROLE)
        parent.setData(f"document {document.document_id}", KEY_ROLE)
        parent.setToolTip(title)
        font = parent.font()
        font.setBold(True)
        parent.setFont(font)
        children = []
        for hit in document.hits:
            item = QStandardItem(hit_label(hit))
            item.setEditable(False)
            item.setData(hit, HIT_ROLE)
            item.setData(hit.document_id, DOCUMENT_ROLE)
            item.setData(row_key(hit), KEY_ROLE)
            tip = ("Note on the passage: " if hit.kind == "note" else "") + hit.text
            if hit.tags:
                tip += "\n\nTags: " + ", ".join(hit.tags)
            item.setToolTip(tip)
            children.append(item)
        parent.appendRows(children)
        root.appendRow(parent)


class HitDelegate(QStyledItemDelegate):
    """Paints hit rows (document rows as the view would); see the module docstring."""

    def __init__(self, tag_colours: Callable[[], Mapping[str, str]], parent: QWidget) -> None:
        super().__init__(parent)
        self._tag_colours = tag_colours

    def sizeHint(  # noqa: N802 (Qt override)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), QFontMetrics(option.font).height() + 8))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        hit = index.data(HIT_ROLE)
        if hit is None:
            super().paint(painter, option, index)
            return
        view_option = QStyleOptionViewItem(option)
        self.initStyleOption(view_option, index)
        view_option.text = ""
        widget = view_option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, view_option, painter, widget)
        selected = bool(view_option.state & QStyle.StateFlag.State_Selected)
        palette = view_option.palette
        pen = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        rect = view_option.rect.adjusted(4, 0, -4, 0)
        painter.save()
        painter.setClipRect(view_option.rect)
        muted = pen if selected else QColor(theme_of(palette).muted)
        if hit.kind == "note":
            rect.setLeft(self._paint_note_mark(painter, rect, view_option.font, muted) + 6)
        chips = self._paint_chips(painter, rect, view_option.font, hit.tags, (palette, muted))
        rect.setRight(chips - 8)
        page = palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        self._paint_text(painter, rect, view_option.font, hit, (pen, page), palette)
        painter.restore()

    def _paint_note_mark(self, painter: QPainter, rect: QRect, font: QFont, muted: QColor) -> int:
        """An outlined "note" at the left; returns its right edge."""
        small = _smaller(font)
        small.setItalic(True)
        metrics = QFontMetrics(small)
        box = QRectF(
            rect.left(),
            rect.center().y() - metrics.height() / 2 - 1,
            metrics.horizontalAdvance(NOTE_MARK) + 2 * CHIP_PADDING,
            metrics.height() + 2,
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(muted)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        painter.setFont(small)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, NOTE_MARK)
        return int(box.right())

    def _paint_chips(
        self,
        painter: QPainter,
        rect: QRect,
        font: QFont,
        tags: tuple[str, ...],
        colours_on: tuple[QPalette, QColor],
    ) -> int:
        """The tags as chips in their colours, right-aligned ("+N" for those left out, in the
        `colours_on` muted colour); returns the left edge used."""
        if not tags:
            return rect.right()
        palette, muted = colours_on
        small = _smaller(font)
        metrics = QFontMetrics(small)
        colours = self._tag_colours()
        looks = tag_looks({name: colours[name] for name in tags if name in colours}, palette)
        labels = list(tags[:MAX_CHIPS])
        extra = len(tags) - len(labels)
        right = rect.right()
        painter.setFont(small)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        height = metrics.height() + 2
        top = rect.center().y() - height / 2
        if extra:
            width = metrics.horizontalAdvance(f"+{extra}")
            painter.setPen(muted)
            painter.drawText(
                QRectF(right - width, top, width, height),
                Qt.AlignmentFlag.AlignCenter,
                f"+{extra}",
            )
            right -= width + CHIP_GAP
        for name in reversed(labels):
            look: TagLook = looks.get(name) or unlisted_look(palette)
            width = metrics.horizontalAdvance(name) + 2 * CHIP_PADDING
            box = QRectF(right - width, top, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(look.line)
            painter.drawRoundedRect(box, height / 2, height / 2)
            painter.setPen(look.on_line)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, name)
            right -= width + CHIP_GAP
        return int(right)

    def _paint_text(
        self,
        painter: QPainter,
        rect: QRect,
        font: QFont,
        hit: Hit,
        colours_on: tuple[QColor, QColor],
        palette: QPalette,
    ) -> None:
        """The cut sentence on one line, matches in bold on the find colour, in its own
        direction (an Arabic sentence starts at the right), fading out where it is cut.
        `colours_on`: the text's colour and the row's background."""
        pen, page = colours_on
        if rect.width() <= 0:
            return
        text, spans = excerpt(hit.text, hit.spans)
        offsets = OffsetMap(text)
        colours = theme_of(palette)
        match_format = QTextCharFormat()
        match_format.setFontWeight(QFont.Weight.Bold)
        match_format.setBackground(QColor(colours.notice_background))
        match_format.setForeground(QColor(colours.notice_text))
        ranges = []
        for start, end in spans:
            qt_start, qt_end = offsets.span_to_qt(start, end)
            if qt_end > qt_start:
                found = QTextLayout.FormatRange()
                found.start, found.length, found.format = qt_start, qt_end - qt_start, match_format
                ranges.append(found)
        layout = QTextLayout(text, font)
        right_to_left = is_right_to_left(text)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.NoWrap)
        option.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignAbsolute)
        option.setTextDirection(
            Qt.LayoutDirection.RightToLeft if right_to_left else Qt.LayoutDirection.LeftToRight
        )
        layout.setTextOption(option)
        layout.setFormats(ranges)
        layout.beginLayout()
        line = layout.createLine()
        line.setLineWidth(UNBOUNDED)
        layout.endLayout()
        # Its start on the left (on the right for right-to-left text); what does not fit is
        # clipped at the other end.
        natural = line.naturalTextWidth()
        x = rect.right() - natural if right_to_left else rect.left()
        y = rect.center().y() - line.height() / 2
        painter.setClipRect(rect, Qt.ClipOperation.IntersectClip)
        painter.setPen(pen)
        layout.draw(painter, QPointF(x, y))
        if natural > rect.width():
            _fade(painter, rect, page, at_left=right_to_left)


def _smaller(font: QFont) -> QFont:
    """`font` a little smaller, for marks and chips (a font sized in pixels stays as it is)."""
    small = QFont(font)
    if font.pointSizeF() > 0:
        small.setPointSizeF(font.pointSizeF() * 0.85)
    return small


def _fade(painter: QPainter, rect: QRect, page: QColor, *, at_left: bool) -> None:
    """The row's background fading in over the last FADE pixels of a line that runs on."""
    width = min(FADE, rect.width())
    left = rect.left() if at_left else rect.right() + 1 - width
    band = QRectF(left, rect.top(), width, rect.height())
    gradient = QLinearGradient(band.topLeft(), band.topRight())
    clear = QColor(page)
    clear.setAlpha(0)
    gradient.setColorAt(0.0, page if at_left else clear)
    gradient.setColorAt(1.0, clear if at_left else page)
    painter.fillRect(band, gradient)
