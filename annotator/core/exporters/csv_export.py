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

from annotator.core.dataset import Dataset, DatasetDocument
from annotator.core.exporters.common import (
    TABLE_HEAD,
    TABLE_TAIL,
    ExportOptions,
    ExportResult,
    Progress,
    field_columns,
    is_number,
    iso_utc,
)
from annotator.core.files import atomic_output

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
    fields = field_columns(dataset)
    progress = Progress(options, len(dataset.annotations))
    rows = 0
    with atomic_output(out) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        if options.excel_bom:
            handle.write("\ufeff")
        handle.write(",".join(quoted(name) for name in header(fields)) + ROW_END)
        for batch, done in _line_batches(dataset, fields):
            handle.write("".join(batch))
            rows += len(batch)
            progress.step(done)
        progress.finish()
    return ExportResult(out, rows)


def _line_batches(
    dataset: Dataset, fields: tuple[str, ...]
) -> Iterator[tuple[list[str], int]]:
    """The rows as CSV lines, about BATCH at a time, with the number of annotations done.

    The lines are built here rather than by the csv module (same bytes, checked by the tests):
    the document's cells and the caveat are quoted once, empty field cells cost nothing, and
    the file gets one write per batch. This is the hot loop of the export.
    """
    column = {name: index for index, name in enumerate(fields)}
    empty_fields = [""] * len(fields)
    caveat = _text(dataset.caveat or "")
    documents = {d.id: (d.text, _document_prefix(d)) for d in dataset.documents}
    cached: dict[str, str] = {}  # author and tag name cells
    text_of = _text
    batch: list[str] = []
    for done, annotation in enumerate(dataset.annotations, start=1):
        text, prefix = documents[annotation.document_id]
        start, end = annotation.start, annotation.end
        author = cached.get(annotation.author)
        if author is None:
            author = cached[annotation.author] = text_of(annotation.author)
        created = iso_utc(annotation.created)
        modified = (
            created if annotation.modified == annotation.created else iso_utc(annotation.modified)
        )
        head = f"{prefix}{text_of(text[start:end])},{start},{end},"
        tail = f",{text_of(annotation.note)},{author},{created},{modified},{annotation.id},{caveat}"
        for tag in annotation.tags or (None,):
            if tag is None:
                batch.append(f"{head},{','.join(empty_fields)}{tail}{ROW_END}")
                continue
            name = cached.get(tag.name)
            if name is None:
                name = cached[tag.name] = text_of(tag.name)
            cells = empty_fields.copy()
            for field, value in tag.fields.items():
                cells[column[field]] = text_of(value) if type(value) is str else _field(value)
            batch.append(f"{head}{name},{','.join(cells)}{tail}{ROW_END}")
        if len(batch) >= BATCH:
            yield batch, done
            batch = []
    if batch:
        yield batch, len(dataset.annotations)
