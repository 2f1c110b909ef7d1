"""The briefing reader: what the analyst does in it (select units, words, annotations).

ReaderView adds selection, mouse and keyboard to ReaderCanvas (canvas.py: text, typography, tag
painting). Every offset in the public API counts Python `str` code points.

Mouse: a click selects the unit under the pointer (or, on an annotation, the innermost
annotation's span, then emits annotationActivated); Shift+click extends the selection over whole
units; a drag selects any span, snapped to word edges on release; a double-click selects a word.
Keys: see keys.py. Skipped units (boilerplate) are shown dimmed and never selected by a click
or a key; a drag may run through them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QCursor, QFocusEvent, QKeyEvent, QKeySequence, QMouseEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QWidget

from annotator.gui.focusring import RING_WIDTH, paint_widget_ring
from annotator.gui.reader.canvas import ReaderCanvas, RestOfAnnotations
from annotator.gui.reader.keys import is_reserved, reader_command
from annotator.gui.reader.spans import PaintedAnnotation, next_word_edge, snap_to_words, word_at

__all__ = ["PaintedAnnotation", "ReaderView"]



class ReaderView(ReaderCanvas):
    """Shows one briefing; the analyst selects units or words and activates annotations."""

    spanSelected = Signal(int, int)  # (start, end) code points; (-1, -1) when cleared
    annotationActivated = Signal(int)  # id of the innermost annotation clicked
    allTagged = Signal()  # N found no unit left that no annotation covers
    # "." / ",": this annotation (of those shown) is the next / previous one in text order
    annotationStepped = Signal(int)
    wrapped = Signal(str)  # the step went past the last (first) annotation: a status note

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._last_span: tuple[int, int] | None = None
        self._quiet_depth = 0
        self._press_point: QPoint | None = None
        self._press_qt = 0
        self._dragging = False
        self.selectionChanged.connect(self._on_qt_selection_changed)
        self.verticalScrollBar().valueChanged.connect(self._refresh_hover)
        self.setViewportMargins(0, 0, 0, 0)  # at least the focus frame (see below)

    def load(
        self,
        text: str,
        units: Sequence[tuple[int, int, str]],
        annotations: Sequence[PaintedAnnotation],
        rest: RestOfAnnotations | None = None,
        rest_from: int = 0,
    ) -> None:
        """Show `text` with its units (start, end, kind) and annotations, in code points (the
        rest of them from `rest()`: see ReaderCanvas.load)."""
        self._press_point = None
        with self._quiet():
            super().load(text, units, annotations, rest, rest_from)
        self._last_span = None

    # ----------------------------------------------------------------- selection
    def current_span(self) -> tuple[int, int] | None:
        """The selected code points [start, end), or None."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        return self._offsets.span_to_cp(cursor.selectionStart(), cursor.selectionEnd())

    def select_span(self, start: int, end: int, *, scroll: bool = True, emit: bool = True) -> None:
        """Select code points [start, end) (cleared when empty); emit spanSelected if `emit`."""
        length = len(self._text)
        start, end = sorted((max(0, min(start, length)), max(0, min(end, length))))
        if start == end:
            self._clear_selection(emit=emit)
            return
        self._apply_selection(self._offsets.to_qt(start), self._offsets.to_qt(end), scroll=scroll)
        self._last_span = (start, end)
        if emit:
            self.spanSelected.emit(start, end)

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Selection changes made inside are ours: do not announce them as Qt's."""
        self._quiet_depth += 1
        try:
            yield
        finally:
            self._quiet_depth -= 1

    def _apply_selection(self, qt_anchor: int, qt_position: int, *, scroll: bool) -> None:
        bar = self.verticalScrollBar()
        kept = bar.value()
        cursor = QTextCursor(self.document())
        cursor.setPosition(qt_anchor)
        cursor.setPosition(qt_position, QTextCursor.MoveMode.KeepAnchor)
        with self._quiet():
            self.setTextCursor(cursor)
        bar.setValue(kept)  # we decide how to scroll, not setTextCursor
        if scroll:
            self._reveal(min(qt_anchor, qt_position), max(qt_anchor, qt_position))

    def _clear_selection(self, *, emit: bool) -> None:
        bar = self.verticalScrollBar()
        kept = bar.value()
        cursor = self.textCursor()
        cursor.clearSelection()
        with self._quiet():
            self.setTextCursor(cursor)
        bar.setValue(kept)
        had_span = self._last_span is not None
        self._last_span = None
        if emit and had_span:
            self.spanSelected.emit(-1, -1)

    def _on_qt_selection_changed(self) -> None:
        # Selections Qt makes itself (Ctrl+A, say) are announced like ours.
        if self._quiet_depth:
            return
        span = self.current_span()
        if span != self._last_span:
            self._last_span = span
            self.spanSelected.emit(*(span or (-1, -1)))

    def _reveal(self, qt_start: int, qt_end: int) -> None:
        """Scroll when the span is off screen, its start a third of the way down."""
        height = self.viewport().height()
        top = self._cursor_rect(qt_start)
        bottom = self._cursor_rect(qt_end)
        if top.top() >= 0 and bottom.bottom() <= height:
            return
        if top.top() >= 0 and top.bottom() <= height and bottom.bottom() - top.top() > height:
            return  # longer than the screen and its start is shown: leave it
        self.scroll_to(self._offsets.to_cp(qt_start), fraction=0.3)

    def _cursor_rect(self, qt: int) -> QRect:
        cursor = QTextCursor(self.document())
        cursor.setPosition(qt)
        return self.cursorRect(cursor)

    def _lane_clicked(self, start: int, end: int) -> None:
        self.select_span(start, end, scroll=False)
        self.setFocus()

    # ----------------------------------------------------------------- navigation
    def _reference(self) -> tuple[int, int, bool]:
        """Where unit navigation starts: the selection, else the caret if shown, else the top."""
        span = self.current_span()
        if span is not None:
            return span[0], span[1], True
        cursor = self.textCursor()
        rect = self.cursorRect(cursor)
        if 0 <= rect.top() < self.viewport().height():
            qt = cursor.position()
        else:
            qt = self.cursorForPosition(QPoint(0, 0)).position()
        cp = self._offsets.to_cp(qt)
        return cp, cp, False

    def _select_unit(self, index: int | None) -> bool:
        if index is None:
            return False
        self.select_span(*self._units.span(index))
        return True

    def next_unit(self) -> bool:
        """Select the unit after the selection (or the first one from the top of the screen)."""
        start, end, selected = self._reference()
        return self._select_unit(self._units.next_after(end if selected else start))

    def previous_unit(self) -> bool:
        start, _end, _selected = self._reference()
        return self._select_unit(self._units.previous_before(start))

    def next_untagged_unit(self) -> bool:
        """Select the next unit that no single annotation covers entirely, going on from the
        top after the last one; allTagged (and False) when there is none."""
        self.complete_annotations()
        start, end, selected = self._reference()
        for index in (self._units.next_after(end if selected else start),
                      self._units.first_selectable()):
            while index is not None and self._annotations.covers(*self._units.span(index)):
                index = self._units.first_selectable(index + 1)
            if index is not None:
                return self._select_unit(index)
        self.allTagged.emit()
        return False

    def next_annotation(self) -> bool:
        """Step to the next annotation shown, in text order (start, end, id), from the one in
        the form, else from the selection or the top of the screen; after the last, the first
        again (with a `wrapped` note). False when none is shown."""
        return self._step_annotation(forward=True)

    def previous_annotation(self) -> bool:
        return self._step_annotation(forward=False)

    def _step_annotation(self, *, forward: bool) -> bool:
        self.complete_annotations()  # those a load left for idle time count too
        index = self._annotations
        if not len(index):
            self.wrapped.emit("No annotation is shown in this briefing.")
            return False
        current = index.get(self._current_id) if self._current_id is not None else None
        span = self.current_span()
        if current is not None and span in (None, (current.start, current.end)):
            key: tuple[int, ...] = (current.start, current.end, current.id)
        else:
            start, _end, _selected = self._reference()
            key = (start,) if forward else (start, -1)
        found = index.step(key, forward=forward)
        if found is None:
            found = index.step((-1,) if forward else (len(self._text) + 1,), forward=forward)
            self.wrapped.emit(
                "Past the last annotation: back to the first." if forward
                else "Before the first annotation: on to the last."
            )
        assert found is not None  # the index is not empty
        self.select_span(found.start, found.end, scroll=True, emit=False)
        self.annotationStepped.emit(found.id)
        return True

    def first_unit(self) -> bool:
        return self._select_unit(self._units.first_selectable())

    def last_unit(self) -> bool:
        return self._select_unit(self._units.last_selectable())

    def extend_to_next_unit(self) -> bool:
        span = self.current_span()
        if span is None:
            return self.next_unit()
        index = self._units.next_after(span[1])
        if index is None:
            return False
        self.select_span(span[0], self._units.ends[index])
        return True

    def extend_to_previous_unit(self) -> bool:
        span = self.current_span()
        if span is None:
            return self.previous_unit()
        index = self._units.previous_before(span[0])
        if index is None:
            return False
        self.select_span(self._units.starts[index], span[1])
        return True

    def extend_end_by_word(self) -> bool:
        return self._move_edge(end=True, forward=True)

    def shrink_end_by_word(self) -> bool:
        return self._move_edge(end=True, forward=False)

    def extend_start_by_word(self) -> bool:
        return self._move_edge(end=False, forward=False)

    def shrink_start_by_word(self) -> bool:
        return self._move_edge(end=False, forward=True)

    def _move_edge(self, *, end: bool, forward: bool) -> bool:
        """Move one edge of the selection to the next word edge; never mid-word, never empty."""
        span = self.current_span()
        if span is None:
            return False
        start_cp, end_cp = span
        origin = end_cp if end else start_cp
        edge = next_word_edge(self._text, origin, forward=forward, word_end=end)
        if edge is None:
            return False
        new_span = (start_cp, edge) if end else (edge, end_cp)
        if new_span[0] >= new_span[1]:
            return False
        self.select_span(*new_span)
        return True

    def page_down(self) -> None:
        self._page(1)

    def page_up(self) -> None:
        self._page(-1)

    def _page(self, direction: int) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + direction * max(1, bar.pageStep() - 2))

    # ----------------------------------------------------------------- focus frame
    def setViewportMargins(  # type: ignore[override]  # noqa: N802 (Qt override)
        self, left: int, top: int, right: int, bottom: int
    ) -> None:
        # Room for the focus frame outside the viewport, where scrolling never moves it.
        frame = RING_WIDTH
        super().setViewportMargins(
            max(left, frame), max(top, frame), max(right, frame), max(bottom, frame)
        )

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusInEvent(event)
        self.update()  # the frame, outside the viewport

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.update()

    def _paint_focus_frame(self) -> None:
        """A frame in the window's highlight colour (not the reader's own Highlight, which is
        the faded selection shade) around the text, left of the scroll bar."""
        area = self.rect()
        bar = self.verticalScrollBar()
        container = bar.parentWidget()
        if bar.isVisible() and container is not None and container is not self:
            area.setRight(container.geometry().left() - 1)
        paint_widget_ring(self, QRectF(area), self.parentWidget() or self)

    # ----------------------------------------------------------------- keyboard
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            # The reader's own paint event (its margins); the text is the viewport's.
            handled = super().event(event)
            if self.hasFocus():
                self._paint_focus_frame()
            return handled
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if is_reserved(event):
                event.ignore()  # the window's action (tag 1/2/3, Delete) fires
                return False
            if reader_command(event) is not None:
                event.accept()  # our navigation wins over a same-key window shortcut
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        command = reader_command(event)
        control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if command is not None:
            getattr(self, command)()
            event.accept()
        elif is_reserved(event):
            event.ignore()
        elif event.matches(QKeySequence.StandardKey.ZoomIn):
            self.zoom_in()
        elif event.matches(QKeySequence.StandardKey.ZoomOut):
            self.zoom_out()
        elif event.key() == Qt.Key.Key_0 and control:
            self.reset_zoom()
        else:
            super().keyPressEvent(event)

    # ----------------------------------------------------------------- mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._press_point = event.position().toPoint()
        self._press_qt = self.cursorForPosition(self._press_point).position()
        self._dragging = False
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        point = event.position().toPoint()
        if self._press_point is None or not event.buttons() & Qt.MouseButton.LeftButton:
            self._set_hover(self._selectable_unit_at(point))
            return
        if not self._dragging:
            moved = (point - self._press_point).manhattanLength()
            self._dragging = moved >= QApplication.startDragDistance()
        if self._dragging:
            if not 0 <= point.y() <= self.viewport().height():
                bar = self.verticalScrollBar()
                bar.setValue(bar.value() + (-1 if point.y() < 0 else 1))
            qt = self.cursorForPosition(point).position()
            self._apply_selection(self._press_qt, qt, scroll=False)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton or self._press_point is None:
            super().mouseReleaseEvent(event)
            return
        point = event.position().toPoint()
        dragged, self._dragging, self._press_point = self._dragging, False, None
        if dragged:
            end_qt = self.cursorForPosition(point).position()
            start, end = sorted(self._offsets.span_to_cp(self._press_qt, end_qt))
            snapped = snap_to_words(self._text, start, end)
            if snapped is None:
                self._clear_selection(emit=True)
            else:
                self.select_span(*snapped, scroll=False)
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._extend_to_point(point)
        else:
            self._click(point)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        self._press_point = None  # the release that follows is not a click
        cp = self._char_at(event.position().toPoint())
        word = word_at(self._text, cp) if cp is not None else None
        if word is not None:
            self.select_span(*word, scroll=False)
        event.accept()

    def _click(self, point: QPoint) -> None:
        cp = self._char_at(point)
        if cp is None:
            self._clear_selection(emit=True)
            return
        hits = self.annotations_at(cp)
        if hits:
            self.select_span(hits[0].start, hits[0].end, scroll=False)
            self.annotationActivated.emit(hits[0].id)
            return
        index = self._units.at(cp)
        if index is not None and self._units.selectable(index):
            self.select_span(*self._units.span(index), scroll=False)
        else:
            self._clear_selection(emit=True)

    def _extend_to_point(self, point: QPoint) -> None:
        cp = self._char_at(point)
        index = self._units.at(cp) if cp is not None else None
        if index is None or not self._units.selectable(index):
            return
        unit_start, unit_end = self._units.span(index)
        span = self.current_span() or (unit_start, unit_end)
        self.select_span(min(span[0], unit_start), max(span[1], unit_end), scroll=False)

    def _selectable_unit_at(self, point: QPoint) -> int | None:
        cp = self._char_at(point)
        index = self._units.at(cp) if cp is not None else None
        return index if index is not None and self._units.selectable(index) else None

    def _refresh_hover(self) -> None:
        """After a scroll the mouse rests over other text: shade the unit now under it."""
        point = self.viewport().mapFromGlobal(QCursor.pos())
        inside = self.viewport().underMouse() and self.viewport().rect().contains(point)
        self._set_hover(self._selectable_unit_at(point) if inside else None)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Leave:
            self._set_hover(None)
        return super().viewportEvent(event)
