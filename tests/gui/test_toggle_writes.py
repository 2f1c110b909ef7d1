"""A tag key is one short write: a few SQLAlchemy Core statements in one transaction with the
history row, nothing read back after the commit, the window refreshed from what was committed.

What was saved is checked through a fresh database connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from annotator.core.store import open_store
from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import SAMPLE, make_window, saved_rows, unit_containing


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "toggle.sqlite3"
    with open_store(path) as store:
        from annotator.core.importing import import_files

        assert all(o.ok for o in import_files(store, [SAMPLE]))
    return path


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db)
    yield win
    win.ctx.store.close()


class Statements:
    """The SQL the window's engine runs, and where its commits fall among it."""

    def __init__(self, window: MainWindow) -> None:
        self.engine = window.ctx.store.engine
        self.log: list[str] = []
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.log.append(statement.split()[0].upper())

    def _commit(self, _conn: Any) -> None:
        self.log.append("COMMIT")

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


def history(db: Path) -> list[tuple[str, str, Any, Any]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT action, actor, before, after FROM annotation_history ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    return [(a, who, json.loads(b) if b else None, json.loads(c) if c else None)
            for a, who, b, c in rows]


def test_a_tag_key_is_one_transaction_and_reads_nothing_back(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    start, end = unit_containing(window, "")
    window.reader.setFocus()
    window.reader.select_span(start, end)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)  # a new annotation, tagged claim
    annotation_id = window.workspace.current_id
    assert annotation_id is not None
    statements = Statements(window)
    try:
        qtbot.keyClick(window.reader, Qt.Key.Key_2)  # assessment added
        added = list(statements.log)
        statements.log.clear()
        qtbot.keyClick(window.reader, Qt.Key.Key_1)  # claim removed
        removed = list(statements.log)
    finally:
        statements.close()
    # Read the annotation with its tags and the tag's id in one statement; write the tag, the
    # time, the history row; commit. Nothing after the commit: the window shows what the write
    # handed back.
    for log in (added, removed):
        assert log == ["BEGIN", "SELECT", log[2], "UPDATE", "INSERT", "COMMIT"], log
    assert (added[2], removed[2]) == ("INSERT", "DELETE")

    view = window.workspace.annotations[annotation_id]
    assert view.tag_names == ("assessment",)
    assert [p.tags for p in window.reader.annotations() if p.id == annotation_id] == [
        ("assessment",)
    ]
    assert window.form.tag_buttons["assessment"].isChecked()
    assert not window.form.tag_buttons["claim"].isChecked()
    assert window.saved_label.text().startswith("Saved")
    assert saved_rows(db) == [(start, end, "Ana", "assessment")]
    actions = history(db)
    assert [a[:2] for a in actions] == [
        ("create", "Ana"), ("tag_add", "Ana"), ("tag_remove", "Ana")
    ]
    # Each row's "after" is the next one's "before": what the window kept is what was saved.
    assert actions[1][2] == actions[0][3] and actions[2][2] == actions[1][3]
    assert [t["name"] for t in actions[2][3]["tags"]] == ["assessment"]
    assert actions[2][3]["modified"] > actions[1][3]["modified"]

    # The last tag's key deletes the annotation: the window drops it without asking the
    # database whether it is gone.
    statements = Statements(window)
    try:
        qtbot.keyClick(window.reader, Qt.Key.Key_2)
        deleted = list(statements.log)
    finally:
        statements.close()
    assert deleted == ["BEGIN", "SELECT", "DELETE", "DELETE", "INSERT", "COMMIT"], deleted
    assert annotation_id not in window.workspace.annotations
    assert annotation_id not in {p.id for p in window.reader.annotations()}
    assert saved_rows(db) == []
    assert history(db)[-1][0] == "delete"

    # Undo puts back exactly what each key changed, newest first.
    window.ctx.undo_stack.undo()
    assert saved_rows(db) == [(start, end, "Ana", "assessment")]
    assert window.workspace.annotations[annotation_id].tag_names == ("assessment",)
    window.ctx.undo_stack.undo()
    assert saved_rows(db) == [(start, end, "Ana", "claim"), (start, end, "Ana", "assessment")]
    window.ctx.undo_stack.undo()
    assert saved_rows(db) == [(start, end, "Ana", "claim")]
    assert window.workspace.annotations[annotation_id].tag_names == ("claim",)
    window.ctx.undo_stack.redo()
    window.ctx.undo_stack.redo()
    window.ctx.undo_stack.redo()
    assert saved_rows(db) == []
    assert annotation_id not in window.workspace.annotations
