"""Bulk edit from the window (what the annotations table calls): one undo step, colleagues'
annotations untouched, a failed write reported and not pushed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.bulk_edit import read_snapshots
from annotator.core.bulk_edits import AddTag, SetField, SetStatus, summary
from annotator.core.facts import AnnotationSnapshot, Changes
from annotator.core.settings import Settings
from annotator.core.store import Store, open_store
from annotator.gui.bulk_edit import BulkEditor
from annotator.gui.context import AppContext
from tests.documents import add_text_document
from tests.storage_faults import Faults, faults

__all__ = ["faults"]  # fixture

TEXT = "One claim here. Another claim there. The end."


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    store = open_store(tmp_path / "bulk.sqlite3")
    context = AppContext(store, Settings(author="ana"))
    yield context
    context.undo_stack.clear()
    store.close()


def _ids(store: Store) -> list[int]:
    doc = add_text_document(
        store, TEXT, [(0, 15, "sentence"), (16, 36, "sentence"), (37, 45, "sentence")]
    )
    made = [
        ops.create_annotation(store, doc, 0, 15, author, ["assessment"]).created_id
        for author in ("ana", "ana", "ben")
    ]
    return [i for i in made if i is not None]


def _state(store: Store, ids: list[int]) -> dict[int, AnnotationSnapshot]:
    with store.read() as session:
        return read_snapshots(session.connection(), ids)


class _Seen(QObject):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.changes: list[Changes] = []
        self.failures: list[str] = []
        ctx.changed.connect(self.changes.append)
        ctx.failed.connect(self.failures.append)


def test_one_undo_step_restores_every_annotation(qtbot: QtBot, ctx: AppContext) -> None:
    ids = _ids(ctx.store)
    seen = _Seen(ctx)
    original = _state(ctx.store, ids)
    result = BulkEditor(ctx).apply(ids, SetField("assessment", "likelihood", "likely"))
    assert result is not None and result.changed == 2 and result.colleagues == 1
    assert summary(result) == (
        "2 annotations changed. 1 annotation of colleagues was left unchanged "
        "(each analyst's layer is theirs)."
    )
    assert ctx.undo_stack.count() == 1
    assert ctx.undo_stack.undoText() == "Set likelihood (2 annotations)"
    assert seen.changes[-1].annotations == set(ids[:2])
    edited = _state(ctx.store, ids)
    assert edited[ids[2]] == original[ids[2]]
    ctx.undo_stack.undo()
    assert _state(ctx.store, ids) == original
    assert seen.changes[-1].annotations == set(ids[:2])  # the views are told
    ctx.undo_stack.redo()
    assert _state(ctx.store, ids) == edited
    assert seen.failures == []


def test_nothing_changed_is_not_pushed(qtbot: QtBot, ctx: AppContext) -> None:
    ids = _ids(ctx.store)
    result = BulkEditor(ctx).apply(ids[2:], AddTag("claim"))  # only ben's
    assert result is not None and result.changed == 0 and result.colleagues == 1
    assert ctx.undo_stack.count() == 0


def test_invalid_value_is_reported_and_nothing_written(qtbot: QtBot, ctx: AppContext) -> None:
    ids = _ids(ctx.store)
    seen = _Seen(ctx)
    original = _state(ctx.store, ids)
    assert BulkEditor(ctx).apply(ids, SetField("assessment", "likelihood", "maybe")) is None
    assert seen.failures == [
        "Set likelihood (3 selected) was not applied: Likelihood: 'maybe' is not one of "
        "almost_no_chance, very_unlikely, unlikely, roughly_even_chance, likely, very_likely, "
        "almost_certain"
    ]
    assert _state(ctx.store, ids) == original and ctx.undo_stack.count() == 0


def test_failed_write_is_reported_not_pushed(qtbot: QtBot, ctx: AppContext, faults: Faults) -> None:
    ids = _ids(ctx.store)
    seen = _Seen(ctx)
    original = _state(ctx.store, ids)
    faults.read_only()
    assert BulkEditor(ctx).apply(ids, SetStatus("submitted")) is None
    faults.clear()
    assert len(seen.failures) == 1
    assert seen.failures[0].startswith("Mark submitted (3 selected) was not saved: ")
    assert "SQL" not in seen.failures[0]
    assert _state(ctx.store, ids) == original and ctx.undo_stack.count() == 0


def test_in_the_window_the_open_document_follows_the_edit_and_its_undo(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from annotator.core.importing import import_files
    from annotator.gui.mainwindow import MainWindow
    from tests.gui.test_mainwindow import SAMPLE, make_window, open_doc

    db = tmp_path / "gui.sqlite3"
    with open_store(db) as store:
        assert all(o.ok for o in import_files(store, [SAMPLE]))
        doc = store_document(store)
        made = [
            ops.create_annotation(store, doc, start, start + 10, author, ["claim"]).created_id
            for start, author in ((0, "Ana"), (20, "Ana"), (40, "Ben"))
        ]
    ids = [i for i in made if i is not None]
    window: MainWindow = make_window(qtbot, db, author="Ana")
    open_doc(window, SAMPLE.name)

    def names() -> list[tuple[str, ...]]:
        return [window.workspace.annotations[i].tag_names for i in ids]

    assert names() == [("claim",)] * 3
    result = BulkEditor(window.ctx).apply(ids, AddTag("figure"))
    assert result is not None and (result.changed, result.colleagues) == (2, 1)
    assert names() == [("claim", "figure"), ("claim", "figure"), ("claim",)]
    undo = window.actions_by_name["undo"]
    assert undo.text().replace("&", "") == "Undo Add tag figure (2 annotations)"
    undo.trigger()
    assert names() == [("claim",)] * 3
    window.actions_by_name["redo"].trigger()
    assert names() == [("claim", "figure"), ("claim", "figure"), ("claim",)]


def store_document(store: Store) -> int:
    with store.read() as session:
        from sqlalchemy import select

        from annotator.core.model import Document

        found = session.scalar(select(Document.id))
    assert found is not None
    return found


def test_not_applied_while_kept_edits_wait(qtbot: QtBot, ctx: AppContext) -> None:
    from annotator.gui.context import PendingEdit

    ids = _ids(ctx.store)
    seen = _Seen(ctx)
    original = _state(ctx.store, ids)
    ctx.pending.append(PendingEdit("Tag claim", ids[0], lambda: Changes(), "read-only"))
    assert BulkEditor(ctx).apply(ids, AddTag("claim")) is None
    assert seen.failures == [
        "Add tag claim (3 selected) was not applied: some changes are still waiting to be saved."
    ]
    assert _state(ctx.store, ids) == original and ctx.undo_stack.count() == 0
    ctx.pending.clear()
