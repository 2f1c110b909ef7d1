"""What the reader shows: the text, its typography and the painted tags.

ReaderCanvas is the display half of ReaderView (view.py adds selection, mouse and keys). Offsets
in its API are Python `str` code points; Qt (UTF-16) positions stay inside, converted by one
OffsetMap. Tags are painted by hand for the visible blocks only (no ExtraSelections, no char
formats for tags: on a 1 MB briefing those cost 0.6 s / several ms per change): fills before
the text is drawn, underlines and the current annotation's outline after it. The only char
format is the grey of boilerplate (skipped) units, set once when a document is loaded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPalette,
    QRegion,
    QResizeEvent,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextOption,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QWidget

from annotator.core.coverage import SKIPPED
from annotator.gui.idle import IdleWork
from annotator.gui.offsets import OffsetMap
from annotator.gui.reader import typography
from annotator.gui.reader.lanes import ReviewGutter, ReviewLanesMixin
from annotator.gui.reader.layout import ReadingLayout
from annotator.gui.reader.painting import (
    BlockOnScreen,
    blocks_on_screen,
    cursor_x,
    fill_boxes,
    line_boxes,
    merged_boxes,
    outline_boxes,
    underline_boxes,
    underline_depth,
)
from annotator.gui.reader.spans import (
    AnnotationChange,
    AnnotationIndex,
    PaintedAnnotation,
    UnitIndex,
)
from annotator.gui.theme import TagLook, tag_looks, theme_of, unlisted_look
from annotator.gui.viewports import prime as prime_viewport

# Gives the annotations starting in [start, before) (before None: to the end of the text).
RestOfAnnotations = Callable[[int, int | None], Sequence[PaintedAnnotation]]


@functools.cache
def _rtl_letters() -> re.Pattern[str]:
    """Strong right-to-left letters: Hebrew, Arabic, Syriac, Thaana, NKo... and their
    presentation forms (compiled at the first non-ASCII block, not with the window)."""
    return re.compile(
        "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]"
    )


# Shown while no briefing is open (the library is empty, or the open one was removed).
EMPTY_READER = (
    "No briefing is open.\n\nChoose one in the library on the left, or import briefings with "
    "File > Import Documents (Ctrl+I) or by dropping files on this window."
)


class ReaderCanvas(ReviewLanesMixin, QPlainTextEdit):
    """A read-only, centred, comfortably set text with tag highlights painted over it."""

    REST_JOB = "reader: annotations"  # the idle job adding those a load left for later
    REST_STEP = 50_000  # code points of text whose annotations one idle step adds

    # An AnnotationChange after update_annotations; None after load / set_tag_styles (all new).
    annotationsChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        document = QTextDocument(self)
        self._layout = ReadingLayout(document, typography.LINE_SPACING)
        document.setDocumentLayout(self._layout)
        document.setUndoRedoEnabled(False)
        document.setDocumentMargin(12)
        self.setDocument(document)
        self.setReadOnly(True)
        # Not TextSelectableByKeyboard: that shows a blinking caret (with a bidi arrow) at the
        # selection end. The keyboard selects by unit and by word instead (see view.py).
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        prime_viewport(self)
        self.viewport().setMouseTracking(True)
        self.setAccessibleName("Briefing text")
        self.setPlaceholderText(EMPTY_READER)

        self._text = ""
        self._offsets = OffsetMap("")
        self._units = UnitIndex()
        self._annotations = AnnotationIndex()
        # Annotations starting at or after `_rest_from`, not indexed yet: `_rest(a, b)` gives
        # those starting in [a, b) (b None: to the end).
        self._rest: RestOfAnnotations | None = None
        self._rest_from = 0
        self._priority: dict[str, int] = {}
        self._colours: dict[str, QColor] = {}  # as stored: the theme decides what is painted
        self._tag_looks: dict[str, TagLook] = {}
        self._looks: dict[int, tuple[QColor | None, list[QColor]]] = {}
        self._current_id: int | None = None
        self._hover_unit: int | None = None
        self._bidi_blocks: dict[int, bool] = {}
        self._zoom = 0
        self._margins = (-1, -1)
        self._gutter: ReviewGutter | None = None
        self._restyling = False
        # Work left for after the first paint (the overview, the workspace's lists): idle.py
        self.idle = IdleWork(self)
        self.setPalette(typography.reading_palette(self.palette()))
        self.setAutoFillBackground(True)  # the side margins are painted as page
        self._apply_font()

    # ----------------------------------------------------------------- content
    @property
    def offsets(self) -> OffsetMap:
        return self._offsets

    @property
    def text(self) -> str:
        return self._text

    def set_tag_styles(self, colours: dict[str, QColor]) -> None:
        """Tag name -> stored colour; the dict order is the paint priority (first = fill).
        What is painted is the theme's look of each tag (`theme.tag_looks`)."""
        self._colours = {name: QColor(colour) for name, colour in colours.items()}
        self._priority = {name: i for i, name in enumerate(colours)}
        self._tag_looks = tag_looks(self._colours, self.palette())
        self._looks.clear()
        self.viewport().update()
        self.annotationsChanged.emit(None)

    def tag_looks(self) -> dict[str, TagLook]:
        """Tag name -> how the current theme paints it, in paint priority order."""
        return dict(self._tag_looks)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._restyling:
            # Another theme: the reading palette, tag looks and grey boilerplate follow it.
            self._restyling = True
            try:
                self.setPalette(typography.reading_palette(self.palette()))
                self._tag_looks = tag_looks(self._colours, self.palette())
                self._looks.clear()
                self._dim_skipped_units()
            finally:
                self._restyling = False
            self.viewport().update()
            self.annotationsChanged.emit(None)

    def load(
        self,
        text: str,
        units: Sequence[tuple[int, int, str]],
        annotations: Sequence[PaintedAnnotation],
        rest: RestOfAnnotations | None = None,
        rest_from: int = 0,
    ) -> None:
        """Show `text` with its units (start, end, kind) and annotations, in code points.

        With `rest`, `annotations` are those starting before `rest_from` (the first screen's)
        and `rest(a, b)` gives those starting in [a, b) (b None: to the end): called in idle
        time, REST_STEP code points at a time, or at once for all that are left when
        something needs them (a paint reaching them, a search over every annotation, a change).
        """
        self._text = text
        self._offsets = OffsetMap(text)
        self._units = UnitIndex(units)
        self._annotations.replace_all(annotations)
        if rest_from >= len(text):
            rest = None  # no annotation starts past the end of the text
        self._rest, self._rest_from = rest, rest_from
        if rest is not None:
            self.idle.add(self.REST_JOB, self._rest_job())
        else:
            self.idle.cancel(self.REST_JOB)
        self._looks.clear()
        self._current_id = None
        self._hover_unit = None
        self._bidi_blocks.clear()
        self._layout.reset()
        # A lone "\r" would become a block separator in Qt and shift every later offset.
        self.setPlainText(text.replace("\r", " ") if "\r" in text else text)
        self.verticalScrollBar().setValue(0)  # Qt may scroll a still tiny, unshown viewport
        self._dim_skipped_units()
        self._update_column()
        self.annotationsChanged.emit(None)

    def update_annotations(
        self, changed: Sequence[PaintedAnnotation], removed: Iterable[int] = ()
    ) -> None:
        """Add/replace `changed`, drop `removed` ids; repaint only what they cover on screen."""
        self.complete_annotations()
        blocks = self._blocks_on_screen()
        region = QRegion()
        gone: list[PaintedAnnotation] = []
        for annotation_id in removed:
            old = self._annotations.remove(annotation_id)
            if old is not None:
                gone.append(old)
            if annotation_id == self._current_id:
                self._current_id = None
        for annotation in changed:
            old = self._annotations.upsert(annotation)
            if old is not None:
                gone.append(old)
            region += self._annotation_rect(annotation, blocks)
        for old in gone:
            region += self._annotation_rect(old, blocks)
            self._looks.pop(old.id, None)
        for annotation in changed:
            self._looks.pop(annotation.id, None)
        if not region.isEmpty():
            self.viewport().update(region)
        self.annotationsChanged.emit(AnnotationChange(tuple(gone), tuple(changed)))

    def replace_annotations(self, annotations: Sequence[PaintedAnnotation]) -> None:
        """Show exactly `annotations` (a filter changed); the text and selection stay."""
        self.complete_annotations()  # what it gives is part of the caller's state too
        self._annotations.replace_all(annotations)
        self._looks.clear()
        if self._current_id is not None and self._annotations.get(self._current_id) is None:
            self._current_id = None
        self.viewport().update()
        self.annotationsChanged.emit(None)

    def annotations(self) -> list[PaintedAnnotation]:
        """Every annotation, by start offset."""
        self.complete_annotations()
        return list(self._annotations)

    def iter_annotations(self) -> Iterator[PaintedAnnotation]:
        """Every annotation, in no particular order (cheaper than annotations())."""
        self.complete_annotations()
        return self._annotations.unordered()

    def tag_styles(self) -> dict[str, QColor]:
        """Tag name -> stored colour, in paint priority order."""
        return dict(self._colours)

    def fill_tag(self, annotation: PaintedAnnotation) -> str | None:
        """The tag that fills `annotation` (its first in style order); None if it has none."""
        ordered = self._ordered_tags(annotation)
        return ordered[0] if ordered else None

    def annotations_at(self, cp: int) -> list[PaintedAnnotation]:
        """Annotations containing code point `cp`, innermost (shortest) first."""
        self.complete_annotations()
        return self._annotations.at(cp)

    def complete_annotations(self) -> None:
        """Index now the annotations a load left for idle time (nothing when none are left)."""
        if self._rest is not None:
            self.idle.cancel(self.REST_JOB)
            self._add_rest(None)

    def _rest_job(self) -> Iterator[None]:
        while self._rest is not None:
            yield  # after the first paint, and between steps
            self._add_rest(self._rest_from + self.REST_STEP)

    def _add_rest(self, before: int | None) -> None:
        """Index the annotations starting in [_rest_from, before) (None: all that are left)."""
        rest = self._rest
        if rest is None:
            return
        if before is None or before >= len(self._text):
            self._rest, before = None, None
        try:
            found = rest(self._rest_from, before)
        except Exception:
            self._rest = None  # not asked again at every paint; the caller reports it
            raise
        if before is not None:
            self._rest_from = before
        self._annotations.extend(found)
        if self._rest is None:
            self.viewport().update()
            self.annotationsChanged.emit(None)

    def annotation_colour(self, annotation: PaintedAnnotation) -> QColor:
        """The opaque colour of `annotation`'s fill tag (its first in style order): its line."""
        ordered = self._ordered_tags(annotation)
        if not ordered:
            return QColor(self.palette().color(QPalette.ColorRole.Text))
        return self._look_of(ordered[0]).line

    def set_current_annotation(self, annotation_id: int | None) -> None:
        """Outline annotation `annotation_id` (None: no outline)."""
        if annotation_id == self._current_id:
            return
        blocks = self._blocks_on_screen()
        region = QRegion()
        for known in (self._current_id, annotation_id):
            annotation = self._annotations.get(known) if known is not None else None
            if annotation is not None:
                region += self._annotation_rect(annotation, blocks)
        self._current_id = annotation_id
        if not region.isEmpty():
            self.viewport().update(region)

    @property
    def current_annotation(self) -> int | None:
        return self._current_id

    def unit_at(self, cp: int) -> int | None:
        """Index (in start order) of the unit containing code point `cp`."""
        return self._units.at(cp)

    def _dim_skipped_units(self) -> None:
        skipped = [index for index, kind in enumerate(self._units.kinds) if kind == SKIPPED]
        if not skipped:  # the empty reader of the first paint, a briefing with no boilerplate
            return
        # Imported at the first grey unit, not with the window: its class brings about 130
        # enum members that Python builds one by one (issue 15, cold start).
        from PySide6.QtGui import QTextCharFormat

        fmt = QTextCharFormat()
        fmt.setForeground(typography.dimmed_text(self.palette()))
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        for index in skipped:
            start, end = self._offsets.span_to_qt(*self._units.span(index))
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)
        cursor.endEditBlock()

    # ----------------------------------------------------------------- scrolling
    def visible_span(self) -> tuple[int, int]:
        """Code points [start, end) of the text currently on screen."""
        first = self.cursorForPosition(QPoint(0, 0)).position()
        last = self.cursorForPosition(self.viewport().rect().bottomRight()).position()
        return self._offsets.to_cp(first), self._offsets.to_cp(max(first, last))

    def scroll_to(self, cp: int, fraction: float = 0.5) -> None:
        """Scroll (selection untouched) so code point `cp` sits `fraction` down the viewport."""
        qt = self._offsets.to_qt(max(0, min(cp, len(self._text))))
        block = self.document().findBlock(qt)
        if not block.isValid():
            return
        self.blockBoundingRect(block)  # lays the block out, so its lines are known
        layout = block.layout()
        line = block.firstLineNumber()
        if layout.lineCount():
            line += layout.lineForTextPosition(qt - block.position()).lineNumber()
        pitch = QFontMetricsF(self.font()).lineSpacing() * self._layout.line_spacing
        lines_shown = max(1, int(self.viewport().height() / pitch))
        self.verticalScrollBar().setValue(max(0, line - int(lines_shown * fraction)))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
            self.wheelEvent(event)  # over the side margins, which are not the viewport
            return True
        return super().event(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta > 0:
                self.zoom_in()
            elif delta < 0:
                self.zoom_out()
            event.accept()
            return
        super().wheelEvent(event)

    # ----------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        area = event.rect()
        thickness = self._underline_thickness()
        band_top = area.top() - 3 * thickness - 4
        blocks = blocks_on_screen(self, band_top, area.bottom() + 4, self._is_bidi)
        overlays: list[tuple[list[QRectF], list[QColor]]] = []
        outline: tuple[list[QRectF], QColor, float] | None = None
        if blocks:
            painter = QPainter(self.viewport())
            painter.setClipRect(area)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            if self._hover_unit is not None:
                hover = QColor(self.palette().color(QPalette.ColorRole.Text))
                hover.setAlpha(theme_of(self.palette()).hover_alpha)
                fill_boxes(painter, self._boxes(*self._units.span(self._hover_unit), blocks), hover)
            first = self._offsets.to_cp(blocks[0].start)
            last = self._offsets.to_cp(blocks[-1].end) + 1
            if self._rest is not None and last >= self._rest_from:
                self.complete_annotations()  # scrolled past the first screen before idle time
            # The boxes of each fill colour joined where they overlap, each filled once: a span
            # several analysts tagged alike reads as one fill (stacked translucent layers would
            # darken it past readable), while spans of different tags overlapping still blend
            # and show both (painting.merged_boxes).
            fills: dict[int, tuple[QColor, list[QRectF]]] = {}
            for annotation in self._annotations.overlapping(first, last):
                boxes = self._boxes(annotation.start, annotation.end, blocks)
                if not boxes:
                    continue
                fill, underlines = self._look(annotation)
                if fill is not None:
                    fills.setdefault(fill.rgba(), (fill, []))[1].extend(boxes)
                if underlines:
                    overlays.append((boxes, underlines))
                if annotation.id == self._current_id:
                    depth = underline_depth(len(underlines), thickness)
                    outline = (boxes, self.annotation_colour(annotation), depth)
            for colour, filled in fills.values():
                fill_boxes(painter, merged_boxes(filled), colour)
            painter.end()
        super().paintEvent(event)
        if overlays or outline:
            painter = QPainter(self.viewport())
            painter.setClipRect(area)
            for boxes, colours in overlays:
                underline_boxes(painter, boxes, colours, thickness)
            if outline is not None:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                outline_boxes(painter, outline[0], outline[1], 2.0, outline[2])
            painter.end()

    def _ordered_tags(self, annotation: PaintedAnnotation) -> list[str]:
        rank = self._priority
        return sorted(annotation.tags, key=lambda tag: (rank.get(tag, len(rank)), tag))

    def _look(self, annotation: PaintedAnnotation) -> tuple[QColor | None, list[QColor]]:
        """(translucent fill, underline colours) of an annotation: its tags in style order."""
        look = self._looks.get(annotation.id)
        if look is None:
            looks = [self._look_of(tag) for tag in self._ordered_tags(annotation)]
            look = (looks[0].fill, [t.line for t in looks[1:]]) if looks else (None, [])
            self._looks[annotation.id] = look
        return look

    def _look_of(self, tag: str) -> TagLook:
        found = self._tag_looks.get(tag)
        return found if found is not None else unlisted_look(self.palette())

    def _underline_thickness(self) -> float:
        return max(2.0, round(QFontMetricsF(self.font()).height() / 9))

    def _blocks_on_screen(self) -> list[BlockOnScreen]:
        return blocks_on_screen(self, 0, self.viewport().height(), self._is_bidi)

    def _is_bidi(self, block: QTextBlock) -> bool:
        number = block.blockNumber()
        found = self._bidi_blocks.get(number)
        if found is None:
            text = block.text()  # no right-to-left letter is ASCII
            found = not text.isascii() and _rtl_letters().search(text) is not None
            self._bidi_blocks[number] = found
        return found

    def _boxes(self, start: int, end: int, blocks: list[BlockOnScreen]) -> list[QRectF]:
        qt_start, qt_end = self._offsets.span_to_qt(start, end)
        return line_boxes(blocks, qt_start, qt_end)

    def _annotation_rect(self, annotation: PaintedAnnotation, blocks: list[BlockOnScreen]) -> QRect:
        boxes = self._boxes(annotation.start, annotation.end, blocks)
        if not boxes:
            return QRect()
        united = boxes[0]
        for box in boxes[1:]:
            united = united.united(box)
        depth = underline_depth(len(annotation.tags) - 1, self._underline_thickness())
        return united.adjusted(-4, -3, 4, depth + 3).toAlignedRect()

    def _unit_rect(self, index: int | None) -> QRect:
        if index is None:
            return QRect()
        rect = QRect()
        for box in self._boxes(*self._units.span(index), self._blocks_on_screen()):
            rect = rect.united(box.adjusted(-2, -2, 2, 2).toAlignedRect())
        return rect

    def _set_hover(self, index: int | None) -> None:
        """Shade unit `index` as the one under the mouse (None: no unit)."""
        if index == self._hover_unit:
            return
        region = QRegion(self._unit_rect(self._hover_unit)) + QRegion(self._unit_rect(index))
        self._hover_unit = index
        if not region.isEmpty():
            self.viewport().update(region)

    def _char_at(self, point: QPoint) -> int | None:
        """Code point of the character under `point` (viewport coordinates), if any."""
        cursor = self.cursorForPosition(point)
        block = cursor.block()
        layout = block.layout()
        if block.length() <= 1 or layout.lineCount() == 0:
            return None
        relative = cursor.position() - block.position()
        line = layout.lineForTextPosition(relative)
        origin = self.blockBoundingGeometry(block).translated(self.contentOffset()).topLeft()
        line_top = origin.y() + line.y()
        gap = self._layout.gap(line.height())
        if not line_top - gap <= point.y() <= line_top + line.height() + gap:
            return None
        line_start, line_end = line.textStart(), line.textStart() + line.textLength()
        x = point.x() - origin.x()
        for candidate in (relative, relative - 1):
            if line_start <= candidate < line_end:
                x1 = cursor_x(line, candidate)
                x2 = cursor_x(line, layout.nextCursorPosition(candidate))
                if min(x1, x2) <= x <= max(x1, x2):
                    return self._offsets.to_cp(block.position() + candidate)
        # Beside the text of the line (its ragged edge): the nearest character of the line.
        nearest = max(line_start, min(relative, line_end - 1))
        return self._offsets.to_cp(block.position() + nearest)

    # ----------------------------------------------------------------- typography
    def zoom_in(self) -> None:
        self._set_zoom(self._zoom + 1)

    def zoom_out(self) -> None:
        self._set_zoom(self._zoom - 1)

    def reset_zoom(self) -> None:
        self._set_zoom(0)

    @property
    def zoom_steps(self) -> int:
        return self._zoom

    def _set_zoom(self, steps: int) -> None:
        steps = typography.clamp_zoom(steps)
        if steps != self._zoom:
            top = self.visible_span()[0]
            self._zoom = steps
            self._apply_font()
            self.scroll_to(top, fraction=0.0)

    def _apply_font(self) -> None:
        font = typography.reading_font(self.font(), self._zoom)
        self.setFont(font)
        self.document().setDefaultFont(font)
        self._layout.reset()
        self._update_column()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._update_column()

    def _update_column(self) -> None:
        available = self.contentsRect().width() - self.verticalScrollBar().sizeHint().width()
        margins = typography.column_margins(
            available, self.font(), self.document().documentMargin()
        )
        if self._gutter is not None and not self._gutter.isHidden():
            # Review mode: room for the lanes left of the text, at the cost of the right margin.
            lanes = self._gutter.width()
            margins = (max(margins[0], lanes), max(0, margins[1] - max(0, lanes - margins[0])))
        if margins != self._margins:
            self._margins = margins
            self.setViewportMargins(margins[0], 0, margins[1], 0)
            # Inside a resize event Qt does not re-wrap for the narrower viewport; ask for it.
            super().resizeEvent(QResizeEvent(self.viewport().size(), QSize(-1, -1)))
        self._place_gutter()
