"""Imports and merges run off the GUI thread: the window keeps painting, shows progress, stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.core.importing import ImportOutcome, import_files
from annotator.core.store import Store
from annotator.gui import documents
from annotator.gui.mainwindow import MainWindow
from annotator.gui.tasks import BatchProgress, run_batch
from tests.gui.test_mainwindow import db, window

__all__ = ["db", "window"]  # fixtures shared with the main window tests


def briefs(folder: Path, count: int) -> list[Path]:
    paths = []
    for index in range(count):
        path = folder / f"brief-{index}.txt"
        path.write_text(f"Brief {index}\n\nOfficials reported {index} attacks.\n", "utf-8")
        paths.append(path)
    return paths


def slow_import(
    seconds: float, threads: list[threading.Thread]
) -> Callable[[Store, list[Path]], list[ImportOutcome]]:
    """import_files, taking `seconds` longer per call, noting the thread it runs in."""

    def run(store: Store, paths: list[Path]) -> list[ImportOutcome]:
        threads.append(threading.current_thread())
        time.sleep(seconds)
        return import_files(store, paths)

    return run


class Gate:
    """Holds each file of a batch in the worker until the GUI thread has seen what the test
    waits for, so that no check depends on how fast a busy machine is. A file is let go after
    at most a minute, so that a broken window fails the test instead of hanging it."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.arrived: list[threading.Event] = []
        self.released: list[threading.Event] = []
        self._lock = threading.Lock()

    def _events(self, index: int) -> tuple[threading.Event, threading.Event]:
        with self._lock:
            while len(self.arrived) <= index:
                self.arrived.append(threading.Event())
                self.released.append(threading.Event())
            return self.arrived[index], self.released[index]

    def waiting(self) -> int | None:
        """The file (0-based) the worker is holding, if any."""
        with self._lock:
            for index, (arrived, released) in enumerate(
                zip(self.arrived, self.released, strict=True)
            ):
                if arrived.is_set() and not released.is_set():
                    return index
        return None

    def release(self, index: int) -> None:
        self._events(index)[1].set()

    def import_files(self, store: Store, paths: list[Path]) -> list[ImportOutcome]:
        index = len(self.threads)
        self.threads.append(threading.current_thread())
        arrived, released = self._events(index)
        arrived.set()
        released.wait(60)
        return import_files(store, paths)


def progress_dialog() -> BatchProgress | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, BatchProgress) and widget.isVisible():
            return widget
    return None


def test_import_runs_in_a_worker_while_the_window_keeps_working(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(documents, "import_files", gate.import_files)
    ticks: list[int] = [0, 0]  # event-loop turns seen while the worker held each file
    seen: list[str] = []
    bars: list[tuple[int, int]] = []

    def look() -> None:
        held = gate.waiting()
        if held is None:
            return
        ticks[held] += 1
        dialog = progress_dialog()
        if dialog is None:
            return
        seen.append(dialog.label.text())
        bars.append((dialog.bar.minimum(), dialog.bar.maximum()))
        if ticks[held] >= 5 and f"({held + 1} of 2)" in dialog.label.text():
            gate.release(held)

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(20)
    imported = window.import_paths(briefs(tmp_path, 2))
    timer.stop()
    assert len(imported) == 2 and len(window.library.model.document_ids()) == 4
    assert gate.threads and all(t is not threading.main_thread() for t in gate.threads)
    assert min(ticks) >= 5, "the event loop ran while each file was being read"
    # It appears after a moment and names the file being read.
    assert "Importing: brief-1.txt (2 of 2)…" in seen
    assert set(bars) == {(0, 2)}


def test_a_single_slow_file_shows_a_busy_bar(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(documents, "import_files", gate.import_files)
    ranges: list[tuple[int, int]] = []

    def look() -> None:
        dialog = progress_dialog()
        if dialog is not None and gate.waiting() == 0:
            ranges.append((dialog.bar.minimum(), dialog.bar.maximum()))
            gate.release(0)

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(20)
    assert len(window.import_paths(briefs(tmp_path, 1))) == 1
    timer.stop()
    assert ranges and set(ranges) == {(0, 0)}
    assert progress_dialog() is None


def test_cancel_stops_before_the_next_file_and_keeps_what_was_done(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(documents, "import_files", gate.import_files)
    stopping: list[str] = []

    def cancel_during_the_second_file() -> None:
        held = gate.waiting()
        dialog = progress_dialog()
        if held == 0:
            gate.release(0)
        if held != 1 or dialog is None or "(2 of 4)" not in dialog.label.text():
            return
        dialog.cancel_button.click()
        stopping.append(dialog.label.text())
        assert dialog.isVisible() and not dialog.cancel_button.isEnabled()
        timer.stop()
        gate.release(1)

    timer = QTimer()
    timer.timeout.connect(cancel_during_the_second_file)
    timer.start(20)
    imported = window.import_paths(briefs(tmp_path, 4))
    timer.stop()
    assert len(imported) == 2
    assert len(window.library.model.document_ids()) == 4
    assert stopping == ["Stopping after the file being read…"]
    assert "Import stopped: 2 of 4 file(s) handled" in window.statusBar().currentMessage()


def test_a_batch_that_cannot_open_the_database_says_why(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    not_a_database = tmp_path / "notes.sqlite3"
    not_a_database.write_bytes(b"these are not the droids" * 100)
    calls: list[Path] = []
    run = run_batch(
        window, not_a_database, "Importing", briefs(tmp_path, 1),
        lambda _store, path: calls.append(path) or ImportOutcome(path=path),
    )
    assert calls == [] and run.results == [] and not run.cancelled
    assert run.error is not None and "not an Annotator database" in run.error


def test_a_quick_import_shows_no_dialog(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[bool] = []
    real_show = BatchProgress.show

    def record_show(dialog: BatchProgress) -> None:
        shown.append(True)
        real_show(dialog)

    monkeypatch.setattr(BatchProgress, "show", record_show)
    assert len(window.import_paths(briefs(tmp_path, 1))) == 1
    assert shown == []


def test_the_batchs_own_writes_are_not_taken_for_another_windows(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "import_files", slow_import(0.4, []))
    reloads: list[bool] = []
    probe = QTimer()
    probe.timeout.connect(lambda: reloads.append(window.check_external_changes()))
    probe.start(50)  # e.g. the window being activated again while the dialog is up
    assert len(window.import_paths(briefs(tmp_path, 2))) == 2
    probe.stop()
    assert reloads and not any(reloads)
    assert not window.check_external_changes()
    assert window.watch_timer.isActive()
    assert "another window" not in window.statusBar().currentMessage()


def test_an_annotation_file_imported_in_the_window_is_merged_and_shown(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File > Import with a colleague's spans export: merged into the open briefing, a new tag
    arrives with its own button, and the status bar says what came in."""
    from PySide6.QtWidgets import QFileDialog

    from annotator.core import ops
    from annotator.core.exporters.registry import export_store
    from annotator.core.importing import import_file
    from annotator.core.store import open_store
    from tests.gui.test_mainwindow import SAMPLE, open_doc

    colleague = tmp_path / "colleague.sqlite3"
    with open_store(colleague) as theirs:
        document_id = import_file(theirs, SAMPLE).document_id
        assert document_id is not None
        ops.create_annotation(theirs, document_id, 0, 34, "Ben", ["claim"])
        ops.create_annotation(theirs, document_id, 35, 89, "Ben", ["figure"])
        export_store(theirs, "jsonl-spans", tmp_path / "ben.jsonl")
    # A tag this database does not have (their own codebook).
    spans = tmp_path / "ben.jsonl"
    spans.write_text(
        spans.read_text(encoding="utf-8").replace('"name": "figure"', '"name": "rumour"'),
        encoding="utf-8",
    )
    opened = open_doc(window, "sample-briefing.txt")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *_a, **_k: ([str(tmp_path / "ben.jsonl")], "")
    )
    window.actions_by_name["import"].trigger()
    assert window.workspace.document_id == opened
    shown = {(a.start, a.end, a.author) for a in window.workspace.annotations.values()}
    assert {(0, 34, "Ben"), (35, 89, "Ben")} <= shown
    assert "rumour" in window.tag_actions
    assert "2 annotation(s) added" in window.statusBar().currentMessage()
    # The same file again adds nothing.
    window.actions_by_name["import"].trigger()
    assert "0 annotation(s) added, 2 already present" in window.statusBar().currentMessage()
