"""CSV export: columns, one row per tag, formula injection, BOM, offsets, progress."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.dataset import Dataset, DatasetTag
from annotator.core.exporters.common import KNOWN_FIELDS, field_columns
from annotator.core.exporters.csv_export import FORMULA_STARTS, quoted, text_cell
from annotator.core.exporters.registry import ExportOptions, export
from tests.core.exporters.sample import CAVEAT, TEXT_1, TEXT_2, synthetic_dataset

HEAD = ["document_id", "title", "date", "issuer", "text", "start", "end", "tag"]
TAIL = ["note", "author", "created", "modified", "annotation_id", "handling_caveat"]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_columns_and_one_row_per_tag(dataset: Dataset, out_dir: Path) -> None:
    out = out_dir / "a.csv"
    result = export(dataset, "csv", out)
    with out.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == HEAD + list(KNOWN_FIELDS) + TAIL
    rows = read_rows(out)
    # 9 annotations, one with two tags, one with none: 10 rows.
    assert result.items == len(rows) == 10
    both = [r for r in rows if r["annotation_id"] == "3"]
    assert [r["tag"] for r in both] == ["assessment", "figure"]
    assert both[0]["likelihood"] == "likely" and both[0]["value"] == ""
    assert both[1]["value"] == "-5" and both[1]["range_low"] == "-7.5"
    assert both[1]["likelihood"] == ""
    untagged = next(r for r in rows if r["annotation_id"] == "8")
    assert untagged["tag"] == "" and untagged["note"] == "No tag yet: a note only."
    first = next(r for r in rows if r["annotation_id"] == "1")
    assert first["title"] == "Quarterly brief: exports" and first["date"] == "2025-01-15"
    assert first["issuer"] == "Ministry of Trade" and first["author"] == "Ana"
    assert first["created"] == "2025-01-15T10:00:00Z"
    assert first["note"] == 'Check the release.\nSecond line: "quoted" & <b>not bold</b>'
    micro = next(r for r in rows if r["annotation_id"] == "2")
    assert micro["created"] == "2025-01-15T10:01:00.123456Z"
    assert all(r["handling_caveat"] == CAVEAT for r in rows)


def test_offsets_point_at_the_span(dataset: Dataset, out_dir: Path) -> None:
    export(dataset, "csv", out_dir / "a.csv")
    texts = {"1": TEXT_1, "2": TEXT_2}
    for row in read_rows(out_dir / "a.csv"):
        span = texts[row["document_id"]][int(row["start"]) : int(row["end"])]
        cell = row["text"]
        if span[:1] in FORMULA_STARTS:
            assert cell == "'" + span
        else:
            assert cell == span


def test_formula_injection_is_neutralised_but_numbers_are_not(
    dataset: Dataset, out_dir: Path
) -> None:
    export(dataset, "csv", out_dir / "a.csv")
    rows = {(r["annotation_id"], r["tag"]): r for r in read_rows(out_dir / "a.csv")}
    assert rows["1", "claim"]["attributed_to"] == "'=cmd|' /C calc'!A0"
    assert rows["4", "claim"]["attributed_to"] == "'-unnamed official"
    assert rows["5", "claim"]["attributed_to"] == "'@handle"
    assert rows["5", "claim"]["source_description"] == "'+1 wire report"
    assert rows["5", "claim"]["text"] == "'- Bullet: =SUM(A1) is not a formula."
    assert rows["3", "figure"]["value"] == "-5"
    assert rows["3", "figure"]["range_high"] == "-2"
    assert rows["7", "figure"]["value"] == "1000000"
    for cell in ("=1+1", "+1", "-x", "@a", "\tx", "\rx"):
        assert text_cell(cell) == "'" + cell
    assert text_cell("x=1") == "x=1" and text_cell("") == ""


@pytest.mark.parametrize(
    "cell",
    ["plain", "", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", " lead", "tail ", "tab\tin",
     "عربى 🙂", '"', ",", "\r\n", "x\u2028y", "1.5e+16"],
)
def test_cells_are_quoted_exactly_as_the_csv_module_does(cell: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell, "x"])
    assert quoted(cell) + ",x\r\n" == buffer.getvalue()


@given(st.text())
def test_any_cell_is_quoted_as_the_csv_module_does(cell: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell, "x"])
    assert quoted(cell) + ",x\r\n" == buffer.getvalue()


def test_negative_number_in_a_text_field_is_text(dataset: Dataset, out_dir: Path) -> None:
    annotation = dataset.annotations[0]
    dataset.annotations[0] = dataclasses.replace(
        annotation, tags=(DatasetTag("figure", {"value": -3, "unit": "-3"}),)
    )
    export(dataset, "csv", out_dir / "a.csv")
    row = read_rows(out_dir / "a.csv")[0]
    assert (row["value"], row["unit"]) == ("-3", "'-3")


def test_crlf_rows_utf8_and_optional_bom(dataset: Dataset, out_dir: Path) -> None:
    plain, bom = out_dir / "plain.csv", out_dir / "bom.csv"
    export(dataset, "csv", plain)
    export(dataset, "csv", bom, ExportOptions(excel_bom=True))
    data = plain.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert bom.read_bytes() == b"\xef\xbb\xbf" + data
    assert data.split(b"\r\n", 1)[0].startswith(b"document_id,title,")
    assert "قالت الوزارة".encode() in data
    # A line break inside a note stays "\n" inside its quoted cell.
    assert b'"Check the release.\nSecond line' in data


def test_no_caveat_leaves_the_column_empty(dataset: Dataset, out_dir: Path) -> None:
    dataset.caveat = None
    export(dataset, "csv", out_dir / "a.csv")
    assert {r["handling_caveat"] for r in read_rows(out_dir / "a.csv")} == {""}


def test_extra_field_names_follow_the_known_ones_sorted(dataset: Dataset, out_dir: Path) -> None:
    annotation = dataset.annotations[0]
    dataset.annotations[0] = dataclasses.replace(
        annotation,
        tags=(DatasetTag("claim", {"zeta": "z", "alpha": 1.5, "attributed_to": "x",
                                   "flag": True, "big": 1e16}),),
    )
    assert field_columns(dataset) == (*KNOWN_FIELDS, "alpha", "big", "flag", "zeta")
    export(dataset, "csv", out_dir / "a.csv")
    text = (out_dir / "a.csv").read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    assert header[-len(TAIL) - 4 : -len(TAIL)] == ["alpha", "big", "flag", "zeta"]
    row = read_rows(out_dir / "a.csv")[0]
    assert (row["alpha"], row["zeta"], row["attributed_to"]) == ("1.5", "z", "x")
    assert (row["flag"], row["big"]) == ("true", "1e+16")


def test_progress_every_thousand_annotations(out_dir: Path) -> None:
    calls: list[tuple[int, int]] = []
    result = export(
        synthetic_dataset(2500), "csv", out_dir / "a.csv",
        ExportOptions(progress=lambda done, total: calls.append((done, total))),
    )
    assert result.items == 2500
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]
