"""Cold start (issue 15): the window is shown before the database is read, then filled.

`app.launch` shows the real main window, opens the database after its first paint and fills
the library; meanwhile what needs the database is off or waits, and a database that cannot be
opened is explained over the window.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from annotator.core.errors import AnnotatorError
from annotator.core.importing import import_file
from annotator.core.settings import Settings
from annotator.core.store import open_store
from annotator.gui import opening, recovery
from annotator.gui.app import launch
from annotator.gui.mainwindow import MainWindow
from annotator.gui.opening import USABLE_WHILE_OPENING, DatabaseOpening
from annotator.gui.reader.canvas import EMPTY_READER
from tests.conftest import REPO_ROOT
from tests.gui.test_recovery import damaged_database

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"
PROBE = Path(__file__).with_name("start_probe.py")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "start.sqlite3"
    with open_store(path, daily_backup=False) as store:
        import_file(store, SAMPLE)
    return path


def close(window: MainWindow) -> None:
    window.close()
    if window.ctx.store is not None:
        window.ctx.store.close()


def test_the_real_entry_paints_before_sqlalchemy_is_imported(tmp_path: Path, db: Path) -> None:
    """`annotator --db DB` in its own process: at the first paint of the main window no
    SQLAlchemy, alembic, pypdf or xlsxwriter is imported, nor what only an open database needs
    (search folding, claim sources, sqlite3: start_probe.HEAVY), the library says it is opening
    the database and Import is off; afterwards the database is open, the library filled and
    the parts that need it installed."""
    home = tmp_path / "home"
    (home / ".config" / "annotator").mkdir(parents=True)
    (home / ".config" / "annotator" / "settings.json").write_text(
        json.dumps({"author": "Ana"}), encoding="utf-8"
    )
    env = {
        **os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"), "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, str(PROBE), str(db)], capture_output=True, text=True, timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    at_paint, opened = (json.loads(line) for line in result.stdout.splitlines()[:2])
    assert at_paint["loaded"] == []
    assert at_paint["qt_classes"] == []  # start_probe.UNBUILT_QT_CLASSES
    assert not at_paint["ready"]
    assert at_paint["opening_shown"] and at_paint["opening_text"] == "Opening start.sqlite3…"
    assert not at_paint["import_enabled"]
    assert at_paint["documents"] == 0
    assert not at_paint["idle_pending"]  # nothing left to run inside the first frame
    assert at_paint["sources_kept"] == []  # pyside_hook: the modules' text was not kept
    assert at_paint["installed"] == {"search_folding": False, "sources": False}
    assert opened["ready"] and "sqlalchemy" in opened["loaded"]
    assert {"annotator.gui.search_folding", "annotator.gui.sources_window"} <= set(
        opened["loaded"]
    )
    assert opened["installed"] == {"search_folding": True, "sources": True}
    assert not opened["opening_shown"]
    assert opened["import_enabled"]
    assert opened["documents"] == 1
    assert opened["title"].startswith("Northern Corridor")


def test_actions_before_the_database_is_open_do_nothing_or_wait(
    qtbot: QtBot, db: Path, tmp_path: Path
) -> None:
    """Everything the analyst can reach while the database opens: the actions that need it
    are off (their keys and triggers do nothing), a dropped file is imported once it is
    open, and nothing raises."""
    window = launch(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    assert window.isVisible() and not window.database_ready()
    assert window.ctx.store is None
    assert window.library.opening_label.isVisibleTo(window)
    # The empty reader says what is happening, not "import briefings" while Import is off.
    assert window.reader.placeholderText() == f"Opening {db.name}…"
    assert not window.recent_menu.menuAction().isEnabled()
    for name, action in window.actions_by_name.items():
        if name not in USABLE_WHILE_OPENING:
            assert not action.isEnabled(), name
            action.trigger()  # off: does nothing
    for key, modifier in (
        (Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier),  # Import
        (Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier),  # Export
        (Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier),  # Open Database
        (Qt.Key.Key_J, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
    ):
        QTest.keyClick(window.reader, key, modifier)
    QTest.keyClicks(window.library.filter_box, "north")  # off while opening: types nothing
    window.actions_by_name["zoom_in"].trigger()  # usable: needs no database
    assert not window.check_external_changes()  # as when the window is activated
    extra = tmp_path / "dropped.md"
    extra.write_text("# Dropped brief\n\nThe port was closed on 3 May 2024.\n", encoding="utf-8")
    assert window.import_paths([extra]) == []  # waits for the database
    assert window.ctx.store is None  # nothing above opened it early

    qtbot.waitUntil(window.database_ready, timeout=20000)
    assert not window.library.opening_label.isVisibleTo(window)
    assert window.reader.placeholderText() == EMPTY_READER
    assert window.actions_by_name["import"].isEnabled()
    assert window.recent_menu.menuAction().isEnabled()
    assert window.library.filter_box.text() == ""
    assert window.workspace.document_id is not None  # the last (only) briefing is open
    qtbot.waitUntil(lambda: len(window.library.model.document_ids()) == 2, timeout=20000)
    # No dialog stays open: the import's progress closes, nothing else was shown.
    qtbot.waitUntil(
        lambda: not [w for w in window.findChildren(QWidget) if w.isWindow() and w.isVisible()],
        timeout=20000,
    )
    close(window)


def test_a_damaged_database_is_explained_over_the_window(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window is already shown when the database turns out damaged: the same message as
    before (recovery.offer_restore, over the window); declining closes the window."""
    db = damaged_database(tmp_path)
    offered: list[tuple[object, Path, AnnotatorError]] = []

    def decline(parent: object, path: Path, error: AnnotatorError) -> bool:
        offered.append((parent, path, error))
        return False

    monkeypatch.setattr(recovery, "offer_restore", decline)
    window = launch(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    assert window.opening is not None
    with qtbot.waitSignal(window.opening.refused, timeout=20000):
        pass
    assert window.opening.failed and not window.database_ready()
    assert not window.isVisible()
    [(parent, path, error)] = offered
    assert parent is window and path == db
    assert "damaged" in str(error)
    assert window.ctx.store is None


def test_the_first_start_offers_the_sample_once_the_window_is_shown(qtbot: QtBot) -> None:
    """`annotator` with no --db: the default database is created after the first paint and
    the bundled sample briefing imported into it, as before."""
    from annotator.core.settings import default_db_path

    window = launch(None, Settings(author="Ana"))
    qtbot.addWidget(window)
    assert window.library.opening_label.text() == f"Opening {default_db_path().name}…"
    qtbot.waitUntil(window.database_ready, timeout=20000)
    assert window.ctx.store.path == default_db_path()
    assert len(window.library.model.document_ids()) == 1
    assert "Northern Corridor" in window.workspace.text
    assert str(default_db_path()) in window.ctx.settings.recent_databases
    close(window)


def test_keys_answer_from_the_first_moment_the_window_shows(
    qtbot: QtBot, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window's shortcuts are bound before it is shown: Ctrl+= zooms the reader while the
    database is still opening (held open here, as a slow disk would), and the reader and tag
    keys act as soon as it is open."""
    with monkeypatch.context() as held:  # the database opens only when started below
        held.setattr(DatabaseOpening, "start", lambda _self: None)
        window = launch(db, Settings(author="Ana"))
        qtbot.addWidget(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        window.reader.setFocus()
        assert not window.database_ready()
        zoom = window.reader.zoom_steps
        qtbot.keyClick(window.reader, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
        assert window.reader.zoom_steps == zoom + 1
    assert window.opening is not None
    window.opening.start()
    qtbot.waitUntil(window.database_ready, timeout=20000)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_J)  # the first unit
    assert window.workspace.selection is not None
    qtbot.keyClick(window.reader, Qt.Key.Key_1)  # the first tag on it
    assert [v.tag_names for v in window.workspace.annotations.values()] == [("claim",)]
    close(window)


def test_the_review_panel_is_built_at_its_first_use_and_works(qtbot: QtBot, db: Path) -> None:
    """Hidden until review mode, the review panel is built when review mode is first turned
    on: at the top of the right-hand column, with its legend above the reader; the splitter
    holds the same three places before and after (so saved sizes keep their meaning)."""
    window = launch(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    qtbot.waitUntil(window.database_ready, timeout=20000)
    assert window.findChild(QWidget, "reviewPanel") is None
    right = window.right
    assert right.count() == 3 and right.indexOf(window.form) == 1
    assert not right.widget(0).isVisibleTo(window)

    window.actions_by_name["review_mode"].setChecked(True)
    panel = window.findChild(QWidget, "reviewPanel")
    assert panel is not None and panel is window.review.panel
    assert right.count() == 3 and right.widget(0) is panel
    assert panel.isVisibleTo(window) and window.review.legend.isVisibleTo(window)
    assert window.review.active
    assert window.actions_by_name["next_disagreement"].isEnabled()
    window.actions_by_name["next_disagreement"].trigger()  # one author: nothing to step to

    window.actions_by_name["review_mode"].setChecked(False)
    assert not panel.isVisibleTo(window) and not window.review.legend.isVisibleTo(window)
    assert window.annotation_list.isVisibleTo(window)
    assert not window.review.active
    close(window)


def test_the_database_opens_at_the_first_paint_not_at_the_fallback(
    qtbot: QtBot, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window's own first paint starts the opening (the timer is only for a window that
    is never painted, e.g. started minimised)."""
    monkeypatch.setattr(opening, "LATEST_START_MS", 600_000)
    window = launch(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    qtbot.waitUntil(window.database_ready, timeout=20000)
    assert window.library.model.document_ids()
    close(window)


def test_layers_are_read_when_the_database_opens_not_before(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Before the first paint nothing is queued for idle time (it would run inside the first
    frame): with no database yet there are no authors to read. Once the database is open its
    authors' layers are listed, as before."""
    from annotator.core import ops
    from annotator.core.queries import list_documents

    path = tmp_path / "layers.sqlite3"
    with open_store(path, daily_backup=False) as store:
        import_file(store, SAMPLE)
        [document] = list_documents(store)
        ops.bulk_add_annotations(store, document.id, [ops.NewAnnotation(0, 5, "Ben", ["claim"])])
    window = launch(path, Settings(author="Ana"))
    qtbot.addWidget(window)
    assert not window.reader.idle.pending()
    assert window.visibility.authors() == ["Ana"]  # the analyst's own layer, there at once
    qtbot.waitUntil(window.database_ready, timeout=20000)
    qtbot.waitUntil(lambda: window.visibility.authors() == ["Ana", "Ben"], timeout=20000)
    close(window)


def test_viewports_are_found_by_their_name() -> None:
    """viewports.prime finds each scroll area's viewport by the name Qt gives it, so that
    `viewport()` later returns that wrapper (if Qt renamed it, starting would be slower)."""
    from PySide6.QtWidgets import QPlainTextEdit, QTableView

    from annotator.gui import viewports

    for area in (QTableView(), QPlainTextEdit()):
        viewports.prime(area)
        found = area.findChild(QWidget, viewports.VIEWPORT_NAME)
        assert found is not None and found is area.viewport()


def test_the_form_is_styled_at_the_first_thing_it_shows(qtbot: QtBot, db: Path) -> None:
    """The form's stylesheet waits for the first selection or annotation it styles: the empty
    form of the first paint does without it (its hint has the same colour from its palette
    role), and a selected unit shows in the styled frame as before."""
    from PySide6.QtGui import QPalette

    window = launch(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    assert window.form.styleSheet() == ""
    hint = window.form.empty_hint
    assert hint.isVisibleTo(window)
    assert hint.foregroundRole() == QPalette.ColorRole.PlaceholderText
    qtbot.waitUntil(window.database_ready, timeout=20000)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_J)  # the first unit: the form shows its text
    assert window.form.text_label.isVisibleTo(window)
    assert "QLabel#annotatedText" in window.form.styleSheet()
    close(window)


def test_the_database_menu_items_reach_their_functions(
    qtbot: QtBot, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File > New Database, Connect to Team Database, Sync and Save a Copy are wired to
    databases.py, which loads at the first one used (start_probe: not before the first paint):
    each item still calls its function with the window."""
    from annotator.gui import databases, syncing

    called: list[tuple[str, object]] = []
    for name in ("new_database", "connect_team_database", "save_copy"):
        monkeypatch.setattr(databases, name, lambda w, n=name: called.append((n, w)))
    monkeypatch.setattr(syncing, "sync_dialog", lambda w: called.append(("sync_dialog", w)))
    window = launch(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    qtbot.waitUntil(window.database_ready, timeout=20000)
    for action in ("new_database", "connect_team", "sync_team", "save_copy"):
        window.actions_by_name[action].setEnabled(True)  # sync_team is on for a team database
        window.actions_by_name[action].trigger()
    assert called == [
        ("new_database", window), ("connect_team_database", window),
        ("sync_dialog", window), ("save_copy", window),
    ]
    close(window)
