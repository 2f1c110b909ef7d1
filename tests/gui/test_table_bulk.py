"""The annotations table's "Edit Selected" menu (issue 16): each bulk edit on the selected rows
through real keys, colleagues' rows left as they are and said so, one undo step in the main
window, a confirmation for a large selection."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.core import annotation_table as table
from annotator.core.annotation_table import Row
from annotator.gui.mainwindow import MainWindow
from annotator.gui.table import bulk_menu
from annotator.gui.table.window import AnnotationsWindow
from tests.gui.test_annotations_table import db, open_table, window  # noqa: F401

__all__ = ["db", "window"]


def rows(window: MainWindow, ids: list[int]) -> dict[int, Row]:
    store = window.ctx.store
    with store.read() as session:
        return {row.id: row for row in table.rows_in(session.connection(), ids)}


def select_first(qtbot: QtBot, view: AnnotationsWindow, count: int) -> list[int]:
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    for _ in range(count - 1):
        qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    ids = view.selected_ids()
    assert len(ids) == count
    return ids


def open_menu(qtbot: QtBot, view: AnnotationsWindow) -> QMenu:
    qtbot.keyClick(view.table, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(view.bulk_menu.isVisible)
    return view.bulk_menu


def choose(qtbot: QtBot, menu: QMenu, mnemonic: Qt.Key, item: str) -> None:
    """In `menu`, open the submenu of `mnemonic` and press Enter on its entry `item`."""
    qtbot.keyClick(menu, mnemonic)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not menu)
    sub = QApplication.activePopupWidget()
    assert isinstance(sub, QMenu)
    texts = [a.text() for a in sub.actions()]
    target = sub.actions()[texts.index(item)]
    while sub.activeAction() is not target:
        qtbot.keyClick(sub, Qt.Key.Key_Down)
    qtbot.keyClick(sub, Qt.Key.Key_Return)


def undo(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_disabled_without_selection(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    view.table.clearSelection()
    assert not view.bulk_button.isEnabled()
    select_first(qtbot, view, 2)
    assert view.bulk_button.isEnabled()


def test_set_status_changes_own_rows_reports_colleagues_and_undoes(
    qtbot: QtBot, window: MainWindow
) -> None:
    view = open_table(qtbot, window)
    ids = select_first(qtbot, view, 6)
    before = rows(window, ids)
    own = [i for i in ids if before[i].author == "Ana"]
    others = [i for i in ids if before[i].author != "Ana"]
    assert own and others
    choose(qtbot, open_menu(qtbot, view), Qt.Key.Key_S, "Accepted")
    qtbot.waitUntil(lambda: "changed" in view.status_label.text())
    after = rows(window, ids)
    assert all(after[i].status == "accepted" for i in own)
    assert all(after[i] == before[i] for i in others)
    line = view.status_label.text()
    assert f"{len(own)} annotation" in line
    assert f"{len(others)} annotations of colleagues were left unchanged" in line
    assert window.statusBar().currentMessage() == line
    qtbot.waitUntil(lambda: view.model.index(0, 0).data(Qt.ItemDataRole.DisplayRole) is not None)
    undo(qtbot, window)
    assert rows(window, ids) == before  # one step restores every row


def test_add_and_remove_tag(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    ids = select_first(qtbot, view, 4)
    before = rows(window, ids)
    own = [i for i in ids if before[i].author == "Ana"]
    choose(qtbot, open_menu(qtbot, view), Qt.Key.Key_A, "assessment")
    qtbot.waitUntil(lambda: "changed" in view.status_label.text())
    assert all("assessment" in rows(window, own)[i].tags for i in own)
    assert all(rows(window, ids)[i] == before[i] for i in ids if i not in own)
    choose(qtbot, open_menu(qtbot, view), Qt.Key.Key_R, "figure")
    qtbot.waitUntil(lambda: all("figure" not in rows(window, own)[i].tags for i in own))
    undo(qtbot, window)
    undo(qtbot, window)
    assert rows(window, ids) == before


def test_set_field_dialog_offers_the_scale_and_checks_numbers(
    qtbot: QtBot, window: MainWindow
) -> None:
    view = open_table(qtbot, window)
    ids = select_first(qtbot, view, 4)
    before = rows(window, ids)
    own = [i for i in ids if before[i].author == "Ana" and "claim" in before[i].tags]
    assert own
    qtbot.keyClick(open_menu(qtbot, view), Qt.Key.Key_F)
    qtbot.waitUntil(lambda: view.set_field_dialog is not None and view.set_field_dialog.isVisible())
    dialog = view.set_field_dialog
    assert isinstance(dialog, bulk_menu.SetFieldDialog)
    dialog.tag.setCurrentIndex(dialog.tag.findData("claim"))
    dialog.field.setCurrentIndex(dialog.field.findData("source_reliability"))
    assert dialog.choice.isVisibleTo(dialog) and not dialog.value.isVisibleTo(dialog)
    assert dialog.choice.itemText(1) == "B - Usually reliable"
    dialog.choice.setFocus()
    qtbot.keyClick(dialog.choice, Qt.Key.Key_Home)
    qtbot.keyClick(dialog.choice, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.choice, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "changed" in view.status_label.text())
    assert all(rows(window, own)[i].field("source_reliability") == "B" for i in own)

    # a number field takes a checked input: a wrong one is said, nothing is applied
    qtbot.keyClick(open_menu(qtbot, view), Qt.Key.Key_F)
    qtbot.waitUntil(lambda: view.set_field_dialog is not dialog)
    dialog = view.set_field_dialog
    assert isinstance(dialog, bulk_menu.SetFieldDialog)
    qtbot.waitUntil(dialog.isVisible)
    dialog.tag.setCurrentIndex(dialog.tag.findData("figure"))
    dialog.field.setCurrentIndex(dialog.field.findData("value"))
    assert dialog.value.isVisibleTo(dialog) and not dialog.choice.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.value, "lots")
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.error.isVisibleTo(dialog)
    assert "number" in dialog.error.text()
    dialog.value.selectAll()
    qtbot.keyClicks(dialog.value, "1,250")
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    figures = [i for i in own if "figure" in before[i].tags]
    assert all(rows(window, figures)[i].field("value") == 1250 for i in figures)


def test_large_selection_is_confirmed(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    ids = select_first(qtbot, view, bulk_menu.CONFIRM_OVER + 20)
    before = rows(window, ids)
    choose(qtbot, open_menu(qtbot, view), Qt.Key.Key_S, "Rejected")
    qtbot.waitUntil(lambda: view.confirm_box is not None and view.confirm_box.isVisible())
    box = view.confirm_box
    assert isinstance(box, QMessageBox)
    assert box.text() == f"Mark rejected on {len(ids):,} annotations?"
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Cancel: nothing changes
    qtbot.waitUntil(lambda: not box.isVisible())
    assert rows(window, ids) == before
    choose(qtbot, open_menu(qtbot, view), Qt.Key.Key_S, "Rejected")
    qtbot.waitUntil(lambda: view.confirm_box is not box and view.confirm_box is not None)
    box = view.confirm_box
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "changed" in view.status_label.text())
    after = rows(window, ids)
    assert all(after[i].status == "rejected" for i in ids if before[i].author == "Ana")
    assert all(after[i] == before[i] for i in ids if before[i].author != "Ana")


def test_right_click_menu_on_the_selection(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    ids = select_first(qtbot, view, 3)
    before = rows(window, ids)
    viewport = view.table.viewport()
    at = view.table.visualRect(view.model.index(1, 0)).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, viewport.mapToGlobal(at))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(view.bulk_menu.isVisible)
    assert view.selected_ids() == ids  # the menu acts on the selection
    choose(qtbot, view.bulk_menu, Qt.Key.Key_S, "Submitted")
    qtbot.waitUntil(lambda: "changed" in view.status_label.text())
    after = rows(window, ids)
    assert {after[i].status for i in ids if before[i].author == "Ana"} == {"submitted"}
