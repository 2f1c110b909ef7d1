"""The merge of a colleague's database inside SQLite (colleague_attached.py): the colleague's
file attached read-only to the write connection, the carried history copied by SQLite.

It must write exactly what the general path (read the file into Python, `merge_incoming`)
writes: the same rows, ids and bytes, for the pinned colleague of test_merge_bulk.py and after
edits that make the file irregular (which it leaves to the general path); all or nothing; and
the colleague's file untouched and detached afterwards.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotator.core import colleague, colleague_attached
from annotator.core.colleague import merge_colleague
from annotator.core.connections import database_file
from annotator.core.interchange import merge
from annotator.core.store import Store, open_store
from tests.core import test_merge_bulk as bulk
from tests.core.test_merge_bulk import (
    KNOWN,
    add,
    build_colleague,
    build_target,
    check_reference,
    dump,
    masked_import_times,
)

clock = bulk.clock  # the colleague's edits at fixed times, one second apart

MASK = "<merge time>"


def _masked(dumped: dict[str, list[list[Any]]], now: set[str]) -> dict[str, list[list[Any]]]:
    """The merge's own times (the "import" rows' time, documents' import time) masked."""
    return {
        table: [[MASK if value in now else value for value in row] for row in rows]
        for table, rows in dumped.items()
    }


def _import_times(path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT at FROM annotation_history WHERE action = 'import' "
            "UNION SELECT imported_at FROM documents"
        ).fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows}


@pytest.fixture
def colleague_file(tmp_path: Path, clock: None) -> Path:
    path = tmp_path / "ben.sqlite3"
    build_colleague(path)
    return path


@pytest.fixture
def target(tmp_path: Path, clock: None) -> Iterator[Store]:
    store = build_target(tmp_path / "ana.sqlite3")
    yield store
    store.close()


@pytest.fixture
def attached_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the general path is taken."""

    def general(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the general path was taken")

    monkeypatch.setattr(colleague, "read_colleague_file", general)


def _copies(base: Path, *names: str) -> list[Path]:
    """Copies of the (closed) database `base`: the same starting point for both paths."""
    copies = []
    for name in names:
        copy = base.with_name(f"{name}.sqlite3")
        copy.write_bytes(base.read_bytes())
        copies.append(copy)
    return copies


def _general_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(colleague, "_merge_attached", lambda *_args: None)


def test_the_pinned_colleague_is_merged_inside_sqlite_with_the_pinned_rows(
    target: Store, colleague_file: Path, attached_only: None
) -> None:
    report = merge_colleague(target, colleague_file)
    assert report.format == colleague.DATABASE_FORMAT
    assert report.merge.annotations_added == 8
    assert report.merge.documents_added == 3
    assert report.merge.tags_added == ("rumour",)
    assert report.merge.history_rows == 8 + 14  # an "import" row each, and the carried ones
    merged = masked_import_times(dump(target.path))
    check_reference("colleague-database", merged)
    again = merge_colleague(target, colleague_file)
    assert (again.merge.annotations_added, again.merge.annotations_present) == (0, 8)
    assert dump(target.path) == merged
    assert not database_file(colleague_file).in_use  # detached


@pytest.mark.parametrize("batch", [merge.BATCH, 3, 1])
def test_both_paths_write_the_same_rows_and_report(
    tmp_path: Path, colleague_file: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """Into a database with work of its own, twice (the second time: all present)."""
    monkeypatch.setattr(merge, "BATCH", batch)
    build_target(tmp_path / "base.sqlite3").close()
    results = []
    for path, general in zip(_copies(tmp_path / "base.sqlite3", "attached", "general"),
                             (False, True), strict=True):
        if general:
            _general_only(monkeypatch)
        store = open_store(path, daily_backup=False)
        try:
            first = merge_colleague(store, colleague_file)
            second = merge_colleague(store, colleague_file)
            results.append(
                (first, second, _masked(dump(store.path), _import_times(store.path)))
            )
        finally:
            store.close()
    (first, second, rows), (first_general, second_general, rows_general) = results
    assert rows == rows_general
    assert first == first_general and second == second_general


def test_documents_set_aside_are_reported_alike(
    tmp_path: Path, colleague_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local briefing of the same file name with another text: not merged (both paths say
    so), then added as a new document on request."""
    with open_store(tmp_path / "base.sqlite3", daily_backup=False) as store:
        add(store, KNOWN.replace("rose", "fell"), "known.txt")
    results = []
    for path, general in zip(_copies(tmp_path / "base.sqlite3", "attached", "general"),
                             (False, True), strict=True):
        if general:
            _general_only(monkeypatch)
        with open_store(path, daily_backup=False) as store:
            report = merge_colleague(store, colleague_file)
            assert [n.title for n in report.not_merged] == ["Known"]
            assert report.not_merged[0].annotations == 3
            added = merge_colleague(store, colleague_file, add_differing=True)
            results.append((report, added, _masked(dump(store.path), _import_times(store.path))))
    assert results[0] == results[1]


@pytest.mark.parametrize(
    ("statement", "attached"),
    [
        # a time another tool stored otherwise: converted by the general path
        ("UPDATE annotations SET created = '2024-03-01 09:30:00', "
         "modified = '2024-03-01 09:30:00' WHERE id = (SELECT min(id) FROM annotations)", False),
        # a carried time with an offset, a snapshot of another layout: converted inside
        # SQLite by the general path's own functions
        ("UPDATE annotation_history SET at = '2024-03-01T10:00:00+01:00' "
         "WHERE id = (SELECT max(id) FROM annotation_history)", True),
        ("UPDATE annotation_history SET after = json(after) "
         "WHERE id = (SELECT max(id) FROM annotation_history WHERE after IS NOT NULL)", True),
        # a carried time that is no time at all: refused by the general path
        ("UPDATE annotation_history SET at = '2024-13-01T10:00:00.000000+00:00' "
         "WHERE id = (SELECT max(id) FROM annotation_history)", False),
        # a value the form would reject: refused by the general path, with its message
        ("UPDATE annotation_tags SET fields = '{\"likelihood\": \"sure\"}' "
         "WHERE tag_id = (SELECT id FROM tags WHERE name = 'assessment')", False),
    ],
)
def test_an_irregular_database_is_merged_or_refused_as_the_general_path_does(
    tmp_path: Path,
    colleague_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    statement: str,
    attached: bool,
) -> None:
    conn = sqlite3.connect(colleague_file)
    with conn:
        conn.execute(statement)
    conn.close()
    outcomes = []
    for name, general in (("attached", False), ("general", True)):
        if general:
            _general_only(monkeypatch)
        with open_store(tmp_path / f"{name}.sqlite3", daily_backup=False) as store:
            try:
                outcome: object = merge_colleague(store, colleague_file)
            except colleague.ImportRefused as exc:
                outcome = str(exc)
            outcomes.append((outcome, _masked(dump(store.path), _import_times(store.path))))
    assert outcomes[0] == outcomes[1]
    monkeypatch.undo()
    with open_store(tmp_path / "direct.sqlite3", daily_backup=False) as store:
        report = colleague_attached.merge_attached(store, colleague_file)
        assert (report is not None) == attached
        if report is None:  # left to the general path: nothing written
            assert [dump(store.path)[t] for t in ("documents", "annotations")] == [[], []]
    assert not database_file(colleague_file).in_use


def test_a_failure_while_writing_the_history_leaves_everything_as_it_was(
    target: Store, colleague_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fails mid-merge (after the annotations are written): nothing is kept, the
    error is the storage's own, and the next merge goes through."""
    before = dump(target.path)
    digest = hashlib.sha256(colleague_file.read_bytes()).hexdigest()

    def broken_write(self: Any, *_args: Any) -> int:
        raise sqlite3.OperationalError("disk I/O error")  # after the briefings are created

    monkeypatch.setattr(colleague_attached._Merge, "write", broken_write)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        merge_colleague(target, colleague_file)
    assert dump(target.path) == before
    assert not database_file(colleague_file).in_use
    assert hashlib.sha256(colleague_file.read_bytes()).hexdigest() == digest
    monkeypatch.undo()
    assert merge_colleague(target, colleague_file).merge.annotations_added == 8


def test_a_failure_inside_the_history_copy_leaves_everything_as_it_was(
    target: Store, colleague_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history copy fails half-way through the second batch (out of memory: not an
    irregular file): the batch already written is rolled back with the rest."""
    monkeypatch.setattr(merge, "BATCH", 3)
    before = dump(target.path)
    calls = {"n": 0}
    original = colleague_attached._at

    def at(value: object) -> str:
        calls["n"] += 1
        if calls["n"] == 5:
            raise MemoryError  # not a damaged value: nothing to leave to the general path
        return original(value)

    monkeypatch.setattr(colleague_attached, "_at", at)
    with pytest.raises(MemoryError):
        merge_colleague(target, colleague_file)
    assert calls["n"] == 5
    assert dump(target.path) == before
    assert not database_file(colleague_file).in_use
    monkeypatch.undo()
    assert merge_colleague(target, colleague_file).merge.annotations_added == 8


def test_the_colleague_counts_as_open_while_attached(
    target: Store, colleague_file: Path
) -> None:
    owner = database_file(colleague_file)
    assert not owner.in_use
    with target.write_attached(colleague_file, "other") as session:
        assert owner.in_use
        count = session.connection().exec_driver_sql(
            "SELECT count(*) FROM other.annotations"
        ).scalar()
        assert count == 8
    assert not owner.in_use
    memory = sqlite3.connect(":memory:")
    with pytest.raises(ValueError, match="schema"), owner.attached(memory, "x; DROP TABLE y"):
        pass
    memory.close()


def test_a_colleague_in_a_read_only_folder_is_merged_inside_sqlite(
    tmp_path: Path, target: Store, attached_only: None, clock: None
) -> None:
    """A colleague's database on a read-only mount (no `-shm` can be made there) is attached
    immutable, as it would be opened for reading; nothing is written beside it."""
    from tests.core.test_connections import read_only_folder

    folder = tmp_path / "mount"
    folder.mkdir()
    build_colleague(folder / "ben.sqlite3")
    before = sorted(p.name for p in folder.iterdir())
    with read_only_folder(folder) as mounted:
        report = merge_colleague(target, mounted / "ben.sqlite3")
        assert not database_file(mounted / "ben.sqlite3").in_use
    assert report.merge.annotations_added == 8
    check_reference("colleague-database", masked_import_times(dump(target.path)))
    assert sorted(p.name for p in folder.iterdir()) == before
