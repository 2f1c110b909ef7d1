"""View > Theme on a real X11 screen: chosen from the menu with the keyboard, the whole window
turns dark at once and back, with no Qt warning (the xcb run fails on any)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication, QPalette
from pytestqt.qtbot import QtBot

from annotator.core.importing import import_files
from annotator.core.settings import Settings, load_settings
from annotator.core.store import open_store
from annotator.gui import theme
from annotator.gui.app import application, build_window
from annotator.gui.mainwindow import MainWindow
from annotator.gui.theme_colours import DARK, LIGHT
from tests.conftest import REPO_ROOT
from tests.xcb.desktop import activate, press, wait_for

pytestmark = pytest.mark.xcb

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"
Base = QPalette.ColorRole.Base


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    db = tmp_path / "themes.sqlite3"
    with open_store(db) as store:
        assert all(outcome.ok for outcome in import_files(store, [SAMPLE]))
    application()
    win = build_window(db, Settings(author="Ana"))
    qtbot.addWidget(win)
    activate(qtbot, win)
    yield win
    win.ctx.store.close()
    theme.apply_theme("system")


def page_colour(window: MainWindow) -> str:
    """The reader's page as drawn: its top-left corner, left of the text column."""
    return window.reader.viewport().grab().toImage().pixelColor(3, 3).name()


def test_the_theme_menu_by_keys_turns_the_window_dark_and_light(
    qtbot: QtBot, window: MainWindow
) -> None:
    press(qtbot, "alt+v", "t", "d")  # View > Theme > Dark
    wait_for(qtbot, lambda: page_colour(window) == DARK.base, "the page did not turn dark")
    assert QGuiApplication.palette().color(Base).name() == DARK.base
    assert window.reader.tag_looks()["claim"].line.name() == DARK.tags[0].line
    assert load_settings().theme == "dark"
    press(qtbot, "alt+v", "t", "l")  # View > Theme > Light
    wait_for(qtbot, lambda: page_colour(window) == LIGHT.base, "the page did not turn light")
    assert load_settings().theme == "light"
