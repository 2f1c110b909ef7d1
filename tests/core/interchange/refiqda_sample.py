"""A small annotated database for the REFI-QDA tests, and helpers to compare databases.

Document 1 has an emoji and Arabic before its spans; its annotations overlap, carry several tags
with form fields (one prefilled as a suggestion), notes with markup characters, CR LF and a
control character, by two authors. Document 2 has metadata (issuer, date, language), a figure with
a range, and an annotation without any tag. The handling caveat is set.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from annotator.core import ops
from annotator.core.dataset import load_dataset, set_caveat
from annotator.core.segment import segment
from annotator.core.store import Store

CAVEAT = "TLP:AMBER — need-to-know <only> & no onward sharing"
TEXT_1 = (
    "🙂 تقييم موجز — Brief 7\n"
    "\n"
    "The ministry said exports rose 4% in Q3. We assess that a deal is likely before spring.\n"
    "The port handled 1,200 ships.\n"
)
TEXT_2 = "Annual review\n\nOutput fell by between 3 and 5 units. Analysts disagree.\n"


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def _document(store: Store, text: str, title: str, **meta: Any) -> int:
    new = ops.NewDocument(
        text=text, title=title, issuer=meta.get("issuer"), published=meta.get("published"),
        date_certainty="exact" if meta.get("published") else "none", date_note=None,
        language=meta.get("language"), source_name=meta.get("source_name", "brief.txt"),
        source_format="txt", units=[(u.start, u.end, str(u.kind)) for u in segment(text)],
    )
    created = ops.add_document(store, new).created_id
    assert created is not None
    return created


def build(store: Store) -> None:
    doc1 = _document(
        store, TEXT_1, "Brief 7 <draft> & notes", source_name="brief-7.txt", language="ar"
    )
    doc2 = _document(
        store, TEXT_2, "Annual review", issuer="Ministry of Trade",
        published=dt.date(2024, 12, 31), language="en", source_name="review.md",
    )
    start, end = span(TEXT_1, "The ministry said exports rose 4% in Q3.")
    first = ops.create_annotation(
        store, doc1, start, end, "ana", ["claim", "figure"],
        note='Check the "release" <b>first</b> & then',
        fields={
            "claim": {"attributed_to": "the ministry", "source_reliability": "B"},
            "figure": {"value": 4, "unit": "%", "figure_kind": "percentage"},
        },
        suggested={"figure": ["value", "unit"]},
    ).created_id
    assert first is not None
    ops.set_note(store, first, 'Check the "release" <b>first</b> & then\nsecond line')
    start, end = span(TEXT_1, "exports rose 4% in Q3. We assess that a deal is likely")
    ops.create_annotation(
        store, doc1, start, end, "Bo Ström", ["assessment"], note="crlf\r\nand a \x0c form feed",
        fields={"assessment": {"likelihood": "likely", "confidence": "moderate"}},
    )
    start, end = span(TEXT_1, "The ministry said exports rose 4% in Q3.")
    ops.create_annotation(store, doc1, start, end, "Bo Ström", ["claim"])
    start, end = span(TEXT_1, "1,200 ships")
    ops.create_annotation(
        store, doc1, start, end, "ana", ["figure"],
        fields={"figure": {"value": 1200, "unit": "ships", "qualifier": "exact"}},
    )
    start, end = span(TEXT_2, "between 3 and 5 units")
    ops.create_annotation(
        store, doc2, start, end, "ana", ["figure"],
        fields={"figure": {"range_low": 3, "range_high": 5.0, "qualifier": "range"}},
    )
    start, end = span(TEXT_2, "Analysts disagree.")
    ops.create_annotation(store, doc2, start, end, "ana", [], note="no tag yet")
    set_caveat(store, CAVEAT)


def annotations(store: Store) -> list[tuple[Any, ...]]:
    """Every annotation as comparable plain data, keyed by document text hash, sorted."""
    dataset = load_dataset(store)
    sha = {document.id: document.sha256 for document in dataset.documents}
    rows = [
        (
            sha[a.document_id], a.start, a.end, a.author, a.created, a.modified, a.note,
            tuple(
                (t.name, json.dumps(t.fields, sort_keys=True), tuple(sorted(t.suggested)))
                for t in a.tags
            ),
        )
        for a in dataset.annotations
    ]
    return sorted(rows, key=repr)


def documents(store: Store) -> list[tuple[Any, ...]]:
    dataset = load_dataset(store)
    return sorted(
        (d.sha256, d.text, d.title, d.issuer, d.published, d.language, d.source_name)
        for d in dataset.documents
    )


def counts(store: Store) -> tuple[int, int, int]:
    dataset = load_dataset(store)
    return len(dataset.documents), len(dataset.annotations), len(dataset.tags)


def zip_folder(folder: Path, out: Path) -> Path:
    """Zip a fixture folder (as a .qdpx) with its relative paths as member names."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return out


def make_qdpx(out: Path, members: dict[str, bytes | str]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    out.write_bytes(buffer.getvalue())
    return out
