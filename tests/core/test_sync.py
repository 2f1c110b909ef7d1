"""`sync`: an offline laptop's file and the team database, on the real throwaway cluster, as
an analyst under row-level security (sync.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from annotator.core import ops
from annotator.core.history import annotation_history
from annotator.core.model import Annotation, AnnotationHistory
from annotator.core.server_roles import add_user, init_server
from annotator.core.store import Store, open_store
from annotator.core.sync import SyncFailed, sync
from tests.pg_cluster import PgCluster

TEXT = "Title\n\nThe first claim happened. An assessment is likely."
UNITS = [(0, 5, "title"), (7, 31, "sentence"), (32, len(TEXT), "sentence")]


def _document(store: Store) -> int:
    document = ops.add_document(store, ops.NewDocument(
        text=TEXT, title="T", issuer=None, published=None, date_certainty="none",
        date_note=None, language="en", source_name="t.txt", source_format="txt", units=UNITS,
    )).created_id
    assert document is not None
    return document


def as_user(url: str, user: str) -> str:
    return url.replace("postgresql+psycopg://annotator_test@", f"postgresql://{user}@")


@pytest.fixture
def team(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A team database with analysts ana and ben, one briefing and ben's claim on it; ana's
    laptop file (empty) and ana's connection."""
    url = pg_cluster.create_database()
    admin = init_server(url)
    for name in ("ana", "ben"):
        add_user(admin, name, "analyst")
    document = _document(admin)
    admin.close()
    ben = open_store(as_user(url, "ben"))
    ops.create_annotation(ben, document, 7, 31, "ben", ["claim"])
    ana = open_store(as_user(url, "ana"))
    laptop = open_store(tmp_path / "laptop.sqlite3")
    try:
        yield {"server": ana, "ben": ben, "laptop": laptop, "document": document, "url": url}
    finally:
        laptop.close()
        ana.close()
        ben.close()


def annotations(store: Store) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
    with store.read() as session:
        return sorted(
            (a.start, a.end, a.author, a.note, tuple(sorted(t.tag.name for t in a.tags)))
            for a in session.scalars(select(Annotation))
        )


def history_rows(store: Store) -> int:
    with store.read() as session:
        return len(session.scalars(select(AnnotationHistory.id)).all())


def the(store: Store, author: str) -> int:
    with store.read() as session:
        return int(session.scalars(select(Annotation.id).where(Annotation.author == author))
                   .one())


def test_offline_tagging_is_pushed_and_colleagues_work_pulled(team: dict[str, Any]) -> None:
    laptop, server = team["laptop"], team["server"]
    first = sync(laptop, server)
    assert (first.pulled_documents, first.pulled_annotations) == (1, 1)
    assert annotations(laptop) == [(7, 31, "ben", "", ("claim",))]
    # offline: ana tags on her laptop
    ops.create_annotation(laptop, 1, 32, len(TEXT), "ana", ["assessment"], note="offline")
    report = sync(laptop, server)
    assert (report.pushed_annotations, report.pulled_annotations) == (1, 0)
    assert annotations(server) == annotations(laptop) == [
        (7, 31, "ben", "", ("claim",)), (32, len(TEXT), "ana", "offline", ("assessment",))
    ]
    # its history came along, then the "import" row
    actions = [e.action for e in annotation_history(server, the(server, "ana"))]
    assert actions == ["create", "import"]


def test_sync_twice_changes_nothing(team: dict[str, Any]) -> None:
    laptop, server = team["laptop"], team["server"]
    ops.create_annotation(laptop, _document(laptop), 32, len(TEXT), "ana", ["assessment"])
    ops.create_annotation(server, team["document"], 7, 31, "ana", ["claim"])
    assert not sync(laptop, server).changed_nothing
    before = [(annotations(store), history_rows(store)) for store in (laptop, server)]
    again = sync(laptop, server)
    assert again.changed_nothing and not again.conflicts
    assert [(annotations(store), history_rows(store)) for store in (laptop, server)] == before
    assert len(annotations(server)) == 3


def test_someone_elses_annotation_is_never_pushed(team: dict[str, Any]) -> None:
    laptop, server = team["laptop"], team["server"]
    sync(laptop, server)
    ops.create_annotation(laptop, 1, 32, len(TEXT), "carol", ["assessment"])
    ops.set_note(laptop, the(laptop, "ben"), "my view of ben's claim")
    report = sync(laptop, server)
    assert report.pushed_annotations == report.pushed_updates == 0
    assert annotations(server) == [(7, 31, "ben", "", ("claim",))]
    assert ("ben", "") in [(a[2], a[3]) for a in annotations(laptop)]  # the server's won


def test_an_edit_on_one_side_is_taken_by_the_other(team: dict[str, Any]) -> None:
    laptop, server = team["laptop"], team["server"]
    ops.create_annotation(laptop, _document(laptop), 32, len(TEXT), "ana", ["assessment"])
    sync(laptop, server)
    ops.set_note(laptop, the(laptop, "ana"), "edited offline")
    ops.set_note(team["ben"], the(team["ben"], "ben"), "ben edited")
    report = sync(laptop, server)
    assert (report.pushed_updates, report.pulled_updates, report.conflicts) == (1, 1, [])
    assert annotations(laptop) == annotations(server)
    assert {a[3] for a in annotations(server)} == {"edited offline", "ben edited"}
    assert sync(laptop, server).changed_nothing


def test_a_conflict_keeps_both_versions_and_says_which_won(team: dict[str, Any]) -> None:
    laptop, server = team["laptop"], team["server"]
    ops.create_annotation(laptop, _document(laptop), 32, len(TEXT), "ana", ["assessment"])
    sync(laptop, server)
    ops.set_note(server, the(server, "ana"), "changed on the server")  # ana at the office
    ops.set_note(laptop, the(laptop, "ana"), "changed offline, later")
    report = sync(laptop, server)
    (conflict,) = report.conflicts
    assert conflict.winner == "laptop"
    assert "laptop's version kept" in report.lines()[-1]
    for store in (laptop, server):
        assert [a[3] for a in annotations(store) if a[2] == "ana"] == ["changed offline, later"]
        last = annotation_history(store, the(store, "ana"))[-1]
        assert "conflict" in last.comment and "server's lost" in last.comment
        assert last.before is not None and last.before.note == "changed on the server"
        assert last.after is not None and last.after.note == "changed offline, later"
    assert sync(laptop, server).changed_nothing


def test_a_network_failure_mid_push_loses_nothing_and_a_retry_completes(
    team: dict[str, Any], pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    laptop, server = team["laptop"], team["server"]
    ops.create_annotation(laptop, _document(laptop), 32, len(TEXT), "ana", ["assessment"])
    from annotator.core.interchange import merge

    real = merge.merge_sources

    def connection_cut(connection: Any, *args: Any) -> Any:
        # on the server's connection, once the annotations went in: the server drops it
        if isinstance(connection, psycopg.Connection):
            admin = pg_cluster.url().replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(admin, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (connection.info.backend_pid,))
        return real(connection, *args)

    monkeypatch.setattr(merge, "merge_sources", connection_cut)
    with pytest.raises(SyncFailed, match="sync again") as failed:
        sync(laptop, server)
    assert "Traceback" not in str(failed.value)
    monkeypatch.undo()
    assert annotations(server) == [(7, 31, "ben", "", ("claim",))]  # nothing half-written
    report = sync(laptop, server)
    assert report.pushed_annotations == 1
    assert len(annotations(server)) == len(annotations(laptop)) == 2
    assert sync(laptop, server).changed_nothing
