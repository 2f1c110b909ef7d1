"""What every exporter shares: options, result, progress, times, and the annotation table.

Offsets are Python `str` code-point indices into `DatasetDocument.text`, end exclusive. Times are
written in UTC as ISO 8601 with "Z" (xsd:dateTime), with microseconds only when there are some.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from annotator.core.dataset import (
    AnnotationRow,
    Dataset,
    DatasetDocument,
    DatasetRows,
    load_stored_json,
)
from annotator.core.fields import TAG_FIELDS, FieldKind

PROGRESS_EVERY = 1000

# The annotation table (CSV and the XLSX "Annotations" sheet): these columns, then one column per
# form field, then the tail. One row per tag of each annotation.
TABLE_HEAD = ("document_id", "title", "date", "issuer", "text", "start", "end", "tag")
TABLE_TAIL = ("note", "author", "created", "modified", "annotation_id", "handling_caveat")

TAGS = AnnotationRow._fields.index("tags")

KNOWN_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(spec.name for specs in TAG_FIELDS.values() for spec in specs)
)
NUMBER_FIELDS = frozenset(
    spec.name for specs in TAG_FIELDS.values() for spec in specs if spec.kind is FieldKind.NUMBER
)
DATE_FIELDS = frozenset(
    spec.name for specs in TAG_FIELDS.values() for spec in specs if spec.kind is FieldKind.DATE
)


@dataclass
class ExportOptions:
    excel_bom: bool = False  # CSV only: start with a UTF-8 byte order mark for Excel
    # jsonl-spans only: each line also carries the annotation's recorded changes (every
    # snapshot, so about twice the size); read back by `annotator import` and merges.
    history: bool = False
    # Called as progress(done, total) about every PROGRESS_EVERY annotations (units for the
    # "jsonl" units export, documents for doccano) and once at the end. Raising from it
    # cancels the export: nothing is left behind.
    progress: Callable[[int, int], None] | None = None


@dataclass
class ExportResult:
    path: Path
    items: int  # what an item is depends on the format (rows, lines, annotations, documents)


class Progress:
    """Calls `options.progress` when `done` passes a multiple of PROGRESS_EVERY, and at the end."""

    __slots__ = ("_callback", "_next", "total")

    def __init__(self, options: ExportOptions, total: int) -> None:
        self._callback = options.progress
        self._next = PROGRESS_EVERY if options.progress is not None else -1
        self.total = total

    def step(self, done: int) -> None:
        if 0 < self._next <= done and self._callback is not None:
            self._next = (done // PROGRESS_EVERY + 1) * PROGRESS_EVERY
            self._callback(done, self.total)

    def finish(self, done: int | None = None) -> None:
        if self._callback is not None:
            self._callback(self.total if done is None else done, self.total)


class JsonTexts:
    """Decodes stored JSON texts, each distinct text once (most rows repeat a few texts).

    The decoded values are shared and must be treated as read-only.
    """

    __slots__ = ("_decoded",)

    def __init__(self) -> None:
        self._decoded: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        value = self._decoded.get(text)
        if value is None:
            value = self._decoded[text] = load_stored_json(text)
        return value


def row_field_columns(rows: DatasetRows, decode: JsonTexts) -> tuple[str, ...]:
    """`field_columns` of the stored rows: each distinct fields text is decoded once."""
    known = set(KNOWN_FIELDS)
    extra: set[str] = set()
    tags = chain.from_iterable(map(itemgetter(TAGS), rows.annotations))
    for text in set(map(itemgetter(1), tags)):
        fields = decode(text)
        if not known.issuperset(fields):
            extra.update(name for name in fields if name not in known)
    return KNOWN_FIELDS + tuple(sorted(extra))


def table_shape(dataset: Dataset) -> tuple[tuple[str, ...], int]:
    """The field columns (see field_columns) and the number of rows, in one pass."""
    known = set(KNOWN_FIELDS)
    extra: set[str] = set()
    rows = 0
    for annotation in dataset.annotations:
        tags = annotation.tags
        rows += len(tags) or 1
        for tag in tags:
            if not known.issuperset(tag.fields):
                extra.update(name for name in tag.fields if name not in known)
    return KNOWN_FIELDS + tuple(sorted(extra)), rows


def field_columns(dataset: Dataset) -> tuple[str, ...]:
    """Every form field of every tag (TAG_FIELDS order), then other names in the data, sorted."""
    return table_shape(dataset)[0]


def is_number(value: object) -> bool:
    """A JSON number (bool is not one, although Python says it is an int)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def units_counted(document: DatasetDocument) -> int:
    """Units that are read (boilerplate marked "skipped" is not counted)."""
    return sum(1 for _start, _end, kind in document.units if kind != "skipped")
