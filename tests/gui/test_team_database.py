"""The window on a team database (`--db postgresql://...`): tagging, a colleague's commits,
and every place that used to take the database for a file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from annotator.core.settings import Settings, settings_path
from annotator.core.store import open_store
from annotator.gui import databases
from annotator.gui.app import build_window
from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import SAMPLE, click_unit, open_doc, unit_containing
from tests.pg_cluster import PgCluster

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
PASSWORD = "s3cret"  # accepted and ignored by the test cluster (trust): it must never show


def raw_rows(url: str, query: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return [tuple(row) for row in conn.execute(query)]


@pytest.fixture
def url(pg_cluster: PgCluster) -> str:
    plain = pg_cluster.create_database()
    with open_store(plain) as store:
        from annotator.core.importing import import_files

        assert all(outcome.ok for outcome in import_files(store, [SAMPLE]))
    return plain.replace("annotator_test@", f"annotator_test:{PASSWORD}@")


@pytest.fixture
def window(qtbot: QtBot, url: str) -> Iterator[MainWindow]:
    win = build_window(url, Settings(author="Ana"))
    qtbot.addWidget(win)
    win.resize(1400, 860)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.ctx.store.close()


def test_the_window_names_the_server_and_keeps_no_password(
    window: MainWindow, url: str, pg_cluster: PgCluster
) -> None:
    store = window.ctx.store
    assert store.on_server
    shown = f"annotator_test@{pg_cluster.socket_dir}/"
    assert shown in window.windowTitle() and shown in window.db_label.text()
    window.ctx.save_settings()
    saved = settings_path().read_text(encoding="utf-8")
    assert PASSWORD not in saved and PASSWORD not in window.windowTitle()
    assert store.key in window.ctx.settings.recent_databases
    databases.fill_recent_menu(window)
    labels = [action.text() for action in window.recent_menu.actions()]
    assert labels[0] == store.label  # offered again, not "(not found)" like a missing file


def test_tagging_writes_to_the_server_and_a_colleague_shows_up(
    qtbot: QtBot, window: MainWindow, url: str
) -> None:
    doc_id = open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    start, end = unit_containing(window, "Local authorities reported")
    assert raw_rows(url, 'SELECT start, "end", author FROM annotations') == [
        (start, end, "annotator_test")  # the connected role, not the name in Preferences
    ]
    assert not window.check_external_changes(), "own writes are not 'external'"
    other_start, other_end = unit_containing(window, "The Ministry of Transport said")
    raw_rows(  # a colleague's window, elsewhere: a connection of another process
        url,
        "INSERT INTO annotations (document_id, start, \"end\", author, created, modified, note) "
        f"VALUES ({doc_id}, {other_start}, {other_end}, 'Bob', "
        "'2025-01-01T00:00:00.000000+00:00', '2025-01-01T00:00:00.000000+00:00', '') "
        "RETURNING id",
    )
    # the window's own timer picks it up (no check_external_changes call): it looks twice a
    # second on a team database, so a colleague's commit shows within a second
    assert window.external.timer.interval() <= 500
    qtbot.waitUntil(
        lambda: any(v.author == "Bob" for v in window.workspace.annotations.values()),
        timeout=10_000,  # not a speed check: a loaded machine may be slow
    )


def test_about_names_the_server_not_a_file(window: MainWindow, pg_cluster: PgCluster) -> None:
    from annotator.gui import dialogs

    box = dialogs.show_about(window, window.ctx.store.location)
    try:
        shown = box.text()
        assert f"Database: annotator_test@{pg_cluster.socket_dir}/" in shown
        assert "Backups: on the server" in shown and "only it is reached" in shown
        assert PASSWORD not in shown
    finally:
        box.done(0)


def test_file_only_actions_say_what_a_server_needs(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    told: list[str] = []
    monkeypatch.setattr(
        databases.QMessageBox, "information", lambda _parent, _title, text: told.append(text)
    )
    assert databases.save_copy(window, tmp_path / "copy.sqlite3") is None
    assert "administrator backs it up" in told[0] and not list(tmp_path.iterdir())
    from annotator.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window, window.ctx.settings, window.ctx.store.path)
    hint = dialog.findChild(QLabel, "backupsHint")
    assert hint is not None and "on a server: its administrator backs it up" in hint.text()
    dialog.deleteLater()


def test_find_in_all_documents_on_a_team_database_and_its_backlog_folded_in_idle_time(
    qtbot: QtBot, window: MainWindow, url: str
) -> None:
    """Ctrl+Shift+F searches the server's indexes (migration 0007) as it does a file's, opens
    the hit, and rows another client left queued are found at once and folded in idle time."""
    from annotator.core.search import Hit
    from annotator.gui.search_hits import HIT_ROLE
    from annotator.gui.search_panel import SearchPanel

    qtbot.waitUntil(window.isActiveWindow)  # a shortcut reaches only the active window
    window.reader.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)
    panel = window.findChild(SearchPanel, "searchPanel")
    assert isinstance(panel, SearchPanel)
    qtbot.waitUntil(panel.isVisible)
    qtbot.keyClicks(panel.query_box, '"local AUTHORITIES" report*')
    panel.run()
    assert panel.count_label.text() == "1 hit in 1 document"
    qtbot.keyClick(panel.query_box, Qt.Key.Key_Return)
    hit: Hit = panel.tree.currentIndex().data(HIT_ROLE)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert window.reader.textCursor().selectedText() == "Local authorities"
    assert window.reader.current_span()[0] == hit.start + hit.spans[0][0]

    # another client's annotation (raw SQL): queued by the server's triggers, not folded
    raw_rows(
        url,
        'INSERT INTO annotations (document_id, start, "end", author, created, modified, note) '
        f"VALUES ({hit.document_id}, {hit.start}, {hit.end}, 'ben', "
        "'2025-01-02T03:04:05.000000+00:00', '2025-01-02T03:04:05.000000+00:00', "
        "'Reported by the LOCAL authorities') RETURNING id",
    )
    assert raw_rows(url, "SELECT kind FROM search_pending") == [("a",)]
    panel.run()
    assert panel.count_label.text() == "2 hits in 1 document"  # the sentence and the note
    window.search_folding.check()
    qtbot.waitUntil(lambda: not window.search_folding.busy())
    assert window.search_folding.folded == 1
    assert raw_rows(url, "SELECT count(*) FROM search_pending") == [(0,)]
    panel.run()
    assert panel.count_label.text() == "2 hits in 1 document"


def test_two_analysts_see_each_others_work_each_as_the_connected_role(
    qtbot: QtBot, pg_cluster: PgCluster
) -> None:
    from annotator.core import ops
    from annotator.core.errors import NotYourAnnotation
    from annotator.core.importing import import_files
    from annotator.core.server_roles import add_user, init_server

    admin = pg_cluster.create_database()
    with init_server(admin) as store:
        add_user(store, "ana", "analyst")
        add_user(store, "ben", "analyst")
        assert all(outcome.ok for outcome in import_files(store, [SAMPLE]))
    windows = {}
    for name in ("ben", "ana"):  # ana's shown last: hers is the active window
        # Preferences say "Someone": on a team database the login role is the author.
        win = build_window(admin.replace("annotator_test@", f"{name}@"), Settings(author="Someone"))
        qtbot.addWidget(win)
        win.resize(1400, 860)
        win.show()
        qtbot.waitExposed(win)
        windows[name] = win
    ana, ben = windows["ana"], windows["ben"]
    try:
        assert ana.ctx.author == "ana" and "Analyst: ana" in ana.author_label.text()
        open_doc(ana, "sample-briefing.txt")
        open_doc(ben, "sample-briefing.txt")
        click_unit(qtbot, ana, "Local authorities reported")
        qtbot.keyClick(ana.reader, Qt.Key.Key_1)
        assert raw_rows(admin, "SELECT author FROM annotations") == [("ana",)]
        deadline = time.monotonic() + 10  # a guard, not a speed check
        while not ben.check_external_changes():
            assert time.monotonic() < deadline, "ana's commit did not reach ben's window"
            qtbot.wait(20)
        (theirs,) = ben.workspace.annotations.values()
        assert theirs.author == "ana"
        with pytest.raises(NotYourAnnotation):  # the window refuses before the server would
            ops.set_note(ben.ctx.store, theirs.id, "ben was here", owner=ben.ctx.author)
    finally:
        for win in windows.values():
            win.ctx.store.close()


def test_a_server_gone_mid_session_keeps_the_edits_and_writes_them_once_back(
    qtbot: QtBot, own_cluster: PgCluster
) -> None:
    url = own_cluster.create_database()
    with open_store(url) as store:
        from annotator.core.importing import import_files

        assert all(outcome.ok for outcome in import_files(store, [SAMPLE]))
    window = build_window(url, Settings(author="Ana"))
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    try:
        window.retry_timer.stop()
        open_doc(window, "sample-briefing.txt")
        own_cluster.stop_server()
        for needle in ("Local authorities reported", "The Ministry of Transport said"):
            click_unit(qtbot, window, needle)
            qtbot.keyClick(window.reader, Qt.Key.Key_1)
        assert len(window.ctx.pending) == 2
        assert window.pending_button.text().startswith("Offline, 2 change(s) waiting")
        assert "cannot be reached" in window.pending_button.toolTip()
        window.retry_timer.stop()
        assert window.ctx.retry_pending() == 2  # still away: kept, in order
        own_cluster.start_server()
        said: list[str] = []
        window.ctx.failed.connect(said.append)
        assert window.ctx.retry_pending() == 0
        assert said == []
        rows = raw_rows(url, 'SELECT start, author FROM annotations ORDER BY start')
        assert [author for _start, author in rows] == ["annotator_test"] * 2
        assert raw_rows(url, "SELECT count(*) FROM annotation_history") == [(2,)]
        assert not window.pending_button.isVisible()
    finally:
        window.ctx.store.close()


def test_file_connect_to_team_database(
    qtbot: QtBot, pg_cluster: PgCluster, url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QInputDialog

    path = tmp_path / "own.sqlite3"
    open_store(path).close()
    window = build_window(path, Settings(author="Ana"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    warned: list[str] = []
    monkeypatch.setattr(
        databases.QMessageBox, "warning", lambda _parent, _title, text: warned.append(text)
    )
    try:
        window.actions_by_name["connect_team"].trigger()
        dialog = window.findChild(QInputDialog, "connectTeamDatabase")
        assert dialog is not None and dialog.textValue() == "postgresql://"
        dialog.setTextValue("team.sqlite3")
        dialog.accept()
        qtbot.waitUntil(lambda: not window.findChildren(QInputDialog))  # closed and deleted
        assert warned and "not a postgresql://USER@HOST/DB address" in warned[0]
        assert window.ctx.store.path == path
        window.actions_by_name["connect_team"].trigger()
        dialog = window.findChild(QInputDialog, "connectTeamDatabase")
        dialog.setTextValue(url)
        dialog.accept()
        qtbot.waitUntil(lambda: not window.findChildren(QInputDialog))
        assert window.ctx.store.on_server
        assert f"annotator_test@{pg_cluster.socket_dir}/" in window.windowTitle()
        assert PASSWORD not in window.ctx.settings.recent_databases[0]
        window.actions_by_name["connect_team"].trigger()  # the last server is offered
        dialog = window.findChild(QInputDialog, "connectTeamDatabase")
        assert dialog.textValue() == window.ctx.store.key
        dialog.reject()
    finally:
        window.ctx.store.close()


def test_the_window_asks_for_a_password_the_server_wants_and_keeps_none(
    qtbot: QtBot, pg_cluster_with_password: PgCluster, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QInputDialog

    from annotator.core.server_address import parse_server_url
    from tests.backends import PASSWORD as SCRAM

    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = pg_cluster_with_password.create_database()
    open_store(parse_server_url(url).with_password(SCRAM)).close()  # an Annotator database
    path = tmp_path / "own.sqlite3"
    open_store(path).close()
    window = build_window(path, Settings(author="Ana"))
    qtbot.addWidget(window)
    answers = iter([("wrong", True), (SCRAM, True)])
    prompts: list[str] = []

    def ask(_parent: object, _title: str, label: str, _mode: object) -> tuple[str, bool]:
        prompts.append(label)
        return next(answers)

    monkeypatch.setattr(QInputDialog, "getText", ask)
    try:
        # a wrong password is refused by the server and reported; the right one opens it
        warned: list[str] = []
        monkeypatch.setattr(
            databases.QMessageBox, "warning", lambda _p, _t, text: warned.append(text)
        )
        assert not databases.open_database(window, parse_server_url(url))
        assert "password authentication failed" in warned[0] and "wrong" not in warned[0]
        opened = databases.open_database(window, parse_server_url(url))
        assert opened, (warned, prompts)
        assert window.ctx.store.on_server and len(prompts) == 2
        assert "asks for a password" in prompts[0]
        window.ctx.save_settings()
        assert SCRAM not in settings_path().read_text(encoding="utf-8")
        monkeypatch.setattr(QInputDialog, "getText", lambda *_a: ("", False))
        window.ctx.store.close()
        from annotator.core.server import close_all

        close_all()  # forget the engine (and the password with it), as a restart would
        assert not databases.open_database(window, parse_server_url(url))  # cancelled
    finally:
        window.ctx.store.close()  # a second close does nothing


def test_file_sync_pulls_and_pushes_off_the_ui_thread(
    qtbot: QtBot, url: str, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from annotator.core import ops
    from annotator.gui.syncing import sync_dialog, sync_with
    from tests.gui.test_mainwindow import make_window

    laptop = make_window(qtbot, tmp_path / "laptop.sqlite3", author="annotator_test")
    try:
        file_menu = laptop.menuBar().actions()[0].menu()
        assert laptop.actions_by_name["sync_team"] in file_menu.actions()
        dialog = sync_dialog(laptop)
        assert dialog.objectName() == "syncTeamDatabase"
        dialog.reject()
        report = sync_with(laptop, url)
        assert not isinstance(report, str), report
        assert report.pulled_documents == 1
        assert laptop.library.model.document_ids() and laptop.workspace.document_id is not None
        box = laptop.findChild(QMessageBox, "syncReport")
        assert box is not None and "pulled from annotator_test@" in box.text()
        assert PASSWORD not in box.text()
        box.close()
        document = laptop.workspace.document_id
        ops.create_annotation(laptop.ctx.store, document, 0, 8, "annotator_test", ["claim"])
        report = sync_with(laptop, url)
        assert not isinstance(report, str) and report.pushed_annotations == 1
        assert raw_rows(url.replace(f":{PASSWORD}", ""), "SELECT author FROM annotations") == [
            ("annotator_test",)
        ]
        again = sync_with(laptop, url)
        assert not isinstance(again, str) and again.changed_nothing
        refused = sync_with(laptop, "laptop.sqlite3")
        assert isinstance(refused, str) and "not a postgresql://" in refused
        shown = laptop.findChild(QMessageBox, "syncFailed")
        assert shown is not None and "not a postgresql://" in shown.text()
        for box in laptop.findChildren(QMessageBox):
            box.close()
    finally:
        laptop.ctx.store.close()
