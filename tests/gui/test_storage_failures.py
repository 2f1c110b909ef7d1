"""The window when the database cannot be written: the analyst reads what happened and what to
do (never SQL or document text); an import stopped at a file keeps the files before it and
names those not tried."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy.exc import OperationalError

from annotator.core.importing import ImportOutcome
from annotator.core.store import Store
from annotator.gui.mainwindow import MainWindow
from annotator.gui.tasks import Task, run_batch
from tests.gui.test_mainwindow import click_unit, db, open_doc, saved_rows, window
from tests.storage_faults import (
    Faults,
    assert_plain,
    briefing,
    failing_from,
    faults,
    holding_write_lock,
)

__all__ = ["db", "faults", "window"]  # fixtures

SECRET = "Operation NIGHTJAR"


def message_box(window: MainWindow, name: str) -> QMessageBox | None:
    box = window.findChild(QMessageBox, name)
    return box if isinstance(box, QMessageBox) and box.isVisible() else None


def test_a_read_only_database_is_told_plainly_and_the_change_kept(
    qtbot: QtBot, faults: Faults, window: MainWindow, db: Path
) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    faults.read_only()
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert len(window.ctx.pending) == 1 and saved_rows(db) == []
    shown = window.statusBar().currentMessage()
    assert shown == (
        "Tag claim was not saved: the database file or its folder cannot be written "
        "(read-only); make it writable (its permissions, or a drive mounted read-only), or "
        "work on a copy in a writable folder (your change is kept and retried)"
    )
    qtbot.waitUntil(lambda: message_box(window, "errorBox") is not None)
    box = message_box(window, "errorBox")
    assert box is not None and box.text() == shown
    tooltip = window.pending_button.toolTip()
    assert tooltip.startswith("Tag claim: the database file or its folder cannot be written")
    for text in (shown, tooltip):
        assert_plain(text, "Local authorities reported")
    box.close()
    faults.clear()  # writable again: the kept change is written
    qtbot.mouseClick(window.pending_button, Qt.MouseButton.LeftButton)
    assert window.ctx.pending == [] and [row[3] for row in saved_rows(db)] == ["claim"]


def test_a_database_held_by_another_program_is_told_and_the_change_kept(
    qtbot: QtBot, faults: Faults, window: MainWindow, db: Path
) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    faults.impatient()
    with holding_write_lock(db):
        qtbot.keyClick(window.reader, Qt.Key.Key_3)
        assert len(window.ctx.pending) == 1
    assert window.statusBar().currentMessage() == (
        "Tag figure was not saved: another program (another Annotator window or command) is "
        "holding the database; your change is kept and saved when it has finished"
    )
    assert window.saved_label.text() == "Not saved"
    qtbot.mouseClick(window.pending_button, Qt.MouseButton.LeftButton)  # it has finished
    assert window.ctx.pending == [] and [row[3] for row in saved_rows(db)] == ["figure"]


def test_an_import_stopped_by_a_full_disk_keeps_the_files_before_it(
    qtbot: QtBot, faults: Faults, window: MainWindow, db: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = [briefing(tmp_path, f"{name}.txt", f"{name} {SECRET}") for name in "abcd"]
    failing_from(monkeypatch, "c.txt", faults.full)
    imported = window.import_paths(files)
    faults.clear()
    assert len(imported) == 2 and len(window.library.model.document_ids()) == 4
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute("SELECT source_name FROM documents ORDER BY id")]
    finally:
        conn.close()
    assert names[-2:] == ["a.txt", "b.txt"]
    box = message_box(window, "importStopped")
    assert box is not None
    assert box.text() == "The import stopped at c.txt: 2 file(s) imported, 1 not tried."
    assert box.informativeText() == (
        "c.txt: not imported: the disk is full; free some space; not tried: d.txt"
    )
    status = window.statusBar().currentMessage()
    assert status == f"Import stopped: {box.informativeText()}"
    assert message_box(window, "errorBox") is None  # one report, not two
    for text in (box.text(), box.informativeText(), status):
        assert_plain(text, SECRET)


def test_a_stopped_batch_names_its_file_and_those_not_tried(
    window: MainWindow, tmp_path: Path
) -> None:
    paths = [tmp_path / f"{name}.sqlite3" for name in "abc"]

    def merge_one(_store: Store, path: Path) -> ImportOutcome:
        if path.name == "b.sqlite3":
            raise OperationalError(
                f"INSERT INTO annotations (note) VALUES ('{SECRET}')", (SECRET,),
                sqlite3.OperationalError("database or disk is full"),
            )
        return ImportOutcome(path=path)

    run = run_batch(window, window.ctx.store.path, "Merging", paths, merge_one)
    assert [o.path for o in run.results] == paths[:1]
    assert run.stopped_at == paths[1] and run.not_tried == paths[2:]
    assert run.error == "Merging stopped at b.sqlite3: the disk is full; free some space"


def test_a_task_failure_names_the_error_class_only(qtbot: QtBot) -> None:
    def work(_progress: object) -> None:
        raise OperationalError(
            f"SELECT * FROM documents WHERE text = '{SECRET}'", (SECRET,),
            sqlite3.OperationalError("no such function: odd"),
        )

    def disk_full(_progress: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/exports/out.csv")

    for job, expected in (
        (work, "Exporting stopped: an unexpected database error (OperationalError)"),
        (disk_full, "Stopped: /exports/out.csv: the disk is full; free some space"),
    ):
        task = Task(job, action="Exporting stopped") if job is work else Task(job)
        with qtbot.waitSignal(task.failed) as failed:
            task.start()
        task.wait()
        assert failed.args == [expected]
