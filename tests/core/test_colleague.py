"""Merging a colleague's database or export: by text hash, authors kept, all or nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from annotator.core import ops
from annotator.core.colleague import merge_colleague, read_colleague_database
from annotator.core.dataset import DatasetFilter, load_dataset
from annotator.core.errors import ImportRefused
from annotator.core.queries import document_annotations, list_documents
from annotator.core.segment import segment
from annotator.core.store import Store, open_store
from tests.backends import Backend

SHARED = "The convoy was attacked at dawn. We assess attacks will likely continue.\n"
ONLY_THEIRS = "Insurers raised premiums by 20 percent. Officials counted 14 trucks.\n"
VERSION_1 = "Draft: the port closed on Monday. Shipping resumed later.\n"
VERSION_2 = "Final: the port closed on Tuesday. Shipping resumed later.\n"


def add(store: Store, text: str, source_name: str, title: str | None = None) -> int:
    new = ops.NewDocument(
        text=text, title=title or source_name, issuer=None, published=None,
        date_certainty="none", date_note=None, language="en", source_name=source_name,
        source_format="txt", units=[(u.start, u.end, str(u.kind)) for u in segment(text)],
    )
    created = ops.add_document(store, new).created_id
    assert created is not None
    return created


def first_unit(text: str) -> tuple[int, int]:
    unit = segment(text)[0]
    return unit.start, unit.end


ROWS = (
    'SELECT d.sha256, a.start, a."end", a.author, a.created, a.note, t.name, x.fields '
    "FROM annotations a JOIN documents d ON d.id = a.document_id "
    "LEFT JOIN annotation_tags x ON x.annotation_id = a.id "
    "LEFT JOIN tags t ON t.id = x.tag_id ORDER BY 1, 2, 4, 7"
)


def rows(database: Store | Path) -> list[tuple]:
    """The annotations of an open store (either back end) or of a database file."""
    if isinstance(database, Store):
        with database.read() as session:
            return [tuple(row) for row in session.execute(text(ROWS))]
    conn = sqlite3.connect(database)
    try:
        return conn.execute(ROWS).fetchall()
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def colleague(tmp_path: Path) -> Path:
    """Ben's database: the shared briefing, one only he has, and his version 2 of a briefing."""
    path = tmp_path / "ben.sqlite3"
    with open_store(path) as store:
        shared = add(store, SHARED, "shared.txt")
        theirs = add(store, ONLY_THEIRS, "theirs.txt")
        version = add(store, VERSION_2, "port.txt")
        ops.create_annotation(store, shared, *first_unit(SHARED), "Ben", ["claim"], note="n1")
        ops.create_annotation(
            store, shared, 33, len(SHARED) - 1, "Ben", ["assessment"],
            fields={"assessment": {"likelihood": "likely"}},
            suggested={"assessment": ["likelihood"]},
        )
        ops.create_annotation(store, theirs, *first_unit(ONLY_THEIRS), "Ben", ["figure"],
                              fields={"figure": {"value": 20, "unit": "%"}})
        ops.create_annotation(store, version, *first_unit(VERSION_2), "Ben", ["claim"])
    return path


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open("ana") as opened:
        shared = add(opened, SHARED, "shared.txt")
        add(opened, VERSION_1, "port.txt")
        ops.create_annotation(opened, shared, *first_unit(SHARED), "Ana", ["claim"])
        yield opened


def test_merge_adds_their_work_by_hash_and_keeps_authors(
    store: Store, colleague: Path
) -> None:
    before = digest(colleague)
    report = merge_colleague(store, colleague)
    assert digest(colleague) == before  # read-only: not a byte changed
    assert report.merge.annotations_added == 3
    assert report.merge.documents_added == 1
    (skipped,) = report.not_merged
    assert skipped.title == "port.txt" and skipped.annotations == 1
    assert skipped.reason == f"text differs from local document {skipped.local_id}; not merged"
    assert "not merged: 'port.txt' (1 annotation(s))" in report.summary()
    theirs = {r for r in rows(colleague) if r[0] != hashlib.sha256(VERSION_2.encode()).hexdigest()}
    ours = set(rows(store))
    assert theirs <= ours  # span, author, creation time, note, tag, fields: all kept
    titles = sorted(d.source_name for d in list_documents(store))
    assert titles == ["port.txt", "shared.txt", "theirs.txt"]
    shared = next(d.id for d in list_documents(store) if d.source_name == "shared.txt")
    assessment = next(a for a in document_annotations(store, shared) if a.author == "Ben"
                      and a.tag_names == ("assessment",))
    assert assessment.tags[0].suggested == ("likelihood",)


def test_merging_the_same_file_again_adds_nothing(store: Store, colleague: Path) -> None:
    merge_colleague(store, colleague)
    saved = rows(store)
    again = merge_colleague(store, colleague)
    assert again.merge.annotations_added == 0 and again.merge.annotations_present == 3
    assert again.merge.documents_added == 0
    assert rows(store) == saved


def test_add_differing_adds_the_other_version_as_a_document(
    store: Store, colleague: Path
) -> None:
    report = merge_colleague(store, colleague, add_differing=True)
    assert report.not_merged == () and report.merge.annotations_added == 4
    assert sorted(d.source_name for d in list_documents(store)).count("port.txt") == 2


def test_a_failure_half_way_writes_nothing(store: Store, colleague: Path) -> None:
    conn = sqlite3.connect(colleague)
    conn.execute('UPDATE annotations SET "end" = 5000 WHERE id = (SELECT max(id) FROM annotations)')
    conn.commit()
    conn.close()
    saved, documents = rows(store), list_documents(store)
    with pytest.raises(ImportRefused, match="nothing imported"):
        merge_colleague(store, colleague, add_differing=True)
    assert rows(store) == saved and list_documents(store) == documents


def test_bad_files_are_refused_untouched(store: Store, colleague: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\n", encoding="utf-8")
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.sqlite3"
    shutil.copy(colleague, newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(colleague.read_bytes()[:100] + b"\0" * 4096)
    saved = rows(store)
    for path, reason in (
        (text, "neither an Annotator database nor an annotation export"),
        (other, "another program"),
        (newer, "newer version"),
        (damaged, "damaged"),
        (tmp_path / "missing.sqlite3", "no such file"),
        *([(store.path, "the open database itself")] if store.path is not None else []),
    ):
        # The open database is compared by its rows (below): reading its bytes with open()
        # would drop this process's SQLite locks on it (tests/db_guard.py).
        plain = path.exists() and path != store.path
        before = digest(path) if plain else None
        with pytest.raises(ImportRefused, match=reason):
            merge_colleague(store, path)
        assert (digest(path) if plain else None) == before
    with pytest.raises(ImportRefused, match="another program"):
        read_colleague_database(other)
    assert rows(store) == saved


def test_an_export_file_is_merged_too(store: Store, colleague: Path, tmp_path: Path) -> None:
    registry = pytest.importorskip("annotator.core.exporters.registry")
    with open_store(colleague) as theirs:
        dataset = load_dataset(theirs, DatasetFilter(authors=frozenset({"Ben"})))
    out = tmp_path / "ben.jsonl"
    registry.export(dataset, "jsonl-spans", out)
    # The export carries no texts: the briefing only Ben has cannot come with it, so merge
    # only what fits here (the shared briefing) and the differing version (reported).
    lines = [line for line in out.read_text(encoding="utf-8").splitlines()
             if "theirs.txt" not in line]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = merge_colleague(store, out)
    assert report.format == "jsonl-spans"
    assert report.merge.annotations_added == 2
    assert [n.title for n in report.not_merged] == ["port.txt"]
    assert merge_colleague(store, out).merge.annotations_added == 0


def test_cli_merge_prints_one_line_per_file(
    store: Store, colleague: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from annotator.cli import main

    db = store.key  # the file's path, or the server's URL
    store.close()
    missing = tmp_path / "missing.sqlite3"
    assert main(["merge", str(colleague), str(missing), "--db", db]) == 1
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert line.startswith("merged ben.sqlite3: 3 annotation(s) added, 0 already present")
    assert "not merged: 'port.txt' (1 annotation(s)): text differs from local document" in line
    assert "missing.sqlite3: no such file; nothing merged" in err
    assert main(["merge", str(colleague), "--db", db, "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert (result["annotations_added"], result["annotations_present"]) == (0, 3)
    assert result["not_merged"][0]["reason"].startswith("text differs from local document")


def _units_of(store: Store, briefing: str) -> list[tuple[int, int, str]]:
    with store.read() as session:
        return [tuple(row) for row in session.execute(
            text(
                'SELECT u.start, u."end", u.kind FROM units u JOIN documents d '
                "ON d.id = u.document_id WHERE d.sha256 = :digest ORDER BY u.ordinal"
            ),
            {"digest": hashlib.sha256(briefing.encode()).hexdigest()},
        )]


def test_a_new_document_keeps_the_units_its_annotations_were_made_on(
    store: Store, colleague: Path
) -> None:
    """Ben split his briefing differently (one unit for both sentences, marked by hand):
    the merged document gets his units, not a fresh split."""
    conn = sqlite3.connect(colleague)
    doc_id = conn.execute(
        "SELECT id FROM documents WHERE sha256 = ?",
        (hashlib.sha256(ONLY_THEIRS.encode()).hexdigest(),),
    ).fetchone()[0]
    conn.execute("DELETE FROM units WHERE document_id = ?", (doc_id,))
    conn.execute(
        'INSERT INTO units (document_id, ordinal, start, "end", kind) VALUES (?, 0, 0, ?, ?)',
        (doc_id, len(ONLY_THEIRS) - 1, "heading"),
    )
    conn.commit()
    conn.close()
    fresh = [(u.start, u.end, str(u.kind)) for u in segment(ONLY_THEIRS)]
    assert len(fresh) == 2
    merge_colleague(store, colleague)
    assert _units_of(store, ONLY_THEIRS) == [(0, len(ONLY_THEIRS) - 1, "heading")]


def test_units_that_do_not_fit_the_text_are_split_again(store: Store, colleague: Path) -> None:
    conn = sqlite3.connect(colleague)
    conn.execute(  # overlapping units: not usable
        'UPDATE units SET start = 0 WHERE ordinal = 1 AND document_id = '
        "(SELECT id FROM documents WHERE sha256 = ?)",
        (hashlib.sha256(ONLY_THEIRS.encode()).hexdigest(),),
    )
    conn.commit()
    conn.close()
    merge_colleague(store, colleague)
    fresh = [(u.start, u.end, str(u.kind)) for u in segment(ONLY_THEIRS)]
    assert _units_of(store, ONLY_THEIRS) == fresh
