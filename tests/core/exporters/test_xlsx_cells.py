"""The XLSX export cell by cell against the workbook XlsxWriter wrote before the export was
streamed (tests/data/exports/xlsx_cells.json, read back with openpyxl then): every cell's value,
type, number format, bold and fill, each sheet's frozen header, filter, widths and page header.

The dataset has what spreadsheets get wrong: emoji and Arabic, formula-looking text, a span longer
than Excel's 32,767-character cell limit (cut there, counted in UTF-16 units, never inside an
emoji), control characters and Excel's own `_xHHHH_` escapes, leading and trailing spaces, dates
before 1900, an impossible date, booleans, nested values, huge integers, empty fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import openpyxl

from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetTag
from annotator.core.exporters.registry import export
from annotator.core.text import text_sha256

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "exports" / "xlsx_cells.json"
LONG = ("Long span 🙂 مرحبا =1+1 " * 1600)[:39_990] + "🙂 end"


def representative(dataset: Dataset) -> Dataset:
    """The sample dataset and a third document with the hard cases."""
    base = dataset.documents[0]
    text = f"  Leading spaces\x01 and _x0041_ literal\n{LONG}\ntrailing \t\n=1+1\n"
    document = dataclasses.replace(
        base,
        id=3,
        title='Old\x02 <&> "quoted" ',
        issuer="  ",
        published=dt.date(1850, 3, 1),
        source_name="old.txt",
        text=text,
        sha256=text_sha256(text),
        units=((0, 10, "sentence"),),
    )
    first = dataset.annotations[0]
    start = text.index("Long")

    def made(number: int, begin: int, end: int, *tags: DatasetTag, **extra: Any) -> Any:
        return dataclasses.replace(
            first,
            id=100 + number,
            document_id=3,
            start=begin,
            end=end,
            tags=tuple(tags),
            author=extra.get("author", "Ana"),
            note=extra.get("note", ""),
            created=extra.get("created", first.created),
            modified=first.modified,
        )

    annotations: list[DatasetAnnotation] = [
        made(
            1,
            0,
            38,
            DatasetTag(
                "claim",
                {
                    "attributed_to": " padded ",
                    "event_date": "1899-12-30",
                    "source_reliability": "Z",
                },
            ),
            note='=HYPERLINK("x")',
            author="ليلى 🙂",
        ),
        made(
            2,
            start,
            start + len(LONG),
            DatasetTag("figure", {"value": 2**53, "unit": None}),
            DatasetTag("assessment", {"likelihood": "very_likely", "confidence": ""}),
        ),
        made(
            3,
            text.index("trailing"),
            text.index("=1+1") + 4,
            DatasetTag(
                "claim",
                {
                    "event_date": "2024-02-30",
                    "attributed_to": "+1",
                    "source_description": "@x",
                    "extra_flag": True,
                    "extra_list": [1, "a"],
                    "extra_map": {"k": None},
                },
            ),
            created=dt.datetime(1890, 5, 1, 3, 4, 5, 6, tzinfo=dt.UTC),
        ),
        made(
            4,
            text.index("=1+1"),
            text.index("=1+1") + 4,
            DatasetTag(
                "figure",
                {
                    "value": -(2**53) - 1,
                    "range_low": 0.1 + 0.2,
                    "range_high": 1e300,
                    "as_of": "1900-01-01",
                },
            ),
        ),
    ]
    return dataclasses.replace(
        dataset,
        documents=[*dataset.documents, document],
        annotations=[*dataset.annotations, *annotations],
        _by_id={},
    )


def _value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, str) and len(value) > 200:  # the long span: its length and hash
        return {
            "length": len(value),
            "utf16": len(value.encode("utf-16-le")) // 2,
            "sha256": hashlib.sha256(value.encode("utf-8")).hexdigest(),
        }
    return value


def workbook_cells(path: Path) -> dict[str, Any]:
    """What a reader of the workbook sees, as JSON."""
    book = openpyxl.load_workbook(path)
    sheets: dict[str, Any] = {}
    for sheet in book.worksheets:
        cells = [
            [
                cell.coordinate,
                _value(cell.value),
                cell.data_type,
                cell.number_format,
                bool(cell.font.b),
                cell.fill.fgColor.rgb if cell.fill.fill_type else None,
            ]
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        widths = {
            key: round(dim.width, 4)
            for key, dim in sorted(sheet.column_dimensions.items())
            if dim.customWidth
        }
        sheets[sheet.title] = {
            "cells": cells,
            "freeze": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref,
            "header": sheet.oddHeader.center.text,
            "footer": sheet.oddFooter.center.text,
            "widths": widths,
        }
    properties = book.properties
    return {
        "sheets": sheets,
        "active": book.active.title,
        "properties": [
            properties.title,
            properties.subject,
            properties.keywords,
            properties.description,
            properties.created.isoformat(),
        ],
        "custom": [[p.name, p.value] for p in book.custom_doc_props.props],
    }


def test_every_cell_as_before(dataset: Dataset, out_dir: Path) -> None:
    export(representative(dataset), "xlsx", out_dir / "a.xlsx")
    found = workbook_cells(out_dir / "a.xlsx")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for name, sheet in expected["sheets"].items():
        assert found["sheets"][name]["cells"] == sheet["cells"], name
        assert found["sheets"][name] == sheet, name
    assert found == expected


def test_text_that_looks_like_markup_stays_text(dataset: Dataset, out_dir: Path) -> None:
    """XlsxWriter wrote a string "<r>...</r>" unescaped, as rich text: a broken workbook."""
    first = dataset.annotations[0]
    dataset.annotations[0] = dataclasses.replace(first, note="<r><t>x</t></r>", author="<r>")
    export(dataset, "xlsx", out_dir / "a.xlsx")
    sheet = openpyxl.load_workbook(out_dir / "a.xlsx")["Annotations"]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert (row["note"], row["author"]) == ("<r><t>x</t></r>", "<r>")


def test_a_number_excel_cannot_hold_is_written_as_text(dataset: Dataset, out_dir: Path) -> None:
    """XlsxWriter refused NaN and infinities with a traceback; they are written as text."""
    first = dataset.annotations[0]
    fields = {"value": float("nan"), "range_low": float("-inf")}
    dataset.annotations[0] = dataclasses.replace(first, tags=(DatasetTag("figure", fields),))
    export(dataset, "xlsx", out_dir / "a.xlsx")
    sheet = openpyxl.load_workbook(out_dir / "a.xlsx")["Annotations"]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert (row["value"], row["range_low"]) == ("nan", "-inf")
