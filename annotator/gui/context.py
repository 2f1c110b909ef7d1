"""The application context passed explicitly to every window part (no globals).

It owns the open store, the settings, the undo stack, and broadcasts `Changes` after each
committed operation so that views refresh only what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from annotator.core.errors import AnnotatorError
from annotator.core.settings import Settings, save_settings
from annotator.gui import deferred
from annotator.gui.undo import AnnotationCommand, DocumentRemovalCommand

if TYPE_CHECKING:
    from annotator.core import ops
    from annotator.core.facts import AnnotationSnapshot, Changes, RemovedDocument
    from annotator.core.removal import remove_document, restore_document
    from annotator.core.storage_errors import describe_storage_error, storage_problem
    from annotator.core.store import Store
else:  # deferred: these load SQLAlchemy, which the window is shown without (issue 15)
    ops = deferred.module("annotator.core.ops")
    # (not SQLAlchemy: only a failure needs them)
    describe_storage_error, storage_problem = deferred.functions(
        "annotator.core.storage_errors", "describe_storage_error", "storage_problem"
    )
    remove_document, restore_document = deferred.functions(
        "annotator.core.removal", "remove_document", "restore_document"
    )


@dataclass
class PendingEdit:
    """An edit whose write failed (disk full, read-only file...), kept to be retried."""

    text: str
    annotation_id: int | None
    operation: Callable[[], Changes]
    error: str  # what stops it and what to do, for the analyst (never the SQL)
    gives_previous: bool = False
    removes: bool = False
    offline: bool = False  # the team database's server could not be reached


def storage_errors() -> tuple[type[BaseException], ...]:
    """Failures of the storage itself: the edit is kept and retried. Anything else (an invalid
    value, a deleted annotation) is the analyst's to fix and is only reported.

    A function, not a constant: SQLAlchemy is imported when the database is opened, after the
    window is shown; these are only caught once it is open (so it is loaded).
    """
    from sqlalchemy.exc import DatabaseError, OperationalError

    return (OperationalError, DatabaseError, OSError)


def failures() -> tuple[type[BaseException], ...]:
    """What an operation raises that is reported, not kept: the analyst's to fix."""
    from sqlalchemy.exc import SQLAlchemyError  # loaded already: see storage_errors

    return (AnnotatorError, SQLAlchemyError)


class AppContext(QObject):
    changed = Signal(object)  # Changes
    saved = Signal()  # a write was committed
    failed = Signal(str)  # a write failed; the message is for the analyst
    troubled = Signal(str)  # something failed that is not an annotation change (settings)
    storeReplaced = Signal()  # another database was opened
    pendingChanged = Signal(int)  # number of edits waiting to be written
    documentRestored = Signal(int)  # a removed document was put back (undo)

    def __init__(
        self, store: Store | None, settings: Settings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        # None only while the window opens its first database (app.launch): the window is
        # shown first, and what needs the store waits for it (MainWindow.database_ready).
        self.store: Store = store  # type: ignore[assignment]
        self.settings = settings
        self.undo_stack = QUndoStack(self)
        self.pending: list[PendingEdit] = []
        # While `changed` is emitted for an edit that deleted an annotation: its id, so that
        # views drop it without reading the database to learn that it is gone.
        self.removed: frozenset[int] = frozenset()

        # the role the open file synced with a team database as (core/sync_mine.py), read
        # once per store: (the store, the role or None)
        self._synced: tuple[Store, str | None] | None = None

    @property
    def author(self) -> str:
        """Who writes: on a team database the connected role (the server enforces it); in a
        file that synced with one as a single role, that role (what it writes is pushed, and
        the layer it took as the role's stays editable); else the name in Preferences."""
        user = self.store.user if self.store is not None else None
        return user or self.synced_role() or self.settings.author or "analyst"

    def synced_role(self) -> str | None:
        """The role the open file synced as, if always the same one (None: not synced)."""
        store = self.store
        if store is None or store.on_server:
            return None
        if self._synced is None or self._synced[0] is not store:
            from annotator.core.sync_mine import synced_role

            try:
                role = synced_role(store)
            except (*failures(), OSError):
                role = None  # unreadable now: the Preferences name, as before any sync
            self._synced = (store, role)
        return self._synced[1]

    def forget_synced_role(self) -> None:
        """The open file synced: read its role again."""
        self._synced = None

    def save_settings(self) -> None:
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.troubled.emit(describe_storage_error(exc, "Settings could not be saved"))

    def replace_store(self, store: Store) -> None:
        old = self.store
        self.store = store
        self.undo_stack.clear()
        if old is not None:  # None: the first database of a window shown before it opened
            old.close()
        self.settings.remember_database(store.location)
        self.save_settings()
        self.storeReplaced.emit()

    def apply(self, changes: Changes) -> None:
        self.saved.emit()
        self.changed.emit(changes)

    def run(self, operation: Callable[[], Changes]) -> Changes | None:
        """Run one committed operation; report a failure instead of raising."""
        try:
            changes = operation()
        except (*failures(), OSError) as exc:
            self.failed.emit(_message(exc))
            return None
        self.apply(changes)
        return changes

    def edit_annotation(
        self,
        text: str,
        annotation_id: int | None,
        operation: Callable[[], Changes],
        *,
        gives_previous: bool = False,
        removes: bool = False,
    ) -> Changes | None:
        """Run an operation on one annotation and push it on the undo stack.

        With `gives_previous`, the operation returns the annotation as it was
        (`Changes.previous`, read in its own transaction), so undo needs no read beforehand:
        the tag toggles and form edits, which must feel instant. With `removes`, the operation
        deletes the annotation: nothing is read back after it.
        """
        if self.pending:
            # Keep the order of edits: a later edit waits behind one that could not be saved.
            self.pending.append(
                PendingEdit(text, annotation_id, operation, "waiting", gives_previous, removes)
            )
            self.pendingChanged.emit(len(self.pending))
            self.retry_pending()
            return None
        try:
            return self._edit(text, annotation_id, operation, gives_previous, removes)
        except storage_errors() as exc:
            problem = storage_problem(exc)
            self.pending.append(
                PendingEdit(
                    text, annotation_id, operation, problem.line(), gives_previous, removes,
                    problem.kind is _offline(),
                )
            )
            self.pendingChanged.emit(len(self.pending))
            self.failed.emit(describe_storage_error(exc, f"{text} was not saved", kept=True))
        except failures() as exc:
            self.failed.emit(_message(exc))
        return None

    def _edit(
        self,
        text: str,
        annotation_id: int | None,
        operation: Callable[[], Changes],
        gives_previous: bool = False,
        removes: bool = False,
    ) -> Changes:
        before = (
            ops.snapshot_annotation(self.store, annotation_id)
            if annotation_id is not None and not gives_previous
            else None
        )
        changes = operation()
        if annotation_id is not None and gives_previous:
            before = changes.previous
            if before is None or before.id != annotation_id:  # not an operation that gives it
                self.apply(changes)
                self.failed.emit(f"{text}: saved, but it cannot be undone")
                return changes
        target = annotation_id if annotation_id is not None else changes.created_id
        # The operation usually hands back what it committed; otherwise read it back.
        given = changes.snapshot
        if removes and annotation_id is not None:
            after = None
        elif given is not None and given.id == target:
            after = given
        else:
            after = _snapshot_or_none(self.store, target)
        self.undo_stack.push(AnnotationCommand(text, self, before, after))
        if removes and annotation_id is not None and after is None:
            self.removed = frozenset({annotation_id})
        try:
            self.apply(changes)
        finally:
            self.removed = frozenset()
        return changes

    def pending_label(self) -> str:
        """What the status bar says of the kept edits (retried every few seconds)."""
        count = len(self.pending)
        if self.pending and self.pending[0].offline:  # a team database's server went away
            return f"Offline, {count} change(s) waiting — Retry now"
        return f"{count} change(s) not saved — Retry now"

    def retry_pending(self) -> int:
        """Try to write the kept edits, oldest first; returns how many are still waiting."""
        while self.pending:
            edit = self.pending[0]
            try:
                self._edit(
                    edit.text, edit.annotation_id, edit.operation, edit.gives_previous,
                    edit.removes,
                )
            except storage_errors() as exc:
                problem = storage_problem(exc)
                edit.error, edit.offline = problem.line(), problem.kind is _offline()
                break
            except failures() as exc:
                self.failed.emit(
                    describe_storage_error(exc, f"A kept change could not be applied ({edit.text})")
                )
            self.pending.pop(0)
        self.pendingChanged.emit(len(self.pending))
        return len(self.pending)

    def restore(self, target: AnnotationSnapshot | None, other: AnnotationSnapshot | None) -> None:
        """Used by undo/redo: put `target` back, or delete `other` when target is None."""
        if target is not None:
            self.run(lambda: ops.restore_annotation(self.store, target, actor=self.author))
        elif other is not None:
            self.run(lambda: ops.delete_annotation(self.store, other.id, actor=self.author))

    # -- documents ---------------------------------------------------------------------------

    def remove_document(self, document_id: int) -> RemovedDocument | None:
        """Remove a document (undoable); None, with the reason reported, when it cannot be."""
        if self.pending:
            self.failed.emit(
                "The document was not removed: some changes are still waiting to be saved."
            )
            return None
        removed = self._remove(document_id)
        if removed is not None:
            self.undo_stack.push(
                DocumentRemovalCommand(f"Remove “{_short(removed.title)}”", self, removed)
            )
        return removed

    def remove_again(self, removed: RemovedDocument) -> RemovedDocument | None:
        """Used by redo: remove the document again; None (reported) when it cannot be."""
        return self._remove(removed.document_id)

    def _remove(self, document_id: int) -> RemovedDocument | None:
        try:
            removed = remove_document(self.store, document_id)
        except (*failures(), OSError) as exc:
            self.failed.emit(_message(exc))
            return None
        self.apply(removed.changes)
        return removed

    def put_back(self, removed: RemovedDocument) -> None:
        """Used by undo."""
        if self.run(lambda: restore_document(self.store, removed)) is not None:
            self.documentRestored.emit(removed.document_id)


def _short(title: str, limit: int = 32) -> str:
    """A title short enough for the Undo/Redo menu entries and toolbar buttons."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut[limit // 2 :]:  # end on a whole word when one ends late enough
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def _snapshot_or_none(store: Store, annotation_id: int | None) -> AnnotationSnapshot | None:
    if annotation_id is None:
        return None
    try:
        return ops.snapshot_annotation(store, annotation_id)
    except AnnotatorError:
        return None


def _message(exc: BaseException) -> str:
    if isinstance(exc, AnnotatorError):
        return str(exc)
    return describe_storage_error(exc, "The change could not be saved")


def _offline() -> Any:
    """storage_errors.Problem.OFFLINE (its module loads at the first failure, not at start)."""
    from annotator.core.storage_errors import Problem

    return Problem.OFFLINE
