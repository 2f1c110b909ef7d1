"""The window folds the search indexes' backlog in idle time (gui/search_folding.py): what a
bulk write left queued (core/search_index.py) is folded in short transactions after the
window opens, after a bulk write of its own, never waiting for another process's lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.core import ops, search_index
from annotator.core.search import search
from annotator.core.store import open_store
from annotator.gui import search_folding
from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import SAMPLE, make_window


def pending(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM search_pending").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def _small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "OWN_ROWS_FOLDED", 3)  # any import is a bulk write
    monkeypatch.setattr(search_folding, "ROWS_PER_STEP", 5)  # many steps, so many slices
    monkeypatch.setattr(search_folding, "RETRY_MS", 50)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "folding.sqlite3"
    with open_store(path) as store:
        from annotator.core.importing import import_files

        assert all(o.ok for o in import_files(store, [SAMPLE]))
    assert pending(path) > 10  # the import's sentences wait for the window
    return path


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db)
    yield win
    win.ctx.store.close()


def test_the_backlog_is_folded_in_idle_steps_after_the_window_opens(
    qtbot: QtBot, db: Path
) -> None:
    queued = pending(db)
    with open_store(db) as store:
        found = search(store, "the")  # the queued rows are read directly
    window = make_window(qtbot, db)
    try:
        assert pending(db) > 0  # not folded while the window opens
        qtbot.waitUntil(lambda: pending(db) == 0, timeout=20_000)
        qtbot.waitUntil(lambda: not window.search_folding.busy(), timeout=5_000)
        assert window.search_folding.folded == queued
        assert search(window.ctx.store, "the") == found
    finally:
        window.ctx.store.close()


def test_a_window_shown_before_its_database_folds_the_backlog_once_it_is_open(
    qtbot: QtBot, db: Path
) -> None:
    """`app.launch` shows the window before it opens the database (issue 15): search folding
    is installed when the database is open (gui/when_open.py) and folds the backlog then."""
    from annotator.core.settings import Settings
    from annotator.gui.app import launch

    queued = pending(db)
    window = launch(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    try:
        assert window.search_folding is None  # nothing to fold without a database
        qtbot.waitUntil(window.database_ready, timeout=20_000)
        assert window.search_folding is not None
        qtbot.waitUntil(lambda: pending(db) == 0, timeout=20_000)
        qtbot.waitUntil(lambda: not window.search_folding.busy(), timeout=5_000)
        assert window.search_folding.folded == queued
    finally:
        window.close()
        if window.ctx.store is not None:
            window.ctx.store.close()


def test_a_bulk_write_of_the_window_is_folded_after_it(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    qtbot.waitUntil(lambda: pending(db) == 0, timeout=20_000)
    store = window.ctx.store
    doc = window.workspace.document_id
    assert doc is not None
    ops.bulk_add_annotations(
        store, doc, [ops.NewAnnotation(i, i + 3, "Ana", ["claim"], "", {}) for i in range(6)]
    )
    assert pending(db) == 6 and store.search_backlog_left
    window.ctx.saved.emit()  # what the window's writes signal once committed
    assert window.search_folding.busy()
    qtbot.waitUntil(lambda: pending(db) == 0, timeout=20_000)
    assert not store.search_backlog_left


def test_folding_never_waits_for_another_writer(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    qtbot.waitUntil(lambda: pending(db) == 0, timeout=20_000)
    doc = window.workspace.document_id
    assert doc is not None
    ops.bulk_add_annotations(
        window.ctx.store,
        doc,
        [ops.NewAnnotation(i, i + 3, "Ana", ["claim"], "", {}) for i in range(6)],
    )
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process writing for a while
        queued = pending(db)
        window.ctx.saved.emit()
        qtbot.waitUntil(window.search_folding.retry.isActive, timeout=5_000)
        qtbot.wait(200)  # several tries meanwhile, each giving way at once
        assert pending(db) == queued
        other.execute("ROLLBACK")
    finally:
        other.close()
    qtbot.waitUntil(lambda: pending(db) == 0, timeout=20_000)


def test_folding_stops_when_the_store_is_closed(qtbot: QtBot, db: Path) -> None:
    window = make_window(qtbot, db)
    left = pending(db)
    assert left > 0
    window.ctx.store.close()  # as the window does when it closes, folding or not
    qtbot.wait(100)  # the idle steps that would have run
    assert pending(db) == left
    assert not window.search_folding.busy()
