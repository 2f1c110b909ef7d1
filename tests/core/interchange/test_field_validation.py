"""Imports judge form fields exactly as the form does, whatever the format.

An out-of-range grading, an impossible date, a non-number where a number goes or a field the
tag's form does not have refuses the whole file (nothing merged, the database unchanged) with one
line naming the annotation, the tag and the field. The check sits in `merge_incoming`, which
every reader's records pass through: JSON Lines spans, W3C, REFI-QDA and a colleague's database.
Tags without a form (another tool's codes) keep whatever fields they bring.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from annotator.core import ops
from annotator.core.colleague import merge_colleague
from annotator.core.dataset import load_dataset
from annotator.core.errors import ImportRefused
from annotator.core.exporters.registry import export_store
from annotator.core.fields import field_errors, field_problems
from annotator.core.importing import import_file
from annotator.core.interchange.detect import annotation_format, read_annotation_file
from annotator.core.interchange.merge import merge_incoming
from annotator.core.store import open_store
from tests.core.interchange.field_samples import (
    IDS,
    INVALID,
    VALID,
    WRITERS,
    dump,
    expected_line,
    new_database,
    span,
    spans_file,
    spans_line,
)


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize(("tag", "fields", "field", "reason"), INVALID, ids=IDS)
def test_an_invalid_value_refuses_the_whole_file(
    tmp_path: Path, fmt: str, tag: str, fields: dict[str, Any], field: str, reason: str
) -> None:
    db = new_database(tmp_path / "db.sqlite3")
    path = WRITERS[fmt][0](tmp_path, tag, fields)
    assert annotation_format(path) == fmt
    before = dump(db)
    with open_store(db, daily_backup=False) as store, pytest.raises(ImportRefused) as caught:
        import_file(store, path)
    message = str(caught.value)
    assert message == expected_line(fmt, tag, field, reason)
    assert "\n" not in message
    assert dump(db) == before


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_valid_values_are_kept_as_the_file_has_them(tmp_path: Path, fmt: str) -> None:
    db = new_database(tmp_path / "db.sqlite3")
    path = WRITERS[fmt][0](tmp_path, *VALID[2])
    with open_store(db, daily_backup=False) as store:
        report = import_file(store, path).merge
        assert report is not None and report.annotations_added == 3
        stored = {t.name: t.fields for a in load_dataset(store).annotations for t in a.tags}
    # Not normalised: an export of ours reads back exactly as it was written.
    assert stored == {tag: fields for tag, fields in VALID}


def test_every_problem_is_counted_on_the_one_line(tmp_path: Path) -> None:
    db = new_database(tmp_path / "db.sqlite3")
    lines = [spans_line(1, 0, "claim", {"event_date": "2023-02-30", "information_credibility": 7}),
             spans_line(2, 1, "figure", {"value": "n/a"})]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with open_store(db, daily_backup=False) as store, pytest.raises(ImportRefused) as caught:
        merge_incoming(store, read_annotation_file(path, "jsonl-spans"))
    assert str(caught.value) == (
        'many.jsonl: annotation 1 (line 1), claim field "event_date": \'2023-02-30\' is not a '
        "real date (and 2 more value(s) the form would reject); nothing imported"
    )


def refusal(folder: Path, path: Path, fmt: str) -> str:
    """The message of merging `path` into a fresh database (which must refuse it)."""
    db = folder / "refusing.sqlite3"
    db.unlink(missing_ok=True)
    new_database(db)
    with open_store(db, daily_backup=False) as store, pytest.raises(ImportRefused) as caught:
        merge_incoming(store, read_annotation_file(path, fmt))
    return str(caught.value)


def test_a_line_without_an_id_is_named_by_its_line(tmp_path: Path) -> None:
    record = json.loads(spans_line(1, 0, "figure", {"value": "x"}))
    del record["annotation_id"]
    path = tmp_path / "bare.jsonl"
    path.write_text("\n\n" + json.dumps(record), encoding="utf-8")
    assert refusal(tmp_path, path, "jsonl-spans") == (
        'bare.jsonl: the annotation on line 3, figure field "value": \'x\' is not a number; '
        "nothing imported"
    )


def test_odd_field_names_and_long_values_stay_on_one_line(tmp_path: Path) -> None:
    path = spans_file(tmp_path, "figure", {"value": "x" * 1000, "bad\nname\u2028here": 1})
    message = refusal(tmp_path, path, "jsonl-spans")
    assert message.splitlines() == [message]
    assert message.startswith('notes.jsonl: annotation 3 (line 4), figure field "value": \'xxx')
    assert "(and 1 more value(s) the form would reject)" in message
    assert len(message) < 300
    path = spans_file(tmp_path, "figure", {"bad\nname\u2028here": 1})
    message = refusal(tmp_path, path, "jsonl-spans")
    assert message.splitlines() == [message]
    assert 'figure field "bad\\nname\\u2028here": no such field' in message


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_tags_without_a_form_keep_any_fields(tmp_path: Path, fmt: str) -> None:
    """Another tool's codes become tags with no form: their fields are not judged."""
    db = new_database(tmp_path / "db.sqlite3")
    extra = {"reliability": "Z", "score": 12.5, "event_date": "2023-02-30", "flag": True}
    path = WRITERS[fmt][0](tmp_path, "source-check", extra)
    with open_store(db, daily_backup=False) as store:
        report = import_file(store, path).merge
        assert report is not None and report.tags_added == ("source-check",)
        stored = {t.name: t.fields for a in load_dataset(store).annotations for t in a.tags}
    assert stored["source-check"] == extra


def test_a_tag_name_differing_in_case_is_another_tag(tmp_path: Path) -> None:
    """"Claim" is not "claim" (tags are matched by exact name): it has no form, nothing judged."""
    db = new_database(tmp_path / "db.sqlite3")
    path = spans_file(tmp_path, "Claim", {"information_credibility": "9"})
    with open_store(db, daily_backup=False) as store:
        report = import_file(store, path).merge
    assert report is not None and report.tags_added == ("Claim",)


def test_field_problems_fail_exactly_where_field_errors_fail() -> None:
    for tag, fields, field, _reason in INVALID:
        assert set(field_problems(tag, fields)) == set(field_errors(tag, fields)) == {field}
    for tag, fields in VALID:
        assert field_problems(tag, fields) == field_errors(tag, fields) == {}
    assert field_problems("claim", {"attributed_to": ["a", "list"]}) == {
        "attributed_to": "must be text or a number, found a list"
    }
    assert field_problems("source-check", {"anything": ["goes"]}) == {}


# --- through the shared merge: REFI-QDA and a colleague's database -----------------------------


def database_with_a_stored_value(path: Path, fields_json: str) -> Path:
    """A database whose one claim holds `fields_json`, written by hand as an old import or a
    hand edit could have (the form never saves such a value)."""
    new_database(path)
    with open_store(path, daily_backup=False) as store:
        ops.create_annotation(store, 1, *span(0), "Ana", ["claim"])
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE annotation_tags SET fields = ?", (fields_json,))
    conn.close()
    return path


@pytest.mark.parametrize("fmt", ["qdpx", "jsonl-spans", "w3c"])
def test_an_export_carrying_a_bad_stored_value_is_refused(tmp_path: Path, fmt: str) -> None:
    source = database_with_a_stored_value(
        tmp_path / "source.sqlite3", '{"information_credibility": "9"}'
    )
    out = tmp_path / f"export.{fmt}"
    with open_store(source, daily_backup=False) as store:
        export_store(store, fmt, out)
    db = new_database(tmp_path / "db.sqlite3")
    before = dump(db)
    with open_store(db, daily_backup=False) as store, pytest.raises(ImportRefused) as caught:
        import_file(store, out)
    message = str(caught.value)
    assert message.startswith(f"export.{fmt}: annotation ")
    assert message.endswith(
        ', claim field "information_credibility": \'9\' is not one of 1, 2, 3, 4, 5, 6; '
        "nothing imported"
    )
    assert dump(db) == before


def test_a_qdpx_annotation_without_a_label_is_named_by_place_and_document(tmp_path: Path) -> None:
    source = database_with_a_stored_value(
        tmp_path / "source.sqlite3", '{"event_date": "2023-02-30"}'
    )
    out = tmp_path / "project.qdpx"
    with open_store(source, daily_backup=False) as store:
        export_store(store, "qdpx", out)
    incoming = read_annotation_file(out, "refi-qda")
    if incoming.annotations[0].label:
        pytest.skip("the REFI-QDA reader names its annotations itself")
    start, end = span(0)
    assert refusal(tmp_path, out, "refi-qda") == (
        f'project.qdpx: annotation 1 ([{start}, {end}) in "Exports brief"), claim field '
        "\"event_date\": '2023-02-30' is not a real date; nothing imported"
    )


def test_a_colleague_database_with_a_bad_value_is_not_merged(tmp_path: Path) -> None:
    colleague = database_with_a_stored_value(tmp_path / "colleague.sqlite3", '{"value": 3}')
    db = new_database(tmp_path / "db.sqlite3")
    before = dump(db)
    with open_store(db, daily_backup=False) as store, pytest.raises(ImportRefused) as caught:
        merge_colleague(store, colleague)
    assert 'claim field "value": no such field (claim has attributed_to, ' in str(caught.value)
    assert str(caught.value).startswith("colleague.sqlite3: annotation ")
    assert dump(db) == before


def test_exports_of_valid_values_import_back(tmp_path: Path) -> None:
    source = new_database(tmp_path / "source.sqlite3")
    with open_store(source, daily_backup=False) as store:
        for index, (tag, fields) in enumerate(VALID):
            ops.create_annotation(store, 1, *span(index), "Ana", [tag], fields={tag: fields})
        expected = {t.name: t.fields for a in load_dataset(store).annotations for t in a.tags}
        for fmt in ("jsonl-spans", "w3c", "qdpx"):
            export_store(store, fmt, tmp_path / f"export.{fmt}")
    for fmt in ("jsonl-spans", "w3c", "qdpx"):
        db = new_database(tmp_path / f"{fmt}.sqlite3")
        with open_store(db, daily_backup=False) as store:
            report = import_file(store, tmp_path / f"export.{fmt}").merge
            assert report is not None and report.annotations_added == 3, fmt
            got = {t.name: t.fields for a in load_dataset(store).annotations for t in a.tags}
        assert got == expected, fmt
