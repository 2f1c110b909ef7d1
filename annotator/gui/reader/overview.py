"""A narrow strip beside the reader: where the annotations are and what is on screen.

Each annotation is a tick at its position in the whole document (by code-point offset), in the
colour of the tag that fills it. Ticks landing on the same pixel row are merged (the row shows
its highest-priority tag), and the strip keeps a count per row and tag, so that an annotation
change costs a dictionary update, not a pass over 10,000 annotations, and a paint costs one
rectangle per row. Clicking or dragging scrolls the reader there.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.gui.reader.spans import AnnotationChange, PaintedAnnotation
from annotator.gui.reader.view import ReaderView
from annotator.gui.theme import unlisted_look


class OverviewStrip(QWidget):
    """Annotation ticks over the whole document and the visible region; click to go there."""

    WIDTH = 14
    JOB = "overview"
    STEP = 300  # annotations counted per idle step

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reader: ReaderView | None = None
        # pixel row -> {fill tag -> number of annotations starting on that row}; None = rebuild
        self._rows: dict[int, dict[str, int]] | None = None
        # The rows the idle job is counting, once it has taken its list of annotations: a
        # change meanwhile is counted into them rather than starting the count over.
        self._counting: dict[int, dict[str, int]] | None = None
        self._rank: dict[str, int] = {}
        self._colours: dict[str, QColor] = {}
        # pixel row -> colour of its tick, recomputed only for rows whose counts changed
        self._row_colours: dict[int, QColor] = {}
        # The ticks drawn once, then redrawn only around the rows that changed: a tag toggle
        # repaints a few rows, not one rectangle per row of a long briefing.
        self._ticks: QPixmap | None = None
        self._dirty: set[int] = set()
        self.setFixedWidth(self.WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: annotations in the whole briefing; click to go there")
        self.setAccessibleName("Annotation overview")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.WIDTH, 200)

    def attach(self, reader: ReaderView) -> None:
        """Follow `reader`: its annotations, its scrolling, its document."""
        if self._reader is not None:
            self._reader.annotationsChanged.disconnect(self._on_annotations_changed)
            self._reader.verticalScrollBar().valueChanged.disconnect(self.update)
            self._reader.verticalScrollBar().rangeChanged.disconnect(self.update)
        self._reader = reader
        reader.annotationsChanged.connect(self._on_annotations_changed)
        reader.verticalScrollBar().valueChanged.connect(self.update)
        reader.verticalScrollBar().rangeChanged.connect(self.update)
        self._on_annotations_changed(None)

    @property
    def reader(self) -> ReaderView | None:
        return self._reader

    def _on_annotations_changed(self, change: AnnotationChange | None) -> None:
        if change is not None and self._building():
            # Counting in idle time: a tag toggle must not start the count over (tagging
            # faster than it finishes, it never did, and cost a pass per toggle). Before the
            # job has listed the annotations its list will include the change.
            counting = self._counting
            if counting is not None:
                for annotation in change.removed:
                    self._count_in(counting, annotation, -1, partial=True)
                for annotation in change.added:
                    self._count_in(counting, annotation, +1, partial=True)
        elif change is None or self._rows is None:
            # All new (a document was opened): counted again in idle time, a slice at a time.
            self._queue_rebuild()
        else:
            for annotation in change.removed:
                self._count(annotation, -1)
            for annotation in change.added:
                self._count(annotation, +1)
        self.update()

    def _count(self, annotation: PaintedAnnotation, delta: int) -> None:
        if self._rows is not None:
            self._count_in(self._rows, annotation, delta)

    def _queue_rebuild(self) -> None:
        self._rows = None
        self._ticks = None
        self._counting = None
        if self._reader is None:
            return
        if self._reader.text:
            self._reader.idle.add(self.JOB, self._rebuild_job())
        else:  # nothing to count (the window's first paint has no document): no idle work
            self._reader.idle.cancel(self.JOB)
            self._rows = {}

    def _count_in(
        self,
        rows: dict[int, dict[str, int]],
        annotation: PaintedAnnotation,
        delta: int,
        *,
        partial: bool = False,
    ) -> None:
        """Count `annotation` `delta` times on its row. In `partial` rows (being counted) a
        count may go below zero for a while: a removal can come before the idle job has
        counted the annotation."""
        reader = self._reader
        if reader is None or not reader.text:
            return
        row = self._row_of(annotation.start, len(reader.text))
        self._row_colours.pop(row, None)
        self._dirty.add(row)
        tags = rows.setdefault(row, {})
        tag = reader.fill_tag(annotation) or ""
        count = tags.get(tag, 0) + delta
        if count > 0 or (partial and count < 0):
            tags[tag] = count
        else:
            tags.pop(tag, None)
            if not tags:
                del rows[row]

    def _row_of(self, cp: int, length: int) -> int:
        return min(self.height() - 2, max(0, int(cp / length * self.height())))

    def _building(self) -> bool:
        return self._reader is not None and self._reader.idle.pending(self.JOB)

    def _rebuild_job(self) -> Iterator[None]:
        """The rows counted again, `STEP` annotations per step; shown when all are counted."""
        reader = self._reader
        if reader is None:
            return
        yield  # nothing is done before the first slice: the text is painted first
        rows: dict[int, dict[str, int]] = {}
        self._start_rebuild(reader)
        annotations = list(reader.iter_annotations())
        self._counting = rows  # changes from now on are counted in too
        for first in range(0, len(annotations), self.STEP):
            for annotation in annotations[first : first + self.STEP]:
                self._count_in(rows, annotation, +1, partial=True)
            yield
        self._counting = None
        # Each count is now the number of annotations there (a removal that came before its
        # annotation was counted has met it); only positive counts are ticks.
        positive = ({tag: n for tag, n in tags.items() if n > 0} for tags in rows.values())
        self._rows = {row: tags for row, tags in zip(rows, positive, strict=True) if tags}
        self.update()

    def _start_rebuild(self, reader: ReaderView) -> None:
        """Colours and ranks of the current tags; no tick drawn yet."""
        self._row_colours = {}
        self._ticks = None
        self._dirty = set()
        self._colours = {name: look.line for name, look in reader.tag_looks().items()}
        self._rank = {name: i for i, name in enumerate(self._colours)}

    def _forget_rows(self) -> None:
        """The rows are out of date (another height, theme): counted again at the next paint,
        or by the idle job when one is already counting."""
        self._rows = None
        self._ticks = None
        if self._building():
            self._queue_rebuild()

    def _rebuild(self) -> dict[int, dict[str, int]]:
        self._rows = {}
        reader = self._reader
        if reader is None:
            return self._rows
        self._start_rebuild(reader)
        for annotation in reader.iter_annotations():
            self._count(annotation, +1)
        return self._rows

    def _colour_of(self, tags: dict[str, int]) -> QColor:
        rank = self._rank
        best = min(tags, key=lambda tag: rank.get(tag, len(rank)))
        found = self._colours.get(best)
        return found if found is not None else unlisted_look(self.palette()).line

    def _tick_colour(self, row: int, tags: dict[str, int]) -> QColor:
        colour = self._row_colours.get(row)
        if colour is None:
            colour = self._row_colours[row] = self._colour_of(tags)
        return colour

    def _draw_ticks(self, rows: dict[int, dict[str, int]]) -> QPixmap:
        """The ticks' picture: drawn whole when missing, else only around the changed rows
        (a tick is 2 pixels high, so a row's neighbours are drawn again too)."""
        background = self.palette().color(QPalette.ColorRole.AlternateBase)
        width = self.width()
        ticks = self._ticks
        ratio = self.devicePixelRatioF()
        if ticks is None or ticks.deviceIndependentSize().toSize() != self.size():
            ticks = QPixmap(self.size() * ratio)
            ticks.setDevicePixelRatio(ratio)
            ticks.fill(background)
            painter = QPainter(ticks)
            # Top to bottom, as the partial redrawing does: where two ticks overlap, the lower
            # one is drawn last.
            for row, tags in sorted(rows.items()):
                painter.fillRect(2, row, width - 4, 2, self._tick_colour(row, tags))
        else:
            painter = QPainter(ticks)
            for changed in sorted(self._dirty):
                painter.setClipRect(0, changed - 1, width, 4)
                painter.fillRect(0, changed - 1, width, 4, background)
                for row in range(changed - 2, changed + 3):
                    tags = rows.get(row)
                    if tags:
                        painter.fillRect(2, row, width - 4, 2, self._tick_colour(row, tags))
        painter.end()
        self._dirty.clear()
        self._ticks = ticks
        return ticks

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        palette = self.palette()
        reader = self._reader
        length = len(reader.text) if reader is not None else 0
        if reader is None or not length or self.height() <= 2:
            # Not fillRect: its first call makes PySide6 create QGradient's enum types, some
            # milliseconds of the window's first paint (issue 15).
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
            painter.drawRect(self.rect())
        else:
            if self._rows is not None or not self._building():
                rows = self._rows if self._rows is not None else self._rebuild()
                painter.drawPixmap(0, 0, self._draw_ticks(rows))
            else:  # the ticks are still being counted (see _rebuild_job)
                painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.AlternateBase))
            width = self.width()
            start, end = reader.visible_span()
            top = self._row_of(start, length)
            bottom = max(top + 4, self._row_of(end, length) + 1)
            shade = QColor(palette.color(QPalette.ColorRole.Text))
            shade.setAlpha(40)
            edge = QColor(palette.color(QPalette.ColorRole.Text))
            edge.setAlpha(110)
            painter.setPen(edge)
            painter.setBrush(shade)
            painter.drawRect(QRectF(0.5, top + 0.5, width - 1.0, bottom - top - 1.0))
        painter.end()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._forget_rows()  # ticks drawn on the old background, in the old theme's colours
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._forget_rows()  # rows depend on the height
        super().resizeEvent(event)

    def _scroll_to(self, y: float) -> None:
        reader = self._reader
        if reader is None or not reader.text or self.height() <= 0:
            return
        fraction = max(0.0, min(1.0, y / self.height()))
        reader.scroll_to(int(fraction * len(reader.text)), fraction=0.5)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._scroll_to(event.position().y())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._scroll_to(event.position().y())
            event.accept()
        else:
            super().mouseMoveEvent(event)
