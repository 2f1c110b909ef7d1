"""A small database every exporter test uses: two documents, overlapping multi-tag annotations.

Document 1 has an emoji and Arabic before its annotated spans, a span crossing a line break, a
negative number, a text field starting with "=cmd" and a span starting with "-". Document 2 is
mostly Arabic (right to left), has an Arabic author and an annotation without any tag. Times and
the export time are fixed so that exports are byte-for-byte reproducible.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from annotator.core import ops
from annotator.core.dataset import (
    Dataset,
    DatasetAnnotation,
    DatasetDocument,
    DatasetTag,
    load_dataset,
    set_caveat,
)
from annotator.core.model import AnnotationHistory
from annotator.core.queries import TagInfo
from annotator.core.store import Store, open_store
from annotator.core.text import text_sha256

CAVEAT = "TLP:AMBER <need-to-know> & no onward sharing"
EXPORTED_AT = dt.datetime(2025, 2, 1, 12, 0, tzinfo=dt.UTC)
BASE_TIME = dt.datetime(2025, 1, 15, 10, 0, tzinfo=dt.UTC)

TEXT_1 = (
    "Quarterly brief: exports 📈\n"
    "15 January 2025\n"
    "\n"
    "مرحبا بالعالم 🙂 — The ministry said exports rose 4% in Q3.\n"
    "We assess that growth will likely slow; output fell by -5 units.\n"
    "- Bullet: =SUM(A1) is not a formula.\n"
)
TEXT_2 = (
    "تقرير سنوي\n"
    "\n"
    "قالت الوزارة إن الصادرات ارتفعت 😀 بنسبة 4٪.\n"
    "The figure 1,000,000 barrels is an estimate.\n"
)


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def lines_as_units(text: str, skipped: tuple[int, ...] = ()) -> list[tuple[int, int, str]]:
    """One unit per non-empty line (line numbers in `skipped` are boilerplate)."""
    units = []
    position = 0
    for number, line in enumerate(text.split("\n")):
        if line.strip():
            kind = "skipped" if number in skipped else ("title" if number == 0 else "sentence")
            units.append((position, position + len(line), kind))
        position += len(line) + 1
    return units


def new_document(text: str, **meta: Any) -> ops.NewDocument:
    values: dict[str, Any] = {
        "title": "Untitled",
        "issuer": None,
        "published": None,
        "date_certainty": "none",
        "date_note": None,
        "language": None,
        "source_name": "doc.txt",
        "source_format": "txt",
    }
    values.update(meta)
    return ops.NewDocument(text=text, units=lines_as_units(text, (1,)), **values)


DOCUMENT_1 = new_document(
    TEXT_1,
    title="Quarterly brief: exports",
    issuer="Ministry of Trade",
    published=dt.date(2025, 1, 15),
    date_certainty="exact",
    language="en",
    source_name="quarterly-brief.txt",
)
DOCUMENT_2 = new_document(
    TEXT_2,
    title="../Annual Review: 2024/25",
    language="ar",
    source_name="annual review.md",
    source_format="md",
)


@dataclasses.dataclass(frozen=True)
class Planned:
    document: int  # 1 or 2
    quote: str
    author: str
    tags: tuple[str, ...]
    fields: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    suggested: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    note: str = ""


PLANNED = (
    Planned(
        1, "The ministry said exports rose 4% in Q3.", "Ana", ("claim",),
        {"claim": {"attributed_to": "=cmd|' /C calc'!A0", "source_reliability": "B",
                   "information_credibility": "2", "event_date": "2024-09"}},
        {"claim": ["source_reliability"]},
        "Check the release.\nSecond line: \"quoted\" & <b>not bold</b>",
    ),
    Planned(
        1, "4%", "Ben", ("figure",),
        {"figure": {"value": 4, "unit": "%", "figure_kind": "percentage", "qualifier": "exact"}},
    ),
    Planned(
        1, "We assess that growth will likely slow; output fell by -5 units.", "Ana",
        ("assessment", "figure"),
        {"assessment": {"judgment_holder": "we", "likelihood": "likely", "confidence": "moderate"},
         "figure": {"value": -5, "unit": "units", "range_low": -7.5, "range_high": -2,
                    "as_of": "2024-12-31"}},
    ),
    Planned(
        1, "rose 4% in Q3.\nWe assess", "Ben", ("claim",),
        {"claim": {"attributed_to": "-unnamed official", "event_date": "2024-10-02"}},
    ),
    Planned(
        1, "- Bullet: =SUM(A1) is not a formula.", "Ana", ("claim",),
        {"claim": {"attributed_to": "@handle", "source_description": "+1 wire report"}},
    ),
    Planned(
        2, "قالت الوزارة إن الصادرات ارتفعت 😀 بنسبة 4٪.", "ليلى", ("claim",),
        {"claim": {"attributed_to": "الوزارة"}}, note="ملاحظة",
    ),
    Planned(
        2, "1,000,000 barrels", "Ben", ("figure",),
        {"figure": {"value": 1000000, "unit": "barrels", "figure_kind": "count"}},
    ),
    Planned(2, "an estimate", "Ana", (), note="No tag yet: a note only."),
    Planned(
        1, "We assess that growth will likely slow; output fell by -5 units.\n"
        "- Bullet: =SUM(A1) is not a formula.", "Ben", ("assessment",),
        {"assessment": {"likelihood": "unlikely"}},
    ),
)


def build_store(path: Path | str) -> Store:
    """The sample database at `path` (created), with the caveat set."""
    started = dt.datetime.now(dt.UTC)
    store = open_store(path)
    ids = {}
    for number, document in ((1, DOCUMENT_1), (2, DOCUMENT_2)):
        changes = ops.add_document(store, document)
        assert changes.created_id is not None
        ids[number] = changes.created_id
    texts = {1: TEXT_1, 2: TEXT_2}
    for index, plan in enumerate(PLANNED):
        start, end = span(texts[plan.document], plan.quote)
        changes = ops.create_annotation(
            store, ids[plan.document], start, end, plan.author, plan.tags,
            note=plan.note, fields=plan.fields, suggested=plan.suggested,
        )
        assert changes.created_id is not None
        # Fixed times (some with microseconds) so that exports are reproducible.
        created = BASE_TIME + dt.timedelta(minutes=index, microseconds=123456 * (index % 2))
        snapshot = ops.snapshot_annotation(store, changes.created_id)
        ops.restore_annotation(
            store,
            dataclasses.replace(
                snapshot, created=created, modified=created + dt.timedelta(hours=index)
            ),
        )
    set_caveat(store, CAVEAT)
    _fix_history_times(store, started)
    return store


def _fix_history_times(store: Store, started: dt.datetime) -> None:
    """Give the history rows (written "now") fixed times, so that exports are reproducible."""
    with store.write() as session:
        rows = session.scalars(select(AnnotationHistory).order_by(AnnotationHistory.id)).all()
        for number, row in enumerate(rows):
            fixed = BASE_TIME - dt.timedelta(days=1) + dt.timedelta(minutes=number)
            row.at = fixed
            for name in ("before", "after"):
                snapshot = getattr(row, name)
                if snapshot is None:
                    continue
                snapshot = dict(snapshot)
                for key in ("created", "modified", "reviewed_at"):
                    value = snapshot.get(key)
                    if value and dt.datetime.fromisoformat(value) >= started:
                        snapshot[key] = fixed.isoformat(timespec="microseconds")
                setattr(row, name, snapshot)


def add_documents_only(path: Path) -> Store:
    """A fresh database holding the same two documents and no annotations."""
    store = open_store(path)
    ops.add_document(store, DOCUMENT_1)
    ops.add_document(store, DOCUMENT_2)
    return store


def dataset_of(store: Store) -> Dataset:
    """The whole database as an export sees it (histories too), with the fixed export time."""
    dataset = load_dataset(store, with_history=True)
    dataset.exported_at = EXPORTED_AT
    return dataset


def synthetic_dataset(count: int, caveat: str | None = None) -> Dataset:
    """An in-memory dataset of one document and `count` figure annotations (no database)."""
    sentence = "Exports rose by 4% to 1,200 units in the third quarter. "
    text = sentence * max(1, count // 4 + 1)
    length = len(sentence)
    document = DatasetDocument(
        id=1, title="Synthetic", issuer=None, published=None, date_certainty="none",
        date_note=None, language="en", source_name="synthetic.txt", source_format="txt",
        text=text, sha256=text_sha256(text), imported_at=BASE_TIME,
        units=tuple((i * length, (i + 1) * length - 1, "sentence")
                    for i in range(len(text) // length)),
    )
    annotations = [
        DatasetAnnotation(
            id=i + 1, document_id=1, start=(i // 4) * length + 16, end=(i // 4) * length + 18,
            author="Ana" if i % 2 else "Ben", created=BASE_TIME, modified=BASE_TIME, note="",
            tags=(DatasetTag("figure", {"value": 4, "unit": "%"}),),
        )
        for i in range(count)
    ]
    return Dataset(
        documents=[document], annotations=annotations,
        tags=[TagInfo(1, "claim", "#0072B2", "1"), TagInfo(2, "assessment", "#E69F00", "2"),
              TagInfo(3, "figure", "#009E73", "3")],
        caveat=caveat, exported_at=EXPORTED_AT,
    )


def comparable(dataset: Dataset) -> list[tuple[Any, ...]]:
    """Annotations without database ids: what must survive an export and an import."""
    hashes = {d.id: d.sha256 for d in dataset.documents}
    return sorted(
        (
            hashes[a.document_id], a.start, a.end, a.author, a.created, a.modified, a.note,
            tuple((t.name, sorted(t.fields.items()), t.suggested) for t in a.tags),
        )
        for a in dataset.annotations
    )
