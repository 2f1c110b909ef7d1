"""`annotator export` with the annotations table's filters and sort (issue 16): what is
exported is exactly `annotation_table.ids(...)`, in its order; bad flags say what is wrong."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from annotator.cli import main
from annotator.core import annotation_table as table
from annotator.core import ops
from annotator.core.store import open_store

BODY = "Officials said the café reopened. We assess it is likely. 12 million USD were spent."


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "table.sqlite3"
    with open_store(path, create=True) as store:
        for index, published in enumerate((dt.date(2023, 1, 5), dt.date(2024, 6, 1))):
            new = ops.NewDocument(
                text=BODY + " " * index, title=f"Report {index}", issuer="MoD",
                published=published, date_certainty="exact", date_note=None, language="en",
                source_name="", source_format="txt", units=[(0, len(BODY), "sentence")],
            )
            document_id = ops.add_document(store, new).created_id
            assert document_id is not None
            ops.bulk_add_annotations(store, document_id, [
                ops.NewAnnotation(0, 33, "ana", ["claim"], "",
                                  {"claim": {"source_reliability": "C"}}),
                ops.NewAnnotation(34, 57, "bob", ["assessment"], "",
                                  {"assessment": {"likelihood": "likely"}}),
                ops.NewAnnotation(34, 57, "ana", ["assessment"], "Cafe?",
                                  {"assessment": {"likelihood": "almost_certain"}}),
                ops.NewAnnotation(58, 73, "bob", ["figure", "claim"], "",
                                  {"figure": {"value": 12_000_000, "unit": "USD"},
                                   "claim": {"source_reliability": "A"}}),
            ])
        with store.write() as session:
            session.execute(text("UPDATE annotations SET status = 'accepted' WHERE id % 2 = 0"))
    return path


def _exported_ids(path: Path) -> list[int]:
    return [json.loads(line)["annotation_id"]
            for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    ("flags", "wanted", "sort"),
    [
        (["--field", "likelihood>=likely"],
         table.AnnotationFilter(conditions=(table.parse_condition("likelihood>=likely"),)),
         None),
        (["--field", "source_reliability<=B", "--sort=-date"],
         table.AnnotationFilter(conditions=(table.parse_condition("source_reliability<=B"),)),
         table.parse_sort("-date")),
        (["--field", "value=1..12,000,000", "--review-status", "accepted"],
         table.AnnotationFilter(statuses=frozenset({"accepted"}), conditions=(
             table.parse_condition("value=1..12000000"),)), None),
        (["--text", "CAFE", "--date-from", "2024-01-01"],
         table.AnnotationFilter(text="CAFE", date_from=dt.date(2024, 1, 1)), None),
        (["--date-to", "2023-12-31", "--sort", "likelihood:desc,author"],
         table.AnnotationFilter(date_to=dt.date(2023, 12, 31)),
         table.parse_sort("-likelihood,author")),
    ],
)
def test_export_contains_exactly_the_table_rows(
    db: Path, tmp_path: Path, flags: list[str], wanted: table.AnnotationFilter,
    sort: tuple[table.SortKey, ...] | None,
) -> None:
    out = tmp_path / "spans.jsonl"
    assert main(["export", "--db", str(db), "-f", "jsonl-spans", "-o", str(out), *flags]) == 0
    with open_store(db) as store:
        expected = table.ids(store, wanted, sort)
    assert expected  # each case selects something, and not everything
    assert len(expected) < 8
    exported = _exported_ids(out)
    assert exported == (expected if sort else sorted(expected, key=_export_order(db)))


def _export_order(db: Path):  # (document, start, end, id), the export's own order
    with open_store(db) as store:
        rows = {r.id: (r.document_id, r.start, r.end, r.id)
                for r in table.page(store, None, None, 0, 100)}
    return rows.__getitem__


def test_table_flags_combine_with_the_old_ones(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    assert main(["export", "--db", str(db), "-f", "csv", "-o", str(out), "--author", "ana",
                 "--field", "likelihood=almost_certain", "--sort", "id:desc"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 2 + (1 if lines[0].startswith("#") else 0)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--field", "colour=red"], "no field 'colour'"),
        (["--field", "likelihood>=probable"], "'probable' is not one of"),
        (["--field", "source_reliability<=G"], "'G' is not one of A, B, C, D, E, F"),
        (["--field", "value=1.."], "a range is LOW..HIGH"),
        (["--field", "value=ten..20"], "'ten' is not a number"),
        (["--field", "unit>=USD"], "has no order"),
        (["--field", "likelihood"], "write FIELD=VALUE"),
        (["--review-status", "done"], "no review status 'done'"),
        (["--date-from", "2024-13-01"], "'2024-13-01' is not a date"),
        (["--date-from", "2024-02-01", "--date-to", "2024-01-01"], "is after --date-to"),
        (["--sort", "colour"], "cannot sort by 'colour'"),
        (["--sort", "date:down"], "the direction is asc or desc"),
        (["--text", "  "], "--text is empty"),
    ],
)
def test_bad_table_flags_say_what_is_wrong(
    db: Path, tmp_path: Path, flags: list[str], message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "x.csv"
    assert main(["export", "--db", str(db), "-f", "csv", "-o", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("annotator export: ")
    assert not out.exists()


def test_sort_only_for_row_formats(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["export", "--db", str(db), "-f", "html", "-o", str(out), "--sort", "date"]) == 2
    assert "--sort applies only to csv, xlsx, jsonl-spans" in capsys.readouterr().err
    assert main(["export", "--db", str(db), "-f", "html", "-o", str(out),
                 "--field", "likelihood>=likely"]) == 0
    assert out.exists()
