"""The annotation workspace: wires the reader, the form and the annotation list to core ops.

Widgets emit intents; this controller turns each into one undoable, committed operation and
refreshes the views from the `Changes` it returns. Offsets are code points throughout.

Each analyst's layer is their own: tag keys, form edits, span moves and Delete act only on the
analyst's annotations (and, in review, their adjudicated layer). A colleague's annotation is
shown read-only; a tag key on it tags the analyst's own annotation of that text, creating it
if needed. The ops are called with `owner`, so a slip here cannot write a colleague's row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from annotator.core.coverage import Coverage
from annotator.core.errors import AnnotatorError, NotYourAnnotation
from annotator.core.fields import CLAIM, GRADE_FIELD, field_errors, validate_fields
from annotator.core.review_terms import adjudicated_author
from annotator.gui import deferred
from annotator.gui.context import AppContext
from annotator.gui.form.annotation_list import AnnotationList
from annotator.gui.form.panel import AnnotationForm
from annotator.gui.loading import LIST_JOB, VIEWS_JOB, DocumentLoading
from annotator.gui.reader.view import PaintedAnnotation, ReaderView

if TYPE_CHECKING:
    from annotator.core import ops
    from annotator.core.facts import AnnotationView, Changes, TagInfo
    from annotator.core.queries import (
        annotations_by_id,
        document_annotations,
        document_detail,
        list_tags,
        view_of,
    )
    from annotator.core.review import review_info
    from annotator.core.sources import suggested_grade
    from annotator.core.suggest import suggest_fields
else:  # deferred: these load SQLAlchemy, which the window is shown without (issue 15)
    ops = deferred.module("annotator.core.ops")
    annotations_by_id, document_annotations, document_detail, list_tags, view_of = (
        deferred.functions(
            "annotator.core.queries",
            "annotations_by_id", "document_annotations", "document_detail", "list_tags", "view_of",
        )
    )
    (review_info,) = deferred.functions("annotator.core.review", "review_info")
    # Called only once a database is open (a source's grade), when the store has loaded it.
    (suggested_grade,) = deferred.functions("annotator.core.sources", "suggested_grade")
    # (not SQLAlchemy, but dateutil's parser: only needed when a tag is applied)
    (suggest_fields,) = deferred.functions("annotator.core.suggest", "suggest_fields")

NOTHING_TO_TAG = "Select a sentence or a span first (click it, or J/K), then press a tag key."
NOTHING_TO_DELETE = "Nothing to delete: select one of your annotations first."
NO_DOCUMENT = "Open a briefing from the library first."


def painted(view: AnnotationView) -> PaintedAnnotation:
    return PaintedAnnotation(view.id, view.start, view.end, view.tag_names, view.author)


def suggested_fields(
    tag: str, sentence: str, grade_of: Callable[[str], str | None] | None = None
) -> tuple[dict[str, object], list[str]]:
    """Valid suggestions for a newly applied tag, and the names marked as suggested; with
    `grade_of`, a claim's source suggests its default grade too (sources.suggested_grade)."""
    values = suggest_fields(tag, sentence)
    errors = field_errors(tag, values)
    clean = validate_fields(tag, {k: v for k, v in values.items() if k not in errors})
    grade = suggested_grade(clean, grade_of) if grade_of and tag == CLAIM else None
    if grade is not None:
        clean[GRADE_FIELD] = grade
    return clean, sorted(clean)


class Workspace(DocumentLoading, QObject):
    documentOpened = Signal(int)
    documentClosed = Signal()
    progressChanged = Signal(int, int, int)  # document id, units tagged, annotations
    notice = Signal(str)  # a one-line message for the status bar (no dialog)
    # Whether Delete has one of the analyst's annotations to act on (Delete Annotation is
    # off otherwise, and the key says why in the status bar: see keyhints.py).
    deletableChanged = Signal(bool)
    # A tag key is about to tag the analyst's own layer with this tag: what hides either
    # is shown first (visibility.py), so no edit is made on something invisible.
    showHiddenForEdit = Signal(str)
    visibilityChanged = Signal()  # set_hidden: other tags or layers hidden

    def __init__(
        self,
        ctx: AppContext,
        reader: ReaderView,
        form: AnnotationForm,
        annotation_list: AnnotationList,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.reader = reader
        self.form = form
        self.annotation_list = annotation_list
        self.idle = reader.idle
        self.document_id: int | None = None
        self.text = ""
        self.units: list[tuple[int, int, str]] = []
        self.coverage = Coverage([])
        self.grade_of: Callable[[str], str | None] | None = None  # sources: default grades
        # Filled after the first paint (VIEWS_JOB); `annotations` finishes that at first use.
        self._annotations: dict[int, AnnotationView] = {}
        self._views_left: tuple[int, list[int], int] = (0, [], 0)  # document, ids, next
        self.selection: tuple[int, int] | None = None
        self.current_id: int | None = None
        # The annotation last shown in the form: the target of "move to selection".
        self.last_annotation_id: int | None = None
        self.tags: list[TagInfo] = []
        # Review status of each annotation of the open document, and the reader's filter.
        self.statuses: dict[int, str] = {}
        self.reader_filter: tuple[str | None, str | None] = (None, None)  # status, author
        # What View > Show Tags / Show Layers (or the legend) hides: never painted, never
        # stepped to, never clicked; the data stays as it is (visibility.py).
        self.hidden_tags: set[str] = set()
        self.hidden_authors: set[str] = set()
        self._deletable = False
        self._connect()
        self.reload_tags()

    def _connect(self) -> None:
        self.reader.spanSelected.connect(self.on_span_selected)
        self.reader.annotationActivated.connect(self.on_annotation_activated)
        self.annotation_list.annotationActivated.connect(self.activate_annotation)
        self.form.tagToggled.connect(self.toggle_tag)
        self.form.fieldsEdited.connect(self.edit_fields)
        self.form.noteEdited.connect(self.edit_note)
        self.form.deleteRequested.connect(self.delete_annotation)
        self.ctx.changed.connect(self.on_changes)
        self.idle.failed.connect(self._on_idle_failed)

    # -- documents -------------------------------------------------------------------------

    def reload_tags(self) -> None:
        # No tags yet while the window's first database is being opened (app.launch).
        self.tags = [] if self.ctx.store is None else list_tags(self.ctx.store)
        if self.ctx.store is not None:
            self.hidden_tags, self.hidden_authors = self.ctx.settings.hidden_in(
                self.ctx.store.key
            )
        colours = {tag.name: QColor(tag.colour) for tag in self.tags}
        self.reader.set_tag_styles(colours)
        self.form.set_tags(self.tags)
        self.form.set_document_open(self.document_id is not None)
        self.annotation_list.set_tags(self.tags)

    def close_document(self) -> None:
        self.idle.cancel(VIEWS_JOB, LIST_JOB)
        self.document_id = None
        self.text = ""
        self.units = []
        self.coverage = Coverage([])
        self._annotations = {}
        self.statuses = {}
        self.selection = None
        self.current_id = None
        self.reader.load("", [], [])
        self.annotation_list.load("", [])
        self.annotation_list.set_listing(False)
        self.form.show_annotation(None)
        self.form.set_document_open(False)
        self._announce_deletable()
        self.documentClosed.emit()

    # -- selection -------------------------------------------------------------------------

    def on_span_selected(self, start: int, end: int) -> None:
        if start < 0 or end <= start:
            self.selection = None
            self._show(None)
            return
        self.selection = (start, end)
        match = self._annotation_with_span(start, end)
        if match is not None and not self.is_hidden(match):
            self._show(match.id)
        else:
            self._show(None)
            self.form.show_selection(self.text[start:end])

    def on_annotation_activated(self, annotation_id: int) -> None:
        """A click on an annotation: where several authors annotated that very span, the
        analyst's own is the one selected."""
        view = self.annotations.get(annotation_id)
        if view is not None and not self.is_own(view):
            mine = self._own_with_span(view.start, view.end, shown_only=True)
            if mine is not None:
                annotation_id = mine.id
        self._show(annotation_id)

    def activate_annotation(self, annotation_id: int) -> None:
        view = self.annotations.get(annotation_id)
        if view is None:
            return
        self.reader.select_span(view.start, view.end, scroll=True, emit=False)
        self.selection = (view.start, view.end)
        self._show(annotation_id)

    def _show(self, annotation_id: int | None) -> None:
        self.current_id = annotation_id
        if annotation_id is not None:
            self.last_annotation_id = annotation_id
        self.reader.set_current_annotation(annotation_id)
        self.annotation_list.select(annotation_id)
        self._announce_deletable()
        view = self.annotations.get(annotation_id) if annotation_id is not None else None
        if view is None or self.is_own(view):
            self.form.show_annotation(view, self.text[view.start : view.end] if view else "")
            return
        mine = self._own_with_span(view.start, view.end)
        self.form.show_annotation(
            view,
            self.text[view.start : view.end],
            editable=False,
            own_tags=mine.tag_names if mine is not None else (),
        )

    # -- layers ----------------------------------------------------------------------------

    def own_layers(self) -> tuple[str, str]:
        """The authors whose annotations the analyst may change: theirs, and their
        adjudicated layer (review mode writes it)."""
        return (self.ctx.author, adjudicated_author(self.ctx.author))

    def is_own(self, view: AnnotationView) -> bool:
        return view.author in self.own_layers()

    def _own_with_span(
        self, start: int, end: int, *, shown_only: bool = False
    ) -> AnnotationView | None:
        """The analyst's own annotation over exactly [start, end) (the plain layer first),
        hidden by the reader's filter or not unless `shown_only`."""
        own = self.own_layers()
        mine = [
            v for v in self.annotations.values()
            if (v.start, v.end) == (start, end) and v.author in own
            and (not shown_only or self.shown(v))
        ]
        mine.sort(key=lambda v: (own.index(v.author), v.id))
        return mine[0] if mine else None

    def _refuse(self, view: AnnotationView) -> None:
        """Say, in the status bar only, that a colleague's annotation is not the analyst's to
        change: a status line, not a dialog, since nothing went wrong."""
        self.notice.emit(str(NotYourAnnotation(view.author)))

    def _editable(self, annotation_id: int) -> bool:
        """True when the analyst may change `annotation_id`; otherwise says why."""
        view = self.annotations.get(annotation_id)
        if view is not None and not self.is_own(view):
            self._refuse(view)
            return False
        return True

    # -- reader filter ---------------------------------------------------------------------

    def shown(self, view: AnnotationView) -> bool:
        """Whether the reader's status/author filter and the hidden tags and layers let
        `view` through (an annotation all of whose tags are hidden is hidden)."""
        status, author = self.reader_filter
        return (
            (author is None or view.author == author)
            and (status is None or self.statuses.get(view.id, "draft") == status)
            and not self.is_hidden(view)
        )

    def is_hidden(self, view: AnnotationView) -> bool:
        """Whether the analyst hid `view`'s layer, or every tag it has (View > Show ...)."""
        return view.author in self.hidden_authors or (
            bool(view.tag_names) and self.hidden_tags.issuperset(view.tag_names)
        )

    def filtering(self) -> bool:
        """True when the reader shows fewer annotations (or tags) than there are."""
        hiding = bool(self.hidden_tags) or bool(self.hidden_authors)
        return hiding or self.reader_filter != (None, None)

    def _painted(self, view: AnnotationView) -> PaintedAnnotation:
        """What the reader paints of `view`: its tags that are not hidden."""
        shown = painted(view)
        if self.hidden_tags and not self.hidden_tags.isdisjoint(shown.tags):
            tags = tuple(t for t in shown.tags if t not in self.hidden_tags)
            shown = PaintedAnnotation(shown.id, shown.start, shown.end, tags, shown.author)
        return shown

    def set_reader_filter(self, status: str | None, author: str | None) -> None:
        """Show only annotations of this review status and author (None: any)."""
        self.reader_filter = (status, author)
        self.repaint_shown()

    def set_hidden(self, tags: set[str], authors: set[str]) -> None:
        """Hide these tags and these authors' layers in the reader (nothing else changes)."""
        self.hidden_tags, self.hidden_authors = set(tags), set(authors)
        self.repaint_shown()
        self.visibilityChanged.emit()

    def repaint_shown(self) -> None:
        self.reader.replace_annotations(
            [self._painted(v) for v in self.annotations.values() if self.shown(v)]
        )
        if self.current_id is not None and self.reader.current_annotation is None:
            self._show(None)  # the annotation in the form was hidden

    def _annotation_with_span(self, start: int, end: int) -> AnnotationView | None:
        """The analyst's own annotation over exactly this span, else anyone's."""
        if self.filtering():  # hidden ones count too: no duplicates
            exact = [v for v in self.annotations.values() if (v.start, v.end) == (start, end)]
        else:
            exact = [
                v for v in self.reader.annotations_at(start) if (v.start, v.end) == (start, end)
            ]
        views = [self.annotations[v.id] for v in exact if v.id in self.annotations]
        # In review mode the analyst's adjudicated layer counts as their own.
        own = (self.ctx.author, adjudicated_author(self.ctx.author))
        mine = sorted((v for v in views if v.author in own), key=lambda v: own.index(v.author))
        return (mine or views or [None])[0]

    def target_annotation(self) -> AnnotationView | None:
        """The analyst's own annotation the next tag key applies to (None: a new one is
        created over `tag_span()`). A colleague's annotation is never the target."""
        current = self._current_view()
        if current is not None:
            return current if self.is_own(current) else self._own_with_span(*self.tag_span())
        if self.selection is not None:
            match = self._annotation_with_span(*self.selection)
            return match if match is not None and self.is_own(match) else None
        return None

    def _current_view(self) -> AnnotationView | None:
        """The annotation in the form, when the selection is still its span."""
        if self.current_id is None or self.current_id not in self.annotations:
            return None
        current = self.annotations[self.current_id]
        if self.selection is None or self.selection == (current.start, current.end):
            return current
        return None

    def tag_span(self) -> tuple[int, int]:
        """Where a tag key creates a new annotation: the selection, else the span of the
        (colleague's) annotation in the form. (-1, -1) when there is neither."""
        if self.selection is not None:
            return self.selection
        current = self._current_view()
        return (current.start, current.end) if current is not None else (-1, -1)

    # -- edits -----------------------------------------------------------------------------

    def toggle_tag(self, tag: str) -> None:
        if self.document_id is None:
            return
        self.showHiddenForEdit.emit(tag)  # never a silent edit of something hidden
        target = self.target_annotation()
        store = self.ctx.store
        if target is None:
            start, end = self.tag_span()
            if end <= start:
                # Nothing went wrong and nothing was lost: a hint, not a failure.
                self.notice.emit(NOTHING_TO_TAG)
                return
            values, suggested = suggested_fields(tag, self.text[start:end], self.grade_of)
            document_id = self.document_id

            author = self.ctx.author
            changes = self.ctx.edit_annotation(
                f"Tag {tag}",
                None,
                lambda: ops.create_annotation(
                    store,
                    document_id,
                    start,
                    end,
                    author,
                    [tag],
                    fields={tag: values},
                    suggested={tag: suggested},
                ),
            )
            if changes is not None and changes.created_id is not None:
                self.current_id = changes.created_id
                self._show(changes.created_id)
            return
        author = self.ctx.author
        if tag in target.tag_names:
            if len(target.tags) == 1 and not target.note:
                self.ctx.edit_annotation(
                    f"Remove {tag}",
                    target.id,
                    lambda: ops.delete_annotation(store, target.id, actor=author, owner=author),
                    gives_previous=True,
                    removes=True,
                )
            else:
                self.ctx.edit_annotation(
                    f"Remove {tag}",
                    target.id,
                    lambda: ops.set_tag(
                        store, target.id, tag, False, actor=author, owner=author
                    ),
                    gives_previous=True,
                )
            self._show_own(target.id)
            return
        sentence = self.text[target.start : target.end]
        values, suggested = suggested_fields(tag, sentence, self.grade_of)
        self.ctx.edit_annotation(
            f"Tag {tag}",
            target.id,
            lambda: ops.set_tag(
                store,
                target.id,
                tag,
                True,
                fields=values,
                suggested=suggested,
                actor=author,
                owner=author,
            ),
            gives_previous=True,
        )
        self._show_own(target.id)

    def _show_own(self, annotation_id: int) -> None:
        """After a tag key pressed on a colleague's annotation changed the analyst's own one of
        that text, show the analyst's (unless the change removed it)."""
        if annotation_id != self.current_id and annotation_id in self.annotations:
            self._show(annotation_id)

    def edit_fields(
        self, annotation_id: int, tag: str, values: dict[str, object], suggested: list[str]
    ) -> None:
        if not self._editable(annotation_id):
            return
        try:
            clean = validate_fields(tag, values)
        except AnnotatorError as exc:
            self.ctx.failed.emit(str(exc))
            return
        store, author = self.ctx.store, self.ctx.author
        self.ctx.edit_annotation(
            f"Edit {tag} fields",
            annotation_id,
            lambda: ops.set_fields(
                store, annotation_id, tag, clean, suggested, actor=author, owner=author
            ),
            gives_previous=True,
        )

    def edit_note(self, annotation_id: int, note: str) -> None:
        if not self._editable(annotation_id):
            return
        store, author = self.ctx.store, self.ctx.author
        self.ctx.edit_annotation(
            "Edit note",
            annotation_id,
            lambda: ops.set_note(store, annotation_id, note, actor=author, owner=author),
            gives_previous=True,
        )

    def move_to_selection(self) -> None:
        """Give the annotation last shown in the form the current selection as its span."""
        target = self.last_annotation_id
        if target is None or target not in self.annotations:
            self.notice.emit("Show an annotation in the form first, then select its new span.")
            return
        if not self._editable(target):
            return
        if self.selection is None:
            self.notice.emit("Select the new span first.")
            return
        self.move_span(target, *self.selection)
        self._show(target)

    def move_span(self, annotation_id: int, start: int, end: int) -> None:
        if not self._editable(annotation_id):
            return
        store, author = self.ctx.store, self.ctx.author
        self.ctx.edit_annotation(
            "Change span",
            annotation_id,
            lambda: ops.set_span(store, annotation_id, start, end, actor=author, owner=author),
            gives_previous=True,
        )

    def _delete_target(self) -> int | None:
        """The annotation Delete acts on: the one in the form, else the analyst's own
        annotation of the selection, unless the analyst hid it (nothing is deleted unseen)."""
        if self.current_id is not None:
            return self.current_id
        view = self.target_annotation()
        return view.id if view is not None and not self.is_hidden(view) else None

    def deletable(self) -> bool:
        """True when Delete has one of the analyst's own annotations to delete."""
        if self.document_id is None:
            return False
        target = self._delete_target()
        view = self.annotations.get(target) if target is not None else None
        return view is not None and self.is_own(view)

    def _announce_deletable(self) -> None:
        deletable = self.deletable()
        if deletable != self._deletable:
            self._deletable = deletable
            self.deletableChanged.emit(deletable)

    def delete_hint(self) -> str:
        """Why Delete has nothing to act on, for the status bar."""
        if self.document_id is None:
            return NO_DOCUMENT
        target = self._delete_target()
        view = self.annotations.get(target) if target is not None else None
        if view is not None and not self.is_own(view):
            return str(NotYourAnnotation(view.author))
        return NOTHING_TO_DELETE

    def delete_annotation(self, annotation_id: int | None = None) -> None:
        target = annotation_id if annotation_id is not None else self._delete_target()
        if target is None:
            self.notice.emit(NOTHING_TO_DELETE)
            return
        if not self._editable(target):
            return
        store, author = self.ctx.store, self.ctx.author
        annotation = target
        self.ctx.edit_annotation(
            "Delete annotation",
            annotation,
            lambda: ops.delete_annotation(store, annotation, actor=author, owner=author),
            gives_previous=True,
            removes=True,
        )

    # -- refresh ---------------------------------------------------------------------------

    def on_changes(self, changes: Changes) -> None:
        if self.document_id is None or self.document_id not in changes.documents:
            return
        if not changes.annotations:
            return
        given = changes.snapshot
        if given is not None and changes.annotations != {given.id}:
            given = None
        if given is not None:
            fresh = {given.id: view_of(given)}  # what the edit committed: no read-back
        elif changes.annotations <= self.ctx.removed:
            fresh = {}  # deleted by the edit: nothing to read
        else:
            fresh = annotations_by_id(self.ctx.store, changes.annotations)
        fresh = {k: v for k, v in fresh.items() if v.document_id == self.document_id}
        removed = [i for i in changes.annotations if i not in fresh and i in self.annotations]
        for annotation_id in changes.annotations:
            old = self.annotations.pop(annotation_id, None)
            if old is not None:
                self.coverage.add(old.start, old.end, -1)
        for view in fresh.values():
            self.coverage.add(view.start, view.end, +1)
        self.annotations.update(fresh)
        if given is not None:
            if given.id in fresh:
                self.statuses[given.id] = given.status
        elif fresh:
            for annotation_id, info in review_info(self.ctx.store, ids=fresh).items():
                self.statuses[annotation_id] = info.status
        self.progressChanged.emit(self.document_id, self.coverage.tagged, len(self.annotations))
        hidden = [v.id for v in fresh.values() if not self.shown(v)]
        self.reader.update_annotations(
            [self._painted(v) for v in fresh.values() if self.shown(v)], [*removed, *hidden]
        )
        self.annotation_list.update(list(fresh.values()), removed)
        if self.current_id in removed:
            self._show(None)
            if self.selection is not None:
                self.form.show_selection(self.text[self.selection[0] : self.selection[1]])
        elif self.current_id in fresh:
            self._show(self.current_id)
        elif len(fresh) == 1 and not removed:
            # An undo/redo brought an annotation back: show it where the analyst is looking.
            (view,) = fresh.values()
            if self.selection == (view.start, view.end):
                self._show(view.id)
        self._announce_deletable()

    def annotation_ids(self) -> Iterable[int]:
        return self.annotations.keys()
