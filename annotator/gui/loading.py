"""Opening a document in the workspace: the first screen at once, the rest in idle time.

`DocumentLoading` is the part of `Workspace` (workspace.py) that opens a document. The first
screen is painted from one pass over plain rows (`core.opening.document_outline`: the text, the
units, and the spans of the annotations starting in the first FIRST_SCREEN code points). What
follows runs in idle slices (`idle.py`), in this order: the reader indexes the other spans
(`ReaderCanvas.load`, `rest`), the annotations' full views are read VIEWS_STEP at a time, the
annotation list is filled LIST_STEP rows at a time, the overview strip counts its ticks.
Anything that needs all the annotations before that (an edit, a filter, N) reads what is left
at once; a newer open drops what an older one left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from annotator.core.bulk import gc_paused
from annotator.core.coverage import Coverage
from annotator.core.errors import AnnotatorError
from annotator.gui import deferred
from annotator.gui.context import AppContext, storage_errors
from annotator.gui.form.annotation_list import AnnotationList
from annotator.gui.form.panel import AnnotationForm
from annotator.gui.idle import IdleWork
from annotator.gui.reader.view import PaintedAnnotation, ReaderView

if TYPE_CHECKING:
    from annotator.core.facts import AnnotationView
    from annotator.core.opening import (
        OutlineSpan,
        annotation_views,
        document_outline,
        outline_spans,
    )
    from annotator.core.storage_errors import describe_storage_error
else:  # deferred: loads SQLAlchemy, which the window is shown without (issue 15)
    (describe_storage_error,) = deferred.functions(  # (a failure's message)
        "annotator.core.storage_errors", "describe_storage_error"
    )
    annotation_views, document_outline, outline_spans = deferred.functions(
        "annotator.core.opening", "annotation_views", "document_outline", "outline_spans"
    )

VIEWS_JOB, LIST_JOB = "open: views", "open: list"
# The annotations read before the first paint: those starting in the first code points (more
# than any screen shows at once); the reader asks for the others (ReaderCanvas.load `rest`).
FIRST_SCREEN = 20_000
VIEWS_STEP = 200
LIST_STEP = 500


class DocumentLoading:
    """Workspace's opening of a document (a mixin: the attributes below are Workspace's)."""

    ctx: AppContext
    reader: ReaderView
    form: AnnotationForm
    annotation_list: AnnotationList
    idle: IdleWork
    document_id: int | None
    text: str
    units: list[tuple[int, int, str]]
    coverage: Coverage
    statuses: dict[int, str]
    selection: tuple[int, int] | None
    current_id: int | None
    reader_filter: tuple[str | None, str | None]
    hidden_tags: set[str]
    hidden_authors: set[str]
    _annotations: dict[int, AnnotationView]
    _views_left: tuple[int, list[int], int]  # document, its annotation ids, next to read
    _announce_deletable: Callable[[], None]
    documentOpened: Any
    notice: Any

    @property
    def annotations(self) -> dict[int, AnnotationView]:
        """Every annotation of the open document by id (read now if still pending)."""
        if self.idle.pending(VIEWS_JOB):
            self._read_remaining_views()
        return self._annotations

    @annotations.setter
    def annotations(self, value: dict[int, AnnotationView]) -> None:
        self.idle.cancel(VIEWS_JOB)
        self._annotations = value

    def is_settled(self) -> bool:
        """True when nothing of the last open is left for idle time: the annotations, the
        list and the overview strip are all complete."""
        return not self.idle.pending()

    def open_document(self, document_id: int, *, keep_form: bool = False) -> None:
        """Show the document: its text and painted tags at once (one pass over plain rows);
        the full annotations, the list and the overview strip follow in idle time, a few
        milliseconds at a time (`is_settled`). A newer open drops what an older one left.

        `keep_form`: the same document read again (a colleague's commit) leaves the form as it
        is, what is being typed in it and the focus too; the caller shows what it should show
        next (watching.reload_in_place)."""
        with gc_paused():  # 10,000s of small objects: no collection pass in the middle
            self._open(document_id, keep_form)

    def _open(self, document_id: int, keep_form: bool = False) -> None:
        outline = document_outline(self.ctx.store, document_id, spans_before=FIRST_SCREEN)
        self.idle.cancel(VIEWS_JOB, LIST_JOB)
        self.document_id = document_id
        self.text = outline.text
        self._annotations = {}
        self.statuses = {span[0]: span[4] for span in outline.spans}
        self.selection = None
        self.current_id = None
        self.units = outline.units
        self.coverage = Coverage(self.units)
        ids = [span[0] for span in outline.spans]  # in text order; the reader's rest follows
        self.reader.load(
            outline.text,
            self.units,
            self._shown_spans(outline.spans),
            lambda start, before: self._rest_of_spans(document_id, ids, start, before),
            FIRST_SCREEN,
        )
        self.annotation_list.load(outline.text, [])
        self.annotation_list.set_listing(True)
        if not keep_form:
            self.form.show_annotation(None)
        self.form.set_document_open(True)
        self._announce_deletable()
        self._views_left = (document_id, ids, 0)
        self.idle.add(VIEWS_JOB, self._read_views(document_id, ids))
        self.idle.add(LIST_JOB, self._fill_list(ids))
        self.documentOpened.emit(document_id)

    def _shown_spans(self, spans: Iterable[OutlineSpan]) -> list[PaintedAnnotation]:
        """What the reader paints of `spans`: those the reader's filter lets through."""
        status, author = self.reader_filter
        hidden_tags, hidden_authors = self.hidden_tags, self.hidden_authors
        if not hidden_tags and not hidden_authors:  # (the usual case: one test fewer a span)
            return [
                PaintedAnnotation(annotation_id, start, end, tags, who)
                for annotation_id, start, end, who, state, tags in spans
                if (author is None or who == author) and (status is None or state == status)
            ]
        return [
            PaintedAnnotation(
                annotation_id, start, end, tuple(t for t in tags if t not in hidden_tags), who
            )
            for annotation_id, start, end, who, state, tags in spans
            if (author is None or who == author) and (status is None or state == status)
            and who not in hidden_authors
            and (not tags or not hidden_tags.issuperset(tags))
        ]

    def _rest_of_spans(
        self, document_id: int, ids: list[int], start: int, before: int | None
    ) -> list[PaintedAnnotation]:
        """The annotations starting in [start, before) past the first screen, for the reader
        (in idle time, or when it needs them all); their ids join `ids`, in text order."""
        if document_id != self.document_id:
            return []
        spans = outline_spans(self.ctx.store, document_id, start_from=start, start_before=before)
        for span in spans:
            self.statuses[span[0]] = span[4]
        ids.extend(span[0] for span in spans)
        return self._shown_spans(spans)

    def _read_views(self, document_id: int, ids: list[int]) -> Iterator[None]:
        """The full views of `ids`, VIEWS_STEP per step, counted in the coverage too."""
        yield  # the first screen is painted before any of this
        self.reader.complete_annotations()  # (done already unless it failed) every id known
        for first in range(0, len(ids), VIEWS_STEP):
            self._add_views(document_id, ids[first : first + VIEWS_STEP])
            self._views_left = (document_id, ids, first + VIEWS_STEP)
            yield

    def _read_remaining_views(self) -> None:
        """What the views job has not read yet, read now in one query (the analyst acted
        before it was done)."""
        self.reader.complete_annotations()  # every id is known
        self.idle.cancel(VIEWS_JOB)
        document_id, ids, first = self._views_left
        if first < len(ids):
            found = annotation_views(self.ctx.store, document_id=document_id)
            self._add_views(document_id, ids[first:], found)

    def _add_views(
        self, document_id: int, ids: list[int], found: dict[int, AnnotationView] | None = None
    ) -> None:
        if found is None:
            found = annotation_views(self.ctx.store, ids)
        for annotation_id in ids:
            view = found.get(annotation_id)
            if view is not None and view.document_id == document_id:
                self._annotations[annotation_id] = view
                self.coverage.add(view.start, view.end, +1)

    def _fill_list(self, ids: list[int]) -> Iterator[None]:
        """The annotation list's rows, LIST_STEP per step (after the views: idle.py runs jobs
        in order); rows an edit put in meanwhile are kept, deleted annotations skipped."""
        yield
        for first in range(0, len(ids), LIST_STEP):
            known = self._annotations
            self.annotation_list.extend(
                [known[i] for i in ids[first : first + LIST_STEP] if i in known]
            )
            yield
        self.annotation_list.set_listing(False)
        self.annotation_list.select(self.current_id)

    def _on_idle_failed(self, job: str, error: BaseException) -> None:
        if job not in (VIEWS_JOB, LIST_JOB, self.reader.REST_JOB):
            raise error
        if isinstance(error, AnnotatorError):
            message = str(error)
        elif isinstance(error, storage_errors()):
            message = describe_storage_error(error, "Some annotations were not read")
        else:
            raise error
        if not self.idle.pending(LIST_JOB):
            self.annotation_list.set_listing(False)
        self.notice.emit(message)
