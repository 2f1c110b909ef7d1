"""The shortcut table: every key bound once, Redo on both usual keys, a grouped help dialog.

tests/xcb/test_keys.py presses each of these keys as a real X11 event.
"""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from annotator.gui import actions as table
from annotator.gui.mainwindow import MainWindow
from annotator.gui.reader.keys import READER_KEYS
from tests.gui.test_mainwindow import db, window

__all__ = ["db", "window"]  # fixtures shared with the main window tests

Key = QKeySequence.StandardKey


def bound_sequences(window: MainWindow) -> list[str]:
    """Every sequence the window answers: its actions' and the reader's own keys."""
    keys = [
        table.portable(key)
        for action in [*window.actions_by_name.values(), *window.tag_actions.values()]
        for key in action.shortcuts()
    ]
    keys += [
        table.portable(QKeySequence(key | modifiers)) for key, modifiers in READER_KEYS
    ]
    return keys


def test_no_sequence_is_bound_twice(window: MainWindow) -> None:
    twice = [key for key, count in Counter(bound_sequences(window)).items() if count > 1]
    assert twice == [], f"bound twice (Qt runs neither: 'Ambiguous shortcut overload'): {twice}"


@pytest.mark.parametrize(
    "entry",
    [("Ctrl+Q", Key.Quit), (Key.HelpContents, "F1"), ("Ctrl+Shift+Z", "Ctrl+Y", Key.Redo),
     (Key.ZoomIn, "Ctrl+="), (Key.Preferences, "Ctrl+,")],
)
def test_a_standard_key_and_its_literal_twin_bind_once(entry: tuple[table.Shortcut, ...]) -> None:
    expanded = [table.portable(key) for key in table.expand(entry)]
    assert expanded and len(expanded) == len(set(expanded))
    assert "" not in expanded  # Preferences has no standard key on Linux or Windows
    for item in entry:
        if isinstance(item, str):
            assert item in expanded
        else:  # every key the platform lists for it stays bound
            assert {table.portable(k) for k in QKeySequence.keyBindings(item)} <= set(expanded)


def test_redo_answers_ctrl_shift_z_and_ctrl_y(window: MainWindow) -> None:
    keys = [table.portable(k) for k in window.actions_by_name["redo"].shortcuts()]
    assert keys[0] == "Ctrl+Shift+Z" and "Ctrl+Y" in keys
    assert [table.portable(k) for k in window.actions_by_name["quit"].shortcuts()][0] == "Ctrl+Q"
    assert "F1" in [table.portable(k) for k in window.actions_by_name["shortcuts"].shortcuts()]


def test_a_later_action_loses_a_key_an_earlier_one_holds(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    first = table.tag_action(parent, "claim", "1", "#377eb8")
    clash = table.tag_action(parent, "echo", "1", "#e41a1c")
    assert first.shortcut().toString() == "1"
    assert clash.shortcut().isEmpty()


def shortcuts_table(window: MainWindow) -> QTableWidget:
    window.actions_by_name["shortcuts"].trigger()
    (dialog,) = [d for d in window.findChildren(QDialog) if d.objectName() == "shortcutsDialog"]
    found = dialog.findChild(QTableWidget, "shortcutsTable")
    assert isinstance(found, QTableWidget)
    return found


def test_the_shortcuts_dialog_is_grouped_and_lists_each_key_once(window: MainWindow) -> None:
    shown = shortcuts_table(window)
    groups: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for row in range(shown.rowCount()):
        keys, text = shown.item(row, 0).text(), shown.item(row, 1).text()
        if shown.columnSpan(row, 0) == 2:
            current = groups.setdefault(keys, [])
        else:
            current.append((keys, text))
    assert list(groups) == ["Navigation", "Tagging", "Editing", "Review", "Files and help"]
    rows = [row for group in groups.values() for row in group]
    assert len(rows) == len(set(rows)), "a row is listed twice"
    keys = [key for keys, _text in rows for key in keys.split(", ")]
    assert len(keys) == len(set(keys)), f"a key is listed twice: {Counter(keys).most_common(3)}"
    by_text = {text: keys for keys, text in rows}
    assert by_text["Redo"].startswith("Ctrl+Shift+Z, Ctrl+Y")
    assert by_text["Keyboard Shortcuts"].split(", ") == ["F1"]  # the Help key is not shown
    assert by_text["Quit"] == "Ctrl+Q"
    assert ("J", "Next unit") not in rows and ("Down / J", "Next unit") in groups["Navigation"]
    assert ("1", "Claim") in groups["Tagging"]
    assert ("Ctrl+Shift+R", "Review Mode") in groups["Review"]
    assert ("Ctrl+I", "Import Documents") in groups["Files and help"]
    # Every bound action is listed, under its key.
    for name, action in window.actions_by_name.items():
        if table.shown_keys(action):
            spec = next(spec for spec in table.ACTIONS if spec.name == name)
            assert (table.shown_keys(action), spec.text.replace("&", "").rstrip("…")) in (
                groups[spec.group]
            )
