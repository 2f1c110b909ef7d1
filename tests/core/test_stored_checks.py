"""`annotator check`'s look at stored values: field values the form would reject, and documents
whose text no longer matches its SHA-256.

The database is built with the store (as the application writes it), closed, then damaged with
raw SQL on a separate connection, as an old import or a hand edit would have left it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from annotator.core import ops
from annotator.core.errors import ImportRefused
from annotator.core.exporters.registry import export_store
from annotator.core.importing import import_file
from annotator.core.store import open_store
from annotator.core.stored_checks import rejected_field_values, text_hash_mismatches
from annotator.core.text import text_sha256

TEXT_1 = "The ministry said exports rose 4% in Q3.\nWe assess that growth will likely slow.\n"
TEXT_2 = "قالت الوزارة إن الصادرات ارتفعت 😀 بنسبة 4٪.\nOfficials expect 1,000 new jobs.\n"
SECRET = "exports rose"  # document text that a finding must never show


def document(text: str, title: str) -> ops.NewDocument:
    return ops.NewDocument(
        text=text, title=title, issuer=None, published=None, date_certainty="none",
        date_note=None, language=None, source_name=f"{title}.txt", source_format="txt",
        units=[],
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Two documents; annotations 1-4 with valid fields, annotation 5 without a tag."""
    path = tmp_path / "check.sqlite3"
    with open_store(path, daily_backup=False) as store:
        ops.add_document(store, document(TEXT_1, "Exports brief"))
        ops.add_document(store, document(TEXT_2, "Annual\nreview"))
        valid = [
            ("claim", {"attributed_to": "the ministry", "source_reliability": "B",
                       "information_credibility": "2", "event_date": "2024-09"}),
            ("assessment", {"likelihood": "very likely", "confidence": "moderate"}),
            ("figure", {"value": "1,000", "unit": "jobs", "range_low": 900}),
            ("claim", {}),
        ]
        for index, (tag, fields) in enumerate(valid):
            ops.create_annotation(
                store, 1 + index // 2, 0, 10 + index, "Ana", [tag], fields={tag: fields}
            )
        ops.create_annotation(store, 2, 0, 5, "Ben", [])
    return path


def damage(path: Path, *statements: tuple[str, tuple[object, ...]]) -> None:
    """Run raw SQL on the closed database, as a hand edit would."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            for sql, parameters in statements:
                conn.execute(sql, parameters)
    finally:
        conn.close()


def set_fields(annotation_id: int, fields_json: str) -> tuple[str, tuple[object, ...]]:
    return ("UPDATE annotation_tags SET fields = ? WHERE annotation_id = ?",
            (fields_json, annotation_id))


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], sqlite3.Connection]]:
    """Opens a database read-only, as `check_database` does; closes what it opened."""
    opened: list[sqlite3.Connection] = []

    def connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


def test_a_sound_database_has_no_findings(
    db: Path, read_only: Callable[[Path], sqlite3.Connection]
) -> None:
    conn = read_only(db)
    assert rejected_field_values(conn) == []
    assert text_hash_mismatches(conn) == []


def test_values_the_form_would_reject_are_listed_one_line_each(
    db: Path, read_only: Callable[[Path], sqlite3.Connection]
) -> None:
    damage(
        db,
        set_fields(1, '{"attributed_to": "ok", "information_credibility": "9", '
                      '"event_date": "2023-02-30"}'),
        set_fields(2, '{"likelihood": "probable-ish", "colour": "red"}'),
        set_fields(3, '{"value": "twelve", "range_low": 10, "range_high": 5}'),
        set_fields(4, "[1, 2]"),
    )
    assert rejected_field_values(read_only(db)) == [
        'annotation 1, tag claim, field "information_credibility": \'9\' is not one of 1, 2, 3, '
        "4, 5, 6",
        'annotation 1, tag claim, field "event_date": \'2023-02-30\' is not a real date',
        'annotation 2, tag assessment, field "likelihood": \'probable-ish\' is not one of '
        "almost_no_chance, very_unlikely, unlikely, roughly_even_chance, likely, very_likely, "
        "almost_certain",
        'annotation 2, tag assessment, field "colour": no such field (assessment has '
        "judgment_holder, likelihood, confidence)",
        'annotation 3, tag figure, field "value": \'twelve\' is not a number',
        'annotation 3, tag figure, field "range_high": Range high must not be below range low',
        "annotation 4, tag claim: the form fields are not a JSON object (found a list)",
    ]


def test_values_that_are_not_json_are_left_to_the_unreadable_check(
    db: Path, read_only: Callable[[Path], sqlite3.Connection]
) -> None:
    damage(
        db,
        set_fields(1, "{not json"),
        ("UPDATE annotation_tags SET fields = CAST(X'7B22FF' AS TEXT) WHERE annotation_id = 2",
         ()),
        ("UPDATE annotation_tags SET fields = X'7B7D' WHERE annotation_id = 3", ()),  # bytes "{}"
        set_fields(4, '{"event_date": "2023-02-30"}'),
    )
    assert rejected_field_values(read_only(db)) == [
        'annotation 4, tag claim, field "event_date": \'2023-02-30\' is not a real date'
    ]


def test_tags_without_a_form_keep_any_fields(
    db: Path, read_only: Callable[[Path], sqlite3.Connection]
) -> None:
    damage(
        db,
        ("INSERT INTO tags (name, colour, shortcut, position) "
         "VALUES ('source-check', '#CC79A7', NULL, 9)", ()),
        ("INSERT INTO annotation_tags (annotation_id, tag_id, fields, suggested) "
         "SELECT 1, id, '{\"reliability\": \"Z\", \"event_date\": \"2023-02-30\"}', '[]' "
         "FROM tags WHERE name = 'source-check'", ()),
    )
    assert rejected_field_values(read_only(db)) == []


def test_odd_field_names_and_long_values_stay_on_one_line(
    db: Path, read_only: Callable[[Path], sqlite3.Connection]
) -> None:
    damage(db, set_fields(3, '{"value": "' + "9" * 500 + 'x", "bad\\nname\\u202e": 1}'))
    lines = rejected_field_values(read_only(db))
    assert len(lines) == 2
    for line in lines:
        assert line.splitlines() == [line] and line.isprintable() and len(line) < 250
    assert lines[1] == 'annotation 3, tag figure, field "bad\\nname\\u202e": no such field ' + (
        "(figure has value, unit, figure_kind, qualifier, range_low, range_high, as_of)"
    )


def test_an_edited_text_no_longer_matching_its_hash_is_named(
    db: Path, read_only: Callable[[Path], sqlite3.Connection]
) -> None:
    damage(db, ("UPDATE documents SET text = replace(text, 'rose', 'fell') WHERE id = 1", ()))
    stored, now = text_sha256(TEXT_1)[:12], text_sha256(TEXT_1.replace("rose", "fell"))[:12]
    (line,) = text_hash_mismatches(read_only(db))
    assert line == (
        'document 1 ("Exports brief"): its text no longer matches its stored SHA-256 '
        f"(stored {stored}\u2026, the text gives {now}\u2026)"
    )
    assert SECRET not in line and "fell" not in line


def test_hash_findings_never_stop_on_odd_rows(
    db: Path, read_only: Callable[[Path], sqlite3.Connection]
) -> None:
    """A text that is not UTF-8, a text stored as bytes, a missing hash: each one line."""
    damage(
        db,
        ("UPDATE documents SET text = CAST(X'FF61' AS TEXT) WHERE id = 1", ()),
        ("UPDATE documents SET sha256 = '' WHERE id = 2", ()),
    )
    not_utf8 = hashlib.sha256(b"\xffa").hexdigest()[:12]
    assert text_hash_mismatches(read_only(db)) == [
        'document 1 ("Exports brief"): its text no longer matches its stored SHA-256 (stored '
        f"{text_sha256(TEXT_1)[:12]}\u2026, the text gives {not_utf8}\u2026)",
        'document 2 ("Annual\\nreview"): no SHA-256 is stored for its text',
    ]
    damage(db, ("UPDATE documents SET text = X'6869' WHERE id = 2", ()))
    assert text_hash_mismatches(read_only(db))[1] == (
        'document 2 ("Annual\\nreview"): its text is missing or not stored as text'
    )


def test_what_check_finds_is_what_an_import_refuses(
    db: Path, tmp_path: Path, read_only: Callable[[Path], sqlite3.Connection]
) -> None:
    """The check and the imports judge alike: an export of a flagged value is refused for it."""
    damage(db, set_fields(3, '{"value": "twelve"}'))
    (line,) = rejected_field_values(read_only(db))
    out = tmp_path / "export.jsonl"
    with open_store(db, daily_backup=False) as store:
        export_store(store, "jsonl-spans", out)
    fresh = tmp_path / "fresh.sqlite3"
    with open_store(fresh, daily_backup=False) as store:
        ops.add_document(store, document(TEXT_2, "Annual review"))
        with pytest.raises(ImportRefused) as caught:
            import_file(store, out)
    assert line.removeprefix("annotation 3, tag figure, ") in str(caught.value)
