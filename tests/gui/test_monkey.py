"""A seeded random walk over the real window: actions, keys, clicks, undo/redo, removals and
imports in any order never raise, and the database stays sound."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.gui import dialogs
from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import MIXED, db, window

__all__ = ["db", "window"]  # fixtures shared with the main window tests

KEYS = (
    Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_N,
    Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Delete, Qt.Key.Key_Home, Qt.Key.Key_End,
)
# These would replace the database or end the session.
SKIPPED_ACTIONS = {"quit", "new_database", "open_database", "connect_team"}


def _seeds() -> list[int]:
    """Two walks in the suite; `MONKEY_SEEDS=1-200` runs more (a longer hunt)."""
    first, _, last = os.environ.get("MONKEY_SEEDS", "11-12").partition("-")
    return list(range(int(first), int(last or first) + 1))


@pytest.mark.parametrize("seed", _seeds())
def test_random_use_of_the_window_never_fails(
    qtbot: QtBot, window: MainWindow, db: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, seed: int,
) -> None:
    rng = random.Random(seed)
    extra = tmp_path / "extra.txt"
    extra.write_text(MIXED.replace("Mixed", "Another mixed"), encoding="utf-8")
    # Dialogs answer at once instead of waiting for a person.
    monkeypatch.setattr(dialogs, "confirm_removal", lambda *_a: rng.random() < 0.5)
    monkeypatch.setattr(dialogs, "ask_document_properties", lambda *_a: {"title": "Renamed"})
    monkeypatch.setattr(
        QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes
    )
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("Zed", True))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_a, **_k: ([str(extra)], ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    names = [n for n in window.actions_by_name if n not in SKIPPED_ACTIONS]
    window.reader.setFocus()
    saves: list[int] = []
    window.ctx.saved.connect(lambda: saves.append(1))
    for _step in range(300):
        if not window.isActiveWindow():  # a dialog was closed: the person comes back to it
            window.activateWindow()
            qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        roll = rng.random()
        if roll < 0.25:
            action = window.actions_by_name[rng.choice(names)]
            if action.isEnabled():
                action.trigger()
        elif roll < 0.55:
            target = window.reader if rng.random() < 0.8 else window.library.table
            shift = rng.random() < 0.2
            qtbot.keyClick(
                target, rng.choice(KEYS),
                Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier,
            )
        elif roll < 0.8:  # click in a unit (sometimes with Shift), then mostly a tag key
            units = [u for u in window.workspace.units if u[2] != "skipped"]
            if units:
                start, end, _kind = rng.choice(units)
                reader = window.reader
                reader.setFocus()  # as a real click on the text would
                reader.scroll_to(start)
                cursor = QTextCursor(reader.document())
                cursor.setPosition(reader.offsets.to_qt(rng.randrange(start, end)))
                shift = rng.random() < 0.15
                qtbot.mouseClick(
                    reader.viewport(), Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier,
                    reader.cursorRect(cursor).center(),
                )
                if rng.random() < 0.8:
                    qtbot.keyClick(reader, rng.choice(KEYS[:3]))
        elif roll < 0.9:
            undo = rng.random() < 0.6
            modifiers = Qt.KeyboardModifier.ControlModifier | (
                Qt.KeyboardModifier.NoModifier if undo else Qt.KeyboardModifier.ShiftModifier
            )
            qtbot.keyClick(window.reader, Qt.Key.Key_Z, modifiers)
        elif roll < 0.96:
            ids = window.library.model.document_ids()
            if ids:
                window.open_document(rng.choice(ids))
        else:
            window.import_paths([extra])
        for top in QApplication.topLevelWidgets():
            if isinstance(top, QDialog) and top.isVisible():
                top.close()
    assert len(saves) >= 50, "the walk tagged, edited and undid for real"
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()
    # What the window shows is what is stored.
    if window.workspace.document_id is not None:
        shown = set(window.workspace.annotations)
        connection = sqlite3.connect(db)
        stored = {
            row[0] for row in connection.execute(
                "SELECT id FROM annotations WHERE document_id = ?",
                (window.workspace.document_id,),
            )
        }
        connection.close()
        assert shown == stored
