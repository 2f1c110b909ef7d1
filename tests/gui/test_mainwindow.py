"""The annotation workspace driven through the real window with keys and the mouse.

Every check of what was saved goes through a fresh database connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from annotator.core.settings import Settings, load_settings
from annotator.core.store import default_db_path, open_store
from annotator.gui.app import build_window
from annotator.gui.mainwindow import MainWindow
from tests.conftest import REPO_ROOT
from tests.gui.settling import wait_settled

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"

MIXED = (
    "Mixed script test\n\n"
    "A greeting 🙂 came first. مرحبا بكم في التقرير. "
    "Officials reported 14 attacks in 2024. We assess this is likely to continue.\n"
)


def saved_rows(db: Path) -> list[tuple[int, int, str, str]]:
    """(start, end, author, tag) of every saved annotation tag, read with a fresh connection."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT a.start, a.\"end\", a.author, t.name FROM annotations a "
            "JOIN annotation_tags x ON x.annotation_id = a.id JOIN tags t ON t.id = x.tag_id "
            "ORDER BY a.start, t.position"
        ).fetchall()
    finally:
        conn.close()


def saved_fields(db: Path, tag: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT x.fields, x.suggested FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
            "WHERE t.name = ?",
            (tag,),
        ).fetchall()
    finally:
        conn.close()


def make_window(qtbot: QtBot, db: Path, author: str = "Ana") -> MainWindow:
    window = build_window(db, Settings(author=author))
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "gui.sqlite3"
    doc = tmp_path / "mixed.txt"
    doc.write_text(MIXED, encoding="utf-8")
    with open_store(path) as store:
        from annotator.core.importing import import_files

        outcomes = import_files(store, [SAMPLE, doc])
        assert all(o.ok for o in outcomes)
    return path


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db)
    yield win
    win.ctx.store.close()


def unit_containing(window: MainWindow, needle: str) -> tuple[int, int]:
    for start, end, kind in window.workspace.units:
        if needle in window.workspace.text[start:end] and kind != "skipped":
            return start, end
    raise AssertionError(f"no unit contains {needle!r}")


def click_unit(qtbot: QtBot, window: MainWindow, needle: str, *, shift: bool = False) -> None:
    """Click in the middle of the first word of the unit containing `needle`."""
    reader = window.reader
    start, _end = unit_containing(window, needle)
    reader.scroll_to(start)
    cursor = QTextCursor(reader.document())
    cursor.setPosition(reader.offsets.to_qt(start) + 1)
    rect = reader.cursorRect(cursor)
    modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton, modifiers, rect.center())


def open_doc(window: MainWindow, source_name: str) -> int:
    for row in window.library.model._rows:  # noqa: SLF001 - test helper
        if row.summary.source_name == source_name:
            window.open_document(row.summary.id)
            wait_settled(window)  # the annotation list and overview are filled in idle time
            return row.summary.id
    raise AssertionError(source_name)


def test_tag_by_key_and_multi_tag(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    start, end = unit_containing(window, "Local authorities reported")
    assert window.workspace.selection == (start, end)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    assert saved_rows(db) == [(start, end, "Ana", "claim"), (start, end, "Ana", "figure")]
    assert window.saved_label.text().startswith("Saved")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)  # toggles claim off again
    assert saved_rows(db) == [(start, end, "Ana", "figure")]


def test_tag_by_toolbar_and_form_button(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "The economic cost is mounting")
    start, end = unit_containing(window, "The economic cost is mounting")
    window.tag_actions["assessment"].trigger()
    assert saved_rows(db) == [(start, end, "Ana", "assessment")]
    window.form.tagToggled.emit("figure")
    assert [r[3] for r in saved_rows(db)] == ["assessment", "figure"]


def test_suggestions_prefilled_and_saved(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "adding roughly $2.5 million")
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    ((fields, suggested),) = saved_fields(db, "figure")
    assert '"value": 2500000' in fields and '"unit": "USD"' in fields
    assert "value" in suggested


def test_shift_click_spans_several_units(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Since October 2024, armed groups")
    click_unit(qtbot, window, "The Ministry of Transport said", shift=True)
    first, _ = unit_containing(window, "Since October 2024, armed groups")
    _, last = unit_containing(window, "The Ministry of Transport said")
    assert window.workspace.selection == (first, last)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert saved_rows(db) == [(first, last, "Ana", "claim")]


def test_offsets_are_code_points_after_emoji_and_arabic(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    open_doc(window, "mixed.txt")
    click_unit(qtbot, window, "Officials reported 14 attacks")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    ((start, end, _author, _tag),) = saved_rows(db)
    assert MIXED[start:end] == "Officials reported 14 attacks in 2024."


def test_undo_redo_across_tags_and_form_edits(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "We judge with moderate confidence")
    qtbot.keyClick(window.reader, Qt.Key.Key_2)
    annotation_id = window.workspace.current_id
    assert annotation_id is not None
    window.form.fieldsEdited.emit(
        annotation_id, "assessment", {"likelihood": "likely", "confidence": "high"}, []
    )
    ((fields, _),) = saved_fields(db, "assessment")
    assert '"likelihood": "likely"' in fields and '"confidence": "high"' in fields

    undo = window.actions_by_name["undo"]
    redo = window.actions_by_name["redo"]
    undo.trigger()  # the form edit
    ((fields, _),) = saved_fields(db, "assessment")
    assert '"confidence": "moderate"' in fields  # the suggestion is back
    undo.trigger()  # the tag itself
    assert saved_rows(db) == []
    redo.trigger()
    assert [r[3] for r in saved_rows(db)] == ["assessment"]
    redo.trigger()
    ((fields, _),) = saved_fields(db, "assessment")
    assert '"confidence": "high"' in fields
    # the keyboard shortcut does the same
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    ((fields, _),) = saved_fields(db, "assessment")
    assert '"confidence": "moderate"' in fields
    qtbot.keyClick(
        window.reader, Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    ((fields, _),) = saved_fields(db, "assessment")
    assert '"confidence": "high"' in fields


def test_delete_and_undo_restores(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    before = saved_rows(db)
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert saved_rows(db) == []
    window.actions_by_name["undo"].trigger()
    assert saved_rows(db) == before


def test_note_and_span_change_are_saved_and_undoable(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    annotation_id = window.workspace.current_id
    assert annotation_id is not None
    window.form.noteEdited.emit(annotation_id, "cross-check with hospital figures")
    start, end = unit_containing(window, "Local authorities reported")
    window.workspace.move_span(annotation_id, start, end - 1)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT note, \"end\" FROM annotations").fetchone() == (
        "cross-check with hospital figures", end - 1,
    )
    window.actions_by_name["undo"].trigger()
    assert conn.execute("SELECT \"end\" FROM annotations").fetchone() == (end,)
    conn.close()


def test_restart_restores_document_and_geometry(qtbot: QtBot, db: Path) -> None:
    first = make_window(qtbot, db)
    doc_id = open_doc(first, "mixed.txt")
    first.resize(760, 640)
    first.splitter.setSizes([150, 400, 200])
    sizes = first.splitter.sizes()
    first.library.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    titles = [first.library.proxy.index(r, 0).data() for r in range(first.library.proxy.rowCount())]
    assert titles == sorted(titles, key=str.casefold)
    first.close()
    first.ctx.store.close()
    settings = load_settings()
    assert settings.last_documents[str(db)] == doc_id
    second = build_window(db, settings)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert second.workspace.document_id == doc_id
    assert (second.width(), second.height()) == (760, 640)  # offscreen screen: 800x800
    assert second.splitter.sizes() == sizes
    header = second.library.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        0, Qt.SortOrder.AscendingOrder
    )
    proxy = second.library.proxy
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == titles
    second.ctx.store.close()


def test_first_start_asks_name_and_offers_the_sample(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.gui import app as app_module

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Rita Reviewer", True))
    settings = load_settings()
    app_module.ask_author_if_needed(settings)
    assert settings.author == "Rita Reviewer"
    window = build_window(None, settings)
    qtbot.addWidget(window)
    window.show()
    assert window.ctx.store.path == default_db_path()
    assert window.workspace.document_id is not None
    assert "Northern Corridor" in window.workspace.text
    assert "Rita Reviewer" in window.author_label.text()
    window.ctx.store.close()
    # the sample is offered once: a second start does not import it again
    again = build_window(None, load_settings())
    qtbot.addWidget(again)
    assert len(again.library.model.document_ids()) == 1
    again.ctx.store.close()


def test_drop_files_imports_them(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    extra = tmp_path / "dropped.md"
    extra.write_text("# Dropped brief\n\nThe port was closed on 3 May 2024.\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(extra))])
    event = QDropEvent(
        QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    # The import starts once the drop is over.
    qtbot.waitUntil(lambda: len(window.library.model.document_ids()) == 3)
    assert "The port was closed" in window.workspace.text


def test_find_in_document_selects_the_match(qtbot: QtBot, window: MainWindow) -> None:
    open_doc(window, "sample-briefing.txt")
    window.actions_by_name["find"].trigger()
    bar = window.find_bar
    assert bar.isVisible() and bar.box.hasFocus()
    qtbot.keyClicks(bar.box, "selvane")
    text = window.workspace.text
    total = text.casefold().count("selvane")
    assert total >= 2 and bar.count.text() == f"{total} matches"
    qtbot.keyClick(bar.box, Qt.Key.Key_Return)
    first = window.workspace.selection or (0, 0)
    assert text[first[0]:first[1]].casefold() == "selvane"
    assert bar.count.text() == f"1 of {total}"
    qtbot.keyClick(bar.box, Qt.Key.Key_Return)
    second = window.workspace.selection or (0, 0)
    assert second[0] > first[0] and bar.count.text() == f"2 of {total}"
    qtbot.keyClick(bar.box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert window.workspace.selection == first
    # Shift+Enter from the first match wraps to the last; F3 (Find Next) wraps to the first.
    qtbot.keyClick(bar.box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count.text() == f"{total} of {total}"
    window.actions_by_name["find_next"].trigger()
    assert window.workspace.selection == first
    bar.box.setText("no such words here")
    assert bar.count.text() == "Not found"
    assert not bar.step() and window.workspace.selection == first
    # Another document opened with the bar shown: the count is of that document.
    bar.box.setText("selvane")
    open_doc(window, "mixed.txt")
    assert bar.count.text() == "Not found"
    qtbot.keyClick(bar.box, Qt.Key.Key_Escape)
    assert not bar.isVisible() and window.reader.hasFocus()


@pytest.mark.parametrize(
    ("text", "needle", "expected"),
    [
        ("Die Straße nach Berlin", "berlin", [(16, 22)]),  # not shifted by "ß" -> "ss"
        ("the ﬁnal ﬁgure: Final", "final", [(16, 21)]),  # a ligature is not "fi"
        ("🙂 مرحبا then مرحبا", "مرحبا", [(2, 7), (13, 18)]),  # code points, not UTF-16
        ("aaa", "aa", [(0, 2)]),
        ("anything", "", []),
        ("a.b axb", ".", [(1, 2)]),  # the needle is text, not a pattern
    ],
)
def test_find_matches_are_offsets_of_the_text_itself(
    text: str, needle: str, expected: list[tuple[int, int]]
) -> None:
    from annotator.gui.reader.find import matches

    found = matches(text, needle)
    assert found == expected
    assert all(text[s:e].casefold() == needle.casefold() for s, e in found)


def test_menus_have_standard_entries(window: MainWindow) -> None:
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Help"]
    assert window.actions_by_name["export"].isEnabled()
    assert window.actions_by_name["undo"].shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in window.actions_by_name["redo"].shortcuts()]
    assert str(window.ctx.store.path) in window.db_label.text()


def test_file_export_opens_the_dialog_with_the_remembered_choices(
    qtbot: QtBot, window: MainWindow
) -> None:
    from annotator.gui.export_dialog import ExportDialog

    window.ctx.settings.export_format = "w3c"
    window.actions_by_name["export"].trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.settings is window.ctx.settings and dialog.fmt_name() == "w3c"
    dialog.reject()


def test_write_failure_is_shown_and_not_marked_saved(
    qtbot: QtBot, window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.core import ops
    from annotator.core.errors import AnnotatorError

    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")

    def failing(*_args: object, **_kwargs: object) -> None:
        raise AnnotatorError("disk full")

    monkeypatch.setattr(ops, "create_annotation", failing)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert window.saved_label.text() == "Not saved"
    assert saved_rows(db) == []
    assert not window.actions_by_name["undo"].isEnabled()
    QApplication.processEvents()


def test_view_toggles_hide_panels(window: MainWindow) -> None:
    window.actions_by_name["show_library"].setChecked(False)
    assert not window.library.isVisible()
    window.actions_by_name["show_form"].setChecked(False)
    assert not window.right.isVisible()
    window.actions_by_name["show_library"].setChecked(True)
    assert window.library.isVisible()


def test_form_typing_is_saved_through_the_real_widgets(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    from PySide6.QtWidgets import QComboBox, QLineEdit

    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Regional forces have deployed")
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    value = window.form.findChild(QLineEdit, "figure.value")
    assert value is not None and value.isVisible()
    value.setFocus()
    value.selectAll()
    qtbot.keyClicks(value, "1,250")
    qtbot.keyClick(value, Qt.Key.Key_Return)
    ((fields, suggested),) = saved_fields(db, "figure")
    assert '"value": 1250' in fields and "value" not in suggested
    qtbot.keyClick(window.reader, Qt.Key.Key_2)
    likelihood = window.form.findChild(QComboBox, "assessment.likelihood")
    assert likelihood is not None
    likelihood.setFocus()
    likelihood.setCurrentIndex(likelihood.findText("likely", Qt.MatchFlag.MatchStartsWith))
    likelihood.activated.emit(likelihood.currentIndex())
    ((fields, _),) = saved_fields(db, "assessment")
    assert '"likelihood": "likely"' in fields
    # invalid input is shown, never saved
    value.setFocus()
    value.selectAll()
    qtbot.keyClicks(value, "about twelve")
    qtbot.keyClick(value, Qt.Key.Key_Return)
    ((fields, _),) = saved_fields(db, "figure")
    assert '"value": 1250' in fields
    assert value.property("invalid") is True


def test_move_annotation_to_a_new_span(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Since October 2024, armed groups")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    click_unit(qtbot, window, "Local authorities reported", shift=True)
    first, _ = unit_containing(window, "Since October 2024, armed groups")
    _, last = unit_containing(window, "Local authorities reported")
    window.actions_by_name["set_span"].trigger()
    assert saved_rows(db) == [(first, last, "Ana", "claim")]
    window.actions_by_name["undo"].trigger()
    _, old_end = unit_containing(window, "Since October 2024, armed groups")
    assert saved_rows(db) == [(first, old_end, "Ana", "claim")]


def test_document_properties_are_editable(
    qtbot: QtBot, window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from annotator.core.queries import document_summary
    from annotator.gui import dialogs

    doc_id = open_doc(window, "mixed.txt")
    dialog = dialogs.DocumentPropertiesDialog(window, document_summary(window.ctx.store, doc_id))
    qtbot.addWidget(dialog)
    dialog.date.setText("2024-02-30")
    dialog.buttons.accepted.emit()
    assert "real date" in dialog.error.text()
    dialog.date.setText("2024-05-01")
    dialog.title.setText("Mixed scripts, renamed")
    dialog.buttons.accepted.emit()
    values = dialog.values()
    assert values["published"] == dt.date(2024, 5, 1) and values["date_certainty"] == "exact"
    monkeypatch.setattr(dialogs, "ask_document_properties", lambda *_a: values)
    window.actions_by_name["document_properties"].trigger()
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT title, published FROM documents WHERE id = ?", (doc_id,)).fetchone()
    conn.close()
    assert row == ("Mixed scripts, renamed", "2024-05-01")
    assert "Mixed scripts, renamed" in window.windowTitle()


def test_changes_from_another_process_are_picked_up(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    from annotator.core import ops

    doc_id = open_doc(window, "sample-briefing.txt")
    assert not window.check_external_changes()  # nothing new yet
    click_unit(qtbot, window, "Local authorities reported")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert not window.check_external_changes(), "own writes are not 'external'"
    start, end = unit_containing(window, "The Ministry of Transport said")
    with open_store(db, daily_backup=False) as other:  # e.g. the CLI or a second window
        ops.create_annotation(other, doc_id, start, end, "Bob", ["claim"])
    assert window.check_external_changes()
    assert any(v.author == "Bob" for v in window.workspace.annotations.values())
    wait_settled(window)  # the list is filled after the first screen
    assert "Bob" in [
        window.annotation_list.table.model().index(r, 2).data()
        for r in range(window.annotation_list.table.model().rowCount())
    ]


def test_a_failed_write_is_kept_visible_and_retried(
    qtbot: QtBot, window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3 as sqlite
    from contextlib import contextmanager

    from sqlalchemy.exc import OperationalError

    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    start, end = unit_containing(window, "Local authorities reported")
    store = window.ctx.store

    @contextmanager
    def read_only_disk(**_scope):  # what SQLite raises when the file was made read-only
        raise OperationalError(
            "COMMIT", {}, sqlite.OperationalError("attempt to write a readonly database")
        )
        yield

    # Only this patch is undone below: monkeypatch.undo() would also undo the autouse fixture's
    # HOME/XDG isolation, and the window would then save its settings in the real home.
    with monkeypatch.context() as disk:
        disk.setattr(store, "write", read_only_disk)
        qtbot.keyClick(window.reader, Qt.Key.Key_1)
        qtbot.keyClick(window.reader, Qt.Key.Key_3)  # waits behind the first
        assert saved_rows(db) == []
        assert len(window.ctx.pending) == 2
        assert window.pending_button.isVisible() and "2 change(s) not saved" in (
            window.pending_button.text()
        )
        assert window.saved_label.text() == "Not saved"
        assert window.retry_timer.isActive()
        assert not window.actions_by_name["undo"].isEnabled()
    # The disk is writable again.
    qtbot.mouseClick(window.pending_button, Qt.MouseButton.LeftButton)
    assert window.ctx.pending == []
    assert not window.pending_button.isVisible()
    assert saved_rows(db) == [(start, end, "Ana", "claim"), (start, end, "Ana", "figure")]
    assert window.saved_label.text().startswith("Saved")
    window.actions_by_name["undo"].trigger()
    assert saved_rows(db) == [(start, end, "Ana", "claim")]


def test_new_database_starts_empty_and_never_replaces_a_file(
    qtbot: QtBot, window: MainWindow, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    fresh = tmp_path / "fresh.sqlite3"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(fresh), ""))
    window.actions_by_name["new_database"].trigger()
    assert window.ctx.store.path == fresh
    assert window.library.model.document_ids() == [] and window.workspace.document_id is None
    assert str(fresh) in window.db_label.text()
    # Choosing an existing database asks; "No" changes nothing, "Yes" opens it as it is.
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_a: object) -> object:
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(db), ""))
    window.actions_by_name["new_database"].trigger()
    assert window.ctx.store.path == fresh and "already exists" in asked[0]
    window.actions_by_name["new_database"].trigger()
    assert window.ctx.store.path == db and len(window.library.model.document_ids()) == 2
    assert "Not saved" not in window.saved_label.text()


def test_closing_with_unwritten_changes_retries_then_asks(
    qtbot: QtBot, window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3 as sqlite
    from contextlib import contextmanager

    from PySide6.QtWidgets import QMessageBox
    from sqlalchemy.exc import OperationalError

    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    store = window.ctx.store

    @contextmanager
    def read_only_disk(**_scope):  # type: ignore[no-untyped-def]
        raise OperationalError(
            "COMMIT", {}, sqlite.OperationalError("attempt to write a readonly database")
        )
        yield

    patches = pytest.MonkeyPatch()
    patches.setattr(store, "write", read_only_disk)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert len(window.ctx.pending) == 1
    asked: list[str] = []
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard])

    def warning(_parent: object, _title: str, text: str, *_a: object) -> object:
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(QMessageBox, "warning", warning)
    assert not window.close()  # Cancel: the window stays, the change is still kept
    assert window.isVisible() and len(window.ctx.pending) == 1
    assert "1 change(s) could not be written" in asked[0]
    assert "cannot be written (read-only)" in asked[0]
    patches.undo()  # the disk is writable again: closing writes the change, no question
    assert window.close()
    assert len(asked) == 1 and saved_rows(db) and not window.ctx.pending
    # Another session on a read-only disk: "Discard" closes and the change is lost, as asked.
    other = make_window(qtbot, db, author="Ben")
    open_doc(other, "sample-briefing.txt")
    click_unit(qtbot, other, "The Ministry of Transport said")
    patches.setattr(other.ctx.store, "write", read_only_disk)
    other.tag_actions["assessment"].trigger()
    assert len(other.ctx.pending) == 1
    assert other.close() and len(asked) == 2
    patches.undo()
    assert [row for row in saved_rows(db) if row[2] == "Ben"] == []
    other.ctx.store.close()


def test_a_document_that_cannot_be_opened_is_reported_without_not_saved(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading failed, nothing was lost: the error is shown, "Saved" stays; the pointer shows
    it is busy while a briefing is laid out."""
    opened = open_doc(window, "sample-briefing.txt")
    cursors: list[object] = []
    real = window.workspace.open_document

    def watching(document_id: int) -> None:
        cursor = QApplication.overrideCursor()
        cursors.append(None if cursor is None else cursor.shape())
        real(document_id)

    monkeypatch.setattr(window.workspace, "open_document", watching)
    window.open_document(opened)
    assert cursors == [Qt.CursorShape.WaitCursor] and QApplication.overrideCursor() is None
    label = window.saved_label.text()
    window.open_document(987654)
    assert QApplication.overrideCursor() is None
    assert "987654" in window.statusBar().currentMessage()
    assert window.saved_label.text() == label != "Not saved"
    assert window.workspace.document_id == opened


def test_settings_that_cannot_be_saved_are_reported_without_not_saved(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.gui import context

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(context, "save_settings", full_disk)
    window.ctx.save_settings()
    assert "Settings could not be saved" in window.statusBar().currentMessage()
    assert "the disk is full; free some space" in window.statusBar().currentMessage()
    assert window.saved_label.text() != "Not saved"


def test_a_recent_database_that_is_gone_is_not_recreated_empty(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    gone = tmp_path / "usb-stick" / "team.sqlite3"
    window.ctx.settings.recent_databases.insert(0, str(gone))
    window.recent_menu.aboutToShow.emit()
    entries = {a.text(): a.isEnabled() for a in window.recent_menu.actions()}
    assert entries[f"{gone} (not found)"] is False
    assert entries[str(window.ctx.store.path)] is True
    warned: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _p, _t, text, *_a: warned.append(text)
    )
    before = window.ctx.store.path
    assert not window.open_database(gone)
    assert not gone.exists() and not gone.parent.exists()
    assert window.ctx.store.path == before and "no Annotator database here" in warned[0]


def test_next_untagged_says_when_every_unit_is_tagged(
    qtbot: QtBot, window: MainWindow
) -> None:
    open_doc(window, "mixed.txt")
    for start, end, kind in window.workspace.units:
        if kind != "skipped":
            window.reader.select_span(start, end)
            window.tag_actions["claim"].trigger()
    window.actions_by_name["next_untagged"].trigger()
    assert window.statusBar().currentMessage() == "Every unit of this briefing is tagged."


def test_about_says_where_the_data_is(window: MainWindow, db: Path) -> None:
    from PySide6.QtWidgets import QMessageBox

    from annotator.core.settings import settings_path
    from annotator.gui import dialogs

    window.actions_by_name["about"].trigger()
    box = window.findChild(QMessageBox, "aboutBox")
    assert box is not None and box.isVisible()
    text = box.text()
    for place in (db, Path(f"{db}.backups"), settings_path()):
        assert str(place) in text
    box.close()
    odd = dialogs.show_about(window, Path("/data/R&D <team>.sqlite3"))
    assert "R&amp;D &lt;team&gt;.sqlite3" in odd.text()
    odd.close()


def test_messages_show_file_names_and_titles_as_written(window: MainWindow) -> None:
    """A name with "<" or "&" is not taken for markup in the app's message boxes."""
    from PySide6.QtWidgets import QLabel

    from annotator.gui import dialogs

    box = dialogs.plain_box(
        dialogs.QMessageBox.Icon.Warning, "t", "<b>R&D</b>.txt: empty file", window
    )
    box.setInformativeText("<i>notes</i>.pdf: no text layer")
    labels = {label.objectName(): label for label in box.findChildren(QLabel)}
    for name in ("qt_msgbox_label", "qt_msgbox_informativelabel"):
        assert labels[name].textFormat() == Qt.TextFormat.PlainText
    assert labels["qt_msgbox_label"].text() == "<b>R&D</b>.txt: empty file"


def test_tagging_and_its_undo_need_no_read_before_the_change(
    qtbot: QtBot, window: MainWindow, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The toggle path takes the undo state from the change itself (one transaction less per
    key press, for the 16 ms budget)."""
    from annotator.core import ops

    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    start, end = unit_containing(window, "Local authorities reported")

    def no_reads(*_args: object) -> None:
        raise AssertionError("read before the change")

    monkeypatch.setattr(ops, "snapshot_annotation", no_reads)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert saved_rows(db) == [(start, end, "Ana", "figure")]
    for expected in (
        [(start, end, "Ana", "claim"), (start, end, "Ana", "figure")],
        [(start, end, "Ana", "claim")],
        [],
    ):
        window.actions_by_name["undo"].trigger()
        assert saved_rows(db) == expected


def test_the_edit_menu_names_the_change_to_undo_and_the_toolbar_stays_short(
    qtbot: QtBot, window: MainWindow
) -> None:
    from PySide6.QtWidgets import QToolBar, QToolButton

    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    undo = window.actions_by_name["undo"]
    assert undo.text().replace("&", "") == "Undo Tag claim"
    assert undo.toolTip() == "Undo Tag claim"
    toolbar = window.findChild(QToolBar, "mainToolbar")
    assert toolbar is not None
    button = toolbar.widgetForAction(undo)
    assert isinstance(button, QToolButton) and button.text() == "Undo"
    undo.trigger()
    redo = window.actions_by_name["redo"]
    assert redo.text().replace("&", "") == "Redo Tag claim"
    assert toolbar.widgetForAction(redo).text() == "Redo"  # type: ignore[union-attr]
