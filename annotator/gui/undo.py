"""Undoable edits: every annotation change is one QUndoCommand over `core.ops`, and so is the
removal of a document (`DocumentRemovalCommand`, over `core.removal`) and a bulk edit of many
annotations (`BulkEditCommand`, over `core.bulk_edit`).

Each command keeps a snapshot of the annotation before and after the change (None when it did
not exist), so undo and redo put the right snapshot back under the same id. The first `redo()`
is skipped because the change was applied (and committed) before the command was pushed: a
change that fails to save is never put on the stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from annotator.core.facts import AnnotationSnapshot, RemovedDocument


class Restorer(Protocol):
    def restore(
        self, target: AnnotationSnapshot | None, other: AnnotationSnapshot | None
    ) -> None: ...


class BulkRestorer(Protocol):
    def restore_all(self, snapshots: Sequence[AnnotationSnapshot]) -> None: ...


class DocumentRestorer(Protocol):
    def remove_again(self, removed: RemovedDocument) -> RemovedDocument | None: ...

    def put_back(self, removed: RemovedDocument) -> None: ...


class _DoneCommand(QUndoCommand):
    """A change already applied and committed when pushed: the push's `redo()` does nothing."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
        else:
            self.apply_again()

    def apply_again(self) -> None:
        raise NotImplementedError


class AnnotationCommand(_DoneCommand):
    def __init__(
        self,
        text: str,
        restorer: Restorer,
        before: AnnotationSnapshot | None,
        after: AnnotationSnapshot | None,
    ) -> None:
        super().__init__(text)
        self._restorer = restorer
        self.before = before
        self.after = after

    def apply_again(self) -> None:
        self._restorer.restore(self.after, self.before)

    def undo(self) -> None:
        self._restorer.restore(self.before, self.after)


class DocumentRemovalCommand(_DoneCommand):
    """A removed document: undo writes back every row removed, redo removes it again."""

    def __init__(self, text: str, restorer: DocumentRestorer, removed: RemovedDocument) -> None:
        super().__init__(text)
        self._restorer = restorer
        self.removed = removed

    def apply_again(self) -> None:
        # What is removed now is what the next undo puts back (another window may have
        # edited the document since the last undo).
        self.removed = self._restorer.remove_again(self.removed) or self.removed

    def undo(self) -> None:
        self._restorer.put_back(self.removed)


class BulkEditCommand(_DoneCommand):
    """One bulk edit, one step: undo puts every changed annotation back as it was (`before`),
    redo as the edit left it (`after`), each in one transaction."""

    def __init__(
        self,
        text: str,
        restorer: BulkRestorer,
        before: Sequence[AnnotationSnapshot],
        after: Sequence[AnnotationSnapshot],
    ) -> None:
        super().__init__(text)
        self._restorer = restorer
        self.before = tuple(before)
        self.after = tuple(after)

    def apply_again(self) -> None:
        self._restorer.restore_all(self.after)

    def undo(self) -> None:
        self._restorer.restore_all(self.before)
