"""Edit > Find in All Documents (Ctrl+Shift+F), driven with real keys: results grouped by
document, the matched words highlighted, Enter opening the hit in the reader (emoji and Arabic
before it), a note's hit selecting its annotation, messages for nothing to search or nothing
found, and the results following the database. The main flows run on a team database
(PostgreSQL, issue 17) too: `db` parametrized "postgresql" there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.importing import import_files
from annotator.core.search import Hit
from annotator.core.store import open_store
from annotator.gui.actions import NAVIGATION, shortcut_groups
from annotator.gui.mainwindow import MainWindow
from annotator.gui.reader.legend import TAG
from annotator.gui.search_hits import HIT_ROLE, LEAD, LONGEST, excerpt, is_right_to_left
from annotator.gui.search_panel import LIMIT, PROMPT, SearchPanel
from tests.conftest import REPO_ROOT
from tests.gui.settling import wait_settled
from tests.gui.test_mainwindow import make_window

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
# An emoji (two Qt positions) and Arabic before the words searched for.
MIXED = (
    "Mixed script test\n\n"
    "A greeting 😀 came first. 😀 قال المسؤول إن الصادرات ارتفعت. "
    "The Café owners said exports rose sharply.\n"
)
NOTE = "Check the RÉSUMÉ of the owners first"


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """The database the window opens: a file, or (parametrized "postgresql") a team database
    on the session's throwaway cluster (tests/backends.py)."""
    path: Path | str = tmp_path / "find.sqlite3"
    if getattr(request, "param", "sqlite") == "postgresql":
        path = request.getfixturevalue("pg_cluster").create_database(migrated=True)
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(MIXED, encoding="utf-8")
    with open_store(path) as store:
        outcomes = import_files(store, [SAMPLE, mixed])
        assert all(o.ok for o in outcomes)
        document = next(o.document_id for o in outcomes if o.path == mixed)
        assert document is not None
        start = MIXED.index("The Café")
        ops.create_annotation(store, document, start, start + 8, "Ana", ["claim"], note=NOTE)
    return path


BOTH = pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def window(qtbot: QtBot, db: Path | str) -> Iterator[MainWindow]:
    win = make_window(qtbot, db)
    wait_settled(win)
    yield win
    win.ctx.store.close()


def open_panel(qtbot: QtBot, window: MainWindow) -> SearchPanel:
    qtbot.waitUntil(window.isActiveWindow)  # a shortcut reaches only the active window
    window.reader.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)
    panel = window.findChild(SearchPanel, "searchPanel")
    assert isinstance(panel, SearchPanel)
    qtbot.waitUntil(lambda: panel.isVisible() and panel.query_box.hasFocus())
    return panel


def search_for(qtbot: QtBot, panel: SearchPanel, query: str) -> None:
    """Type `query` over what the box holds and wait for the answer to it."""
    panel.query_box.setFocus()
    panel.query_box.selectAll()
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Backspace)
    type_text(panel.query_box, query)
    qtbot.waitUntil(lambda: not panel.typing.isActive())


def type_text(widget: QWidget, text: str) -> None:
    """Key events carrying each character (QTest.keyClicks knows only ASCII keys)."""
    for ch in text:
        key = QKeySequence(ch)[0].key() if ch.isascii() else Qt.Key.Key_unknown
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch))


def rows(panel: SearchPanel) -> list[str | list[str]]:
    """Each document row's text, then a list of its hits' texts."""
    found: list[str | list[str]] = []
    model = panel.model
    for row in range(model.rowCount()):
        document = model.index(row, 0)
        found.append(str(document.data()))
        found.append(
            [str(model.index(i, 0, document).data()) for i in range(model.rowCount(document))]
        )
    return found


def highlighted(panel: SearchPanel) -> list[str]:
    """The highlighted words of every hit, joined by | per hit."""
    model = panel.model
    words = []
    for row in range(model.rowCount()):
        document = model.index(row, 0)
        for i in range(model.rowCount(document)):
            hit: Hit = model.index(i, 0, document).data(HIT_ROLE)
            words.append("|".join(hit.text[s:e] for s, e in hit.spans))
    return words


@BOTH
def test_ctrl_shift_f_searches_as_you_type_grouped_by_document(
    qtbot: QtBot, window: MainWindow
) -> None:
    panel = open_panel(qtbot, window)
    assert panel.count_label.text() == PROMPT
    search_for(qtbot, panel, "owners")
    assert rows(panel) == [
        "Mixed script test  (2 hits)",
        [
            "The Café owners said exports rose sharply. [claim]",
            f"Note: {NOTE} [claim]",
        ],
    ]
    assert highlighted(panel) == ["owners", "owners"]
    assert panel.count_label.text() == "2 hits in 1 document"
    # The current row is the first hit; the tree is expanded and painted without a warning.
    assert panel.tree.currentIndex().data(HIT_ROLE).kind == "text"
    panel.tree.viewport().grab()


@BOTH
def test_phrases_prefixes_and_folding_show_in_the_results(qtbot: QtBot, window: MainWindow) -> None:
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "CAFE")
    assert highlighted(panel) == ["Café"]
    search_for(qtbot, panel, "resume")  # the note, whatever its case and accents
    assert highlighted(panel) == ["RÉSUMÉ"]
    search_for(qtbot, panel, '"exports rose"')
    assert highlighted(panel) == ["exports rose"]
    search_for(qtbot, panel, '"rose exports"')
    assert panel.model.rowCount() == 0
    assert panel.count_label.text() == 'No sentence or note matches "rose exports"'
    search_for(qtbot, panel, "ros*")  # the sample briefing's "rose" too: two documents
    assert set(highlighted(panel)) == {"rose"}
    assert len(rows(panel)) == 4
    assert panel.count_label.text() == "2 hits in 2 documents"
    search_for(qtbot, panel, "قَالَ المسؤولُ")  # harakat folded away
    assert highlighted(panel) == ["قال|المسؤول"]


@BOTH
def test_enter_opens_the_hit_with_its_words_selected_after_an_emoji(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.open_document(window.library.model.document_ids()[0])  # the sample briefing
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "المسؤول")
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Down)
    assert panel.tree.hasFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    start = MIXED.index("المسؤول")
    assert window.workspace.text == MIXED
    assert window.reader.current_span() == (start, start + len("المسؤول"))
    assert window.workspace.selection == (start, start + len("المسؤول"))
    assert window.reader.textCursor().selectedText() == "المسؤول"  # Qt's own count agrees
    assert window.reader.hasFocus()

    qtbot.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)  # back to the results: Up/Down, Enter
    qtbot.waitUntil(panel.query_box.hasFocus)
    search_for(qtbot, panel, "owners")
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Return)  # Enter in the box: to the first hit
    assert panel.tree.hasFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert window.reader.textCursor().selectedText() == "owners"
    start = MIXED.index("owners")
    assert window.reader.current_span() == (start, start + len("owners"))


@BOTH
def test_a_note_hit_selects_its_annotation_with_the_form(qtbot: QtBot, window: MainWindow) -> None:
    window.actions_by_name["show_form"].setChecked(False)
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "resume")
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Down)
    hit: Hit = panel.tree.currentIndex().data(HIT_ROLE)
    assert hit.kind == "note" and hit.annotation_id is not None
    qtbot.keyClick(panel.tree, Qt.Key.Key_Enter)
    assert window.workspace.current_id == hit.annotation_id
    start = MIXED.index("The Café")
    assert window.reader.current_span() == (start, start + 8)
    assert window.actions_by_name["show_form"].isChecked() and window.form.isVisible()
    assert window.form.note.toPlainText() == NOTE


def test_escape_goes_back_to_the_box_then_closes(qtbot: QtBot, window: MainWindow) -> None:
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "the")
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Down)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Down)
    assert panel.tree.currentIndex().row() == 1
    qtbot.keyClick(panel.tree, Qt.Key.Key_Escape)
    assert panel.query_box.hasFocus() and panel.query_box.selectedText() == "the"
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Escape)
    assert not panel.isVisible()
    assert window.reader.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)  # shown again, the query kept
    assert panel.isVisible() and panel.query_box.text() == "the"


def test_nothing_to_search_for_says_so(qtbot: QtBot, window: MainWindow) -> None:
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "owners")
    assert panel.model.rowCount() == 1
    search_for(qtbot, panel, "   ")
    assert panel.model.rowCount() == 0 and panel.count_label.text() == PROMPT
    search_for(qtbot, panel, '!!! "')
    assert panel.model.rowCount() == 0
    assert panel.count_label.text().startswith("Nothing to search for in '!!! \"'")
    search_for(qtbot, panel, "zanzibarite")
    assert panel.count_label.text() == "No sentence or note matches zanzibarite"


def test_results_follow_saved_changes(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "greeting")
    assert highlighted(panel) == ["greeting"]
    # A change saved in this window: a note that matches.
    mixed = panel.tree.currentIndex().data(HIT_ROLE).document_id
    window.open_document(mixed)
    wait_settled(window)
    (annotation,) = window.workspace.annotations
    window.workspace.edit_note(annotation, "A warm greeting indeed")
    qtbot.waitUntil(lambda: len(highlighted(panel)) == 2)
    assert rows(panel)[1] == [
        "A greeting 😀 came first.",
        "Note: A warm greeting indeed [claim]",
    ]
    window.ctx.undo_stack.undo()
    qtbot.waitUntil(lambda: len(highlighted(panel)) == 1)
    # Another window's (another process's) write, seen when the window checks.
    with open_store(db) as store:
        ops.set_note(store, annotation, "greeting from elsewhere")
    assert window.check_external_changes()
    qtbot.waitUntil(lambda: len(highlighted(panel)) == 2)
    # While the panel is hidden the results are only marked stale, and run again when shown.
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Escape)
    with open_store(db) as store:
        ops.set_note(store, annotation, "")
    assert window.check_external_changes()
    assert panel.stale and len(highlighted(panel)) == 2
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)
    assert not panel.stale and highlighted(panel) == ["greeting"]


def test_a_sentence_is_cut_around_its_first_match_counting_code_points() -> None:
    text = "😀 " * 30 + "قال المسؤول <b>x</b>"
    start = text.index("المسؤول")
    shown, spans = excerpt(text, ((start, start + 7),))
    assert shown.startswith("…") and len(shown) < len(text)
    (span,) = spans
    assert shown[span[0] : span[1]] == "المسؤول"
    assert shown.endswith("<b>x</b>")  # kept as characters, never read as markup
    assert is_right_to_left("  «قال» hello") and not is_right_to_left("😀 hello قال")


def test_double_click_on_a_document_row_opens_its_first_hit(
    qtbot: QtBot, window: MainWindow
) -> None:
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "greeting")
    document = panel.model.index(0, 0)
    rect = panel.tree.visualRect(document)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.reader.textCursor().selectedText() == "greeting"
    assert panel.tree.isExpanded(document)
    assert isinstance(panel.tree.currentIndex(), QModelIndex)


def test_a_refresh_keeps_the_current_hit_a_new_query_starts_at_the_first(
    qtbot: QtBot, window: MainWindow
) -> None:
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "owners")
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Down)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Down)
    note: Hit = panel.tree.currentIndex().data(HIT_ROLE)
    assert note.kind == "note" and note.annotation_id is not None
    window.open_document(note.document_id)
    wait_settled(window)
    window.workspace.edit_note(note.annotation_id, "The owners were asked twice")
    qtbot.waitUntil(lambda: "twice" in rows(panel)[1][1])  # type: ignore[index]
    assert panel.tree.currentIndex().data(HIT_ROLE).annotation_id == note.annotation_id
    search_for(qtbot, panel, "owner*")  # the note matches still, but this is a new search
    assert len(highlighted(panel)) == 2
    assert panel.tree.currentIndex().data(HIT_ROLE).kind == "text"


def test_a_common_word_shows_the_first_hits_and_says_so(
    qtbot: QtBot, db: Path, tmp_path: Path
) -> None:
    many = tmp_path / "convoys.txt"
    many.write_text(
        "Convoy log\n\n" + " ".join(f"Convoy {n} passed the gate." for n in range(LIMIT + 5)),
        encoding="utf-8",
    )
    with open_store(db) as store:
        assert all(o.ok for o in import_files(store, [many]))
    window = make_window(qtbot, db)
    try:
        panel = open_panel(qtbot, window)
        search_for(qtbot, panel, "gate")
        assert len(highlighted(panel)) == LIMIT
        assert panel.count_label.text() == (
            f"First {LIMIT} hits shown, in 1 document — more match: add a word to narrow the search"
        )
    finally:
        window.ctx.store.close()


def test_typing_searches_once_typing_pauses_for_the_text_then_in_the_box(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.gui import search_panel

    asked: list[str] = []
    real = search_panel.search

    def counted(store: object, query: str, limit: int) -> object:
        asked.append(query)
        return real(store, query, limit)  # type: ignore[arg-type]

    monkeypatch.setattr(search_panel, "search", counted)
    panel = open_panel(qtbot, window)
    type_text(panel.query_box, "gre")
    type_text(panel.query_box, "eting")
    qtbot.waitUntil(lambda: not panel.typing.isActive())
    assert asked == ["greeting"]
    assert panel.results is not None and panel.results.query == "greeting"
    assert highlighted(panel) == ["greeting"]


def test_the_panel_opens_where_it_was_left(qtbot: QtBot, db: Path) -> None:
    window = make_window(qtbot, db)
    panel = open_panel(qtbot, window)
    dock = panel.parentWidget()
    assert isinstance(dock, QDockWidget)
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, dock)  # dragged to the top
    window.close()
    window.ctx.store.close()

    again = make_window(qtbot, db)
    try:
        panel = open_panel(qtbot, again)
        dock = panel.parentWidget()
        assert isinstance(dock, QDockWidget) and dock.isVisible()
        assert again.dockWidgetArea(dock) == Qt.DockWidgetArea.TopDockWidgetArea
    finally:
        again.ctx.store.close()


def test_a_note_hit_on_a_hidden_tag_shows_it_again(qtbot: QtBot, window: MainWindow) -> None:
    window.visibility.set_shown(TAG, "claim", False)
    panel = open_panel(qtbot, window)
    search_for(qtbot, panel, "resume")
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Return)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    hit: Hit = panel.tree.currentIndex().data(HIT_ROLE)
    assert window.workspace.current_id == hit.annotation_id
    assert "claim" not in window.workspace.hidden_tags
    assert window.statusBar().currentMessage() == "Shown again: the tag claim."


def test_the_shortcuts_help_lists_find_in_all_documents(window: MainWindow) -> None:
    groups = dict(shortcut_groups(window.actions_by_name, window.tag_actions))
    assert ("Ctrl+Shift+F", "Find in All Documents") in groups[NAVIGATION]
    assert ("Ctrl+Alt+F", "Show Form") in groups[NAVIGATION]


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="ab 😀قل\n", max_size=700),
    st.lists(st.tuples(st.integers(0, 700), st.integers(1, 30)), max_size=4),
)
def test_an_excerpt_keeps_each_match_it_shows(text: str, picks: list[tuple[int, int]]) -> None:
    spans = tuple(
        sorted({(min(s, len(text)), min(s + n, len(text))) for s, n in picks if s < len(text)})
    )
    shown, moved = excerpt(text, spans)
    assert "\n" not in shown and len(shown) <= LONGEST + 2
    flat = text.replace("\n", " ")
    for start, end in moved:
        assert 0 <= start < end <= len(shown)
    if spans:
        first_start, first_end = spans[0]
        words = flat[first_start:first_end]
        # A match is words (never blanks at its edges) and the first one is always shown.
        if words == words.strip() and first_end - first_start <= LONGEST - LEAD - 1:
            assert any(shown[s:e] in flat[first_start:first_end] for s, e in moved)
