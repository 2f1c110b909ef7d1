"""Every key of the shortcut table, pressed on the real X11 window under a window manager.

Qt's standard keys differ by platform: on X11 `Redo` is Ctrl+Shift+Z, so a table listing both
bound it twice, and Qt then runs neither ("Ambiguous shortcut overload", which also fails the
test through tests/qt_guard.py). Offscreen such a fault does not show.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.exceptions import TimeoutError as WaitTimeout
from pytestqt.qtbot import QtBot

from annotator.core.importing import import_files
from annotator.core.settings import Settings
from annotator.core.store import open_store
from annotator.gui import actions as table
from annotator.gui.app import build_window
from annotator.gui.mainwindow import MainWindow
from tests.conftest import REPO_ROOT
from tests.xcb.desktop import activate, keysym, press, wait_for

pytestmark = pytest.mark.xcb

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"
CREDIBILITY = "claim.information_credibility"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "desktop.sqlite3"
    with open_store(path) as store:
        assert all(outcome.ok for outcome in import_files(store, [SAMPLE]))
    return path


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    """The window as the analyst starts it: built, shown, activated by the window manager."""
    win = build_window(db, Settings(author="Ana"))
    qtbot.addWidget(win)
    activate(qtbot, win)
    assert win.workspace.document_id is not None, "the sample briefing did not open at start"
    yield win
    win.ctx.store.close()


def pressable(action: QAction) -> list[QKeySequence]:
    """The action's keys an analyst can press (those the shortcuts dialog lists)."""
    shown = table.shown_keys(action).split(", ")
    return [
        key for key in action.shortcuts()
        if key.toString(QKeySequence.SequenceFormat.NativeText) in shown
    ]


def listen_only(action: QAction, heard: list[str], name: str) -> None:
    """Keep `action` from doing anything but telling `heard` it was triggered, and enable it."""
    for signal, signature in ((action.triggered, "2triggered(bool)"),
                              (action.toggled, "2toggled(bool)")):
        if action.receivers(signature):  # disconnect() with nothing connected raises
            signal.disconnect()
    action.setEnabled(True)
    action.triggered.connect(lambda _checked=False: heard.append(name))


def test_every_key_of_the_shortcut_table_runs_its_action(qtbot: QtBot, window: MainWindow) -> None:
    # What each action does is tested elsewhere; here, that its keys reach it on X11. So
    # nothing runs (no dialog opens, Quit does not quit), and every action is enabled, as when
    # it applies (Undo with something to undo, Alt+1 in review mode).
    everything = {**window.tag_actions, **window.actions_by_name}
    heard: list[str] = []
    for name, action in everything.items():
        listen_only(action, heard, name)
    pressed = []
    for name, action in everything.items():
        for key in pressable(action):
            window.reader.setFocus()
            before = len(heard)
            press(qtbot, keysym(key))
            ran = f"{key.toString()} (xdotool key {keysym(key)}) did not run {name}"
            wait_for(qtbot, lambda b=before: len(heard) > b, ran)
            assert heard[before:] == [name], f"{key.toString()} ran {heard[before:]}, not {name}"
            pressed.append(key.toString())
    assert {"Ctrl+Shift+Z", "Ctrl+Y", "F1", "Ctrl+Q", "1", "2", "3"} <= set(pressed)


def selectable_units(window: MainWindow) -> list[tuple[int, int]]:
    return [(start, end) for start, end, kind in window.workspace.units if kind != "skipped"]


def test_the_reader_keys_move_through_the_units(qtbot: QtBot, window: MainWindow) -> None:
    units = selectable_units(window)
    assert len(units) > 3
    window.reader.setFocus()
    for key, expected in (
        ("Home", units[0]), ("j", units[1]), ("Down", units[2]), ("k", units[1]),
        ("Up", units[0]), ("End", units[-1]), ("Home", units[0]), ("1", units[0]),
        ("n", units[1]),
    ):
        press(qtbot, key)
        wait_for(
            qtbot, lambda e=expected: window.workspace.selection == e,
            f"after {key} the selection is {window.workspace.selection}, not {expected}",
        )
    assert [span for *span, _tag in saved_tags(window)] == [list(units[0])]


def saved_tags(window: MainWindow) -> list[tuple[int, int, str]]:
    """(start, end, tag) of every saved annotation tag, through a fresh connection."""
    conn = sqlite3.connect(window.ctx.store.path)
    try:
        return conn.execute(
            "SELECT a.start, a.\"end\", t.name FROM annotations a "
            "JOIN annotation_tags x ON x.annotation_id = a.id JOIN tags t ON t.id = x.tag_id "
            "ORDER BY a.start, t.position"
        ).fetchall()
    finally:
        conn.close()


def saved_credibility(window: MainWindow) -> list[object]:
    conn = sqlite3.connect(window.ctx.store.path)
    try:
        rows = conn.execute(
            "SELECT json_extract(x.fields, '$.information_credibility') FROM annotation_tags x "
            "JOIN tags t ON t.id = x.tag_id WHERE t.name = 'claim'"
        ).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


def focused_name() -> str:
    widget = QApplication.focusWidget()
    return "nothing" if widget is None else widget.objectName() or type(widget).__name__


class TabMissedTheField(AssertionError):
    """Tab from the reader did not reach a form field (the trail of focused widgets says why)."""


def tab_to(qtbot: QtBot, name: str) -> None:
    """Press Tab until the widget named `name` has the focus (at most 40 times)."""
    trail = [focused_name()]
    while focused_name() != name:
        before = QApplication.focusWidget()
        press(qtbot, "Tab")
        try:
            qtbot.waitUntil(lambda b=before: QApplication.focusWidget() is not b, timeout=3000)
        except WaitTimeout:
            raise TabMissedTheField(f"Tab stuck: {' > '.join(trail)}") from None
        trail.append(focused_name())
        if len(trail) > 40:
            raise TabMissedTheField(f"Tab never reached {name}: {' > '.join(trail)}")


def start_the_walk(qtbot: QtBot, window: MainWindow) -> tuple[int, int]:
    """J then 1 on the window as it starts: the first unit tagged claim. Its span."""
    press(qtbot, "j")
    wait_for(qtbot, lambda: window.workspace.selection is not None,
             f"J selected nothing (the focus is on {focused_name()})")
    selection = window.workspace.selection
    assert selection is not None
    press(qtbot, "1")
    wait_for(qtbot, lambda: saved_tags(window) == [(*selection, "claim")],
             f"1 did not tag the unit: {saved_tags(window)}")
    return selection


def test_the_keyboard_walk_from_a_fresh_start(qtbot: QtBot, window: MainWindow) -> None:
    """J, 1, Ctrl+Z, Ctrl+Shift+Z, Ctrl+Z, Ctrl+Y: no mouse, nothing focused by the test."""
    start, end = start_the_walk(qtbot, window)
    for key, expected in (("ctrl+z", []), ("ctrl+shift+z", [(start, end, "claim")]),
                          ("ctrl+z", []), ("ctrl+y", [(start, end, "claim")])):
        press(qtbot, key)
        wait_for(qtbot, lambda e=expected: saved_tags(window) == e,
                 f"after {key} the saved tags are {saved_tags(window)}, not {expected}")


def test_the_keyboard_walk_into_the_form(qtbot: QtBot, window: MainWindow) -> None:
    """J, 1, Tab into the form, digits into the credibility field, Ctrl+Z, Ctrl+Shift+Z."""
    start, end = start_the_walk(qtbot, window)
    tab_to(qtbot, CREDIBILITY)
    press(qtbot, "2", "3")
    wait_for(qtbot, lambda: saved_credibility(window) == ["3"],
             f"typing 2, 3 saved credibility {saved_credibility(window)}")
    assert saved_tags(window) == [(start, end, "claim")], "a digit toggled a tag"
    press(qtbot, "ctrl+z")
    wait_for(qtbot, lambda: saved_credibility(window) != ["3"], "Ctrl+Z undid nothing")
    press(qtbot, "ctrl+shift+z")
    wait_for(qtbot, lambda: saved_credibility(window) == ["3"],
             f"Ctrl+Shift+Z did not redo: credibility {saved_credibility(window)}")
