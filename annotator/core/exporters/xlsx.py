"""XLSX workbook (XlsxWriter, constant-memory mode): About, Annotations, Documents and Tags sheets.

"Annotations" has the CSV's columns (see csv_export) with typed cells: ids, offsets and numeric
field values are numbers, the document date and complete field dates (YYYY-MM-DD) are Excel dates,
created/modified are Excel date-times in UTC; partial dates (YYYY, YYYY-MM) stay text. The header
row is frozen and has an autofilter. After them, for the people who read the workbook, each
choice field again as its label ("likelihood (label)": "very likely (80-95%)" beside the
`very_likely` that scripts read); the code columns keep their names and places. Every string is
written with `write_string`, never parsed as a formula, number or link, so formula injection is
impossible and no apostrophe is added.

The handling caveat, when set, is in four places: the "About" sheet (the first sheet, which is then
the one shown on opening), the page header and footer of every sheet (so printouts carry it), the
workbook properties (subject, keywords, comments) and a custom property "Handling caveat". Without
a caveat the workbook opens on "Annotations".

Limits: Excel holds 1,048,575 data rows (ExportFailed beyond, nothing written) and 32,767
characters per cell (longer texts are cut there by XlsxWriter); integers beyond 2**53 are written
as text so that no digit is lost.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.exceptions import XlsxWriterException  # type: ignore[import-untyped]

from annotator.core.dataset import Dataset
from annotator.core.exporters.common import (
    DATE_FIELDS,
    ExportOptions,
    ExportResult,
    Progress,
    annotation_counts,
    field_columns,
    is_number,
    row_count,
    tag_counts,
    units_counted,
)
from annotator.core.exporters.csv_export import header
from annotator.core.fields import TAG_FIELDS, FieldKind, value_text
from annotator.core.files import ExportFailed, atomic_output

MAX_ROWS = 1_048_575  # data rows under the header
EXACT_INTEGER = 2**53
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_WIDTHS = {"title": 30, "issuer": 20, "text": 60, "note": 30, "created": 21, "modified": 21}
# Choice fields (codes with labels), in form order: each gets a label column at the row's end.
LABELLED_FIELDS: tuple[str, ...] = tuple(
    spec.name
    for specs in TAG_FIELDS.values()
    for spec in specs
    if spec.kind in (FieldKind.CHOICE, FieldKind.ORDINAL)
)


def label_header(name: str) -> str:
    return f"{name} (label)"


def _header_text(caveat: str) -> str:
    # "&" starts a control code in Excel headers; the whole header is limited to 255 characters.
    return "&C" + caveat.replace("&", "&&")[:240]


def _excel_date(value: dt.date) -> bool:
    return value.year >= 1900


class _Sheets:
    """The workbook, its formats, and helpers that write one typed cell."""

    def __init__(self, workbook: Any) -> None:
        self.book = workbook
        self.bold = workbook.add_format({"bold": True})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": 'yyyy-mm-dd hh:mm:ss "UTC"'})
        self.caveat = workbook.add_format({"bold": True, "font_size": 14, "font_color": "#C00000"})

    def value(self, sheet: Any, row: int, col: int, value: Any, *, date_text: bool) -> None:
        """Write a field value: number, date (complete ISO date) or text."""
        if value is None or value == "":
            return
        if is_number(value):
            if isinstance(value, int) and abs(value) > EXACT_INTEGER:
                sheet.write_string(row, col, str(value))
            else:
                sheet.write_number(row, col, value)
        elif isinstance(value, str):
            if date_text and _FULL_DATE.match(value):
                try:
                    day = dt.date.fromisoformat(value)
                except ValueError:
                    day = None
                if day is not None and _excel_date(day):
                    sheet.write_datetime(row, col, day, self.date)
                    return
            sheet.write_string(row, col, value)
        else:
            sheet.write_string(row, col, "true" if value is True else "false" if value is False
                               else str(value))

    def day(self, sheet: Any, row: int, col: int, value: dt.date | None) -> None:
        if value is None:
            return
        if _excel_date(value):
            sheet.write_datetime(row, col, value, self.date)
        else:
            sheet.write_string(row, col, value.isoformat())

    def moment(self, sheet: Any, row: int, col: int, value: dt.datetime) -> None:
        naive = value.astimezone(dt.UTC).replace(tzinfo=None)
        if _excel_date(naive):
            sheet.write_datetime(row, col, naive, self.datetime)
        else:
            sheet.write_string(row, col, naive.isoformat() + "Z")

    def text(self, sheet: Any, row: int, col: int, value: str | None) -> None:
        if value:
            sheet.write_string(row, col, value)

    def header_row(self, sheet: Any, names: list[str]) -> None:
        for col, name in enumerate(names):
            sheet.write_string(0, col, name, self.bold)
            sheet.set_column(col, col, _WIDTHS.get(name, max(10, min(len(name) + 2, 24))))
        sheet.freeze_panes(1, 0)


def _about(sheets: _Sheets, sheet: Any, dataset: Dataset) -> None:
    rows: list[tuple[str, Any]] = [
        ("Handling caveat", dataset.caveat or "(none set)"),
        ("Exported", dataset.exported_at),
        ("Documents", len(dataset.documents)),
        ("Annotations", len(dataset.annotations)),
        ("Offsets", "start/end count Unicode code points into the document text; end exclusive"),
        ("Times", "UTC"),
    ]
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 80)
    for row, (label, value) in enumerate(rows):
        sheet.write_string(row, 0, label, sheets.bold)
        if isinstance(value, dt.datetime):
            sheets.moment(sheet, row, 1, value)
        elif isinstance(value, int):
            sheet.write_number(row, 1, value)
        else:
            fmt = sheets.caveat if row == 0 and dataset.caveat else None
            sheet.write_string(row, 1, value, fmt)


def _annotations(sheets: _Sheets, sheet: Any, dataset: Dataset, options: ExportOptions) -> int:
    fields = field_columns(dataset)
    names = header(fields) + [label_header(name) for name in LABELLED_FIELDS]
    sheets.header_row(sheet, names)
    first_field = names.index("tag") + 1
    column = {name: first_field + index for index, name in enumerate(fields)}
    tail = first_field + len(fields)
    labels = {name: tail + 6 + index for index, name in enumerate(LABELLED_FIELDS)}
    progress = Progress(options, len(dataset.annotations))
    row = 0
    for done, annotation in enumerate(dataset.annotations, start=1):
        document = dataset.document(annotation.document_id)
        for tag in annotation.tags or (None,):
            row += 1
            sheet.write_number(row, 0, document.id)
            sheets.text(sheet, row, 1, document.title)
            sheets.day(sheet, row, 2, document.published)
            sheets.text(sheet, row, 3, document.issuer)
            sheets.text(sheet, row, 4, document.text[annotation.start : annotation.end])
            sheet.write_number(row, 5, annotation.start)
            sheet.write_number(row, 6, annotation.end)
            if tag is not None:
                sheets.text(sheet, row, 7, tag.name)
                for name, value in tag.fields.items():
                    sheets.value(sheet, row, column[name], value, date_text=name in DATE_FIELDS)
                    if name in labels:
                        sheets.text(sheet, row, labels[name], value_text(tag.name, name, value))
            sheets.text(sheet, row, tail, annotation.note)
            sheets.text(sheet, row, tail + 1, annotation.author)
            sheets.moment(sheet, row, tail + 2, annotation.created)
            sheets.moment(sheet, row, tail + 3, annotation.modified)
            sheet.write_number(row, tail + 4, annotation.id)
            sheets.text(sheet, row, tail + 5, dataset.caveat)
        progress.step(done)
    sheet.autofilter(0, 0, row, len(names) - 1)
    progress.finish()
    return row


def _documents(sheets: _Sheets, sheet: Any, dataset: Dataset) -> None:
    sheets.header_row(
        sheet,
        ["id", "title", "issuer", "date", "date certainty", "language", "source", "sha256",
         "units", "annotations"],
    )
    counts = annotation_counts(dataset)
    for row, document in enumerate(dataset.documents, start=1):
        sheet.write_number(row, 0, document.id)
        sheets.text(sheet, row, 1, document.title)
        sheets.text(sheet, row, 2, document.issuer)
        sheets.day(sheet, row, 3, document.published)
        sheets.text(sheet, row, 4, document.date_certainty)
        sheets.text(sheet, row, 5, document.language)
        sheets.text(sheet, row, 6, document.source_name)
        sheets.text(sheet, row, 7, document.sha256)
        sheet.write_number(row, 8, units_counted(document))
        sheet.write_number(row, 9, counts.get(document.id, 0))
    sheet.autofilter(0, 0, len(dataset.documents), 9)


def _tags(sheets: _Sheets, sheet: Any, dataset: Dataset) -> None:
    sheets.header_row(sheet, ["name", "colour", "shortcut", "count"])
    counts = tag_counts(dataset)
    for row, tag in enumerate(dataset.tags, start=1):
        sheet.write_string(row, 0, tag.name)
        swatch = (
            sheets.book.add_format({"bg_color": tag.colour}) if _COLOUR.match(tag.colour) else None
        )
        sheet.write_string(row, 1, tag.colour, swatch)
        sheets.text(sheet, row, 2, tag.shortcut)
        sheet.write_number(row, 3, counts.get(tag.name, 0))


def write_xlsx(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the workbook atomically; ExportFailed if it cannot be written or is too big."""
    total = row_count(dataset)
    if total > MAX_ROWS:
        raise ExportFailed(
            f"{out}: {total:,} rows is more than Excel's {MAX_ROWS:,}; export as CSV or filter "
            "the export; nothing written"
        )
    # XlsxWriter's row files live in a scratch folder that goes away whatever happens.
    with atomic_output(out) as tmp, tempfile.TemporaryDirectory(
        prefix="annotator-xlsx-", ignore_cleanup_errors=True
    ) as scratch:
        workbook = xlsxwriter.Workbook(
            str(tmp),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "tmpdir": scratch,
            },
        )
        rows = _fill(workbook, dataset, options)
        try:
            workbook.close()
        except (XlsxWriterException, OSError) as exc:
            raise ExportFailed(f"{out}: could not be written ({exc}); nothing written") from exc
    return ExportResult(out, rows)


def _fill(workbook: Any, dataset: Dataset, options: ExportOptions) -> int:
    caveat = dataset.caveat
    created = dataset.exported_at.astimezone(dt.UTC).replace(tzinfo=None)
    properties: dict[str, Any] = {"title": "Annotator export", "created": created}
    if caveat:
        properties.update(
            subject=caveat, keywords=caveat, comments=f"Handling caveat: {caveat}"
        )
        workbook.set_custom_property("Handling caveat", caveat)
    workbook.set_properties(properties)
    sheets = _Sheets(workbook)
    about = workbook.add_worksheet("About")
    annotations = workbook.add_worksheet("Annotations")
    documents = workbook.add_worksheet("Documents")
    tags = workbook.add_worksheet("Tags")
    if caveat:
        for sheet in (about, annotations, documents, tags):
            sheet.set_header(_header_text(caveat))
            sheet.set_footer(_header_text(caveat))
        about.activate()
    else:
        annotations.activate()
    _about(sheets, about, dataset)
    rows = _annotations(sheets, annotations, dataset, options)
    _documents(sheets, documents, dataset)
    _tags(sheets, tags, dataset)
    return rows
