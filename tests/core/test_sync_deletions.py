"""`sync` carries deletions and span moves both ways (issue 17), on the throwaway cluster, as
an analyst under row-level security: no loss, no resurrection, nothing twice (sync.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from annotator.core import ops
from annotator.core.history import annotation_history
from annotator.core.model import Annotation, AnnotationHistory
from annotator.core.store import Store, open_store
from annotator.core.sync import sync
from tests.backends import Backend
from tests.core import test_sync
from tests.core.test_sources import _downgrade
from tests.core.test_sync import TEXT, _document, annotations, history_rows, the
from tests.pg_cluster import PgCluster

team = test_sync.team  # the fixture: ben's claim on the server, ana's laptop

END = len(TEXT)


def state(*stores: Store) -> list[tuple[list[Any], int]]:
    return [(annotations(store), history_rows(store)) for store in stores]


def no_op(laptop: Store, server: Store) -> None:
    """A second sync changes nothing on either side."""
    before = state(laptop, server)
    again = sync(laptop, server)
    assert again.changed_nothing and not again.conflicts, again.lines()
    assert state(laptop, server) == before


def ana_on_both(team: dict[str, Any]) -> tuple[Store, Store]:
    """ana's claim made on her laptop and synced: on both sides."""
    laptop, server = team["laptop"], team["server"]
    ops.create_annotation(laptop, _document(laptop), 32, END, "ana", ["assessment"])
    sync(laptop, server)
    assert len(annotations(server)) == len(annotations(laptop)) == 2
    return laptop, server


def last_entry(store: Store) -> tuple[str, str, str, Any, Any]:
    """The newest history row: action, actor, comment, before, after."""
    with store.read() as session:
        row = session.scalars(
            select(AnnotationHistory).order_by(AnnotationHistory.id.desc()).limit(1)
        ).one()
        return row.action, row.actor, row.comment, row.before, row.after


def test_a_deletion_on_the_laptop_is_pushed_and_stays_deleted(team: dict[str, Any]) -> None:
    laptop, server = ana_on_both(team)
    ops.delete_annotation(laptop, the(laptop, "ana"))
    report = sync(laptop, server)
    assert (report.pushed_deletions, report.pulled_annotations) == (1, 0)
    assert "1 deleted" in report.lines()[1]
    assert annotations(server) == annotations(laptop) == [(7, 31, "ben", "", ("claim",))]
    action, actor, comment, before, after = last_entry(server)
    assert (action, actor, comment) == ("delete", "ana", "sync: deleted on the laptop")
    assert before["author"] == "ana" and after is None  # restorable from its history
    no_op(laptop, server)
    no_op(laptop, server)


def test_deletions_on_the_server_reach_the_laptop(team: dict[str, Any]) -> None:
    laptop, server = ana_on_both(team)
    ops.delete_annotation(server, the(server, "ana"))  # ana, at the office
    ops.delete_annotation(team["ben"], the(team["ben"], "ben"))  # ben his own
    report = sync(laptop, server)
    assert (report.pulled_deletions, report.pushed_annotations) == (2, 0)
    assert annotations(laptop) == annotations(server) == []
    assert last_entry(laptop)[:3] == ("delete", "ana", "sync: deleted on the server")
    no_op(laptop, server)


def test_deleted_on_the_laptop_changed_on_the_server_keeps_the_change(
    team: dict[str, Any],
) -> None:
    laptop, server = ana_on_both(team)
    ops.delete_annotation(laptop, the(laptop, "ana"))
    ops.set_note(server, the(server, "ana"), "changed at the office")
    report = sync(laptop, server)
    (conflict,) = report.conflicts
    assert (conflict.kind, conflict.winner) == ("deleted on laptop", "server")
    assert "deleted on the laptop, changed on the server" in report.lines()[-1]
    assert report.pushed_deletions == 0 and report.pulled_annotations == 1
    for store in (laptop, server):
        assert [a[3] for a in annotations(store) if a[2] == "ana"] == ["changed at the office"]
        entries = annotation_history(store, the(store, "ana"))
        assert "deleted on the laptop" in entries[-1].comment
    # the laptop's history has the deletion too, under the id the annotation had there
    with laptop.read() as session:
        assert "delete" in session.scalars(select(AnnotationHistory.action)).all()
    no_op(laptop, server)


def test_deleted_on_the_server_changed_on_the_laptop_keeps_the_change(
    team: dict[str, Any],
) -> None:
    laptop, server = ana_on_both(team)
    ops.delete_annotation(server, the(server, "ana"))
    ops.set_note(laptop, the(laptop, "ana"), "written offline")
    report = sync(laptop, server)
    (conflict,) = report.conflicts
    assert (conflict.kind, conflict.winner) == ("deleted on server", "laptop")
    assert report.pulled_deletions == 0 and report.pushed_annotations == 1
    for store in (laptop, server):
        assert [a[3] for a in annotations(store) if a[2] == "ana"] == ["written offline"]
        assert "deleted on the server" in annotation_history(store, the(store, "ana"))[-1].comment
    no_op(laptop, server)


def test_only_the_analysts_own_deletions_are_pushed(team: dict[str, Any]) -> None:
    laptop, server = team["laptop"], team["server"]
    sync(laptop, server)
    ops.delete_annotation(laptop, the(laptop, "ben"))  # not hers: the server keeps it
    report = sync(laptop, server)
    assert report.pushed_deletions == 0 and report.pulled_annotations == 1
    assert annotations(laptop) == annotations(server) == [(7, 31, "ben", "", ("claim",))]
    no_op(laptop, server)


def test_a_span_moved_on_either_side_moves_on_the_other(team: dict[str, Any]) -> None:
    laptop, server = ana_on_both(team)
    ops.set_span(laptop, the(laptop, "ana"), 35, END)  # ana moves hers offline
    ops.set_span(team["ben"], the(team["ben"], "ben"), 7, 20)  # ben his, on the server
    report = sync(laptop, server)
    assert (report.pushed_updates, report.pulled_updates) == (1, 1)
    assert report.pushed_annotations == report.pulled_annotations == 0
    assert (
        annotations(laptop)
        == annotations(server)
        == [(7, 20, "ben", "", ("claim",)), (35, END, "ana", "", ("assessment",))]
    )
    no_op(laptop, server)
    # moved again, back: still one annotation
    ops.set_span(laptop, the(laptop, "ana"), 32, END)
    sync(laptop, server)
    assert [a[:2] for a in annotations(server) if a[2] == "ana"] == [(32, END)]
    no_op(laptop, server)


def test_moved_on_both_sides_is_a_conflict_the_later_wins(team: dict[str, Any]) -> None:
    laptop, server = ana_on_both(team)
    ops.set_span(server, the(server, "ana"), 33, END)
    ops.set_span(laptop, the(laptop, "ana"), 40, END)
    (conflict,) = sync(laptop, server).conflicts
    assert conflict.winner == "laptop"
    for store in (laptop, server):
        assert [a[:2] for a in annotations(store) if a[2] == "ana"] == [(40, END)]
        last = annotation_history(store, the(store, "ana"))[-1]
        assert last.before is not None and last.before.start == 33
    no_op(laptop, server)


def test_undo_of_a_deletion_before_the_sync_is_the_same_annotation(
    team: dict[str, Any],
) -> None:
    laptop, server = ana_on_both(team)
    ops.set_span(laptop, the(laptop, "ana"), 33, END)  # it gets a uid of its own
    sync(laptop, server)
    removed = ops.delete_annotation(laptop, the(laptop, "ana"))
    assert removed.previous is not None
    ops.restore_annotation(laptop, removed.previous)  # Edit > Undo
    report = sync(laptop, server)
    assert report.changed_nothing
    assert annotations(server) == annotations(laptop)
    no_op(laptop, server)


def test_a_laptop_file_synced_before_uids_syncs_without_duplicates(
    team: dict[str, Any], tmp_path: Path
) -> None:
    laptop, server = ana_on_both(team)
    ops.set_note(laptop, the(laptop, "ana"), "before the upgrade")
    sync(laptop, server)
    path = laptop.path
    laptop.close()
    _downgrade(path, "0005")  # the file as the previous version left it
    with open_store(path) as old:  # opening upgrades it; uids derived as the server's are
        with old.read() as session:
            assert session.scalars(select(Annotation.uid)).all() == [None, None]
        # meanwhile on the server: ben moved his claim, ana edited hers
        ops.set_span(team["ben"], the(team["ben"], "ben"), 7, 20)
        ops.set_note(server, the(server, "ana"), "at the office")
        report = sync(old, server)
        assert report.pushed_annotations == report.pulled_annotations == 0
        assert report.pulled_updates == 2
        assert (
            annotations(old)
            == annotations(server)
            == [(7, 20, "ben", "", ("claim",)), (32, END, "ana", "at the office", ("assessment",))]
        )
        no_op(old, server)
        # and from now on deletions are carried
        ops.delete_annotation(old, the(old, "ana"))
        assert sync(old, server).pushed_deletions == 1
        assert annotations(server) == [(7, 20, "ben", "", ("claim",))]
        no_op(old, server)
    team["laptop"] = open_store(path)  # the fixture closes it


def test_a_sync_with_nothing_to_do_reads_no_rows_and_misses_no_change(
    team: dict[str, Any], monkeypatch: Any
) -> None:
    from annotator.core import sync as sync_module

    laptop, server = ana_on_both(team)
    sync(laptop, server)  # finds nothing to do: keeps the two sides' marks

    def no_scan(store: Store) -> None:
        raise AssertionError("a sync with nothing to do scanned the annotations")

    with monkeypatch.context() as patched:
        patched.setattr(sync_module, "scan", no_scan)
        assert sync(laptop, server).changed_nothing
    # a colleague's edit on the server, then ana's on the laptop: each found
    ops.set_note(team["ben"], the(team["ben"], "ben"), "ben's second thoughts")
    assert sync(laptop, server).pulled_updates == 1
    ops.set_tag(laptop, the(laptop, "ana"), "claim", True)
    assert sync(laptop, server).pushed_updates == 1
    assert annotations(laptop) == annotations(server)
    no_op(laptop, server)


def test_migration_0006_keeps_rows_and_a_move_keeps_the_derived_uid(backend: Backend) -> None:
    from annotator.core.annotation_uid import derived_uid
    from annotator.core.model import Document, SyncState

    with backend.open("db") as store:
        document = _document(store)
        annotation = ops.create_annotation(store, document, 7, 31, "ana", ["claim"]).created_id
        assert annotation is not None
    _downgrade(backend.target("db"), "0005")
    with open_store(backend.target("db")) as store:  # upgraded on opening
        with store.read() as session:
            row = session.get(Annotation, annotation)
            assert row is not None and row.uid is None  # derived: nothing rewritten
            sha = session.scalars(select(Document.sha256)).one()
            expected = derived_uid(sha, 7, 31, "ana", ops.stored_time(row.created))
            assert session.scalars(select(SyncState)).all() == []
        ops.set_span(store, annotation, 8, 31)
        with store.read() as session:
            assert session.scalars(select(Annotation.uid)).one() == expected
        before_move = ops.snapshot_annotation(store, annotation)
        ops.set_span(store, annotation, 9, 31)
        ops.restore_annotation(store, before_move)  # undo of the second move
        with store.read() as session:
            assert session.scalars(select(Annotation.uid)).one() == expected


def _as_owner(pg_cluster: PgCluster, server: Store) -> Store:
    """The team database of `server` opened as the cluster's superuser (no row-level
    security): an administrator's hand."""
    name = str(server.engine.url.database)
    return open_store(pg_cluster.url(name))


def test_missing_on_a_restored_server_is_not_a_deletion(
    team: dict[str, Any], pg_cluster: PgCluster
) -> None:
    laptop, server = ana_on_both(team)
    # the server restored from a backup older than ana's push, and ben's claim: no deletion
    # recorded there
    with _as_owner(pg_cluster, server) as owner, owner.write() as session:
        session.execute(text("DELETE FROM annotation_tags"))
        session.execute(text("DELETE FROM annotations"))
    report = sync(laptop, server)
    assert report.pulled_deletions == 0 and report.pushed_annotations == 1
    assert annotations(laptop) == [
        (7, 31, "ben", "", ("claim",)), (32, END, "ana", "", ("assessment",))
    ]
    assert annotations(server) == [(32, END, "ana", "", ("assessment",))]  # hers, back
    no_op(laptop, server)


def test_a_document_removed_on_the_server_takes_its_annotations_off_the_laptop(
    team: dict[str, Any], pg_cluster: PgCluster
) -> None:
    from annotator.core.removal import remove_document

    laptop, server = ana_on_both(team)
    with _as_owner(pg_cluster, server) as owner:  # an administrator removes the briefing
        remove_document(owner, team["document"])
    report = sync(laptop, server)
    assert report.pulled_deletions == 2 and report.pushed_annotations == 0
    assert annotations(laptop) == annotations(server) == []
    no_op(laptop, server)
