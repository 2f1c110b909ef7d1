"""File > Sync from a laptop whose Preferences name ("Dana") is not the user on the server: the
window asks which names are the analyst's, pushes them as the role's, and says what it did not
push (gui/syncing.py, core/sync_mine.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.history import annotation_history
from annotator.core.importing import import_files
from annotator.core.store import open_store
from annotator.gui.mainwindow import MainWindow
from annotator.gui.review.history import describe
from annotator.gui.syncing import MineDialog, sync_with
from tests.gui.test_mainwindow import SAMPLE, click_unit, make_window, open_doc, wait_settled
from tests.gui.test_team_database import PASSWORD, raw_rows, url

__all__ = ["url"]  # the fixture: a team database holding the sample briefing


def answer_when_asked(
    window: MainWindow, act: Callable[[MineDialog], None], seen: list[list[tuple[str, bool]]]
) -> QTimer:
    """Look for the sync's question every 20 ms (it opens after a worker's read); note what it
    offers and answer it with `act`."""
    timer = QTimer(window)

    def look() -> None:
        dialog = window.findChild(MineDialog, "syncMineDialog")
        if dialog is None or not dialog.isVisible():
            return
        timer.stop()
        items = [dialog.names.item(row) for row in range(dialog.names.count())]
        seen.append([(i.text(), i.checkState() == Qt.CheckState.Checked) for i in items])
        act(dialog)

    timer.timeout.connect(look)
    timer.start(20)
    return timer


def test_file_sync_asks_which_names_are_yours_and_says_what_stays(
    qtbot: QtBot, url: str, tmp_path: Path
) -> None:
    server_url = url.replace(f":{PASSWORD}", "")
    path = tmp_path / "laptop.sqlite3"
    with open_store(path) as store:  # tagged offline in an earlier session, before any sync
        assert all(outcome.ok for outcome in import_files(store, [SAMPLE]))
        ops.create_annotation(store, 1, 0, 8, "Dana", ["claim"])
        ops.create_annotation(store, 1, 10, 20, "Lee", ["claim"])  # merged from a colleague
    laptop = make_window(qtbot, path, author="Dana")
    try:
        assert laptop.author_label.text() == "Analyst: Dana"
        open_doc(laptop, "sample-briefing.txt")
        click_unit(qtbot, laptop, "Local authorities reported")
        qtbot.keyClick(laptop.reader, Qt.Key.Key_1)  # tagged now, as "Dana": on the undo stack
        assert laptop.ctx.undo_stack.count() == 1
        seen: list[list[tuple[str, bool]]] = []

        def cancel(dialog: MineDialog) -> None:
            dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

        timer = answer_when_asked(laptop, cancel, seen)
        assert sync_with(laptop, url) == "sync cancelled"
        timer.stop()
        # the names the server does not know; the one in Preferences ticked
        assert seen == [[("Dana (2 annotation(s))", True), ("Lee (1 annotation(s))", False)]]
        assert raw_rows(server_url, "SELECT author FROM annotations") == []

        def sync_ticked(dialog: MineDialog) -> None:
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

        timer = answer_when_asked(laptop, sync_ticked, seen)
        report = sync_with(laptop, url)
        timer.stop()
        assert not isinstance(report, str), report
        assert report.taken == {"Dana": 2} and report.pushed_annotations == 2
        assert report.not_pushed == {"Lee": 1}
        assert raw_rows(server_url, "SELECT author FROM annotations") == [
            ("annotator_test",), ("annotator_test",)
        ]
        box = laptop.findChild(QMessageBox, "syncReport")
        assert box is not None and box.icon() == QMessageBox.Icon.Warning
        details = box.informativeText()
        assert "taken as annotator_test's layer before pushing: 2 by Dana" in details
        assert "not pushed: 1 annotation(s) of this file (1 by Lee)" in details
        assert "Choose Names… below" in details
        box.close()
        # the file writes as the user it synced as: what the window tags now is pushed, and
        # the layer taken stays the analyst's own
        assert laptop.ctx.author == "annotator_test"
        assert laptop.author_label.text() == "Analyst: annotator_test"
        assert laptop.ctx.undo_stack.count() == 0  # its step held the old name
        wait_settled(laptop)
        taken = [v for v in laptop.workspace.annotations.values() if v.start == 0]
        assert len(taken) == 1 and laptop.workspace.is_own(taken[0])
        renamed = annotation_history(laptop.ctx.store, taken[0].id)[-1]
        assert describe(renamed) == "author Dana → annotator_test"  # Edit > History's words
        edit_menu = laptop.menuBar().actions()[1].menu()  # the tag actions rebuilt in place
        assert all(a in edit_menu.actions() for a in laptop.tag_actions.values())
        laptop.activateWindow()  # as the desktop does when the report box closes
        qtbot.waitUntil(laptop.isActiveWindow)
        click_unit(qtbot, laptop, "The Ministry of Transport said")
        qtbot.keyClick(laptop.reader, Qt.Key.Key_1)
        # Lee, left unticked, is not asked about again: the sync goes straight on
        report = sync_with(laptop, url)
        assert len(seen) == 2
        assert not isinstance(report, str) and report.taken == {}
        assert report.pushed_annotations == 1 and report.not_pushed == {"Lee": 1}
        assert raw_rows(server_url, "SELECT DISTINCT author FROM annotations") == [
            ("annotator_test",)
        ]
        # the report offers to choose again: every unknown name is asked about
        boxes = [b for b in laptop.findChildren(QMessageBox, "syncReport") if b.isVisible()]
        assert len(boxes) == 1 and "Choose Names… below" in boxes[0].informativeText()
        choose = boxes[0].findChild(QPushButton, "syncChooseNames")
        assert choose is not None

        def tick_all(dialog: MineDialog) -> None:
            for row in range(dialog.names.count()):
                dialog.names.item(row).setCheckState(Qt.CheckState.Checked)
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

        timer = answer_when_asked(laptop, tick_all, seen)
        choose.click()
        qtbot.waitUntil(lambda: len(seen) == 3)
        timer.stop()
        assert seen[-1] == [("Lee (1 annotation(s))", False)]
        qtbot.waitUntil(lambda: raw_rows(server_url, "SELECT count(*) FROM annotations") == [(4,)])
        assert raw_rows(server_url, "SELECT DISTINCT author FROM annotations") == [
            ("annotator_test",)
        ]
        # the file opened again, in another window: written as the user it synced as
        again = make_window(qtbot, path, author="Dana")
        try:
            assert again.author_label.text() == "Analyst: annotator_test"
        finally:
            again.ctx.store.close()
    finally:
        for dialog in laptop.findChildren(QDialog):
            dialog.close()
        laptop.ctx.store.close()
