"""JSON Lines: one object per unit (a dataset for training/analysis), or per annotation (spans).

Both are UTF-8 (ensure_ascii=False), one JSON object per line, "\\n" line endings.

Units ("jsonl"): a line per unit whose kind is not "skipped":
    {"document_id", "document_sha256", "unit" (ordinal), "start", "end", "kind", "text",
     "tags": sorted tag names of the annotations covering the whole unit,
     "annotations": [{"id", "author", "tags": {tag: fields}}] of those annotations,
     "caveat" (only when a handling caveat is set)}

Spans ("jsonl-spans", read back by `annotator import`): a line per annotation, everything about
it; with `ExportOptions.history` (`--history`), its recorded changes too:
    {"format": "annotator-spans/1", "annotation_id",
     "document": {"id", "sha256", "title", "source_name"}, "start", "end", "text", "author",
     "created", "modified" (ISO 8601 UTC, "Z"), "note",
     "tags": [{"name", "fields", "suggested"}],
     "review": {"status", "reviewer", "reviewed_at" (ISO 8601 UTC, "Z", or null), "comment"},
     "history": [{"action", "actor", "at" (ISO 8601 UTC, "Z"), "before", "after", "comment"}]
        (oldest first; before/after are the stored snapshots, `history.snapshot_to_json`, with
        this database's ids, embedded as stored, so their non-ASCII characters are \\u escapes;
        written only when asked for, `ExportOptions.history`, and the rows carry it),
     "caveat" (only when set)}

Offsets are Python `str` code-point indices into the document text, end exclusive.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar

from annotator.core.bulk import gc_paused
from annotator.core.coverage import SKIPPED, UnitIndex
from annotator.core.dataset import (
    AnnotationRow,
    Dataset,
    DatasetDocument,
    DatasetRows,
    HistoryRow,
    TagRow,
    rows_from_dataset,
)
from annotator.core.exporters.common import (
    ExportOptions,
    ExportResult,
    JsonTexts,
    Progress,
)
from annotator.core.files import atomic_output
from annotator.core.interchange.jsonl import SPANS_FORMAT
from annotator.core.times import iso_z

_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode
_string = json.encoder.encode_basestring  # what _encode does to a str (C implementation)
BATCH = 1000


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


SpanT = TypeVar("SpanT", bound=_Span)


def _covering(
    document: DatasetDocument, annotations: Sequence[SpanT]
) -> Iterator[tuple[int, int, int, str, list[SpanT]]]:
    """(ordinal, start, end, kind, annotations covering the unit) for each unit read, the
    annotations in the order given (see core.coverage for the rule)."""
    index = UnitIndex(document.units)
    covering: dict[int, list[SpanT]] = defaultdict(list)
    for annotation in annotations:
        for position in index.covered(annotation.start, annotation.end):
            covering[position].append(annotation)
    for ordinal, (start, end, kind) in enumerate(document.units):
        if kind != SKIPPED:
            yield ordinal, start, end, kind, covering.get(ordinal, [])


def _write_lines(out: Path, lines: Iterator[str], progress: Progress) -> int:
    count = 0
    with (
        gc_paused(),
        atomic_output(out) as tmp,
        tmp.open("w", encoding="utf-8", newline="\n") as handle,
    ):
        while batch := list(islice(lines, BATCH)):
            handle.write("\n".join(batch))
            handle.write("\n")
            count += len(batch)
            progress.step(count)
        progress.finish(count)
    return count


def _unit_lines(rows: DatasetRows) -> Iterator[str]:
    by_document: dict[int, list[AnnotationRow]] = {d.id: [] for d in rows.documents}
    for annotation in rows.annotations:
        by_document[annotation.document_id].append(annotation)
    decode = JsonTexts()
    summaries: dict[int, dict[str, Any]] = {}
    caveat = rows.caveat
    for document in rows.documents:
        text = document.text
        for ordinal, start, end, kind, covering in _covering(document, by_document[document.id]):
            covering.sort()  # rows sort by (document, start, end, id)
            line: dict[str, Any] = {
                "document_id": document.id,
                "document_sha256": document.sha256,
                "unit": ordinal,
                "start": start,
                "end": end,
                "kind": kind,
                "text": text[start:end],
                "tags": sorted({tag[0] for a in covering for tag in a.tags}),
                "annotations": [
                    summaries.get(a.id) or summaries.setdefault(a.id, _summary(a, decode))
                    for a in covering
                ],
            }
            if caveat:
                line["caveat"] = caveat
            yield _encode(line)


def _summary(annotation: AnnotationRow, decode: JsonTexts) -> dict[str, Any]:
    return {
        "id": annotation.id,
        "author": annotation.author,
        "tags": {name: decode(fields) or {} for name, fields, _suggested in annotation.tags},
    }


def unit_count(dataset: Dataset | DatasetRows) -> int:
    return sum(1 for d in dataset.documents for u in d.units if u[2] != "skipped")


def write_units_jsonl(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """One line per unit read (atomically); ExportFailed if it cannot be written."""
    return write_units_jsonl_rows(rows_from_dataset(dataset, with_history=False), out, options)


def write_units_jsonl_rows(rows: DatasetRows, out: Path, options: ExportOptions) -> ExportResult:
    """`write_units_jsonl` straight from stored rows (`load_rows`)."""
    progress = Progress(options, unit_count(rows))
    return ExportResult(out, _write_lines(out, _unit_lines(rows), progress))


_DRAFT = _encode({"status": "draft", "reviewer": None, "reviewed_at": None, "comment": ""})


def _span_lines(rows: DatasetRows) -> Iterator[str]:
    # Each line is assembled from pieces encoded by json's C string encoder: the same bytes as
    # json.dumps of the whole object, about twice as fast. Parts common to many lines (the
    # document, author names, each distinct set of tags, the caveat) are encoded once.
    documents: dict[int, tuple[str, str]] = {}
    for document in rows.documents:
        encoded = _encode(
            {
                "id": document.id,
                "sha256": document.sha256,
                "title": document.title,
                "source_name": document.source_name,
            }
        )
        documents[document.id] = (f', "document": {encoded}, "start": ', document.text)
    caveat = ', "caveat": ' + _string(rows.caveat) if rows.caveat else ""
    head = '{"format": ' + _string(SPANS_FORMAT) + ', "annotation_id": '
    authors: dict[str, str] = {}
    decode = JsonTexts()
    encoded_tags: dict[tuple[TagRow, ...], str] = {}
    for a in rows.annotations:
        (
            document_id, start, end, annotation_id, author, created, modified, note,
            status, reviewer, reviewed_at, review_comment, tags, history,
        ) = a
        document_part, text = documents[document_id]
        author_json = authors.get(author) or authors.setdefault(author, _string(author))
        created_z = iso_z(created)
        modified_z = created_z if modified == created else iso_z(modified)
        tags_json = encoded_tags.get(tags)
        if tags_json is None:
            tags_json = encoded_tags[tags] = _encode(
                [
                    {"name": name, "fields": decode(fields) or {}, "suggested": decode(suggested)}
                    for name, fields, suggested in tags
                ]
            )
        if (status or "draft") == "draft" and reviewer is None and reviewed_at is None:
            review = _DRAFT if not review_comment else _review(a)
        else:
            review = _review(a)
        history_json = "" if history is None else f', "history": {_history(history)}'
        yield (
            f'{head}{annotation_id}{document_part}{start}, "end": {end}, "text": '
            f'{_string(text[start:end])}, "author": {author_json}, "created": "{created_z}", '
            f'"modified": "{modified_z}", "note": {_string(note)}, "tags": {tags_json}, '
            f'"review": {review}{history_json}{caveat}}}'
        )


def _review(annotation: AnnotationRow) -> str:
    reviewed_at = annotation.reviewed_at
    return _encode(
        {
            "status": annotation.status or "draft",
            "reviewer": annotation.reviewer,
            "reviewed_at": None if reviewed_at is None else iso_z(reviewed_at),
            "comment": annotation.review_comment or "",
        }
    )


def _history(entries: tuple[HistoryRow, ...]) -> str:
    # The snapshots are written as stored: JSON texts from json.dumps (non-ASCII characters
    # as \u escapes), embedded without decoding them.
    parts = [
        f'{{"action": {_string(action)}, "actor": {_string(actor)}, "at": "{iso_z(at)}", '
        f'"before": {before or "null"}, "after": {after or "null"}, '
        f'"comment": {_string(comment)}}}'
        for action, actor, at, before, after, comment in entries
    ]
    return "[" + ", ".join(parts) + "]"


def write_spans_jsonl(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """One line per annotation, everything about it (atomically); ExportFailed if not written.

    The history is written when `options.history` asks for it and `dataset` was loaded with it.
    """
    rows = rows_from_dataset(dataset, with_history=options.history)
    return write_spans_jsonl_rows(rows, out, options)


def write_spans_jsonl_rows(rows: DatasetRows, out: Path, options: ExportOptions) -> ExportResult:
    """`write_spans_jsonl` straight from stored rows (`load_rows`)."""
    progress = Progress(options, len(rows.annotations))
    return ExportResult(out, _write_lines(out, _span_lines(rows), progress))
