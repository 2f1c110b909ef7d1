"""What a merge writes, pinned row for row: the bulk path must keep writing exactly this.

A small colleague's database (three briefings, two authors, tags with fields and suggestions,
an extra tag from another tool, edits, reviews, a deleted annotation, awkward notes) is merged
into a database that already holds work; every table of the result (documents, units, tags,
annotations, tags with their fields, history, the id counters) is compared with
`tests/data/reference/merge-colleague.json`, written by the row-by-row merge this replaced.
Only the times the merge itself takes from the clock are masked (the "import" history rows'
time, each document's import time). The same for a JSON Lines spans export with its history.

Regenerate the reference after an intended change of what a merge stores:
    ANNOTATOR_UPDATE_REFERENCE=1 .venv/bin/pytest tests/core/test_merge_bulk.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from annotator.core import history, ops, review
from annotator.core.colleague import merge_colleague
from annotator.core.errors import ImportRefused
from annotator.core.exporters.common import ExportOptions
from annotator.core.exporters.registry import export_store
from annotator.core.interchange import merge
from annotator.core.interchange.jsonl import read_spans_jsonl
from annotator.core.interchange.merge import merge_incoming
from annotator.core.segment import segment
from annotator.core.store import Store, open_store
from tests.backends import Backend

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "merge-colleague.json"
UPDATE = os.environ.get("ANNOTATOR_UPDATE_REFERENCE") == "1"

SHARED = "The convoy was attacked at dawn. We assess attacks will likely continue.\n"
THEIRS = (
    "Insurers raised premiums by 20 percent. Officials counted 14 trucks.\n\n"
    "A second paragraph: the \u00e9tat-major said \u201cno comment\u201d \U0001f680.\n"
)
KNOWN = "Dated brief. Exports rose 4% in Q3. Growth will likely slow.\n"
MASK = "<merge time>"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every time the colleague's edits take is a fixed one, one second apart."""
    moments = iter(
        dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=n)
        for n in range(10_000)
    )

    def tick() -> dt.datetime:
        return next(moments)

    for module in (ops, history, review):
        monkeypatch.setattr(module, "utcnow", tick)


def add(store: Store, text: str, name: str, **meta: Any) -> int:
    new = ops.NewDocument(
        text=text, title=meta.get("title", name), issuer=meta.get("issuer"),
        published=meta.get("published"),
        date_certainty="exact" if meta.get("published") else "none", date_note=None,
        language=meta.get("language", "en"), source_name=name, source_format="txt",
        units=[(u.start, u.end, str(u.kind)) for u in segment(text)],
    )
    created = ops.add_document(store, new).created_id
    assert created is not None
    return created


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def created(changes: ops.Changes) -> int:
    assert changes.created_id is not None
    return changes.created_id


def build_colleague(path: Path) -> None:
    with open_store(path, daily_backup=False) as store:
        add(store, "A briefing nobody annotated.\n", "empty.txt")
        shared = add(store, SHARED, "shared.txt")
        theirs = add(store, THEIRS, "theirs.txt")
        known = add(
            store, KNOWN, "known.txt", title="Known", issuer="Ministry",
            published=dt.date(2024, 2, 3), language="fr",
        )
    # A code of another tool's codebook, as an import from it leaves in the tags table.
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO tags (name, colour, shortcut, position) VALUES ('rumour', '#123456', "
            "NULL, 99)"
        )
    conn.close()
    with open_store(path, daily_backup=False) as store:
        ops.create_annotation(store, shared, *span(SHARED, "The convoy"), "Ben", ["claim"],
                              note='quote " backslash \\ newline\n tab\t')
        likely = created(ops.create_annotation(
            store, shared, *span(SHARED, "attacks will likely continue"), "Ben",
            ["assessment", "claim"],
            fields={"assessment": {"likelihood": "likely", "confidence": "moderate"},
                    "claim": {"attributed_to": "we"}},
            suggested={"assessment": ["likelihood"]},
        ))
        ops.set_fields(store, likely, "assessment", {"likelihood": "very_likely"},
                       actor="Ben")
        ops.set_note(store, likely, "raised after the second report", actor="Ben")
        review.set_review_status(store, likely, "accepted", "Rev", "fine \u2713")
        figure = created(ops.create_annotation(
            store, theirs, *span(THEIRS, "20 percent"), "Cai", ["figure"],
            fields={"figure": {"value": 20, "unit": "%"}},
        ))
        ops.set_span(store, figure, *span(THEIRS, "by 20 percent"), actor="Cai")
        ops.set_tag(store, figure, "rumour", True, actor="Cai")
        review.set_review_status(store, figure, "rejected", "Rev", "")
        ops.create_annotation(store, theirs, *span(THEIRS, "\u00e9tat-major"), "Cai",
                              ["claim"], note="\u201cquoted\u201d \U0001f680")
        ops.create_annotation(store, theirs, *span(THEIRS, "14 trucks"), "Cai", [])
        gone = created(ops.create_annotation(store, known, *span(KNOWN, "Exports"), "Ben",
                                             ["claim"]))
        ops.delete_annotation(store, gone, actor="Ben")
        ops.create_annotation(
            store, known, *span(KNOWN, "Exports rose 4% in Q3"), "Ben", ["figure", "claim"],
            fields={"figure": {"value": 4, "unit": "%", "as_of": "Q3"}},
            suggested={"figure": ["unit", "not-a-field"]},
        )
        ops.bulk_add_annotations(store, known, [
            ops.NewAnnotation(*span(KNOWN, "Growth"), "Cai", ["assessment"], "bulk",
                              {"assessment": {"likelihood": "likely"}}),
            ops.NewAnnotation(*span(KNOWN, "slow"), "Cai", ["claim", "figure"], "", {}),
        ])


def build_target(path: Path | str) -> Store:
    """Ana's database: the shared briefing under another id, her own annotation, and a deleted
    one (whose id must not be given again)."""
    store = open_store(path, daily_backup=False)
    add(store, "Ana's own briefing.\n", "own.txt")
    shared = add(store, SHARED, "shared.txt")
    ops.create_annotation(store, shared, *span(SHARED, "The convoy"), "Ana", ["claim"])
    gone = created(ops.create_annotation(store, shared, *span(SHARED, "dawn"), "Ana", []))
    ops.delete_annotation(store, gone, actor="Ana")
    return store


TABLES = {
    "documents": "SELECT id, title, issuer, CAST(published AS TEXT), date_certainty, date_note, "
    "language, "
    "source_name, source_format, sha256, text, '" + MASK + "' FROM documents ORDER BY id",
    "units": 'SELECT id, document_id, ordinal, start, "end", kind FROM units ORDER BY id',
    "tags": "SELECT id, name, colour, shortcut, position FROM tags ORDER BY id",
    "annotations": "SELECT * FROM annotations ORDER BY id",
    "annotation_tags": "SELECT * FROM annotation_tags ORDER BY annotation_id, tag_id",
    "annotation_history": "SELECT id, annotation_id, document_id, action, actor, "
    "CASE WHEN action = 'import' THEN '" + MASK + "' ELSE at END, before, after, comment "
    "FROM annotation_history ORDER BY id",
    "sqlite_sequence": "SELECT name, seq FROM sqlite_sequence ORDER BY name",
    "meta": "SELECT key, value FROM meta ORDER BY key",
}


# PostgreSQL's counter of annotation ids (the table's sequence), as SQLite's sqlite_sequence.
SEQUENCE_ON_POSTGRESQL = (
    "SELECT 'annotations', pg_sequence_last_value(pg_get_serial_sequence('annotations', 'id')) "
    "WHERE pg_sequence_last_value(pg_get_serial_sequence('annotations', 'id')) IS NOT NULL"
)


def query(store: Store, statement: str, **values: Any) -> list[list[Any]]:
    """The rows of `statement` (`:name` parameters) read through the store, as lists."""
    with store.read() as session:
        return [list(row) for row in session.execute(text(statement), values)]


def dump(database: Store | Path) -> dict[str, list[list[Any]]]:
    """Every table the merge writes, rows as lists (JSON-comparable): of an open store (either
    back end) or of a database file."""
    if not isinstance(database, Store):
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            return {
                table: [list(row) for row in conn.execute(statement)]
                for table, statement in TABLES.items()
            }
        finally:
            conn.close()
    store = database
    on_server = store.on_server
    return {
        table: query(store, SEQUENCE_ON_POSTGRESQL if on_server and table == "sqlite_sequence"
                     else statement)
        for table, statement in TABLES.items()
    }


def masked_import_times(dumped: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    """The snapshots of "import" rows carry no merge time; annotations merged without a
    creation time would (none here): check, so a masked time cannot hide a change."""
    for row in dumped["annotation_history"]:
        assert MASK not in json.dumps(row[6:8])
    return dumped


def check_reference(name: str, dumped: dict[str, list[list[Any]]]) -> None:
    references: dict[str, Any] = (
        json.loads(REFERENCE.read_text(encoding="utf-8")) if REFERENCE.exists() else {}
    )
    if UPDATE:
        references[name] = dumped
        REFERENCE.write_text(
            json.dumps(references, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    assert name in references, f"{REFERENCE} lacks {name} (ANNOTATOR_UPDATE_REFERENCE=1)"
    expected = references[name]
    for table in TABLES:
        assert dumped[table] == expected[table], table


@pytest.fixture
def colleague(tmp_path: Path, clock: None) -> Path:
    path = tmp_path / "ben.sqlite3"
    build_colleague(path)
    return path


@pytest.fixture
def target(backend: Backend, clock: None) -> Iterator[Store]:
    store = build_target(backend.target("ana"))
    yield store
    store.close()


@pytest.fixture(params=[merge.BATCH, 3], ids=["one-batch", "batches-of-3"])
def batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Annotations per write: the rows must not depend on where the batches end."""
    monkeypatch.setattr(merge, "BATCH", request.param)
    return int(request.param)


def test_merging_a_colleagues_database_writes_the_pinned_rows(
    target: Store, colleague: Path, batch: int
) -> None:
    report = merge_colleague(target, colleague)
    assert report.merge.annotations_added == 8
    assert report.merge.documents_added == 3
    assert report.merge.tags_added == ("rumour",)
    merged = masked_import_times(dump(target))
    check_reference("colleague-database", merged)

    again = merge_colleague(target, colleague)
    assert again.merge.annotations_added == 0 and again.merge.annotations_present == 8
    assert again.merge.history_rows == 0 and again.merge.documents_added == 0
    assert dump(target) == merged


def test_merging_a_spans_export_with_history_writes_the_pinned_rows(
    tmp_path: Path, target: Store, colleague: Path, batch: int
) -> None:
    out = tmp_path / "ben.jsonl"
    add(target, THEIRS, "theirs.txt")  # a spans export carries no text
    add(target, KNOWN, "known.txt")
    with open_store(colleague, daily_backup=False) as source:
        export_store(source, "jsonl-spans", out, options=ExportOptions(history=True))
    report = merge_incoming(target, read_spans_jsonl(out))
    assert report.annotations_added == 8
    merged = masked_import_times(dump(target))
    check_reference("spans-export", merged)
    assert merge_incoming(target, read_spans_jsonl(out)).annotations_added == 0
    assert dump(target) == merged


def refuse(colleague: Path, statement: str) -> None:
    conn = sqlite3.connect(colleague)
    with conn:
        conn.execute(statement)
    conn.close()


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        # the last annotation's grading is one the form would reject
        ("UPDATE annotation_tags SET fields = '{\"likelihood\": \"sure\"}' "
         "WHERE annotation_id = (SELECT max(annotation_id) FROM annotation_tags "
         "WHERE tag_id = (SELECT id FROM tags WHERE name = 'assessment'))",
         "likelihood"),
        # the last annotation reaches past the end of its briefing
        ('UPDATE annotations SET "end" = 10000 WHERE id = (SELECT max(id) FROM annotations)',
         "outside its document"),
        # the last annotation has no author
        ("UPDATE annotations SET author = ' ' WHERE id = (SELECT max(id) FROM annotations)",
         "has no author"),
    ],
)
def test_a_refused_colleague_database_leaves_the_database_unchanged(
    target: Store, colleague: Path, statement: str, message: str
) -> None:
    refuse(colleague, statement)
    before = dump(target)
    size = hashlib.sha256(colleague.read_bytes()).hexdigest()
    with pytest.raises(ImportRefused, match=message):
        merge_colleague(target, colleague)
    assert dump(target) == before
    assert hashlib.sha256(colleague.read_bytes()).hexdigest() == size


def test_times_stored_otherwise_are_converted_and_match_on_a_second_merge(
    target: Store, colleague: Path
) -> None:
    """A database written by another tool may hold times with an offset, without one, or an
    impossible day: the merge stores them as it stores every time (UTC, microseconds); an
    impossible one becomes the merge's own time, as before."""
    conn = sqlite3.connect(colleague)
    with conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM annotations ORDER BY id")]
        stored = {
            ids[0]: "2024-03-01T11:00:00+02:00",
            ids[1]: "2024-03-01 09:30:00",
            ids[2]: "2024-02-30T09:00:00.000000+00:00",
        }
        for annotation_id, created in stored.items():
            conn.execute(
                "UPDATE annotations SET created = ?, modified = ? WHERE id = ?",
                (created, created, annotation_id),
            )
        conn.execute(
            "UPDATE annotation_history SET at = '2024-03-01T10:00:00+01:00' "
            "WHERE annotation_id = ?",
            (ids[0],),
        )
    conn.close()
    before = {row[0] for row in query(target, "SELECT id FROM annotations")}
    merge_colleague(target, colleague)
    merged = query(target, "SELECT id, created, modified FROM annotations ORDER BY id")
    first = next(row for row in merged if row[0] not in before)
    times = [row[1] for row in merged if row[0] not in before]
    ((carried_at,),) = query(
        target, "SELECT at FROM annotation_history WHERE annotation_id = :id ORDER BY id LIMIT 1",
        id=first[0],
    )
    assert first[1:] == ["2024-03-01T09:00:00.000000+00:00"] * 2
    assert times[1] == "2024-03-01T09:30:00.000000+00:00"
    assert times[2] not in (stored[ids[2]], "") and times[2] > "2024-03-02"
    assert carried_at == "2024-03-01T09:00:00.000000+00:00"
    again = merge_colleague(target, colleague)
    assert again.merge.annotations_added == 0


def test_an_annotation_listed_twice_in_a_file_is_written_once_across_batches(
    tmp_path: Path, target: Store, colleague: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "twice.jsonl"
    add(target, THEIRS, "theirs.txt")
    add(target, KNOWN, "known.txt")
    with open_store(colleague, daily_backup=False) as source:
        export_store(source, "jsonl-spans", out)
    lines = out.read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join(lines + lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(merge, "BATCH", 3)
    report = merge_incoming(target, read_spans_jsonl(out))
    assert (report.annotations_added, report.annotations_present) == (8, 8)
    assert report.changes.annotations == frozenset(
        row[0] for row in dump(target)["annotations"][1:]
    )
