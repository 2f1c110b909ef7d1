"""The first window on a real X11 screen of 1366x768 with a window manager's frame and title.

Offscreen there is no frame, and no title bar to show what Qt makes of the window title (it
appends the application's display name there): both are checked here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from annotator.core.importing import import_files
from annotator.core.settings import Settings
from annotator.core.store import open_store
from annotator.gui.app import application, build_window
from annotator.gui.mainwindow import MainWindow
from tests.conftest import REPO_ROOT
from tests.xcb.desktop import activate, xdotool

pytestmark = pytest.mark.xcb

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """The window as Annotator starts it (application names set), on a first start."""
    db = tmp_path / "Corridor briefings.sqlite3"
    with open_store(db) as store:
        assert all(outcome.ok for outcome in import_files(store, [SAMPLE]))
    names = (QGuiApplication.applicationName(), QGuiApplication.applicationDisplayName())
    application()
    win = build_window(db, Settings(author="Ana"))
    qtbot.addWidget(win)
    activate(qtbot, win)
    yield win
    win.ctx.store.close()
    QGuiApplication.setApplicationName(names[0])
    QGuiApplication.setApplicationDisplayName(names[1])


def test_the_first_window_and_its_frame_fit_the_screen(qtbot: QtBot, window: MainWindow) -> None:
    # The window manager frames the window once it maps it: wait for the title bar.
    qtbot.waitUntil(lambda: window.frameGeometry().height() > window.height(), timeout=5000)
    area = window.screen().availableGeometry()
    frame = window.frameGeometry()
    assert area.contains(frame), f"frame {frame.getRect()} outside {area.getRect()}"
    assert frame.width() * frame.height() > 0.9 * area.width() * area.height()  # uses it


def test_the_title_bar_names_the_document_the_database_and_annotator_once(
    qtbot: QtBot, window: MainWindow
) -> None:
    shown = xdotool(qtbot, "getwindowname", str(int(window.winId()))).strip()
    assert shown == "Northern Corridor Security Outlook — Corridor briefings.sqlite3 — Annotator"
    assert shown.count("Annotator") == 1


def test_a_window_restored_beyond_the_screen_comes_back_onto_it(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.move(3000, 2000)  # as if saved on a big monitor unplugged since
    window.close()
    window.ctx.store.close()
    again = build_window(window.ctx.store.path, Settings(author="Ana"))
    qtbot.addWidget(again)
    activate(qtbot, again)
    qtbot.waitUntil(lambda: again.frameGeometry().height() > again.height(), timeout=5000)
    area = again.screen().availableGeometry()
    assert area.contains(again.frameGeometry()), again.frameGeometry().getRect()
    assert area.intersects(QRect(again.pos(), again.size()))
    again.ctx.store.close()
