"""CSV: one row per tag of each annotation, every form field in its own column.

Columns: document_id, title, date (ISO), issuer, text (the span), start, end, tag, then every form
field of every tag (TAG_FIELDS order; field names are unique across tags), then any other field
names found in the data (sorted), then note, author, created, modified (ISO 8601 UTC with "Z"),
annotation_id and handling_caveat (the database's caveat on every row, empty when none). An
annotation without tags still gets one row, with an empty tag.

The file is UTF-8 and byte for byte what the csv module writes by default: comma, double quotes
only when needed (doubled inside) and "\\r\\n" row endings (RFC 4180, what Excel and LibreOffice
expect); a line break inside a cell stays "\\n". The lines are assembled here for speed (see
`_line_batches`). `ExportOptions.excel_bom` starts the file with a UTF-8 byte order mark so that
Excel picks the right encoding on double-click.

Spreadsheet formula injection: a text cell that starts with = + - @ TAB or CR gets a leading
apostrophe ('), so a spreadsheet shows it as text instead of running it. Numbers (offsets, ids,
numeric field values) are written as plain numbers and never altered: -5 stays -5. Because of the
apostrophe, a `text` cell may differ from text[start:end] by that one leading character; the
offsets are always exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.core.bulk import gc_paused
from annotator.core.dataset import Dataset, DatasetDocument, DatasetRows, rows_from_dataset
from annotator.core.exporters.common import (
    TABLE_HEAD,
    TABLE_TAIL,
    ExportOptions,
    ExportResult,
    JsonTexts,
    Progress,
    is_number,
    row_field_columns,
)
from annotator.core.files import atomic_output
from annotator.core.times import iso_z

FORMULA_STARTS = frozenset("=+-@\t\r")
BATCH = 1000
ROW_END = "\r\n"
_NEEDS_QUOTES = re.compile(r'[",\r\n]').search


def text_cell(value: str) -> str:
    """`value`, with an apostrophe in front when a spreadsheet would read it as a formula."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def field_cell(value: Any) -> Any:
    """A field value as a cell: guarded text, a plain number, or true/false."""
    if isinstance(value, str):
        return text_cell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return value
    return "" if value is None else text_cell(str(value))


def quoted(cell: str) -> str:
    """A cell as the csv module writes it by default (QUOTE_MINIMAL, RFC 4180)."""
    if _NEEDS_QUOTES(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _text(value: str) -> str:
    if value and value[0] in FORMULA_STARTS:
        value = "'" + value
    return '"' + value.replace('"', '""') + '"' if _NEEDS_QUOTES(value) else value


def _field(value: Any) -> str:
    if type(value) is str:
        return _text(value)
    cell = field_cell(value)
    return quoted(cell) if isinstance(cell, str) else str(cell)


def _document_prefix(document: DatasetDocument) -> str:
    cells = [
        str(document.id),
        _text(document.title),
        document.published.isoformat() if document.published else "",
        _text(document.issuer or ""),
    ]
    return ",".join(cells) + ","


def header(fields: tuple[str, ...]) -> list[str]:
    return [*TABLE_HEAD, *fields, *TABLE_TAIL]


def write_csv(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the annotation table as CSV (atomically); ExportFailed if it cannot be written."""
    return write_csv_rows(rows_from_dataset(dataset, with_history=False), out, options)


def write_csv_rows(rows: DatasetRows, out: Path, options: ExportOptions) -> ExportResult:
    """`write_csv` straight from stored rows (`load_rows`): the fast path of `export_store`."""
    decode = JsonTexts()
    fields = row_field_columns(rows, decode)
    progress = Progress(options, len(rows.annotations))
    written = 0
    with (
        gc_paused(),
        atomic_output(out) as tmp,
        tmp.open("w", encoding="utf-8", newline="") as handle,
    ):
        if options.excel_bom:
            handle.write("\ufeff")
        handle.write(",".join(quoted(name) for name in header(fields)) + ROW_END)
        for batch, done in _line_batches(rows, fields, decode):
            handle.write("".join(batch))
            written += len(batch)
            progress.step(done)
        progress.finish()
    return ExportResult(out, written)


def _tag_cells(
    name: str, fields: dict[str, Any], column: dict[str, int], empty: list[str]
) -> str:
    """The tag cell and the field cells of one tag, comma-separated."""
    cells = empty.copy()
    for field, value in fields.items():
        cells[column[field]] = _text(value) if type(value) is str else _field(value)
    return f"{_text(name)},{','.join(cells)}"


def _line_batches(
    rows: DatasetRows, fields: tuple[str, ...], decode: JsonTexts
) -> Iterator[tuple[list[str], int]]:
    """The rows as CSV lines, about BATCH at a time, with the number of annotations done.

    The lines are built here rather than by the csv module (same bytes, checked by the tests):
    the document's cells, the caveat, author names and each distinct (tag, fields) group of
    cells are quoted once, and the file gets one write per batch. This is the hot loop of the
    export.
    """
    column = {name: index for index, name in enumerate(fields)}
    empty_fields = [""] * len(fields)
    no_tag = (("", "{}", "[]"),)  # an annotation without tags gets one row with no tag cells
    caveat = _text(rows.caveat or "")
    documents = {d.id: (d.text, _document_prefix(d)) for d in rows.documents}
    authors: dict[str, str] = {}
    tag_cells: dict[tuple[str, str, str], str] = {no_tag[0]: "," + ",".join(empty_fields)}
    text_of = _text
    batch: list[str] = []
    append = batch.append
    for done, (
        document_id, start, end, annotation_id, author, created, modified, note,
        _status, _reviewer, _reviewed_at, _comment, tags, _history,
    ) in enumerate(rows.annotations, start=1):
        text, prefix = documents[document_id]
        author_cell = authors.get(author)
        if author_cell is None:
            author_cell = authors[author] = text_of(author)
        created_z = iso_z(created)
        modified_z = created_z if modified == created else iso_z(modified)
        span = text_of(text[start:end])
        tail = (
            f",{text_of(note) if note else ''},{author_cell},{created_z},{modified_z},"
            f"{annotation_id},{caveat}{ROW_END}"
        )
        for tag in tags or no_tag:
            cells = tag_cells.get(tag)
            if cells is None:
                cells = tag_cells[tag] = _tag_cells(tag[0], decode(tag[1]), column, empty_fields)
            append(f"{prefix}{span},{start},{end},{cells}{tail}")
        if len(batch) >= BATCH:
            yield batch, done
            batch = []
            append = batch.append
    if batch:
        yield batch, len(rows.annotations)
