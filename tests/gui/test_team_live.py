"""Issue 17's "done when", the way a team works: two windows as two analysts on one team
database see each other's work live, cannot touch each other's layer, and a laptop that tagged
offline syncs in (`annotator sync`, a process of its own) while both windows are open.

The team is set up with the CLI as an administrator would (`annotator server init`, `add-user`),
on the session's throwaway cluster (tests/pg_cluster.py). The windows are the real ones, each
connected as its analyst's login role; keys and clicks go to them as an analyst's would. A
colleague's work must show through the window's own watcher (LISTEN/NOTIFY, polled by its
timer): no test calls `check_external_changes`. Waits are generous (a loaded machine), never a
speed check: benchmarks/team_live_bench.py measures the latency.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.cli import main as cli
from annotator.core.settings import Settings
from annotator.gui.app import build_window
from annotator.gui.mainwindow import MainWindow
from tests.conftest import REPO_ROOT
from tests.gui.settling import wait_settled
from tests.gui.test_mainwindow import SAMPLE, click_unit, unit_containing
from tests.pg_cluster import SUPERUSER, PgCluster

LIVE_MS = 10_000  # a guard for a loaded machine, not a speed check
K = Qt.Key
ANALYSTS = ("alice", "bob", "dana")  # dana tags on her laptop, offline
REVIEWER = "carol"
ALICE_UNIT = "Local authorities reported"
BOB_UNIT = "The Ministry of Transport said"


def as_user(url: str, user: str) -> str:
    return url.replace(f"{SUPERUSER}@", f"{user}@", 1)


def raw(url: str, query: str, user: str = SUPERUSER) -> list[tuple[object, ...]]:
    """Rows of `query` on a connection of its own, as `user` (autocommit)."""
    import psycopg

    plain = as_user(url, user).replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        cursor = conn.execute(query)
        return [tuple(row) for row in cursor] if cursor.description else []


@pytest.fixture
def team(pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]) -> str:
    """A team database set up as the README says, holding the sample briefing: its URL as
    the administrator (the cluster's superuser)."""
    admin = pg_cluster.create_database()

    def run(*argv: str) -> None:
        code = cli(list(argv))
        assert code == 0, capsys.readouterr().err

    run("server", "init", "--db", admin)
    for name in ANALYSTS:
        run("server", "add-user", name, "--role", "analyst", "--db", admin)
    run("server", "add-user", REVIEWER, "--role", "reviewer", "--db", admin)
    run("import", "--db", admin, str(SAMPLE))
    capsys.readouterr()
    return admin


def open_window(qtbot: QtBot, url: str | Path, author: str = "Someone") -> MainWindow:
    # Preferences name someone else: on a team database the login role is the author.
    window = build_window(url, Settings(author=author))
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    assert window.workspace.document_id is not None, "the briefing did not open at start"
    wait_settled(window)
    return window


@pytest.fixture
def windows(qtbot: QtBot, team: str) -> Iterator[dict[str, MainWindow]]:
    """Bob's window, then Alice's (hers is the active one), each on the sample briefing."""
    opened: dict[str, MainWindow] = {}
    try:
        for name in ("bob", "alice"):
            opened[name] = open_window(qtbot, as_user(team, name))
        yield opened
    finally:
        for window in opened.values():
            window.ctx.store.close()


def bring_to_front(qtbot: QtBot, window: MainWindow) -> None:
    """The analyst clicks on the window: it becomes the active one (shortcuts reach it)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=LIVE_MS)


def tag(qtbot: QtBot, window: MainWindow, needle: str, key: Qt.Key) -> tuple[int, int]:
    """Click in the unit containing `needle` and press a tag key, in `window`; its span."""
    bring_to_front(qtbot, window)
    click_unit(qtbot, window, needle)
    span = unit_containing(window, needle)
    assert window.workspace.selection == span
    qtbot.keyClick(window.reader, key)
    assert window.saved_label.text().startswith("Saved"), window.saved_label.text()
    return span


def authors_at(window: MainWindow, start: int) -> list[str]:
    """Whose annotations the reader paints at `start`."""
    return sorted(a.author for a in window.reader.annotations_at(start))


def listed(window: MainWindow) -> list[tuple[str, int]]:
    """(author, start) of every row of the annotation list under the reader."""
    model = window.annotation_list.model
    return sorted((model.view_at(row).author, model.view_at(row).start)
                  for row in range(model.rowCount()))


def progress(window: MainWindow) -> str:
    """The library's Progress cell of the open document, as shown ("2 / 20")."""
    model = window.library.model
    row = model.row_of(window.workspace.document_id)
    assert row is not None
    return str(model.index(row, 3).data())


def wait_shown(qtbot: QtBot, window: MainWindow, condition: object, what: str) -> None:
    """Let the window run (its watcher timer looks twice a second) until `condition`."""
    from pytestqt.exceptions import TimeoutError as WaitTimeout

    try:
        qtbot.waitUntil(condition, timeout=LIVE_MS)  # type: ignore[arg-type]
    except WaitTimeout:
        pytest.fail(f"{window.ctx.author}'s window never showed {what}")


def test_each_analysts_work_shows_in_the_others_window_without_a_key_pressed(
    qtbot: QtBot, team: str, windows: dict[str, MainWindow]
) -> None:
    alice, bob = windows["alice"], windows["bob"]
    assert (alice.ctx.author, bob.ctx.author) == ("alice", "bob")
    units = int(progress(bob).split("/")[1])
    assert bob.annotation_list.count_label.text() == "0 annotations"
    start, _end = tag(qtbot, alice, ALICE_UNIT, K.Key_1)
    assert raw(team, "SELECT author FROM annotations") == [("alice",)]
    # Bob does nothing: no key, no click, not even activating his window (which looks too).
    assert not bob.isActiveWindow()
    wait_shown(qtbot, bob, lambda: authors_at(bob, start) == ["alice"], "alice's tag")
    assert bob.workspace.document_id == alice.workspace.document_id
    wait_settled(bob)
    assert listed(bob) == [("alice", start)]
    assert bob.annotation_list.count_label.text() == "1 annotation"
    assert progress(bob) == f"1 / {units}"
    assert bob.statusBar().currentMessage() == (
        "Updated with changes saved by colleagues on the team database"
    )

    bob_start, _ = tag(qtbot, bob, BOB_UNIT, K.Key_2)
    wait_shown(qtbot, alice, lambda: authors_at(alice, bob_start) == ["bob"], "bob's tag")
    # Bob edits his own: a note typed in the form, saved when he goes back to the text.
    bob.form.note.setFocus()
    qtbot.keyClicks(bob.form.note, "Seen at the checkpoint")
    bob.reader.setFocus()
    assert raw(team, "SELECT note FROM annotations WHERE author = 'bob'") == [
        ("Seen at the checkpoint",)
    ]
    wait_shown(
        qtbot, alice,
        lambda: [v.note for v in alice.workspace.annotations.values() if v.author == "bob"]
        == ["Seen at the checkpoint"],
        "bob's note",
    )
    wait_settled(alice)
    assert listed(alice) == sorted([("alice", start), ("bob", bob_start)])
    assert alice.annotation_list.count_label.text() == "2 annotations"
    assert progress(alice) == progress(bob) == f"2 / {units}"
    assert raw(team, "SELECT actor, count(*) FROM annotation_history GROUP BY actor "
               "ORDER BY actor") == [("alice", 1), ("bob", 2)]


def test_a_colleagues_commit_while_typing_a_note_loses_nothing_typed(
    qtbot: QtBot, team: str, windows: dict[str, MainWindow]
) -> None:
    """Bob is typing a note when Alice's commit comes in: his window refreshes, and what he
    types goes on into his note, none of it lost or sent to the text as tag keys."""
    alice, bob = windows["alice"], windows["bob"]
    tag(qtbot, bob, BOB_UNIT, K.Key_2)
    bob.form.note.setFocus()
    qtbot.keyClicks(bob.form.note, "Convoy of ")
    # Alice, at her own desk (her window active there; Bob's stays active here): the reader's
    # End key and the claim action her key 1 triggers.
    qtbot.keyClick(alice.reader, K.Key_End)
    alice.tag_actions["claim"].trigger()
    assert raw(team, "SELECT count(*) FROM annotations WHERE author = 'alice'") == [(1,)]
    wait_shown(
        qtbot, bob, lambda: "alice" in {v.author for v in bob.workspace.annotations.values()},
        "alice's tag",
    )
    wait_settled(bob)
    assert bob.form.note.hasFocus(), "the refresh took the focus out of the note being typed"
    qtbot.keyClicks(bob.form.note, "3 trucks")
    bob.reader.setFocus()
    assert raw(team, "SELECT note FROM annotations WHERE author = 'bob'") == [
        ("Convoy of 3 trucks",)
    ]
    assert raw(team, "SELECT count(*) FROM annotations") == [(2,)]  # no "3" tagged anything


def test_a_colleagues_commit_keeps_the_selected_sentence_for_the_next_tag_key(
    qtbot: QtBot, team: str, windows: dict[str, MainWindow]
) -> None:
    """Bob has selected a sentence (nothing tagged there yet) when Alice's commit comes in:
    the sentence stays selected, and his tag key tags it."""
    alice, bob = windows["alice"], windows["bob"]
    bring_to_front(qtbot, bob)
    click_unit(qtbot, bob, BOB_UNIT)
    selected = unit_containing(bob, BOB_UNIT)
    assert bob.workspace.selection == selected
    qtbot.keyClick(alice.reader, K.Key_Home)
    alice.tag_actions["claim"].trigger()
    wait_shown(
        qtbot, bob, lambda: "alice" in {v.author for v in bob.workspace.annotations.values()},
        "alice's tag",
    )
    assert bob.workspace.selection == selected
    assert bob.reader.textCursor().hasSelection()
    qtbot.keyClick(bob.reader, K.Key_1)
    assert raw(team, 'SELECT start, "end" FROM annotations WHERE author = \'bob\'') == [
        selected
    ]


def test_bob_cannot_touch_alices_annotation(
    qtbot: QtBot, team: str, windows: dict[str, MainWindow]
) -> None:
    from annotator.core.errors import NotYourAnnotation

    alice, bob = windows["alice"], windows["bob"]
    start, end = tag(qtbot, alice, ALICE_UNIT, K.Key_1)
    (theirs,) = raw(team, "SELECT id FROM annotations WHERE author = 'alice'")
    wait_shown(qtbot, bob, lambda: authors_at(bob, start) == ["alice"], "alice's tag")
    bring_to_front(qtbot, bob)
    click_unit(qtbot, bob, ALICE_UNIT)
    assert bob.workspace.current_id == theirs[0]
    # The form shows it read-only, saying whose it is; Delete is off and says why.
    form = bob.form
    assert form.note.isReadOnly() and not form.delete_button.isEnabled()
    assert "alice" in form.author_label.text()
    assert not bob.actions_by_name["delete"].isEnabled()
    qtbot.keyClick(bob.reader, K.Key_Delete)
    assert str(NotYourAnnotation("alice")) in bob.workspace.delete_hint()
    # A tag key on it tags Bob's own annotation of that text; Alice's stays as it was.
    qtbot.keyClick(bob.reader, K.Key_3)
    rows = raw(team, 'SELECT author, start, "end" FROM annotations ORDER BY author')
    assert rows == [("alice", start, end), ("bob", start, end)]
    assert raw(team, f"SELECT t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
               f"WHERE x.annotation_id = {theirs[0]}") == [("claim",)]
    # Around the window, with raw SQL as bob: PostgreSQL itself refuses or sees nothing.
    import psycopg

    assert raw(team, f"UPDATE annotations SET note = 'bob was here' WHERE id = {theirs[0]} "
               "RETURNING id", user="bob") == []
    assert raw(team, f"DELETE FROM annotations WHERE id = {theirs[0]} RETURNING id",
               user="bob") == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        raw(team, "UPDATE annotations SET author = 'alice' WHERE author = 'bob'", user="bob")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        raw(team, 'INSERT INTO annotations (document_id, start, "end", author, created, '
            "modified, note) SELECT document_id, 0, 5, 'alice', created, modified, '' "
            f"FROM annotations WHERE id = {theirs[0]}", user="bob")
    assert raw(team, f"SELECT note FROM annotations WHERE id = {theirs[0]}") == [("",)]
    # A reviewer may set its review status, not change it.
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only the author"):
        raw(team, f"UPDATE annotations SET note = 'carol' WHERE id = {theirs[0]}",
            user=REVIEWER)
    # Alice's window still shows hers as hers, and Bob's beside it.
    wait_shown(qtbot, alice, lambda: authors_at(alice, start) == ["alice", "bob"], "bob's tag")


def sync(laptop: Path, server: str) -> dict[str, object]:
    """`annotator sync` in a process of its own, as run on the laptop's terminal."""
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "sync", "--db", str(laptop), "--server", server,
         "--json"],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    outcome = json.loads(result.stdout)
    assert isinstance(outcome, dict)
    return outcome


def test_a_laptop_tagged_offline_syncs_in_while_both_windows_are_open(
    qtbot: QtBot, team: str, windows: dict[str, MainWindow], tmp_path: Path
) -> None:
    alice, bob = windows["alice"], windows["bob"]
    alice_start, _ = tag(qtbot, alice, ALICE_UNIT, K.Key_1)
    server = as_user(team, "dana")
    laptop_file = tmp_path / "dana-laptop.sqlite3"
    first = sync(laptop_file, server)  # before the trip: the briefing and the team's work
    assert first["pulled"] == {"documents": 1, "annotations": 1, "updated": 0, "deleted": 0}

    # On the train: the laptop's own window on its file, Dana tagging with the keys.
    laptop = open_window(qtbot, laptop_file, author="dana")  # her name there: her role's
    offline: list[tuple[int, int]] = []
    try:
        assert authors_at(laptop, alice_start) == ["alice"]
        units = [(s, e) for s, e, kind in laptop.workspace.units if kind != "skipped"]
        bring_to_front(qtbot, laptop)
        laptop.reader.setFocus()
        qtbot.keyClick(laptop.reader, K.Key_Home)
        for key in (K.Key_1, K.Key_2, K.Key_3):
            qtbot.keyClick(laptop.reader, K.Key_J)
            qtbot.keyClick(laptop.reader, key)
            offline.append(laptop.workspace.selection)
        assert offline == units[1:4]
        laptop.form.note.setFocus()
        qtbot.keyClicks(laptop.form.note, "from the train")
        laptop.reader.setFocus()
    finally:
        laptop.ctx.store.close()
    # Meanwhile at the office, Bob tagged too.
    bob_start, _ = tag(qtbot, bob, BOB_UNIT, K.Key_2)
    assert raw(team, "SELECT count(*) FROM annotations WHERE author = 'dana'") == [(0,)]

    second = sync(laptop_file, server)  # back online, both windows open
    assert second["pushed"] == {"documents": 0, "annotations": 3, "updated": 0, "deleted": 0}
    assert second["pulled"] == {"documents": 0, "annotations": 1, "updated": 0, "deleted": 0}
    assert second["conflicts"] == []

    def danas(window: MainWindow) -> list[tuple[int, str]]:
        return sorted((v.start, v.note) for v in window.workspace.annotations.values()
                      if v.author == "dana")

    expected = [(s, "from the train" if (s, e) == offline[-1] else "") for s, e in offline]
    for window in (alice, bob):
        wait_shown(qtbot, window, lambda w=window: danas(w) == expected, "dana's laptop work")
        wait_settled(window)
        assert [a for a, _s in listed(window)].count("dana") == 3
        assert authors_at(window, alice_start) == ["alice"]
        assert authors_at(window, bob_start) == ["bob"]
    assert raw(team, "SELECT author, count(*) FROM annotations GROUP BY author ORDER BY 1") == [
        ("alice", 1), ("bob", 1), ("dana", 3)
    ]
    # The laptop's history came along (each tag and the note), and the sync said it came in.
    assert raw(team, "SELECT action, count(*) FROM annotation_history WHERE actor = 'dana' "
               "GROUP BY action ORDER BY action") == [("create", 3), ("import", 3), ("note", 1)]

    again = sync(laptop_file, server)  # twice changes nothing, anywhere
    nothing = {"documents": 0, "annotations": 0, "updated": 0, "deleted": 0}
    assert again["pulled"] == again["pushed"] == nothing
    qtbot.wait(1500)  # three ticks of the watcher: nothing new to show
    for window in (alice, bob):
        assert danas(window) == expected
    assert raw(team, "SELECT count(*) FROM annotations") == [(5,)]


def test_a_first_start_on_the_team_database_asks_no_name(
    qtbot: QtBot, team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`annotator --db postgresql://bob@...` on a fresh profile: the author is the login role,
    so the first start's "Your name" box (which a file's first start shows) is not shown."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog

    from annotator.core.settings import load_settings
    from annotator.gui.app import run

    assert not load_settings().author  # a fresh profile
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **_k: asked.append(a[2]) or ("", False))
    seen: list[str] = []

    def when_open() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if not shown or not shown[0].database_ready():
            QTimer.singleShot(20, when_open)
            return
        seen.append(shown[0].author_label.text())
        shown[0].close()

    QTimer.singleShot(0, when_open)
    assert run(as_user(team, "bob")) == 0
    assert asked == [] and seen == ["Analyst: bob"]


def test_a_colleagues_commit_keeps_a_field_being_typed_and_the_undo_history(
    qtbot: QtBot, team: str, windows: dict[str, MainWindow]
) -> None:
    """Bob is typing who a claim is attributed to when Alice's commit comes in: the field keeps
    what he typed and the focus, Enter saves it, and Ctrl+Z then undoes his own last change."""
    alice, bob = windows["alice"], windows["bob"]
    tag(qtbot, bob, BOB_UNIT, K.Key_1)
    editor = bob.form.boxes["claim"].editors["attributed_to"]
    suggested = editor.text()  # what the tag key filled in from the sentence
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, "Ministry of ")
    qtbot.keyClick(alice.reader, K.Key_Home)
    alice.tag_actions["claim"].trigger()
    wait_shown(
        qtbot, bob, lambda: "alice" in {v.author for v in bob.workspace.annotations.values()},
        "alice's tag",
    )
    wait_settled(bob)
    assert editor.hasFocus(), "the refresh took the focus out of the field being typed"
    qtbot.keyClicks(editor, "Transport")
    qtbot.keyClick(editor, K.Key_Return)

    def attributed() -> object:
        (fields,) = raw(team, "SELECT x.fields FROM annotation_tags x JOIN annotations a "
                        "ON a.id = x.annotation_id WHERE a.author = 'bob'")
        return json.loads(str(fields[0])).get("attributed_to")

    assert attributed() == "Ministry of Transport"
    bob.reader.setFocus()
    qtbot.keyClick(bob.reader, K.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert attributed() == suggested != "Ministry of Transport"
    assert raw(team, "SELECT author FROM annotations ORDER BY author") == [("alice",), ("bob",)]


def test_a_colleagues_commit_leaves_the_text_where_the_analyst_scrolled_it(
    qtbot: QtBot, team: str, windows: dict[str, MainWindow]
) -> None:
    """Bob tagged near the top and scrolled on to read further down (his annotation still
    selected) when Alice's commit comes in: his view stays where he was reading."""
    alice, bob = windows["alice"], windows["bob"]
    tag(qtbot, bob, "Regional Analysis Unit", K.Key_1)
    bar = bob.reader.verticalScrollBar()
    assert bar.maximum() > 0, "the briefing fits the reader: nothing to scroll"
    bar.setValue(bar.maximum())
    reading = bar.value()
    current = bob.workspace.current_id
    qtbot.keyClick(alice.reader, K.Key_End)
    alice.tag_actions["claim"].trigger()
    wait_shown(
        qtbot, bob, lambda: "alice" in {v.author for v in bob.workspace.annotations.values()},
        "alice's tag",
    )
    wait_settled(bob)
    assert bob.workspace.current_id == current  # still his annotation in the form
    assert bar.value() == reading, "the refresh scrolled the text back to the selection"


def test_the_reviewer_marks_alices_claim_and_both_analysts_windows_show_it(
    qtbot: QtBot, team: str, windows: dict[str, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Carol (reviewer) accepts Alice's claim from her window (Review > Mark as Accepted):
    Alice's and Bob's windows show the status; Bob, an analyst, trying the same is refused
    with a message, and nothing changes."""
    from annotator.core.errors import NotAReviewer
    from annotator.gui import dialogs

    alice, bob = windows["alice"], windows["bob"]
    start, _end = tag(qtbot, alice, ALICE_UNIT, K.Key_1)
    (claim,) = raw(team, "SELECT id FROM annotations")
    carol = open_window(qtbot, as_user(team, REVIEWER))
    try:
        wait_shown(qtbot, carol, lambda: authors_at(carol, start) == ["alice"], "alice's tag")
        bring_to_front(qtbot, carol)
        click_unit(qtbot, carol, ALICE_UNIT)
        assert carol.workspace.current_id == claim[0]
        carol.actions_by_name["status_accepted"].trigger()
        assert raw(team, "SELECT status FROM annotations") == [("accepted",)]
        for window in (alice, bob):
            wait_shown(
                qtbot, window, lambda w=window: w.workspace.statuses.get(claim[0]) == "accepted",
                "carol's acceptance",
            )
        told: list[str] = []
        monkeypatch.setattr(dialogs, "show_error", lambda _parent, message: told.append(message))
        bring_to_front(qtbot, bob)
        click_unit(qtbot, bob, ALICE_UNIT)
        bob.actions_by_name["status_rejected"].trigger()
        qtbot.waitUntil(lambda: bool(told), timeout=LIVE_MS)
        assert told == [str(NotAReviewer("alice", "bob"))]
        assert "Only a reviewer may set the review status of alice's" in told[0]
        assert raw(team, "SELECT status FROM annotations") == [("accepted",)]
    finally:
        carol.ctx.store.close()
