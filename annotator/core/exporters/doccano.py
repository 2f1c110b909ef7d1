"""doccano sequence labelling (JSON Lines): one line per document.

    {"text", "label": [[start, end, tag], ...], "document_id", "title", "sha256",
     "caveat" (only when a handling caveat is set)}

One label per tag of each annotation, sorted by start, end, tag. Offsets are Unicode code points
(Python `str` indices, what doccano counts), end exclusive. Every document of the export gets a
line, with an empty label list when it has no annotations. UTF-8, "\\n" line endings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.core.dataset import Dataset
from annotator.core.exporters.common import ExportOptions, ExportResult, Progress
from annotator.core.files import atomic_output

_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode


def write_doccano(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write one doccano line per document (atomically); ExportFailed if it cannot be written."""
    labels: dict[int, list[tuple[int, int, str]]] = {d.id: [] for d in dataset.documents}
    for annotation in dataset.annotations:
        for tag in annotation.tags:
            labels[annotation.document_id].append((annotation.start, annotation.end, tag.name))
    progress = Progress(options, len(dataset.documents))
    with atomic_output(out) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:
        for done, document in enumerate(dataset.documents, start=1):
            line: dict[str, Any] = {
                "text": document.text,
                "label": [list(label) for label in sorted(labels[document.id])],
                "document_id": document.id,
                "title": document.title,
                "sha256": document.sha256,
            }
            if dataset.caveat:
                line["caveat"] = dataset.caveat
            handle.write(_encode(line) + "\n")
            progress.step(done)
        progress.finish()
    return ExportResult(out, len(dataset.documents))
