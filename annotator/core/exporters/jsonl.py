"""JSON Lines: one object per unit (a dataset for training/analysis), or per annotation (spans).

Both are UTF-8 (ensure_ascii=False), one JSON object per line, "\\n" line endings.

Units ("jsonl"): a line per unit whose kind is not "skipped":
    {"document_id", "document_sha256", "unit" (ordinal), "start", "end", "kind", "text",
     "tags": sorted tag names of the annotations covering the whole unit,
     "annotations": [{"id", "author", "tags": {tag: fields}}] of those annotations,
     "caveat" (only when a handling caveat is set)}

Spans ("jsonl-spans", full fidelity, read back by `annotator import`): a line per annotation:
    {"format": "annotator-spans/1", "annotation_id",
     "document": {"id", "sha256", "title", "source_name"}, "start", "end", "text", "author",
     "created", "modified" (ISO 8601 UTC, "Z"), "note",
     "tags": [{"name", "fields", "suggested"}],
     "review": {"status", "reviewer", "reviewed_at" (ISO 8601 UTC, "Z", or null), "comment"},
     "history": [{"action", "actor", "at" (ISO 8601 UTC, "Z"), "before", "after", "comment"}]
        (oldest first; before/after are the stored snapshots, `history.snapshot_to_json`, with
        this database's ids; written only when the dataset was loaded with its history),
     "caveat" (only when set)}

Offsets are Python `str` code-point indices into the document text, end exclusive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetDocument, DatasetHistory
from annotator.core.exporters.common import (
    ExportOptions,
    ExportResult,
    Progress,
    iso_utc,
)
from annotator.core.files import atomic_output
from annotator.core.interchange.jsonl import SPANS_FORMAT

_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode
_string = json.encoder.encode_basestring  # what _encode does to a str (C implementation)
BATCH = 1000


def _covering(
    document: DatasetDocument, annotations: list[DatasetAnnotation]
) -> Iterator[tuple[int, int, int, str, list[DatasetAnnotation]]]:
    """(ordinal, start, end, kind, annotations covering the unit) for each unit read.

    Units are sorted and do not overlap, so an annotation ending before a unit's end can cover
    no later unit: a sweep keeps only the annotations that may still cover something.
    """
    ordered = sorted(annotations, key=lambda a: a.start)
    active: list[DatasetAnnotation] = []
    next_index = 0
    for ordinal, (start, end, kind) in enumerate(document.units):
        while next_index < len(ordered) and ordered[next_index].start <= start:
            active.append(ordered[next_index])
            next_index += 1
        if active:
            active = [a for a in active if a.end >= end]
        if kind == "skipped":
            continue
        yield ordinal, start, end, kind, list(active)


def _write_lines(out: Path, lines: Iterator[str], progress: Progress) -> int:
    count = 0
    with atomic_output(out) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:
        while batch := list(islice(lines, BATCH)):
            handle.write("\n".join(batch))
            handle.write("\n")
            count += len(batch)
            progress.step(count)
        progress.finish(count)
    return count


def _unit_lines(dataset: Dataset) -> Iterator[str]:
    by_document: dict[int, list[DatasetAnnotation]] = {d.id: [] for d in dataset.documents}
    for annotation in dataset.annotations:
        by_document[annotation.document_id].append(annotation)
    summaries: dict[int, dict[str, Any]] = {}
    caveat = dataset.caveat
    for document in dataset.documents:
        text = document.text
        for ordinal, start, end, kind, covering in _covering(document, by_document[document.id]):
            line: dict[str, Any] = {
                "document_id": document.id,
                "document_sha256": document.sha256,
                "unit": ordinal,
                "start": start,
                "end": end,
                "kind": kind,
                "text": text[start:end],
                "tags": sorted({t.name for a in covering for t in a.tags}),
                "annotations": [
                    summaries.get(a.id) or summaries.setdefault(a.id, _summary(a))
                    for a in sorted(covering, key=lambda a: (a.start, a.end, a.id))
                ],
            }
            if caveat:
                line["caveat"] = caveat
            yield _encode(line)


def _summary(annotation: DatasetAnnotation) -> dict[str, Any]:
    return {
        "id": annotation.id,
        "author": annotation.author,
        "tags": {t.name: t.fields for t in annotation.tags},
    }


def unit_count(dataset: Dataset) -> int:
    return sum(1 for d in dataset.documents for u in d.units if u[2] != "skipped")


def write_units_jsonl(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """One line per unit read (atomically); ExportFailed if it cannot be written."""
    progress = Progress(options, unit_count(dataset))
    return ExportResult(out, _write_lines(out, _unit_lines(dataset), progress))


def _span_lines(dataset: Dataset) -> Iterator[str]:
    # Each line is assembled from pieces encoded by json's C string encoder: the same bytes as
    # json.dumps of the whole object, about twice as fast. Parts common to many lines (the
    # document, author names, the caveat) are encoded once.
    documents: dict[int, tuple[str, str]] = {}
    for document in dataset.documents:
        encoded = _encode(
            {
                "id": document.id,
                "sha256": document.sha256,
                "title": document.title,
                "source_name": document.source_name,
            }
        )
        documents[document.id] = (f', "document": {encoded}, "start": ', document.text)
    caveat = ', "caveat": ' + _string(dataset.caveat) if dataset.caveat else ""
    head = '{"format": ' + _string(SPANS_FORMAT) + ', "annotation_id": '
    authors: dict[str, str] = {}
    draft = _encode({"status": "draft", "reviewer": None, "reviewed_at": None, "comment": ""})
    for a in dataset.annotations:
        document_part, text = documents[a.document_id]
        author = authors.get(a.author) or authors.setdefault(a.author, _string(a.author))
        created = iso_utc(a.created)
        modified = created if a.modified == a.created else iso_utc(a.modified)
        tags = _encode(
            [{"name": t.name, "fields": t.fields, "suggested": list(t.suggested)} for t in a.tags]
        )
        unreviewed = a.status == "draft" and a.reviewer is None and a.reviewed_at is None
        review = draft if unreviewed and not a.review_comment else _review(a)
        history = "" if a.history is None else f', "history": {_history(a.history)}'
        yield (
            f'{head}{a.id}{document_part}{a.start}, "end": {a.end}, "text": '
            f'{_string(text[a.start : a.end])}, "author": {author}, "created": "{created}", '
            f'"modified": "{modified}", "note": {_string(a.note)}, "tags": {tags}, '
            f'"review": {review}{history}{caveat}}}'
        )


def _review(annotation: DatasetAnnotation) -> str:
    reviewed_at = annotation.reviewed_at
    return _encode(
        {
            "status": annotation.status,
            "reviewer": annotation.reviewer,
            "reviewed_at": None if reviewed_at is None else iso_utc(reviewed_at),
            "comment": annotation.review_comment,
        }
    )


def _history(entries: tuple[DatasetHistory, ...]) -> str:
    return _encode(
        [
            {
                "action": entry.action,
                "actor": entry.actor,
                "at": iso_utc(entry.at),
                "before": entry.before,
                "after": entry.after,
                "comment": entry.comment,
            }
            for entry in entries
        ]
    )


def write_spans_jsonl(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """One line per annotation, everything about it (atomically); ExportFailed if not written."""
    progress = Progress(options, len(dataset.annotations))
    return ExportResult(out, _write_lines(out, _span_lines(dataset), progress))
