"""Ticks in the library (issue 16): a check box on each document's title, toggled by a click on
it or by Space, opens nothing, and scopes the annotations table ("the documents ticked in the
library (N)"), which follows the ticks live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from annotator.gui.library.model import ID_ROLE
from annotator.gui.mainwindow import MainWindow
from annotator.gui.table.filters import TICKED
from tests.gui.settling import wait_settled
from tests.gui.test_annotations_table import db, open_table
from tests.gui.test_mainwindow import make_window

__all__ = ["db"]  # fixture: three documents of 300, 230 and 20 annotations


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db, author="Ana")
    wait_settled(win)
    yield win
    win.ctx.store.close()


def check_box_centre(window: MainWindow, view_row: int) -> QPoint:
    table = window.library.table
    index = window.library.proxy.index(view_row, 0)
    option = QStyleOptionViewItem()
    option.initFrom(table)
    option.rect = table.visualRect(index)
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = table.style().subElementRect(
        QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, table
    )
    return box.center()


def ticked_rows(window: MainWindow) -> list[int]:
    proxy = window.library.proxy
    return [
        r for r in range(proxy.rowCount())
        if proxy.index(r, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    ]


def test_click_and_space_tick_without_opening(qtbot: QtBot, window: MainWindow) -> None:
    library = window.library
    opened = window.workspace.document_id
    other_row = next(
        r for r in range(library.proxy.rowCount()) if library.document_at(r) != opened
    )
    qtbot.mouseClick(
        library.table.viewport(), Qt.MouseButton.LeftButton, pos=check_box_centre(window, other_row)
    )
    assert ticked_rows(window) == [other_row]
    assert window.workspace.document_id == opened  # the tick opened nothing
    assert library.model.ticked() == {library.document_at(other_row)}
    qtbot.mouseClick(
        library.table.viewport(), Qt.MouseButton.LeftButton, pos=check_box_centre(window, other_row)
    )
    assert ticked_rows(window) == []
    # Space ticks the current row, and again unticks it; the open document stays.
    library.table.setFocus()
    current = library.table.currentIndex().row()
    qtbot.keyClick(library.table, Qt.Key.Key_Space)
    assert ticked_rows(window) == [current]
    assert window.workspace.document_id == opened
    # Moving to another row still opens it, as before; Space then ticks that one too.
    step = Qt.Key.Key_Up if current > 0 else Qt.Key.Key_Down
    other = current - 1 if current > 0 else current + 1
    qtbot.keyClick(library.table, step)
    qtbot.waitUntil(lambda: window.workspace.document_id == library.document_at(other))
    assert ticked_rows(window) == [current]
    qtbot.keyClick(library.table, Qt.Key.Key_Space)
    assert ticked_rows(window) == sorted({current, other})


def test_table_scoped_by_ticks_live(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    bar = view.filters
    entry = bar.document.findData(TICKED)
    assert bar.document.itemText(entry) == "The documents ticked in the library (0)"
    bar.document.setCurrentIndex(entry)
    qtbot.waitUntil(lambda: view.model.total == 0)  # none ticked: no rows
    library = window.library
    counts = {}
    for r in range(library.proxy.rowCount()):
        title = library.proxy.index(r, 0).data()
        counts[title] = {"Briefing 0": 300, "Briefing 1": 230, "Briefing 2": 20}[title]
    first = library.proxy.index(0, 0)
    second = library.proxy.index(1, 0)
    library.table.setFocus()
    library.table.setCurrentIndex(first)
    qtbot.keyClick(library.table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.model.total == counts[first.data()])
    assert bar.document.itemText(entry) == "The documents ticked in the library (1)"
    qtbot.mouseClick(
        library.table.viewport(), Qt.MouseButton.LeftButton, pos=check_box_centre(window, 1)
    )
    qtbot.waitUntil(lambda: view.model.total == counts[first.data()] + counts[second.data()])
    assert bar.document.itemText(entry) == "The documents ticked in the library (2)"
    qtbot.keyClick(library.table, Qt.Key.Key_Space)  # the current row (the first) unticked
    qtbot.waitUntil(lambda: view.model.total == counts[second.data()])
    assert library.model.ticked() == {int(second.data(ID_ROLE))}


def test_the_shortcuts_help_says_how_to_tick(window: MainWindow) -> None:
    from PySide6.QtWidgets import QDialog, QTableWidget

    window.actions_by_name["shortcuts"].trigger()
    (dialog,) = [d for d in window.findChildren(QDialog) if d.objectName() == "shortcutsDialog"]
    table = dialog.findChild(QTableWidget)
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Space / click its box (in the library)"].startswith("Tick or untick")
    dialog.close()


def test_a_saved_view_keeps_the_ticked_scope_and_ticks_last_per_database(
    qtbot: QtBot, window: MainWindow
) -> None:
    from annotator.gui.table import views

    view = open_table(qtbot, window)
    bar = view.filters
    bar.document.setCurrentIndex(bar.document.findData(TICKED))
    saved = views.capture(view)
    assert saved["document"] == views.TICKS
    bar.document.setCurrentIndex(0)
    assert views.problems(view, saved) == []
    views.apply(view, saved)
    assert bar.document.currentData() == TICKED
    # The ticks stay over a reload of the same database (an import), not over another one.
    library, store = window.library, window.ctx.store
    library.model.set_ticked(library.document_at(0), True)
    library.reload(store)
    assert len(library.model.ticked()) == 1
    library.model.set_rows(list(library.model._rows), keep_ticks=False)  # noqa: SLF001
    assert library.model.ticked() == frozenset()
    assert bar.document.itemText(bar.document.currentIndex()).endswith("(0)")
