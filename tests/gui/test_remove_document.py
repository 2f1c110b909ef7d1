"""Removing a document from the library in the window: asked first, undoable, never a crash."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.queries import DocumentSummary, document_summary
from annotator.core.store import open_store
from annotator.gui import dialogs
from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import click_unit, db, open_doc, saved_rows, window

__all__ = ["db", "window"]  # fixtures shared with the main window tests


def stored(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("documents", "annotations", "annotation_tags")
        } | {
            "units": conn.execute(
                "SELECT document_id, ordinal, start, \"end\", kind FROM units ORDER BY 1, 2"
            ).fetchall(),
            "history": conn.execute(
                "SELECT annotation_id, action, at, before, after FROM annotation_history "
                "ORDER BY annotation_id, id"
            ).fetchall(),
        }
    finally:
        conn.close()


def library_titles(window: MainWindow) -> list[str]:
    model = window.library.proxy
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def test_remove_asks_then_removes_and_undo_redo_work(
    qtbot: QtBot, window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = open_doc(window, "mixed.txt")
    click_unit(qtbot, window, "A greeting")  # after an emoji and before Arabic text
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    before = stored(db)
    assert len(saved_rows(db)) == 1
    asked: list[str] = []

    def confirm(_parent: object, summary: DocumentSummary, backups: Path) -> bool:
        asked.append(summary.title)
        assert backups == db.with_name(db.name + ".backups")
        return True

    monkeypatch.setattr(dialogs, "confirm_removal", confirm)
    window.actions_by_name["remove_document"].trigger()
    assert asked == ["Mixed script test"]
    assert saved_rows(db) == []
    assert [d[0] for d in stored(db)["documents"]] != [d[0] for d in before["documents"]]
    assert "Mixed script test" not in library_titles(window)
    # The window moved on to the document left, and says how to get the removed one back.
    assert window.workspace.document_id not in (None, doc_id)
    assert "Northern Corridor" in window.windowTitle()
    assert "Undo puts it back" in window.statusBar().currentMessage()
    assert window.actions_by_name["undo"].text().startswith("&Undo Remove “Mixed script")

    window.actions_by_name["undo"].trigger()
    assert stored(db) == before
    assert "Mixed script test" in library_titles(window)
    assert window.workspace.document_id == doc_id  # the restored document is opened
    assert len(window.workspace.annotations) == 1

    window.actions_by_name["redo"].trigger()
    assert "Mixed script test" not in library_titles(window)
    assert window.workspace.document_id not in (None, doc_id)
    window.actions_by_name["undo"].trigger()
    assert stored(db) == before


def test_cancel_removes_nothing(
    window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_doc(window, "mixed.txt")
    before = stored(db)
    monkeypatch.setattr(dialogs, "confirm_removal", lambda *_a: False)
    window.actions_by_name["remove_document"].trigger()
    assert stored(db) == before
    assert not window.actions_by_name["undo"].isEnabled()


def test_removing_the_last_document_leaves_an_empty_window(
    window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs, "confirm_removal", lambda *_a: True)
    for _ in range(2):
        window.actions_by_name["remove_document"].trigger()
    assert library_titles(window) == []
    assert window.workspace.document_id is None and window.workspace.text == ""
    assert window.windowTitle() == db.name  # no document: the database alone
    # Nothing open: the reader says how to get a briefing in; the document actions are off.
    assert window.reader.toPlainText() == ""
    assert "File > Import Documents" in window.reader.placeholderText()
    assert not window.actions_by_name["remove_document"].isEnabled()
    assert not window.actions_by_name["document_properties"].isEnabled()
    assert not any(b.isEnabled() for b in window.form.tag_buttons.values())
    assert not any(a.isEnabled() for a in window.tag_actions.values())
    assert not window.actions_by_name["next_untagged"].isEnabled()
    assert window.form.empty_hint.text() == "Open a briefing from the library to tag it."
    window.actions_by_name["remove_document"].trigger()
    window.actions_by_name["undo"].trigger()
    assert len(library_titles(window)) == 1 and window.workspace.document_id is not None
    assert window.actions_by_name["remove_document"].isEnabled()
    assert all(b.isEnabled() for b in window.form.tag_buttons.values())
    assert all(a.isEnabled() for a in window.tag_actions.values())
    assert window.form.empty_hint.text().startswith("Select a sentence")


def test_the_question_names_the_document_and_its_annotations(
    qtbot: QtBot, window: MainWindow
) -> None:
    doc_id = open_doc(window, "sample-briefing.txt")
    ops.create_annotation(window.ctx.store, doc_id, 0, 10, "Ana", ["claim"])
    summary = document_summary(window.ctx.store, doc_id)
    seen: list[str] = []

    def answer(button_text: str) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "confirmRemoval"
        seen.append(f"{box.text()} {box.informativeText()}")
        for button in box.buttons():
            if button.text().replace("&", "") == button_text:
                button.click()

    backups = Path("/data/annotator.sqlite3.backups")
    QTimer.singleShot(0, lambda: answer("Cancel"))
    assert dialogs.confirm_removal(window, summary, backups) is False
    QTimer.singleShot(0, lambda: answer("Remove"))
    assert dialogs.confirm_removal(window, summary, backups) is True
    assert "Northern Corridor Security Outlook" in seen[0]
    assert "Its 1 annotation and their history" in seen[0]
    assert "“annotator.sqlite3.backups” next to the database" in seen[0]


def test_a_document_removed_by_another_window_is_closed_here(
    window: MainWindow, db: Path
) -> None:
    doc_id = open_doc(window, "mixed.txt")
    from annotator.core.removal import remove_document

    with open_store(db, daily_backup=False) as other:  # e.g. `annotator remove` meanwhile
        remove_document(other, doc_id)
    assert window.check_external_changes()
    assert window.workspace.document_id not in (None, doc_id)
    assert "Mixed script test" not in library_titles(window)


def test_the_library_context_menu_offers_removal(window: MainWindow) -> None:
    table = window.library.table
    assert table.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    assert window.actions_by_name["remove_document"] in table.actions()


def test_long_titles_are_shortened_on_whole_words_for_the_undo_entry() -> None:
    from annotator.gui.context import _short

    assert _short("Northern Corridor Security Outlook") == "Northern Corridor Security…"
    assert _short("Short  title\n") == "Short title"
    assert _short("x" * 40) == "x" * 31 + "…"


def test_removal_opens_the_next_document_once(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_doc(window, "mixed.txt")
    opened: list[int] = []
    real_open = window.workspace.open_document

    def counting_open(document_id: int) -> None:
        opened.append(document_id)
        real_open(document_id)

    monkeypatch.setattr(window.workspace, "open_document", counting_open)
    monkeypatch.setattr(dialogs, "confirm_removal", lambda *_a: True)
    window.actions_by_name["remove_document"].trigger()
    assert opened == [window.workspace.document_id]


def test_right_click_in_the_library_picks_the_document_the_menu_acts_on(
    qtbot: QtBot, window: MainWindow
) -> None:
    first = open_doc(window, "sample-briefing.txt")
    table = window.library.table
    row = next(
        r for r in range(window.library.proxy.rowCount())
        if window.library.document_at(r) != first
    )
    rect = table.visualRect(window.library.proxy.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.RightButton, pos=rect.center())
    assert window.workspace.document_id == window.library.document_at(row) != first


def test_delete_in_the_library_removes_the_document_not_an_annotation(
    qtbot: QtBot, window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert window.workspace.current_id is not None
    asked: list[int] = []

    def confirm(_parent: object, summary: DocumentSummary, _backups: Path) -> bool:
        asked.append(summary.id)
        return False  # the analyst thinks again

    monkeypatch.setattr(dialogs, "confirm_removal", confirm)
    window.library.table.setFocus()
    qtbot.keyClick(window.library.table, Qt.Key.Key_Delete)
    assert asked == [doc_id]
    assert len(saved_rows(db)) == 1, "the annotation shown in the form was not deleted"
    # In the reader, Delete still deletes the annotation.
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert saved_rows(db) == [] and asked == [doc_id]


def test_the_shortcuts_help_lists_the_keys_including_delete_in_the_library(
    window: MainWindow,
) -> None:
    from PySide6.QtWidgets import QDialog, QTableWidget

    window.actions_by_name["shortcuts"].trigger()
    (dialog,) = [d for d in window.findChildren(QDialog) if d.objectName() == "shortcutsDialog"]
    table = dialog.findChild(QTableWidget)
    rows = {
        table.item(r, 1).text(): table.item(r, 0).text() for r in range(table.rowCount())
    }
    assert rows["Remove the selected document (asks first)"] == "Delete (in the library)"
    assert rows["Claim"] == "1" and rows["Figure"] == "3"
    assert rows["Undo"].split(", ")[0] == "Ctrl+Z"  # then the platform's other Undo keys
    dialog.close()
