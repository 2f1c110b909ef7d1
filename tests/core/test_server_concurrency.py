"""Analysts writing at once on a team database (server.py's write lock, issue 17).

Each connection is a Store of its own engine (a URL of its own, as another process's would
be), connected as its role with row-level security on. An edit of one annotation runs beside
the others and takes turns only with edits of the same annotation; every other write (bulk
adds, merges, adjudication, undo) runs alone. What must hold whatever the interleaving:
- every history row's `before` is the previous row's `after`, and the last `after` is the
  annotation as stored (or it was deleted, and nothing was recorded after);
- no edit fails but for the annotation being gone (NotFound, in the analyst's words);
- every id is given once, and every write reported done is there.
Without any lock (or with the shared lock alone) these tests fail: the befores go stale, two
adds of one tag collide, an edit after a deletion records history of nothing, a bulk add's
ids collide with the counter's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from annotator.core import ops
from annotator.core.errors import NotFound
from annotator.core.history import annotation_history, snapshot_to_json
from annotator.core.review import adjudicate, set_review_status
from annotator.core.server_roles import add_user, init_server
from annotator.core.storage_errors import Problem, storage_problem
from annotator.core.store import Store, open_store
from tests.pg_cluster import PgCluster

TEXT = "Title\n\nThe first claim happened. An assessment is likely."
SENTENCE = (7, 31)
ROUNDS = 12


@dataclass
class Team:
    url: str
    document: int
    _opened: list[Store]

    def store(self, user: str) -> Store:
        """A connection of its own as `user` (another engine, as another process has)."""
        url = self.url.replace("annotator_test@", f"{user}@")
        store = open_store(f"{url}&application_name=w{len(self._opened)}", create=False)
        self._opened.append(store)
        return store


@pytest.fixture
def team(pg_cluster: PgCluster) -> Iterator[Team]:
    url = pg_cluster.create_database()
    opened: list[Store] = []
    with init_server(url) as admin:
        for name, role in (("ana", "analyst"), ("ben", "analyst"), ("rev", "reviewer")):
            add_user(admin, name, role)
        document = ops.add_document(admin, ops.NewDocument(
            text=TEXT, title="T", issuer=None, published=None, date_certainty="none",
            date_note=None, language="en", source_name="t.txt", source_format="txt",
            units=[(0, 5, "title"), (7, 31, "sentence"), (32, len(TEXT), "sentence")],
        )).created_id
        assert document is not None
    try:
        yield Team(url, document, opened)
    finally:
        for store in opened:
            store.close()


def at_once(*workers: Callable[[], None]) -> list[BaseException]:
    """Run the workers in threads that start together; the exceptions they raised."""
    start = threading.Barrier(len(workers))
    failures: list[BaseException] = []

    def run(worker: Callable[[], None]) -> None:
        start.wait()
        try:
            worker()
        except BaseException as exc:  # noqa: BLE001 - collected, asserted by the caller
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def assert_history_chains(store: Store, annotation_id: int) -> list[str]:
    """Each history row of the annotation starts from the row before it; the last one is
    the annotation as stored (or its deletion, the last row). The actions, oldest first."""
    entries = annotation_history(store, annotation_id)
    assert entries and entries[0].action in {"create", "import"}
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert previous.after is not None, f"{entry.action} recorded after a deletion"
        assert entry.before is not None
        assert snapshot_to_json(entry.before) == snapshot_to_json(previous.after), (
            f"history row {entry.id} ({entry.action}) does not start where row {previous.id} "
            f"({previous.action}) ended"
        )
    last = entries[-1]
    try:
        stored = ops.snapshot_annotation(store, annotation_id)
    except NotFound:
        assert last.action == "delete" and last.after is None
    else:
        assert last.after is not None
        assert snapshot_to_json(last.after) == snapshot_to_json(stored)
    return [entry.action for entry in entries]


def test_one_annotation_edited_by_several_connections_keeps_its_history(team: Team) -> None:
    """Two windows of one analyst and a reviewer on one annotation: tags toggled (the same
    tag from two connections), notes, fields, review status."""
    first, second, third, reviewer = (team.store(user) for user in ("ana", "ana", "ana", "rev"))
    target = ops.create_annotation(first, team.document, *SENTENCE, "ana", ["claim"]).created_id
    assert target is not None

    def toggle(store: Store, tag: str) -> Callable[[], None]:
        def work() -> None:
            for n in range(ROUNDS):
                ops.set_tag(store, target, tag, n % 2 == 0, actor="ana", owner="ana")
        return work

    def notes_and_fields() -> None:
        for n in range(ROUNDS):
            ops.set_note(third, target, f"note {n}", actor="ana", owner="ana")
            ops.set_fields(third, target, "claim", {"certainty": f"c{n}"}, actor="ana")

    def review() -> None:
        for n in range(ROUNDS):
            set_review_status(reviewer, target, ("accepted", "rejected")[n % 2], "rev")

    failures = at_once(
        toggle(first, "assessment"), toggle(second, "assessment"), toggle(second, "figure"),
        notes_and_fields, review,
    )
    assert failures == []
    actions = assert_history_chains(first, target)
    assert len(actions) == 1 + 3 * ROUNDS + 2 * ROUNDS + ROUNDS  # every edit recorded once
    assert ops.snapshot_annotation(first, target).note == f"note {ROUNDS - 1}"


def test_a_deletion_racing_edits_leaves_nothing_recorded_after_it(team: Team) -> None:
    """One window deletes annotations while another edits them: an edit that comes second
    is told the annotation is gone; none is recorded after the deletion, no tag outlives it."""
    deleting, editing = team.store("ana"), team.store("ana")
    targets = [
        ops.create_annotation(deleting, team.document, *SENTENCE, "ana", ["claim"]).created_id
        for _ in range(ROUNDS)
    ]
    gone: list[int] = []

    def delete() -> None:
        for target in targets:
            assert target is not None
            ops.delete_annotation(deleting, target, actor="ana", owner="ana")

    def edit() -> None:
        for target in targets:
            assert target is not None
            try:
                ops.set_tag(editing, target, "figure", True, actor="ana", owner="ana")
                ops.set_note(editing, target, "edited", actor="ana", owner="ana")
            except NotFound as exc:
                assert "may have been deleted" in str(exc)
                gone.append(target)

    assert at_once(delete, edit) == []
    for target in targets:
        assert target is not None
        assert assert_history_chains(deleting, target)[-1] == "delete"
    with deleting.read() as session:
        assert session.execute(text("SELECT count(*) FROM annotations")).scalar() == 0
        assert session.execute(text("SELECT count(*) FROM annotation_tags")).scalar() == 0


def test_creates_race_bulk_adds_and_undo_without_losing_or_reusing_an_id(team: Team) -> None:
    """Creates take their ids from the counter beside each other; a bulk add (ids picked
    above the highest) and an undo (an annotation put back under its own id) run alone."""
    workers = [team.store(user) for user in ("ana", "ana", "ben", "ben", "ana")]
    undone = ops.create_annotation(workers[4], team.document, *SENTENCE, "ana", ["claim"])
    assert undone.created_id is not None and undone.snapshot is not None
    ops.delete_annotation(workers[4], undone.created_id, actor="ana")
    reported: list[int] = []

    def create(store: Store, author: str) -> Callable[[], None]:
        def work() -> None:
            for _ in range(ROUNDS):
                made = ops.create_annotation(store, team.document, 32, 40, author, ["figure"])
                assert made.created_id is not None
                reported.append(made.created_id)
        return work

    def bulk_and_undo() -> None:
        for n in range(ROUNDS):
            ops.bulk_add_annotations(
                workers[3], team.document, [ops.NewAnnotation(7, 31, "ben", ["claim"])] * 2
            )
            if n == ROUNDS // 2:
                assert undone.snapshot is not None
                ops.restore_annotation(workers[4], undone.snapshot, actor="ana")

    assert at_once(
        create(workers[0], "ana"), create(workers[1], "ana"), create(workers[2], "ben"),
        bulk_and_undo,
    ) == []
    assert len(set(reported)) == len(reported) == 3 * ROUNDS
    with workers[0].read() as session:
        ids = session.execute(text("SELECT id FROM annotations")).scalars().all()
        history = session.execute(
            text("SELECT count(*) FROM annotation_history WHERE action = 'create'")
        ).scalar()
    assert len(ids) == 3 * ROUNDS + 2 * ROUNDS + 1 and set(reported) <= set(ids)
    assert undone.created_id in ids
    assert history == 3 * ROUNDS + 2 * ROUNDS + 1  # the undone one's creation included


def test_a_reviewer_adjudicating_while_the_author_edits(team: Team) -> None:
    """The adjudication reads the authors' annotations as one state: it runs alone, while
    the author's edits of their own annotation go on around it."""
    author, reviewer = team.store("ana"), team.store("rev")
    target = ops.create_annotation(author, team.document, *SENTENCE, "ana", ["claim"]).created_id
    assert target is not None
    decided: list[int] = []

    def edit() -> None:
        for n in range(ROUNDS):
            ops.set_tag(author, target, "assessment", n % 2 == 0, actor="ana", owner="ana")
            ops.set_note(author, target, f"note {n}", actor="ana", owner="ana")

    def decide() -> None:
        for _ in range(ROUNDS // 2):
            made = adjudicate(reviewer, team.document, SENTENCE, "union", "rev",
                              authors=["ana"]).created_id
            assert made is not None
            decided.append(made)
            set_review_status(reviewer, target, "accepted", "rev")

    assert at_once(edit, decide) == []
    assert_history_chains(author, target)
    for made in set(decided):
        assert_history_chains(author, made)


def test_edits_of_other_annotations_do_not_wait_those_of_the_same_one_do(team: Team) -> None:
    """`Store.write(wait=False)`: an edit of another annotation goes through while a colleague
    edits one; the same annotation, or a write of everything, is "locked" at once."""
    ours, theirs = team.store("ana"), team.store("ana")
    one, other = (
        ops.create_annotation(ours, team.document, *SENTENCE, "ana", ["claim"]).created_id
        for _ in range(2)
    )
    assert one is not None and other is not None

    def locked(**scope: Any) -> Problem:
        with pytest.raises(Exception) as caught, ours.write(wait=False, **scope) as mine:
            mine.connection()
        return storage_problem(caught.value).kind

    with theirs.write(annotations=(one,)) as session:
        session.connection()  # a colleague's edit of `one` in progress
        with ours.write(wait=False, annotations=(other,)) as mine:
            mine.execute(text("UPDATE annotations SET note = 'mine' WHERE id = :id"),
                         {"id": other})
        with ours.write(wait=False, annotations=()) as mine:  # a create: no annotation's lock
            mine.connection()
        assert locked(annotations=(one,)) is Problem.LOCKED
        assert locked() is Problem.LOCKED  # a bulk write waits for every edit
    with theirs.write() as session:
        session.connection()  # a bulk write in progress: every edit waits for it
        assert locked(annotations=(other,)) is Problem.LOCKED
    with ours.write(wait=False, annotations=(one, other)) as mine:  # all free again
        mine.connection()
    assert ops.snapshot_annotation(theirs, other).note == "mine"
