"""Bulk edit from the window: what the annotations table calls on its selected rows.

`BulkEditor(ctx).apply(ids, edit)` runs `core.bulk_edit.bulk_edit` as the analyst at the
window (`ctx.author`): one committed transaction, one step on the undo stack
(`undo.BulkEditCommand`), the views told through `ctx.changed`. A failure is reported through
`ctx.failed` (nothing was written) and nothing is pushed; an edit that changed nothing (all
colleagues', or all already so) is not pushed either. `summary(result)` is the line to show,
with "N annotations of colleagues were left unchanged".

Unlike a single annotation's edit, a bulk edit that fails to save is not kept to be retried
(`ctx.pending`): the analyst sees the message and applies it again from the table, as for the
removal of a document. Nor does it run while kept edits wait, so that edits keep their order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from annotator.core.bulk_edits import BulkResult, Edit, describe
from annotator.core.bulk_edits import summary as summary
from annotator.core.errors import AnnotatorError
from annotator.core.storage_errors import describe_storage_error
from annotator.gui import deferred
from annotator.gui.context import AppContext, failures, storage_errors
from annotator.gui.undo import BulkEditCommand

if TYPE_CHECKING:
    from annotator.core.bulk_edit import bulk_edit, restore_snapshots
    from annotator.core.facts import AnnotationSnapshot
else:  # deferred: loads SQLAlchemy, which the window is shown without (issue 15)
    bulk_edit, restore_snapshots = deferred.functions(
        "annotator.core.bulk_edit", "bulk_edit", "restore_snapshots"
    )


class BulkEditor:
    """Bulk edits of the open database, undoable, as the analyst at the window."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def apply(self, ids: Iterable[int], edit: Edit) -> BulkResult | None:
        """Apply `edit` to the analyst's own annotations among `ids`; the result (also when it
        changed nothing), or None with the reason reported through `ctx.failed`."""
        ctx = self.ctx
        wanted = list(ids)
        text = f"{describe(edit)} ({len(wanted)} selected)"
        if ctx.pending:
            ctx.failed.emit(f"{text} was not applied: some changes are still waiting to be saved.")
            return None
        try:
            result = bulk_edit(ctx.store, wanted, ctx.author, edit)
        except storage_errors() as exc:
            ctx.failed.emit(describe_storage_error(exc, f"{text} was not saved"))
            return None
        except failures() as exc:
            ctx.failed.emit(_message(exc, text))
            return None
        if result.after:
            ctx.undo_stack.push(
                BulkEditCommand(
                    f"{describe(edit)} ({_count(result.changed)})",
                    self,
                    result.before,
                    result.after,
                )
            )
            ctx.apply(result.changes)
        return result

    def restore_all(self, snapshots: Sequence[AnnotationSnapshot]) -> None:
        """Used by undo and redo: every annotation back as snapshotted, in one transaction."""
        ctx = self.ctx
        ctx.run(lambda: restore_snapshots(ctx.store, snapshots, actor=ctx.author))


def _count(number: int) -> str:
    return "1 annotation" if number == 1 else f"{number} annotations"


def _message(exc: BaseException, text: str) -> str:
    if isinstance(exc, AnnotatorError):
        return f"{text} was not applied: {exc}"
    return describe_storage_error(exc, f"{text} was not saved")
