"""W3C Web Annotation: one AnnotationCollection (JSON-LD) with every annotation on one page.

The collection has a stable id (uuid5 of the exported documents' hashes), "label", "total",
"created" (the export time), a "generator", and "first": an embedded AnnotationPage holding the
annotations. The handling caveat, when set, leads the label ("TLP:AMBER — Annotator export") and
is under the extension key "annotator:handlingCaveat".

Each annotation stands alone (it repeats the @context) and passes the W3C test suite's MUST
assertions:
    {"@context", "id": "urn:uuid:<uuid5 of document sha256 + annotation id>", "type": "Annotation",
     "motivation": "tagging" (or "commenting" / "highlighting" when it has no tag),
     "created", "modified" (xsd:dateTime, UTC, "Z"), "creator": {"type": "Person", "name"},
     "body": [{"type": "TextualBody", "value": tag, "purpose": "tagging",
               "annotator:fields": {...}, "annotator:suggested": [...]} per tag,
              {"type": "TextualBody", "value": note, "purpose": "commenting"} for a note],
     "target": {"source": "urn:sha256:<hex>", "selector": [
         {"type": "TextPositionSelector", "start", "end"},
         {"type": "TextQuoteSelector", "exact", "prefix", "suffix"}]}}
Offsets are Unicode code points (Python `str` indices), end exclusive; prefix and suffix hold up
to 32 code points and are left out when empty. The file is UTF-8, one annotation per line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetDocument
from annotator.core.exporters.common import ExportOptions, ExportResult, Progress
from annotator.core.files import atomic_output
from annotator.core.interchange.w3c import (
    CAVEAT_KEY,
    CONTEXT,
    CONTEXT_CHARS,
    FIELDS_KEY,
    SOURCE_PREFIX,
    SUGGESTED_KEY,
    annotation_urn,
    collection_urn,
)
from annotator.core.times import iso_utc

_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode
BATCH = 1000


def _bodies(annotation: DatasetAnnotation) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    for tag in annotation.tags:
        body: dict[str, Any] = {"type": "TextualBody", "value": tag.name, "purpose": "tagging"}
        if tag.fields:
            body[FIELDS_KEY] = tag.fields
        if tag.suggested:
            body[SUGGESTED_KEY] = list(tag.suggested)
        bodies.append(body)
    if annotation.note:
        bodies.append(
            {
                "type": "TextualBody",
                "value": annotation.note,
                "purpose": "commenting",
                "format": "text/plain",
            }
        )
    return bodies


def _quote(text: str, start: int, end: int) -> dict[str, Any]:
    selector = {"type": "TextQuoteSelector", "exact": text[start:end]}
    prefix = text[max(0, start - CONTEXT_CHARS) : start]
    suffix = text[end : end + CONTEXT_CHARS]
    if prefix:
        selector["prefix"] = prefix
    if suffix:
        selector["suffix"] = suffix
    return selector


def annotation_json(document: DatasetDocument, annotation: DatasetAnnotation) -> dict[str, Any]:
    """One Web Annotation as a JSON-LD object (with its own @context)."""
    if annotation.tags:
        motivation = "tagging"
    else:
        motivation = "commenting" if annotation.note else "highlighting"
    record: dict[str, Any] = {
        "@context": CONTEXT,
        "id": annotation_urn(document.sha256, annotation.id),
        "type": "Annotation",
        "motivation": motivation,
        "created": iso_utc(annotation.created),
        "modified": iso_utc(annotation.modified),
        "creator": {"type": "Person", "name": annotation.author},
    }
    bodies = _bodies(annotation)
    if bodies:
        record["body"] = bodies
    record["target"] = {
        "source": SOURCE_PREFIX + document.sha256,
        "selector": [
            {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
            _quote(document.text, annotation.start, annotation.end),
        ],
    }
    return record


def collection_head(dataset: Dataset) -> dict[str, Any]:
    """The collection without its page: context, id, label, total, time, caveat."""
    hashes = [d.sha256 for d in dataset.documents]
    label = "Annotator export"
    if dataset.caveat:
        label = f"{dataset.caveat} — {label}"
    head: dict[str, Any] = {
        "@context": CONTEXT,
        "id": collection_urn(hashes),
        "type": "AnnotationCollection",
        "label": label,
        "total": len(dataset.annotations),
        "created": iso_utc(dataset.exported_at),
        "generator": {"type": "Software", "name": "Annotator"},
    }
    if dataset.caveat:
        head[CAVEAT_KEY] = dataset.caveat
    return head


def write_w3c(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the AnnotationCollection (atomically); ExportFailed if it cannot be written."""
    head = collection_head(dataset)
    page = {
        "id": collection_urn([d.sha256 for d in dataset.documents], "page"),
        "type": "AnnotationPage",
        "startIndex": 0,
    }
    # Written by hand around the items so that each annotation sits on its own line and the
    # fast C encoder does the work (json's indent= switches to the slow Python encoder).
    members = [f"  {_encode(key)}: {_encode(value)}" for key, value in head.items()]
    members.append(f'  "first": {_encode(page)[:-1]}, "items": [\n')
    opening = "{\n" + ",\n".join(members)
    context = '{"@context": ' + _encode(CONTEXT) + ", "
    progress = Progress(options, len(dataset.annotations))
    count = 0
    with atomic_output(out) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(opening)
        batch: list[str] = []
        for annotation in dataset.annotations:
            document = dataset.document(annotation.document_id)
            record = annotation_json(document, annotation)
            del record["@context"]  # the same on every line: encoded once
            batch.append(context + _encode(record)[1:])
            count += 1
            if len(batch) >= BATCH:
                handle.write(",\n".join(batch) + (",\n" if count < progress.total else ""))
                batch.clear()
                progress.step(count)
        if batch:
            handle.write(",\n".join(batch))
        handle.write("\n]}\n}\n")
        progress.finish(count)
    return ExportResult(out, count)
