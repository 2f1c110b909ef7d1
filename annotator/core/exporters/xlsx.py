"""XLSX workbook: About, Annotations, Documents and Tags sheets, streamed (see spreadsheetml).

"Annotations" has the CSV's columns (see csv_export) with typed cells: ids, offsets and numeric
field values are numbers, the document date and complete field dates (YYYY-MM-DD) are Excel dates,
created/modified are Excel date-times in UTC; partial dates (YYYY, YYYY-MM) stay text. The header
row is frozen and has an autofilter. After them, for the people who read the workbook, each
choice field again as its label ("likelihood (label)": "very likely (80-95%)" beside the
`very_likely` that scripts read); the code columns keep their names and places. Every string is
written as text, never parsed as a formula, number or link, so formula injection is impossible
and no apostrophe is added.

The handling caveat, when set, is in four places: the "About" sheet (the first sheet, which is then
the one shown on opening), the page header and footer of every sheet (so printouts carry it), the
workbook properties (subject, keywords, comments) and a custom property "Handling caveat". Without
a caveat the workbook opens on "Annotations".

The rows are written from the stored rows (`dataset.load_rows`) as they are produced, straight
into the zip: no typed dataset, no whole sheet in memory. Each distinct tag with its fields,
author and document is rendered once.

Limits: Excel holds 1,048,575 data rows (ExportFailed beyond, nothing written) and 32,767
characters (UTF-16 units) per cell (longer texts are cut there); integers beyond 2**53 are
written as text so that no digit is lost, and so are a NaN or an infinity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

from annotator.core.bulk import gc_paused
from annotator.core.dataset import Dataset, DatasetDocument, DatasetRows, rows_from_dataset
from annotator.core.exporters.common import (
    DATE_FIELDS,
    ExportOptions,
    ExportResult,
    JsonTexts,
    Progress,
    is_number,
    row_field_columns,
    units_counted,
)
from annotator.core.exporters.csv_export import header
from annotator.core.exporters.spreadsheetml import (
    MAX_TEXT,
    NEEDS_WORK,
    Package,
    Properties,
    Sheet,
    Styles,
    column_letter,
    is_finite,
    number_cell,
    serial,
    text_cell,
)
from annotator.core.fields import TAG_FIELDS, FieldKind, value_text
from annotator.core.files import ExportFailed, atomic_output
from annotator.core.times import is_canonical, parse_stored_time

MAX_ROWS = 1_048_575  # data rows under the header
EXACT_INTEGER = 2**53
BATCH = 1000  # rows per write into the zip
_EPOCH_DATE = dt.date(1899, 12, 31)
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
DOCUMENT_COLUMNS = (
    "id",
    "title",
    "issuer",
    "date",
    "date certainty",
    "language",
    "source",
    "sha256",
    "units",
    "annotations",
)
TAG_COLUMNS = ("name", "colour", "shortcut", "count")
# Where a row's number goes in a row rendered ahead (see _AnnotationRows): a character that
# no cell holds (control characters are written as _xHHHH_ escapes).
ROW = "\x00"


def label_header(name: str) -> str:
    return f"{name} (label)"


def _plain_text(value: str) -> bool:
    """Whether `value` goes into a cell as it is: short, nothing to escape, no space to keep at
    either end (`spreadsheetml.inline_text` does the rest)."""
    return (
        len(value) <= MAX_TEXT // 2
        and NEEDS_WORK.search(value) is None
        and not value[0].isspace()
        and not value[-1].isspace()
    )


def _header_text(caveat: str) -> str:
    # "&" starts a control code in Excel headers; the whole header is limited to 255 characters.
    return "&C" + caveat.replace("&", "&&")[:240]


def _widths(names: list[str]) -> list[float]:
    return [_WIDTHS.get(name, max(10, min(len(name) + 2, 24))) for name in names]


def _header_row(names: list[str] | tuple[str, ...]) -> str:
    cells = "".join(
        text_cell(f"{column_letter(col)}1", name, Styles.BOLD) for col, name in enumerate(names)
    )
    return f'<row r="1">{cells}</row>'


def _text(ref: str, value: str | None) -> str:
    return text_cell(ref, value) if value else ""


def _day(ref: str, value: dt.date | None) -> str:
    if value is None:
        return ""
    if value.year >= 1900:
        return number_cell(ref, serial(value), Styles.DATE)
    return text_cell(ref, value.isoformat())


def _moment(ref: str, value: dt.datetime) -> str:
    naive = value.astimezone(dt.UTC).replace(tzinfo=None)
    if naive.year >= 1900:
        return number_cell(ref, serial(naive), Styles.DATETIME)
    return text_cell(ref, naive.isoformat() + "Z")


def _value(ref: str, value: Any, *, date_text: bool) -> str:
    """A field value's cell: number, date (complete ISO date) or text; "" when empty."""
    if value is None or value == "":
        return ""
    if is_number(value):
        if (isinstance(value, int) and abs(value) > EXACT_INTEGER) or not is_finite(value):
            return text_cell(ref, str(value))
        return number_cell(ref, value)
    if isinstance(value, str):
        if date_text and _FULL_DATE.match(value):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                day = None
            if day is not None and day.year >= 1900:
                return number_cell(ref, serial(day), Styles.DATE)
        return text_cell(ref, value)
    return text_cell(ref, "true" if value is True else "false" if value is False else str(value))


class _AnnotationRows:
    """The "Annotations" sheet's rows, rendered with ROW where the row number goes."""

    def __init__(self, rows: DatasetRows, decode: JsonTexts) -> None:
        fields = row_field_columns(rows, decode)
        self.names = header(fields) + [label_header(name) for name in LABELLED_FIELDS]
        self.letters = [column_letter(col) + ROW for col in range(len(self.names))]
        first_field = self.names.index("tag") + 1
        self.column = {name: first_field + index for index, name in enumerate(fields)}
        self.tail = first_field + len(fields)
        self.labels = {name: self.tail + 6 + index for index, name in enumerate(LABELLED_FIELDS)}
        self.decode = decode
        self.caveat = _text(self.letters[self.tail + 5], rows.caveat)
        self.documents = {d.id: (d.text, self._document(d)) for d in rows.documents}
        self._tags: dict[tuple[str, str, str], tuple[str, str]] = {("", "{}", "[]"): ("", "")}
        self._authors: dict[str, str] = {}
        self._days: dict[str, int] = {}

    def _document(self, document: DatasetDocument) -> str:
        ref = self.letters
        return (
            number_cell(ref[0], document.id)
            + _text(ref[1], document.title)
            + _day(ref[2], document.published)
            + _text(ref[3], document.issuer)
        )

    def tag(self, stored: tuple[str, str, str]) -> tuple[str, str]:
        """The tag's cells and its label cells (at the row's end), each tag rendered once."""
        found = self._tags.get(stored)
        if found is None:
            name, fields_text, _suggested = stored
            ref = self.letters
            cells = [(7, _text(ref[7], name))]
            labels = []
            for field, value in self.decode(fields_text).items():
                col = self.column[field]
                cells.append((col, _value(ref[col], value, date_text=field in DATE_FIELDS)))
                if field in self.labels:
                    col = self.labels[field]
                    labels.append((col, _text(ref[col], value_text(name, field, value))))
            found = self._tags[stored] = (
                "".join(map(itemgetter(1), sorted(cells))),
                "".join(map(itemgetter(1), sorted(labels))),
            )
        return found

    def author(self, name: str) -> str:
        cell = self._authors.get(name)
        if cell is None:
            cell = self._authors[name] = _text(self.letters[self.tail + 1], name)
        return cell

    def moment(self, col: int, stored: str) -> str:
        """A stored time's cell: an Excel date-time (see `serial_text`), or text before 1900."""
        value = self.serial_text(stored)
        if value is None:
            return _moment(self.letters[col], parse_stored_time(stored))
        return f'<c r="{self.letters[col]}" s="{Styles.DATETIME}"><v>{value}</v></c>'

    def serial_text(self, stored: str) -> str | None:
        """The Excel date-time of a time in the canonical stored form (`times.is_canonical`),
        computed from its text as `serial` computes it; None for other forms and before 1900."""
        if not is_canonical(stored):
            return None
        day = self._days.get(stored[:10])
        if day is None:
            date = dt.date.fromisoformat(stored[:10])
            day = self._days[stored[:10]] = (date - _EPOCH_DATE).days if date.year >= 1900 else -1
        if day < 0:
            return None
        seconds = (
            int(stored[11:13]) * 3600
            + int(stored[14:16]) * 60
            + int(stored[17:19])
            + int(stored[20:26]) / 1e6
        )
        value = day + seconds / 86_400
        return f"{value + 1 if value > 59 else value:.16G}"

    def batches(self, rows: DatasetRows) -> Iterator[tuple[str, int]]:
        """The rows as XML, about BATCH at a time, with the number of annotations done."""
        ref, tail, moment, serial_text = self.letters, self.tail, self.moment, self.serial_text
        documents, tag_cells, author_cell, caveat = (
            self.documents,
            self.tag,
            self.author,
            self.caveat,
        )
        span_open = f'<c r="{ref[4]}" t="inlineStr"><is><t>'
        start_ref, end_ref, id_ref = ref[5], ref[6], ref[tail + 4]
        created_open = f'<c r="{ref[tail + 2]}" s="{Styles.DATETIME}"><v>'
        modified_open = f'<c r="{ref[tail + 3]}" s="{Styles.DATETIME}"><v>'
        plain = _plain_text
        no_tag = (("", "{}", "[]"),)
        number = 1
        batch: list[str] = []
        append = batch.append
        for done, (
            document_id,
            start,
            end,
            annotation_id,
            author,
            created,
            modified,
            note,
            _status,
            _reviewer,
            _reviewed_at,
            _comment,
            tags,
            _history,
        ) in enumerate(rows.annotations, start=1):
            text, prefix = documents[document_id]
            span = text[start:end]
            if not span:
                span_cell = ""
            elif plain(span):
                span_cell = f"{span_open}{span}</t></is></c>"
            else:
                span_cell = text_cell(ref[4], span)
            head = (
                f'{prefix}{span_cell}<c r="{start_ref}"><v>{start}</v></c>'
                f'<c r="{end_ref}"><v>{end}</v></c>'
            )
            value = serial_text(created)
            created_cell = (
                moment(tail + 2, created) if value is None else f"{created_open}{value}</v></c>"
            )
            if modified != created:
                value = serial_text(modified)
            modified_cell = (
                moment(tail + 3, modified) if value is None else f"{modified_open}{value}</v></c>"
            )
            end_cells = (
                f"{_text(ref[tail], note) if note else ''}{author_cell(author)}{created_cell}"
                f'{modified_cell}<c r="{id_ref}"><v>{annotation_id}</v></c>{caveat}'
            )
            for stored in tags or no_tag:
                cells, labels = tag_cells(stored)
                number += 1
                append(
                    f'<row r="{ROW}">{head}{cells}{end_cells}{labels}</row>'.replace(
                        ROW, str(number)
                    )
                )
            if len(batch) >= BATCH:
                yield "".join(batch), done
                batch = []
                append = batch.append
        if batch:
            yield "".join(batch), len(rows.annotations)


def _about(rows: DatasetRows) -> str:
    caveat = rows.caveat
    cells = [
        text_cell("B1", caveat, Styles.CAVEAT) if caveat else text_cell("B1", "(none set)"),
        _moment("B2", rows.exported_at),
        number_cell("B3", len(rows.documents)),
        number_cell("B4", len(rows.annotations)),
        text_cell(
            "B5", "start/end count Unicode code points into the document text; end exclusive"
        ),
        text_cell("B6", "UTC"),
    ]
    labels = ("Handling caveat", "Exported", "Documents", "Annotations", "Offsets", "Times")
    return "".join(
        f'<row r="{n}">{text_cell(f"A{n}", label, Styles.BOLD)}{cell}</row>'
        for n, (label, cell) in enumerate(zip(labels, cells, strict=True), start=1)
    )


def _documents(rows: DatasetRows) -> str:
    counts: dict[int, int] = {}
    for annotation in rows.annotations:
        counts[annotation.document_id] = counts.get(annotation.document_id, 0) + 1
    made = [_header_row(DOCUMENT_COLUMNS)]
    for n, document in enumerate(rows.documents, start=2):
        made.append(
            f'<row r="{n}">{number_cell(f"A{n}", document.id)}'
            f"{_text(f'B{n}', document.title)}{_text(f'C{n}', document.issuer)}"
            f"{_day(f'D{n}', document.published)}{_text(f'E{n}', document.date_certainty)}"
            f"{_text(f'F{n}', document.language)}{_text(f'G{n}', document.source_name)}"
            f"{_text(f'H{n}', document.sha256)}"
            f"{number_cell(f'I{n}', units_counted(document))}"
            f"{number_cell(f'J{n}', counts.get(document.id, 0))}</row>"
        )
    return "".join(made)


def _tags(rows: DatasetRows, styles: Styles) -> str:
    counts: dict[str, int] = {}
    for annotation in rows.annotations:
        for name, _fields, _suggested in annotation.tags:
            counts[name] = counts.get(name, 0) + 1
    made = [_header_row(TAG_COLUMNS)]
    for n, tag in enumerate(rows.tags, start=2):
        swatch = styles.fill(tag.colour) if _COLOUR.match(tag.colour) else 0
        made.append(
            f'<row r="{n}">{text_cell(f"A{n}", tag.name)}'
            f"{text_cell(f'B{n}', tag.colour, swatch)}{_text(f'C{n}', tag.shortcut)}"
            f"{number_cell(f'D{n}', counts.get(tag.name, 0))}</row>"
        )
    return "".join(made)


def write_xlsx(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the workbook atomically; ExportFailed if it cannot be written or is too big."""
    return write_xlsx_rows(rows_from_dataset(dataset, with_history=False), out, options)


def write_xlsx_rows(rows: DatasetRows, out: Path, options: ExportOptions) -> ExportResult:
    """`write_xlsx` straight from stored rows (`load_rows`): the fast path of `export_store`."""
    total = sum(len(row.tags) or 1 for row in rows.annotations)
    if total > MAX_ROWS:
        raise ExportFailed(
            f"{out}: {total:,} rows is more than Excel's {MAX_ROWS:,}; export as CSV or filter "
            "the export; nothing written"
        )
    caveat = rows.caveat
    table = _AnnotationRows(rows, JsonTexts())
    last = column_letter(len(table.names) - 1)
    page = _header_text(caveat) if caveat else None
    sheets = [
        Sheet("About", [18, 80], header_footer=page, selected=bool(caveat), dimension="A1:B6"),
        Sheet(
            "Annotations",
            _widths(table.names),
            frozen_header=True,
            autofilter=f"A1:{last}{total + 1}",
            header_footer=page,
            selected=not caveat,
            dimension=f"A1:{last}{total + 1}",
        ),
        Sheet(
            "Documents",
            _widths(list(DOCUMENT_COLUMNS)),
            frozen_header=True,
            autofilter=f"A1:J{len(rows.documents) + 1}",
            header_footer=page,
            dimension=f"A1:J{len(rows.documents) + 1}",
        ),
        Sheet(
            "Tags",
            _widths(list(TAG_COLUMNS)),
            frozen_header=True,
            header_footer=page,
            dimension=f"A1:D{len(rows.tags) + 1}",
        ),
    ]
    properties = Properties("Annotator export", rows.exported_at)
    if caveat:
        properties.subject = properties.keywords = caveat
        properties.comments = f"Handling caveat: {caveat}"
        properties.custom = [("Handling caveat", caveat)]
    progress = Progress(options, len(rows.annotations))
    styles = Styles()
    with gc_paused(), atomic_output(out) as tmp, tmp.open("wb") as handle:
        package = Package(handle, sheets)
        try:
            parts = [_about(rows), None, _documents(rows), _tags(rows, styles)]
            for index, sheet in enumerate(sheets):
                with package.open_part(package.sheet_name(index)) as part:
                    part.write(sheet.start().encode("utf-8"))
                    if index != 1:
                        part.write(str(parts[index]).encode("utf-8"))
                    else:
                        part.write(_header_row(table.names).encode("utf-8"))
                        for batch, done in table.batches(rows):
                            part.write(batch.encode("utf-8"))
                            progress.step(done)
                    part.write(sheet.end().encode("utf-8"))
            package.finish(styles, properties)
        finally:
            package.close()
        progress.finish()
    return ExportResult(out, total)
