"""Named claim sources in the window (issue 16): "Attributed to" completes from the sources as
it is typed (real key events, case- and accent-insensitive), a source's default grade is
suggested (never over a grade given), a new name is registered with the claim in one undo
step, and View > Sources lists and grades the sources."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.sources import set_default_reliability
from annotator.core.store import open_store
from annotator.gui.mainwindow import MainWindow
from annotator.gui.sources_window import SourcesWindow
from tests.gui.test_mainwindow import click_unit, db, make_window, open_doc, saved_fields

__all__ = ["db"]  # the fixture, shared with test_mainwindow

MINISTRY = "The Ministry of Transport said on January 9"


@pytest.fixture
def graded(db: Path) -> Path:
    """The database of test_mainwindow with three graded sources."""
    with open_store(db) as store:
        set_default_reliability(store, "The Ministry of Transport", "B", actor="Ben")
        set_default_reliability(store, "Agence France-Presse", "C", actor="Ben")
        set_default_reliability(store, "Société Générale", "A", actor="Ben")
    return db


@pytest.fixture
def window(qtbot: QtBot, graded: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, graded)
    yield win
    win.ctx.store.close()


def _claim_fields(db: Path) -> tuple[dict[str, object], list[str]]:
    rows = saved_fields(db, "claim")
    assert len(rows) == 1
    return json.loads(rows[0][0]), json.loads(rows[0][1])


def _source_editor(qtbot: QtBot, window: MainWindow) -> QLineEdit:
    """The claim's "Attributed to", focused and emptied (by keys) of what was suggested."""
    editor = window.form.findChild(QLineEdit, "claim.attributed_to")
    assert editor is not None and editor.isVisible()
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    assert editor.text() == ""
    return editor


def _tag_claim(qtbot: QtBot, window: MainWindow, needle: str) -> None:
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, needle)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)


def _sources(db: Path) -> list[tuple[str, str | None, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT name, reliability, created_by FROM sources ORDER BY name_key"
        ).fetchall()
    finally:
        conn.close()


def test_a_new_claim_from_a_graded_source_gets_its_grade_as_a_suggestion(
    qtbot: QtBot, window: MainWindow, graded: Path
) -> None:
    _tag_claim(qtbot, window, MINISTRY)
    fields, suggested = _claim_fields(graded)
    assert fields["attributed_to"] == "The Ministry of Transport"
    assert fields["source_reliability"] == "B"
    assert "source_reliability" in suggested  # shown as suggested, for the analyst to accept
    box = window.form.boxes["claim"]
    assert box.markers["source_reliability"].isVisible()


def test_typing_completes_a_source_and_suggests_its_grade(
    qtbot: QtBot, window: MainWindow, graded: Path
) -> None:
    _tag_claim(qtbot, window, "Local authorities reported")
    editor = _source_editor(qtbot, window)
    qtbot.keyClicks(editor, "FRANCE-pr")  # anywhere in the name, whatever the case
    completer = editor.completer()
    assert completer is not None
    popup = completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "Agence France-Presse"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _claim_fields(graded)[0].get("attributed_to") == "Agence "
                    "France-Presse")
    fields, suggested = _claim_fields(graded)
    assert fields["source_reliability"] == "C"
    assert suggested == ["source_reliability"]
    assert editor.text() == "Agence France-Presse"
    choice = window.form.findChild(QComboBox, "claim.source_reliability")
    assert choice is not None and choice.currentData() == "C"


def test_a_window_shown_before_its_database_completes_and_grades_from_the_first_claim(
    qtbot: QtBot, graded: Path
) -> None:
    """`app.launch` shows the window before it opens the database (issue 15), and the sources
    are installed once it is open (gui/when_open.py): the first claim tagged gets its source's
    grade suggested, its "Attributed to" completes, and View > Sources opens."""
    from annotator.core.settings import Settings
    from annotator.gui.app import launch

    window = launch(graded, Settings(author="Ana"))
    qtbot.addWidget(window)
    try:
        assert window.sources is None
        window.resize(1400, 860)
        qtbot.waitUntil(window.database_ready, timeout=20_000)
        assert window.sources is not None
        _tag_claim(qtbot, window, MINISTRY)
        fields, suggested = _claim_fields(graded)
        assert fields["source_reliability"] == "B" and "source_reliability" in suggested
        editor = _source_editor(qtbot, window)
        qtbot.keyClicks(editor, "france-pr")
        completer = editor.completer()
        assert completer is not None
        qtbot.waitUntil(completer.popup().isVisible)
        assert completer.currentCompletion() == "Agence France-Presse"
        qtbot.keyClick(completer.popup(), Qt.Key.Key_Escape)
        sources = _open_sources(qtbot, window)
        names = {sources.table.model().index(r, 0).data()
                 for r in range(sources.table.model().rowCount())}
        assert "Agence France-Presse" in names
    finally:
        window.close()
        if window.ctx.store is not None:
            window.ctx.store.close()


def test_completion_ignores_accents(qtbot: QtBot, window: MainWindow) -> None:
    _tag_claim(qtbot, window, "Local authorities reported")
    editor = _source_editor(qtbot, window)
    qtbot.keyClicks(editor, "societe gen")
    completer = editor.completer()
    assert completer is not None
    qtbot.waitUntil(completer.popup().isVisible)
    assert completer.currentCompletion() == "Société Générale"


def test_a_grade_given_is_never_replaced(qtbot: QtBot, window: MainWindow, graded: Path) -> None:
    _tag_claim(qtbot, window, "Local authorities reported")
    choice = window.form.findChild(QComboBox, "claim.source_reliability")
    assert choice is not None
    choice.setFocus()
    qtbot.keyClick(choice, Qt.Key.Key_E)  # the analyst's own grade
    assert _claim_fields(graded)[0]["source_reliability"] == "E"
    editor = _source_editor(qtbot, window)
    qtbot.keyClicks(editor, "Agence France-Presse")
    completer = editor.completer()
    assert completer is not None
    qtbot.waitUntil(completer.popup().isVisible)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Escape)  # close the list, keep the text
    assert editor.text() == "Agence France-Presse"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    fields, suggested = _claim_fields(graded)
    assert fields["attributed_to"] == "Agence France-Presse"
    assert fields["source_reliability"] == "E"
    assert "source_reliability" not in suggested


def test_a_new_source_is_saved_with_the_claim_in_one_undo_step(
    qtbot: QtBot, window: MainWindow, graded: Path
) -> None:
    _tag_claim(qtbot, window, "Local authorities reported")
    steps = window.ctx.undo_stack.count()
    editor = _source_editor(qtbot, window)
    qtbot.keyClicks(editor, "Selvane Port Authority")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert ("Selvane Port Authority", None, "Ana") in _sources(graded)
    fields, _suggested = _claim_fields(graded)
    assert fields["attributed_to"] == "Selvane Port Authority"
    assert "source_reliability" not in fields  # an ungraded source suggests nothing
    assert window.ctx.undo_stack.count() == steps + 1
    window.ctx.undo_stack.undo()
    assert _claim_fields(graded)[0]["attributed_to"] == "Local authorities"  # as suggested
    # the source stays registered: shared reference data, not part of the analyst's layer;
    # no claim names it any more, so View > Sources can take it off the list
    assert ("Selvane Port Authority", None, "Ana") in _sources(graded)
    sources = _open_sources(qtbot, window)
    qtbot.keyClicks(sources.filter, "selvane")
    assert sources.table.model().rowCount() == 1
    assert sources.table.model().index(0, 1).data() == "0"
    assert sources.remove.isEnabled()
    qtbot.mouseClick(sources.remove, Qt.MouseButton.LeftButton)
    assert all(row[0] != "Selvane Port Authority" for row in _sources(graded))
    assert sources.table.model().rowCount() == 0


def _open_sources(qtbot: QtBot, window: MainWindow) -> SourcesWindow:
    window.actions_by_name["sources"].trigger()
    sources = window.findChild(SourcesWindow, "sourcesWindow")
    assert sources is not None
    qtbot.waitExposed(sources)
    return sources


def test_view_sources_lists_claims_grades_and_credibility(
    qtbot: QtBot, window: MainWindow, graded: Path
) -> None:
    with open_store(graded) as store:
        doc = next(iter(window.library.model._rows)).summary.id  # noqa: SLF001
        ops.bulk_add_annotations(store, doc, [
            ops.NewAnnotation(i, i + 1, "Ben", ["claim"], "", {"claim": {
                "attributed_to": name, "information_credibility": cred}})
            for i, (name, cred) in enumerate(
                [("agence france-presse", "2"), ("AGENCE FRANCE-PRESSE", "2"),
                 ("Agence France-Presse", "5"), ("Unregistered Blog", "6")]
            )
        ])
    sources = _open_sources(qtbot, window)
    table = sources.table
    rows = {
        table.model().index(r, 0).data(): [
            table.model().index(r, c).data() for c in range(1, 5)
        ]
        for r in range(table.model().rowCount())
    }
    assert rows["Agence France-Presse"] == [
        "3", "C - Fairly reliable", "1:0 2:2 3:0 4:0 5:1 6:0", "A:0 B:0 C:0 D:0 E:0 F:0 -:3"
    ]
    assert rows["Unregistered Blog"][:2] == ["1", "\u2014"]
    assert table.model().index(0, 0).data() == "Agence France-Presse"  # the most cited first
    assert sources.current() is not None and sources.current().name == "Agence France-Presse"
    assert not sources.remove.isEnabled()  # claims name it: it cannot be removed
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    names = [table.model().index(r, 0).data() for r in range(table.model().rowCount())]
    assert names == sorted(names, key=str.casefold)


def test_a_source_is_graded_in_view_sources_and_enter_opens_it(
    qtbot: QtBot, window: MainWindow, graded: Path
) -> None:
    sources = _open_sources(qtbot, window)
    table = sources.table
    qtbot.keyClicks(sources.filter, "minist")
    assert table.model().rowCount() == 1
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    with qtbot.waitSignal(sources.sourceActivated) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == ["The Ministry of Transport"]
    sources.grade.setFocus()
    index = sources.grade.findData("D")
    sources.grade.setCurrentIndex(index)
    sources.grade.activated.emit(index)
    assert ("The Ministry of Transport", "D", "Ben") in _sources(graded)
    conn = sqlite3.connect(graded)
    try:
        assert conn.execute(
            "SELECT modified_by FROM sources WHERE name_key = 'the ministry of transport'"
        ).fetchone() == ("Ana",)
    finally:
        conn.close()
    assert table.model().index(0, 2).data() == "D - Not usually reliable"
    # the next claim from it is offered the new grade
    sources.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    _tag_claim(qtbot, window, MINISTRY)
    assert _claim_fields(graded)[0]["source_reliability"] == "D"


def test_enter_on_a_source_opens_the_table_of_its_claims(
    qtbot: QtBot, window: MainWindow, graded: Path
) -> None:
    with open_store(graded) as store:
        doc = next(iter(window.library.model._rows)).summary.id  # noqa: SLF001
        ops.bulk_add_annotations(store, doc, [
            ops.NewAnnotation(i, i + 1, "Ben", ["claim"], "", {"claim": {"attributed_to": name}})
            for i, name in enumerate(
                ["agence france-presse", "AGENCE FRANCE-PRESSE", "Unregistered Blog"]
            )
        ])
    sources = _open_sources(qtbot, window)
    table = sources.table
    qtbot.keyClicks(sources.filter, "agence")
    assert table.model().rowCount() == 1
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    view = window.annotations_window
    qtbot.waitExposed(view)
    assert view.filters.fields.text() == "attributed_to=Agence France-Presse"
    assert view.filters.tag.currentData() == "claim"
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)  # both spellings, not the blog


def test_another_source_replaces_a_grade_that_was_only_suggested(
    qtbot: QtBot, window: MainWindow, graded: Path
) -> None:
    _tag_claim(qtbot, window, MINISTRY)
    assert _claim_fields(graded)[0]["source_reliability"] == "B"  # suggested
    editor = _source_editor(qtbot, window)
    qtbot.keyClicks(editor, "Agence France-Presse")
    qtbot.keyClick(editor.completer().popup(), Qt.Key.Key_Escape)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    fields, suggested = _claim_fields(graded)
    assert (fields["attributed_to"], fields["source_reliability"]) == ("Agence France-Presse", "C")
    assert "source_reliability" in suggested


def test_the_book_reads_the_sources_again_only_when_an_edit_may_add_one(
    qtbot: QtBot, graded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.core import sources as core_sources
    from annotator.core.facts import Changes
    from annotator.gui.form.sources import SourceBook

    reads: list[int] = []
    real = core_sources.default_grades

    def counted(store: object) -> dict[str, tuple[str, str | None]]:
        reads.append(1)
        return real(store)  # type: ignore[arg-type]

    monkeypatch.setattr(core_sources, "default_grades", counted)
    with open_store(graded) as store:
        doc = next(iter(store_documents(graded)))
        created = ops.create_annotation(store, doc, 0, 5, "Ana", ["claim"]).created_id
        assert created is not None
        book = SourceBook(lambda: store)
        assert book.grade_of("agence france-presse") == "C"
        assert len(reads) == 1

        def naming(name: str) -> Changes:
            return ops.set_fields(store, created, "claim", {"attributed_to": name}, actor="Ana")

        book.note_change(naming("AGENCE France-Presse"))  # a known source: no read
        book.grade_of("agence france-presse")
        assert len(reads) == 1
        suggested = ops.set_fields(store, created, "claim", {"attributed_to": "Officials"},
                                   ["attributed_to"], actor="Ana")
        book.note_change(suggested)  # only suggested: not registered, nothing to read
        book.grade_of("officials")
        assert len(reads) == 1
        book.note_change(naming("Someone New"))  # registered a source
        assert book.grades().get("someone new") == ("Someone New", None)
        assert len(reads) == 2
        book.note_change(Changes(library=True))  # a merge or an import
        book.grade_of("x")
        assert len(reads) == 3
        book.refresh()  # the source field got the focus: always read
        assert len(reads) == 4


def store_documents(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM documents ORDER BY id")]
    finally:
        conn.close()


def test_down_in_the_source_field_lists_every_known_source(
    qtbot: QtBot, window: MainWindow
) -> None:
    _tag_claim(qtbot, window, "Local authorities reported")
    editor = _source_editor(qtbot, window)
    qtbot.keyClick(editor, Qt.Key.Key_Down)
    completer = editor.completer()
    assert completer is not None
    qtbot.waitUntil(completer.popup().isVisible)
    assert completer.completionCount() == 3
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Escape)
    qtbot.keyClicks(editor, "soc")  # then Down lists only those matching what is typed
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Escape)
    qtbot.keyClick(editor, Qt.Key.Key_Down)
    qtbot.waitUntil(completer.popup().isVisible)
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "Société Générale"
