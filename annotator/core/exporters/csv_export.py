"""CSV: one row per tag of each annotation, every form field in its own column.

Columns: document_id, title, date (ISO), issuer, text (the span), start, end, tag, then every form
field of every tag (TAG_FIELDS order; field names are unique across tags), then any other field
names found in the data (sorted), then note, author, created, modified (ISO 8601 UTC with "Z"),
annotation_id and handling_caveat (the database's caveat on every row, empty when none). An
annotation without tags still gets one row, with an empty tag.

The file is UTF-8 with the csv module's defaults: comma, double quotes when needed and "\\r\\n"
row endings (RFC 4180, what Excel and LibreOffice expect); a line break inside a cell stays
"\\n". `ExportOptions.excel_bom` starts the file with a UTF-8 byte order mark so that Excel picks
the right encoding on double-click.

Spreadsheet formula injection: a text cell that starts with = + - @ TAB or CR gets a leading
apostrophe ('), so a spreadsheet shows it as text instead of running it. Numbers (offsets, ids,
numeric field values) are written as plain numbers and never altered: -5 stays -5. Because of the
apostrophe, a `text` cell may differ from text[start:end] by that one leading character; the
offsets are always exact.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from annotator.core.dataset import Dataset, DatasetDocument
from annotator.core.exporters.common import (
    TABLE_HEAD,
    TABLE_TAIL,
    ExportOptions,
    ExportResult,
    Progress,
    field_columns,
    iso_utc,
    is_number,
    row_count,
)
from annotator.core.files import atomic_output

FORMULA_STARTS = frozenset("=+-@\t\r")


def text_cell(value: str) -> str:
    """`value`, with an apostrophe in front when a spreadsheet would read it as a formula."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def field_cell(value: Any) -> Any:
    if isinstance(value, str):
        return text_cell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return value
    return "" if value is None else text_cell(str(value))


def _document_cells(document: DatasetDocument) -> list[Any]:
    return [
        document.id,
        text_cell(document.title),
        document.published.isoformat() if document.published else "",
        text_cell(document.issuer or ""),
    ]


def header(dataset: Dataset) -> list[str]:
    return [*TABLE_HEAD, *field_columns(dataset), *TABLE_TAIL]


def write_csv(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the annotation table as CSV (atomically); ExportFailed if it cannot be written."""
    fields = field_columns(dataset)
    column = {name: index for index, name in enumerate(fields)}
    empty_fields = [""] * len(fields)
    caveat = text_cell(dataset.caveat or "")
    documents = {d.id: (d, _document_cells(d)) for d in dataset.documents}
    progress = Progress(options, row_count(dataset))
    rows = 0
    with atomic_output(out) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        if options.excel_bom:
            handle.write("\ufeff")
        writer = csv.writer(handle)
        writer.writerow(header(dataset))
        batch: list[list[Any]] = []
        for annotation in dataset.annotations:
            document, head = documents[annotation.document_id]
            span = text_cell(document.text[annotation.start : annotation.end])
            tail = [
                text_cell(annotation.note),
                text_cell(annotation.author),
                iso_utc(annotation.created),
                iso_utc(annotation.modified),
                annotation.id,
                caveat,
            ]
            for tag in annotation.tags or (None,):
                cells = empty_fields.copy()
                if tag is not None:
                    for name, value in tag.fields.items():
                        cells[column[name]] = field_cell(value)
                batch.append(
                    [
                        *head,
                        span,
                        annotation.start,
                        annotation.end,
                        "" if tag is None else text_cell(tag.name),
                        *cells,
                        *tail,
                    ]
                )
                rows += 1
                progress.step(rows)
            if len(batch) >= 1000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)
        progress.finish(rows)
    return ExportResult(out, rows)
