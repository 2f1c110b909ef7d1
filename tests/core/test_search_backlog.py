"""The search indexes after a bulk write (issue 16): the write commits with its rows left in
`search_pending` and they are folded later in short transactions (core/search_index.py).
Readers must give the same answers with the queue full as folded, through every change; a
small write folds only its own rows; a failed or interrupted fold loses nothing.

The tests that take `store` run on SQLite and on a team database (PostgreSQL, migration 0007:
the same queue, folded the same way; issue 17)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from annotator import cli
from annotator.core import annotation_table as table
from annotator.core import ops, search_index, search_server
from annotator.core.colleague import merge_colleague
from annotator.core.removal import remove_document, restore_document
from annotator.core.search import search
from annotator.core.store import Store, open_store
from tests.backends import Backend
from tests.core.test_search import ARABIC, ENGLISH, add, hand_edit

SMALL = 3  # OWN_ROWS_FOLDED for these tests: more rows than this make a "bulk" write
QUERIES = ("cafe", "exports", '"oil exports"', "deleg*", "كتب", "zoe", "resume", "naive")
NEEDLES = ("cafe", "EXPORTS RES", "xports", "ré", "كتب", "zoë", "o", "brulee", "nothing here")


@pytest.fixture(autouse=True)
def _small_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "OWN_ROWS_FOLDED", SMALL)


def pending(where: Path | Store) -> int:
    """The rows queued for the indexes of a database file (read by another client) or of an
    open store (either back end)."""
    if isinstance(where, Store):
        return search_index.backlog(where)
    conn = sqlite3.connect(where)
    try:
        return int(conn.execute("SELECT count(*) FROM search_pending").fetchone()[0])
    finally:
        conn.close()


def indexed(store: Store, table_name: str, row_id: int) -> int:
    """How many index rows of `table_name` a unit or annotation has (rowid: FTS5's; id: a
    team database's)."""
    from sqlalchemy import text

    key = "id" if store.on_server else "rowid"
    with store.read() as session:
        found = session.execute(
            text(f"SELECT count(*) FROM {table_name} WHERE {key} = :row"), {"row": row_id}
        )
        return int(found.scalar_one())


def answers(store: Store) -> dict[str, Any]:
    """What every reader of the indexes says: searches, the table's text filter and its
    sort by text (both directions, with a filter and a page)."""
    seen: dict[str, Any] = {}
    for query in QUERIES:
        results = search(store, query)
        seen[f"search {query}"] = (results.hit_count, results.truncated, results.documents)
    for needle in NEEDLES:
        wanted = table.AnnotationFilter(text=needle)
        seen[f"filter {needle}"] = (table.ids(store, wanted), table.count(store, wanted))
    for sort in ("text", "-text", "text,-id"):
        seen[f"sort {sort}"] = table.ids(store, sort=table.parse_sort(sort))
        seen[f"page {sort}"] = [
            (row.id, row.text) for row in table.page(store, None, table.parse_sort(sort), 1, 3)
        ]
    seen["filtered sort"] = table.ids(
        store, table.AnnotationFilter(text="e"), sort=table.parse_sort("-text")
    )
    return seen


def annotate(store: Store, document_id: int, spans: list[tuple[int, int, str]]) -> None:
    """One bulk write of several annotations (more than SMALL: left queued)."""
    ops.bulk_add_annotations(
        store,
        document_id,
        [ops.NewAnnotation(s, e, "ana", ["claim"], note, {}) for s, e, note in spans],
    )


@contextmanager
def another_writer(store: Store) -> Iterator[None]:
    """Another process holding the write lock: SQLite's, or a team database's (server.py)."""
    if store.on_server:
        import psycopg

        from annotator.core.server import WRITE_LOCK

        assert store.address is not None
        url = store.address.driver_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url) as conn:
            conn.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            yield
            conn.rollback()
        return
    writer = sqlite3.connect(store.file, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        yield
        writer.execute("ROLLBACK")
    finally:
        writer.close()


@pytest.fixture()
def store(backend: Backend) -> Store:
    with backend.open("backlog", create=True) as store:
        english = add(store, ENGLISH, "English brief")  # 2 units: folded in the write
        add(store, ARABIC, "Arabic brief")
        annotate(store, english, [(4, 8, "Check the RÉSUMÉ first"), (9, 15, "")])
        assert pending(store) == 0
        yield store


def test_a_bulk_write_leaves_its_rows_queued_and_a_key_press_folds_only_its_own(
    store: Store,
) -> None:
    other = add(store, "Oil exports resumed. Delegates met. Prices fell. Talks end.", "Gamma")
    assert pending(store) == 4  # its four sentences: more than SMALL
    assert store.search_backlog_left
    annotate(store, other, [(0, 20, "Zoë"), (21, 35, ""), (4, 11, ""), (36, 47, "naïve")])
    assert pending(store) == 8
    # a small write (one annotation's note) folds its own row only, not the backlog
    ops.set_note(store, 1, "Crème brûlée")
    assert pending(store) == 8
    assert indexed(store, "search_notes", 1) == 1
    # an edit of a queued row: on a file it stays queued, with its new text; on a server the
    # note's write indexes the row itself (annotation_rows.indexing): folded there
    ops.set_note(store, 6, "Naïve")
    if store.on_server:
        assert pending(store) == 7
        assert indexed(store, "search_notes", 6) == 1
    else:
        assert pending(store) == 8
        assert indexed(store, "search_notes", 6) == 0
    assert [h.text for d in search(store, "naive").documents for h in d.hits] == ["Naïve"]
    assert table.ids(store, table.AnnotationFilter(text="brulee")) == [1]


def test_readers_answer_the_same_with_the_queue_full_or_folded(store: Store) -> None:
    def check(expected_pending: bool) -> dict[str, Any]:
        assert (pending(store) > 0) == expected_pending
        full = answers(store)
        assert search_index.fold_all(store, rows=2) > 0 or not expected_pending
        assert pending(store) == 0
        assert answers(store) == full
        return full

    other = add(store, "Oil exports resumed. Delegates met. Prices fell. Talks end.", "Gamma")
    annotate(store, other, [(0, 20, "Zoë"), (21, 35, ""), (4, 11, ""), (36, 47, "naïve")])
    first = check(True)
    assert first["filter EXPORTS RES"][0] == [3]  # "Oil exports resumed."
    assert first["filter zoë"][0] == [3]  # its note
    assert [d.title for d in first['search "oil exports"'][2]] == ["Gamma"]

    # a removal while the document's rows are queued, then its undo (a bulk write again)
    annotate(store, other, [(0, 3, ""), (4, 11, "résumé"), (12, 19, ""), (48, 58, "")])
    removed = remove_document(store, other)
    assert pending(store) == 0  # its queued rows went with it
    check(False)
    restore_document(store, removed)
    restored = check(True)
    assert restored["filter EXPORTS RES"][0] == [3]
    assert restored["search resume"][0] == 2  # the English note and "résumé"

    # edits of queued rows (a note, a span) before the backlog is folded
    third = add(store, "Wheat harvests failed badly. Exports of wheat stopped.", "Delta")
    annotate(store, third, [(0, 5, ""), (6, 14, ""), (29, 36, "tbd"), (0, 28, "")])
    # in the order they were made
    queued_ids = sorted(table.ids(store, table.AnnotationFilter(document_ids=frozenset({third}))))
    assert pending(store) > 0
    ops.set_note(store, queued_ids[0], "Café crème")
    ops.set_span(store, queued_ids[1], 29, 36)  # "harvests" becomes "Exports"
    edited = check(True)
    assert edited["filter cafe"][0] == [1, queued_ids[0]]
    assert {queued_ids[1], queued_ids[2]} <= set(edited["filter xports"][0])

    # a queued annotation deleted, then its undo (the same id back) while others are queued
    annotate(store, third, [(6, 14, "tbc"), (15, 21, ""), (22, 28, ""), (37, 41, "")])
    latest = max(table.ids(store))
    snapshot = ops.snapshot_annotation(store, latest - 1)
    ops.delete_annotation(store, latest - 1)
    deleted = check(True)
    assert latest - 1 not in deleted["sort text"]
    annotate(store, third, [(6, 14, ""), (15, 21, ""), (22, 28, ""), (37, 41, "")])
    ops.restore_annotation(store, snapshot)
    undone = check(True)
    assert latest - 1 in undone["sort text"]


def test_a_merge_leaves_its_rows_queued_and_the_cli_folds_them(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    colleague = tmp_path / "colleague.sqlite3"
    with open_store(colleague, create=True) as theirs:
        doc = add(theirs, "Sanctions were lifted. Oil exports resumed. Ships sailed.", "Theirs")
        spans = [(0, 22, "Crème brûlée"), (23, 43, ""), (44, 57, ""), (4, 8, "")]
        annotate(theirs, doc, spans)
    merge_colleague(store, colleague)
    assert pending(store) == 7  # 3 sentences, 4 annotations
    full = answers(store)
    assert len(full["filter brulee"][0]) == 1
    search_index.fold_all(store)
    assert answers(store) == full

    again = tmp_path / "merged-by-cli.sqlite3"
    with open_store(again, create=True) as fresh:
        add(fresh, ENGLISH, "English brief")
    assert cli.main(["merge", "--db", str(again), str(colleague)]) == 0
    assert "merged" in capsys.readouterr().out
    assert pending(again) == 0  # folded at the end of the command
    with open_store(again) as merged:
        assert [d.title for d in search(merged, "sanctions").documents] == ["Theirs"]


def test_a_fold_that_fails_halfway_loses_nothing_and_folding_twice_is_harmless(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = add(store, "Oil exports resumed. Delegates met. Prices fell. Talks end.", "Gamma")
    annotate(store, other, [(0, 20, "Zoë"), (21, 35, ""), (4, 11, ""), (36, 47, "naïve")])
    queued = pending(store)
    full = answers(store)
    calls = 0
    real_fold = search_index.fold

    def failing_fold(text: str | None) -> str:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return real_fold(text)

    # where each back end folds (a team database: search_server.py)
    monkeypatch.setattr(search_index, "fold", failing_fold)
    monkeypatch.setattr(search_server, "fold", failing_fold)
    with pytest.raises(sqlite3.OperationalError):
        search_index.fold_step(store, rows=queued)
    assert pending(store) == queued  # rolled back: every row still queued
    assert answers(store) == full
    monkeypatch.setattr(search_index, "fold", real_fold)
    monkeypatch.setattr(search_server, "fold", real_fold)
    assert search_index.fold_step(store, rows=3) == 3  # the oldest three, then the rest
    assert pending(store) == queued - 3
    assert search_index.fold_all(store) == queued - 3
    # a row queued again while indexed (by hand here) is indexed once, not twice
    hand_edit(store, "INSERT INTO search_pending (kind, id) VALUES ('a', 3), ('u', 1)")
    assert search_index.fold_step(store) == 2
    assert indexed(store, "search_annotations", 3) == 1
    assert indexed(store, "search_notes", 3) == 1
    assert indexed(store, "search_units", 1) == 1
    assert answers(store) == full


def test_a_fold_step_that_must_not_wait_gives_way_to_another_writer(store: Store) -> None:
    other = add(store, "Oil exports resumed. Delegates met. Prices fell. Talks end.", "Gamma")
    assert pending(store) == 4
    with another_writer(store):
        assert search_index.fold_step(store, wait=False) is None
    assert pending(store) == 4
    assert search_index.fold_step(store, wait=False) == 4
    ops.create_annotation(store, other, 0, 3, "ana", ["claim"])  # writes still wait as before
    assert pending(store) == 0


def test_opening_folds_a_small_backlog_and_leaves_a_large_one(tmp_path: Path) -> None:
    path = tmp_path / "open.sqlite3"
    with open_store(path, create=True) as store:
        doc = add(store, "Oil exports resumed. Delegates met. Prices fell. Talks end.", "Gamma")
    assert pending(path) == 4
    with open_store(path) as store:
        assert pending(path) == 4  # more than SMALL: left for idle time or the next import
        assert [d.title for d in search(store, "delegates").documents] == ["Gamma"]
        search_index.fold_step(store, rows=2)
    assert pending(path) == 2
    with open_store(path) as store:
        assert pending(path) == 0  # a few rows: folded when opened
        assert [d.document_id for d in search(store, "talks").documents] == [doc]


def test_the_cli_import_folds_what_it_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    briefing = tmp_path / "brief.txt"
    briefing.write_text("Oil exports resumed. Delegates met. Prices fell. Talks end.\n", "utf-8")
    path = tmp_path / "imported.sqlite3"
    assert cli.main(["import", "--db", str(path), str(briefing)]) == 0
    assert "imported brief.txt" in capsys.readouterr().out
    assert pending(path) == 0
    with open_store(path) as store:
        assert [d.title for d in search(store, "delegates").documents] != []
    from annotator.core.importing import import_files

    again = tmp_path / "imported-by-the-core.sqlite3"
    with open_store(again, create=True) as store:
        assert import_files(store, [briefing])[0].ok
        assert pending(again) == 4  # the import alone leaves its sentences queued


def test_opening_while_another_program_writes_leaves_the_backlog_queued(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    with open_store(path, create=True) as store:
        add(store, "Oil exports resumed. Delegates met. Prices fell. Talks end.", "Gamma")
        search_index.fold_step(store, rows=2)
    assert pending(path) == 2
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        with open_store(path, daily_backup=False) as store:
            assert pending(path) == 2  # not folded, and the open did not fail
            assert [d.title for d in search(store, "talks").documents] == ["Gamma"]
        writer.execute("ROLLBACK")
    finally:
        writer.close()
