"""Each analyst's layer is their own: in a database holding Ana's and Ben's annotations, the
window opened as Ana changes only Ana's annotations, whatever key, button or menu she uses.

Ben's rows are read back through a fresh connection before and after every action.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.importing import import_files
from annotator.core.queries import document_detail, list_documents
from annotator.core.store import open_store
from annotator.gui import dialogs
from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import SAMPLE, click_unit, make_window, open_doc, unit_containing

ONLY_BEN = "Local authorities reported"  # Ben's claim, with fields and a note
SHARED = "The Ministry of Transport said"  # Ana's assessment and Ben's claim, same span
BEN_THEN_ANA = "Transit insurers raised premiums"  # Ben's figure; Ana's claim over more text
ADJUDICATED = "Since October 2024, armed groups"  # Ana's adjudicated layer
REFUSAL = (
    "That annotation is Ben's; you can change only your own. Use Review Mode to adjudicate."
)


def layer_rows(db: Path, author: str) -> list[tuple[object, ...]]:
    """Everything stored of `author`'s annotations (fresh connection)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            'SELECT a.id, a.start, a."end", a.note, a.modified, t.name, x.fields, x.suggested '
            "FROM annotations a LEFT JOIN annotation_tags x ON x.annotation_id = a.id "
            "LEFT JOIN tags t ON t.id = x.tag_id WHERE a.author = ? ORDER BY a.id, t.position",
            (author,),
        ).fetchall()
    finally:
        conn.close()


def tags_of(db: Path, author: str) -> list[tuple[int, int, str]]:
    return [(row[1], row[2], row[5]) for row in layer_rows(db, author)]  # type: ignore[misc]


def tags_at(db: Path, author: str, span: tuple[int, int]) -> list[str]:
    """The tags of `author`'s annotations over exactly `span`."""
    return [tag for start, end, tag in tags_of(db, author) if (start, end) == span]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "layers.sqlite3"
    with open_store(path) as store:
        assert all(o.ok for o in import_files(store, [SAMPLE]))
        doc = next(d.id for d in list_documents(store) if d.source_name == "sample-briefing.txt")
        units = document_detail(store, doc).units

        def span(needle: str) -> tuple[int, int]:
            unit = next(u for u in units if needle in u.text)
            return unit.start, unit.end

        ops.create_annotation(store, doc, *span(ONLY_BEN), "Ben", ["claim"], note="Ben's note",
                              fields={"claim": {"attributed_to": "the governor"}})
        # Ana's first: the reader lists Ben's (the newer) first among equal spans.
        ops.create_annotation(store, doc, *span(SHARED), "Ana", ["assessment"])
        ops.create_annotation(store, doc, *span(SHARED), "Ben", ["claim"])
        start, end = span(BEN_THEN_ANA)
        ops.create_annotation(store, doc, start, end, "Ben", ["figure"])
        ops.create_annotation(store, doc, start, end + 40, "Ana", ["claim"])
        ops.create_annotation(store, doc, *span(ADJUDICATED), "adjudicated by Ana", ["claim"])
    return path


@pytest.fixture
def window(qtbot: QtBot, db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    errors: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, message: errors.append(message))
    win = make_window(qtbot, db, author="Ana")
    win.errors = errors  # type: ignore[attr-defined]
    open_doc(win, "sample-briefing.txt")
    yield win
    win.ctx.store.close()


def annotation_id(window: MainWindow, needle: str, author: str) -> int:
    span = unit_containing(window, needle)
    return next(
        v.id for v in window.workspace.annotations.values()
        if (v.start, v.end) == span and v.author == author
    )


def pick_in_list(qtbot: QtBot, window: MainWindow, wanted: int) -> None:
    """Click the row of annotation `wanted` in the annotation list."""
    annotations = window.annotation_list
    row = annotations.model.row_of(wanted)
    assert row is not None
    index = annotations.proxy.mapFromSource(annotations.model.index(row, 0))
    annotations.table.scrollTo(index)
    rect = annotations.table.visualRect(index)
    qtbot.mouseClick(annotations.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.workspace.current_id == wanted


def assert_refused(window: MainWindow) -> None:
    """The status bar said why, and no dialog came up."""
    QApplication.processEvents()
    assert window.statusBar().currentMessage() == REFUSAL
    assert window.errors == []  # type: ignore[attr-defined]
    assert QApplication.activeModalWidget() is None
    assert window.saved_label.text() != "Not saved"


def test_a_click_on_a_span_both_annotated_selects_ones_own(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    bens = layer_rows(db, "Ben")
    anas = annotation_id(window, SHARED, "Ana")
    click_unit(qtbot, window, SHARED)
    assert window.workspace.current_id == anas
    assert not window.form.is_read_only()
    assert window.form.author_label.text() == "Ana"
    span = unit_containing(window, SHARED)
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    assert tags_at(db, "Ana", span) == ["assessment", "figure"]
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert tags_at(db, "Ana", span) == []
    assert layer_rows(db, "Ben") == bens


def test_a_colleagues_annotation_is_shown_read_only(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    bens = layer_rows(db, "Ben")
    click_unit(qtbot, window, ONLY_BEN)
    form = window.form
    assert window.workspace.current_id == annotation_id(window, ONLY_BEN, "Ben")
    assert form.is_read_only()
    assert form.owner_notice.isVisible()
    assert "Ben's annotation" in form.owner_notice.text()
    assert "read-only outside Review Mode" in form.owner_notice.text()
    assert form.author_label.text() == "Ben"
    source = form.findChild(QLineEdit, "claim.attributed_to")
    reliability = form.findChild(QComboBox, "claim.source_reliability")
    assert source is not None and reliability is not None
    assert source.isVisible() and source.isReadOnly() and source.text() == "the governor"
    assert not reliability.isEnabled()
    assert form.note.isReadOnly() and form.note.toPlainText() == "Ben's note"
    assert not form.delete_button.isEnabled()
    assert not form.tag_buttons["claim"].isChecked()  # Ana has no claim here yet
    assert "your own annotation" in form.tag_buttons["claim"].toolTip()
    # Typing goes nowhere, and leaving the fields saves nothing.
    source.setFocus()
    qtbot.keyClicks(source, " and the mayor")
    qtbot.keyClick(source, Qt.Key.Key_Return)
    form.note.setFocus()
    qtbot.keyClicks(form.note, "Ana was here")
    window.reader.setFocus()
    form.note_timer.timeout.emit()
    assert source.text() == "the governor" and form.note.toPlainText() == "Ben's note"
    # Edits arriving for Ben's annotation anyway are refused before any write.
    ben_id = annotation_id(window, ONLY_BEN, "Ben")
    form.fieldsEdited.emit(ben_id, "claim", {"attributed_to": "Ana"}, [])
    assert_refused(window)
    form.noteEdited.emit(ben_id, "Ana's note")
    assert layer_rows(db, "Ben") == bens
    # Ana's own annotation is editable again.
    click_unit(qtbot, window, SHARED)
    assert not form.is_read_only() and not form.owner_notice.isVisible()
    assert not form.note.isReadOnly() and form.delete_button.isEnabled()
    assert "your own" not in form.tag_buttons["claim"].toolTip()


def test_tag_keys_on_a_colleagues_annotation_tag_ones_own(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    bens = layer_rows(db, "Ben")
    span = unit_containing(window, ONLY_BEN)
    ben_id = annotation_id(window, ONLY_BEN, "Ben")
    click_unit(qtbot, window, ONLY_BEN)
    assert window.workspace.current_id == ben_id
    qtbot.keyClick(window.reader, Qt.Key.Key_1)  # Ben's has claim: Ana gets her own claim
    assert tags_at(db, "Ana", span) == ["claim"]
    own = window.workspace.current_id
    assert own != ben_id and not window.form.is_read_only()
    qtbot.keyClick(window.reader, Qt.Key.Key_2)
    assert tags_at(db, "Ana", span) == ["claim", "assessment"]
    # Back on Ben's (from the list), a tag key still changes Ana's own of that text.
    pick_in_list(qtbot, window, ben_id)
    assert window.form.is_read_only()
    assert window.form.tag_buttons["claim"].isChecked()  # Ana's own tags
    qtbot.mouseClick(window.form.tag_buttons["claim"], Qt.MouseButton.LeftButton)
    assert tags_at(db, "Ana", span) == ["assessment"]
    assert window.workspace.current_id == own
    window.tag_actions["figure"].trigger()  # the toolbar and context menu action
    assert tags_at(db, "Ana", span) == ["assessment", "figure"]
    assert layer_rows(db, "Ben") == bens
    # Undo and redo walk Ana's changes only.
    undo, redo = window.actions_by_name["undo"], window.actions_by_name["redo"]
    for _ in range(4):
        undo.trigger()
    assert tags_at(db, "Ana", span) == []
    for _ in range(4):
        redo.trigger()
    assert tags_at(db, "Ana", span) == ["assessment", "figure"]
    assert layer_rows(db, "Ben") == bens


def test_delete_on_a_colleagues_annotation_only_says_so(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    bens, anas = layer_rows(db, "Ben"), layer_rows(db, "Ana")
    click_unit(qtbot, window, ONLY_BEN)
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert_refused(window)
    window.statusBar().clearMessage()
    # Ben's selected on a span Ana annotated too: still Ben's, still refused.
    pick_in_list(qtbot, window, annotation_id(window, SHARED, "Ben"))
    # Delete Annotation is off (nothing of Ana's to delete); the key still says why.
    assert not window.actions_by_name["delete"].isEnabled()
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert_refused(window)
    assert layer_rows(db, "Ben") == bens and layer_rows(db, "Ana") == anas
    assert not window.ctx.undo_stack.canUndo()


def test_move_to_selection_leaves_a_colleagues_annotation_alone(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    bens, anas = layer_rows(db, "Ben"), layer_rows(db, "Ana")
    ben_id = annotation_id(window, BEN_THEN_ANA, "Ben")
    pick_in_list(qtbot, window, ben_id)
    click_unit(qtbot, window, "The economic cost is mounting")  # the new span, unannotated
    assert window.workspace.last_annotation_id == ben_id
    window.actions_by_name["set_span"].trigger()
    assert_refused(window)
    assert layer_rows(db, "Ben") == bens and layer_rows(db, "Ana") == anas


def test_ones_adjudicated_layer_stays_editable(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    layer = annotation_id(window, ADJUDICATED, "adjudicated by Ana")
    click_unit(qtbot, window, ADJUDICATED)
    assert window.workspace.current_id == layer and not window.form.is_read_only()
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    assert [row[5] for row in layer_rows(db, "adjudicated by Ana")] == ["claim", "figure"]
    assert tags_at(db, "Ana", unit_containing(window, ADJUDICATED)) == []
