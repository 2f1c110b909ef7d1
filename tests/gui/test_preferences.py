"""Edit > Preferences: the analyst's name and the number of automatic backups kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

from annotator.core.importing import import_file
from annotator.core.queries import document_annotations
from annotator.core.settings import Settings, load_settings
from annotator.core.store import open_store
from annotator.gui import databases
from annotator.gui.app import build_window
from annotator.gui.mainwindow import MainWindow
from annotator.gui.preferences import PreferencesDialog
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    db = tmp_path / "prefs.sqlite3"
    with open_store(db) as store:
        import_file(store, SAMPLE)
    win = build_window(db, Settings(author="Ana"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.ctx.store.close()


def open_preferences(window: MainWindow) -> PreferencesDialog:
    """Edit > Preferences: the window-modal dialog it shows."""
    window.actions_by_name["preferences"].trigger()
    dialog = window.findChild(PreferencesDialog)
    assert dialog is not None and dialog.isVisible() and dialog.isModal()
    return dialog


def test_preferences_change_the_name_and_the_backups_kept(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = open_preferences(window)
    assert dialog.author.text() == "Ana" and dialog.backups.value() == 7
    hint = dialog.findChild(QLabel, "backupsHint")
    assert hint is not None and f"{window.ctx.store.path}.backups" in hint.text()
    dialog.author.selectAll()
    qtbot.keyClicks(dialog.author, "  Rita Reviewer ")
    dialog.backups.setValue(30)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    saved = load_settings()
    assert (saved.author, saved.backup_keep) == ("Rita Reviewer", 30)
    assert "Rita Reviewer" in window.author_label.text()
    # The next annotation records the new name.
    document_id = window.workspace.document_id
    assert document_id is not None
    start, end, _kind = window.workspace.units[0]
    window.reader.select_span(start, end)
    window.tag_actions["claim"].trigger()
    views = document_annotations(window.ctx.store, document_id)
    assert [v.author for v in views if v.start == start] == ["Rita Reviewer"]


def test_cancel_and_an_empty_name_change_nothing(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_preferences(window)
    dialog.author.clear()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.backups.setValue(2)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert (window.ctx.settings.author, window.ctx.settings.backup_keep) == ("Ana", 7)


def test_the_dialog_clamps_a_hand_edited_number(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PreferencesDialog(None, Settings(author="Ana", backup_keep=0), tmp_path / "x.db")
    qtbot.addWidget(dialog)
    assert dialog.backups.value() == 1
    settings = Settings(author="Ana", backup_keep=7)
    assert not dialog.apply(Settings(author="Ana", backup_keep=1))  # nothing changed
    assert dialog.apply(settings) and settings.backup_keep == 1


def test_opening_another_database_keeps_the_chosen_number_of_backups(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    real = databases.open_store

    def recording(path: Path, **options: Any) -> Any:
        seen.append(options)
        return real(path, **options)

    monkeypatch.setattr(databases, "open_store", recording)
    window.ctx.settings.backup_keep = 30
    assert window.open_database(tmp_path / "other.sqlite3", create=True)
    assert seen == [{"create": True, "backup_keep": 30}]
