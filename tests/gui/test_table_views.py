"""The annotations table's saved views (issue 16): saved with a name, kept per database in the
settings file, recalled from the table's combo and from View > Saved Views after a restart with
the same rows and sort; renamed and deleted; a view that no longer applies is explained."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.core import annotation_table as table
from annotator.core.settings import load_settings, save_settings
from annotator.gui.app import build_window
from annotator.gui.mainwindow import MainWindow
from annotator.gui.table.model import COLUMNS
from annotator.gui.table.window import AnnotationsWindow
from tests.gui.settling import wait_settled
from tests.gui.test_annotations_table import (  # noqa: F401
    db,
    open_table,
    shown_ids,
    type_filter,
    window,
)

__all__ = ["db", "window"]


def all_ids(view: AnnotationsWindow) -> list[int]:
    while view.model.canFetchMore():
        view.model.fetchMore()
    return shown_ids(view)


def click_header(qtbot: QtBot, view: AnnotationsWindow, key: str) -> None:
    header = view.table.horizontalHeader()
    column = COLUMNS.index(key)
    view.table.scrollTo(view.model.index(0, column))
    at = QPoint(header.sectionViewportPosition(column) + 5, 5)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)


def save_view(qtbot: QtBot, view: AnnotationsWindow, name: str) -> None:
    qtbot.mouseClick(view.saved_views.save_button, Qt.MouseButton.LeftButton)
    dialog = view.saved_views.name_dialog
    assert isinstance(dialog, QInputDialog)
    qtbot.waitUntil(dialog.isVisible)
    edit = dialog.focusWidget()
    assert edit is not None
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, name)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_saved_view_round_trip_after_a_restart(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    view = open_table(qtbot, window)
    bar = view.filters
    bar.tag.setCurrentIndex(bar.tag.findData("claim"))
    type_filter(qtbot, view, bar.fields, "source_reliability<=C")
    click_header(qtbot, view, "source_reliability")
    click_header(qtbot, view, "source_reliability")  # descending
    qtbot.waitUntil(lambda: view.model.sort_keys == (table.SortKey("source_reliability", True),))
    wanted, sort = view.model.wanted, view.model.sort_keys
    assert wanted.tags == frozenset({"claim"}) and wanted.conditions
    rows = all_ids(view)
    assert rows == table.ids(window.ctx.store, wanted, sort) and 0 < len(rows) < 550
    save_view(qtbot, view, "Reliable claims")
    assert view.saved_views.combo.currentText() == "Reliable claims"
    assert "saved" in view.status_label.text()
    view.close()
    window.ctx.store.close()
    window.close()

    settings = load_settings()  # from the file: the app started again
    assert list(settings.views_in(db)) == ["Reliable claims"]
    again = build_window(db, settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    wait_settled(again)
    try:
        menu = again.findChild(QMenu, "savedViewsMenu")
        assert isinstance(menu, QMenu)
        menu.popup(again.mapToGlobal(QPoint(40, 40)))
        qtbot.waitUntil(menu.isVisible)
        qtbot.keyClick(menu, Qt.Key.Key_Down)
        assert menu.activeAction() is not None
        assert menu.activeAction().text() == "Reliable claims"
        qtbot.keyClick(menu, Qt.Key.Key_Return)
        recalled: AnnotationsWindow = again.annotations_window  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: recalled.model.wanted == wanted)
        assert recalled.model.sort_keys == sort
        header = recalled.table.horizontalHeader()
        assert header.sortIndicatorSection() == COLUMNS.index("source_reliability")
        assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert all_ids(recalled) == rows
        assert recalled.filters.fields.text() == "source_reliability<=C"
        # back to everything, then the combo recalls it too
        recalled.filters.tag.setCurrentIndex(0)
        type_filter(qtbot, recalled, recalled.filters.fields, "")
        qtbot.waitUntil(lambda: recalled.model.total == 550)
        combo = recalled.saved_views.combo
        combo.setFocus()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: recalled.model.wanted == wanted)
        assert all_ids(recalled) == rows
    finally:
        again.ctx.store.close()


def test_a_view_that_no_longer_applies_is_explained(qtbot: QtBot, window: MainWindow) -> None:
    settings = window.ctx.settings
    path = window.ctx.store.path
    settings.set_views_in(
        path,
        {
            "Old": {"tag": "rumour", "fields": "likelihood>=sorta", "sort": "colour"},
            "Damaged": {"tag": 7, "date_from": "2023-13-45"},
        },
    )
    save_settings(settings)
    view = open_table(qtbot, window)
    before = view.model.wanted, view.model.sort_keys
    combo = view.saved_views.combo
    assert [combo.itemText(i) for i in range(combo.count())][1:] == ["Old", "Damaged"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    box = view.saved_views.problem_box
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible)
    text = box.text()
    assert text.startswith("The saved view 'Old' cannot be applied:")
    assert "'rumour' is not in this database" in text
    assert "sorta" in text and "'colour'" in text
    assert (view.model.wanted, view.model.sort_keys) == before
    assert combo.currentIndex() == 0
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not box.isVisible())
    view.saved_views.recall("Damaged")
    box = view.saved_views.problem_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert "not readable" in box.text() and "2023-13-45" in box.text()
    assert (view.model.wanted, view.model.sort_keys) == before


def test_manage_renames_and_deletes(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    save_view(qtbot, view, "First")
    view.filters.status.setCurrentIndex(view.filters.status.findData("draft"))
    save_view(qtbot, view, "Second")
    views = view.saved_views
    qtbot.mouseClick(views.manage_button, Qt.MouseButton.LeftButton)
    dialog = views.manage_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    listing = dialog.list
    assert [listing.item(i).text() for i in range(listing.count())] == ["First", "Second"]
    listing.setFocus()
    qtbot.keyClick(listing, Qt.Key.Key_F2)
    editor = listing.findChild(QLineEdit)  # the name, edited in place
    assert isinstance(editor, QLineEdit) and editor.text() == "First"
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "Everything")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Everything" in views.views())
    assert list(views.views()) == ["Everything", "Second"]
    assert list(load_settings().views_in(window.ctx.store.path)) == ["Everything", "Second"]
    listing.setFocus()
    listing.setCurrentRow(1)
    qtbot.keyClick(listing, Qt.Key.Key_Delete)
    assert list(views.views()) == ["Everything"]
    assert [views.combo.itemText(i) for i in range(views.combo.count())][1:] == ["Everything"]
