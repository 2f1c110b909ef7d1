"""Read-only queries returning plain dataclasses (no ORM objects leave this module).

Offsets are Python `str` code-point indices into the document text, end exclusive.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.core.coverage import SKIPPED, UnitIndex, count_covered
from annotator.core.errors import NotFound
from annotator.core.history import AnnotationSnapshot
from annotator.core.model import (
    Annotation,
    AnnotationFacts,
    AnnotationTag,
    Document,
    DocumentMetadata,
    Tag,
    Unit,
)
from annotator.core.store import Store


@dataclass(frozen=True, kw_only=True)
class DocumentSummary(DocumentMetadata):
    id: int
    imported_at: dt.datetime
    unit_count: int
    annotation_count: int
    sha256: str


@dataclass(frozen=True)
class UnitView:
    ordinal: int
    start: int
    end: int
    kind: str
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentDetail:
    summary: DocumentSummary
    text: str
    units: list[UnitView] = field(default_factory=list)


@dataclass(frozen=True)
class TagInfo:
    id: int
    name: str
    colour: str
    shortcut: str | None


def list_tags(store: Store) -> list[TagInfo]:
    with store.read() as session:
        return tags_in(session)


def tags_in(session: Session) -> list[TagInfo]:
    """The tags in display order, read inside the caller's transaction."""
    rows = session.execute(
        select(Tag.id, Tag.name, Tag.colour, Tag.shortcut).order_by(Tag.position, Tag.id)
    )
    return [TagInfo(*row) for row in rows]


def list_documents(store: Store) -> list[DocumentSummary]:
    """Every document with unit counts (boilerplate excluded) and annotation counts."""
    units = (
        select(Unit.document_id, func.count().label("n"))
        .where(Unit.kind != SKIPPED)
        .group_by(Unit.document_id)
        .subquery()
    )
    annotations = (
        select(Annotation.document_id, func.count().label("n"))
        .group_by(Annotation.document_id)
        .subquery()
    )
    query = (
        select(
            Document.id,
            Document.title,
            Document.issuer,
            Document.published,
            Document.date_certainty,
            Document.date_note,
            Document.language,
            Document.source_name,
            Document.source_format,
            Document.imported_at,
            func.coalesce(units.c.n, 0).label("unit_count"),
            func.coalesce(annotations.c.n, 0).label("annotation_count"),
            Document.sha256,
        )
        .outerjoin(units, units.c.document_id == Document.id)
        .outerjoin(annotations, annotations.c.document_id == Document.id)
        .order_by(Document.id)
    )
    with store.read() as session:
        return [DocumentSummary(**row._asdict()) for row in session.execute(query)]


def document_summary(store: Store, document_id: int) -> DocumentSummary:
    for summary in list_documents(store):
        if summary.id == document_id:
            return summary
    raise NotFound(f"no document {document_id}")


def find_documents(store: Store, key: str) -> list[DocumentSummary]:
    """Documents named by id, by sha256 prefix (>= 8 hex digits) or by a title substring."""
    summaries = list_documents(store)
    if key.isdigit():
        return [s for s in summaries if s.id == int(key)]
    lowered = key.casefold()
    if len(key) >= 8 and all(c in "0123456789abcdef" for c in lowered):
        by_hash = [s for s in summaries if s.sha256.startswith(lowered)]
        if by_hash:
            return by_hash
    return [s for s in summaries if lowered in s.title.casefold()]


def document_detail(store: Store, document_id: int) -> DocumentDetail:
    """A document's text and units, each with the tags of the annotations covering it."""
    summary = document_summary(store, document_id)
    with store.read() as session:
        text = session.scalar(select(Document.text).where(Document.id == document_id)) or ""
        unit_rows = session.execute(
            select(Unit.ordinal, Unit.start, Unit.end, Unit.kind)
            .where(Unit.document_id == document_id)
            .order_by(Unit.ordinal)
        ).all()
        tag_rows = session.execute(
            select(Annotation.id, Annotation.start, Annotation.end, Tag.name)
            .join(AnnotationTag, AnnotationTag.annotation_id == Annotation.id)
            .join(Tag, Tag.id == AnnotationTag.tag_id)
            .where(Annotation.document_id == document_id)
            .order_by(Annotation.start)
        ).all()
    covering = unit_tags(
        [(start, end) for _o, start, end, _k in unit_rows],
        [(start, end, name) for _id, start, end, name in tag_rows],
    )
    units = [
        UnitView(ordinal, start, end, kind, text[start:end], covering[i])
        for i, (ordinal, start, end, kind) in enumerate(unit_rows)
    ]
    return DocumentDetail(summary=summary, text=text, units=units)


def unit_tags(
    units: list[tuple[int, int]], tagged_spans: list[tuple[int, int, str]]
) -> list[tuple[str, ...]]:
    """For each unit, the sorted tag names of the spans that cover it (see core.coverage).

    `units` must be sorted and non-overlapping. Runs in O((units + spans) log units).
    """
    index = UnitIndex(units)
    found: dict[int, set[str]] = defaultdict(set)
    for span_start, span_end, name in tagged_spans:
        for position in index.covered(span_start, span_end):
            found[position].add(name)
    return [tuple(sorted(found.get(i, ()))) for i in range(len(units))]


@dataclass(frozen=True, slots=True)
class AnnotationTagView:
    name: str
    fields: dict[str, object]
    suggested: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnnotationView(AnnotationFacts[AnnotationTagView]):
    """An annotation as the window shows it."""


def _annotation_views(store: Store, *conditions: object) -> list[AnnotationView]:
    with store.read() as session:
        rows = session.execute(
            select(
                Annotation.id, Annotation.document_id, Annotation.start, Annotation.end,
                Annotation.author, Annotation.created, Annotation.modified, Annotation.note,
            )
            .where(*conditions)  # type: ignore[arg-type]
            .order_by(Annotation.start, Annotation.end, Annotation.id)
        ).all()
        tag_rows = session.execute(
            select(
                AnnotationTag.annotation_id, Tag.name, AnnotationTag.fields,
                AnnotationTag.suggested,
            )
            .join(Tag, Tag.id == AnnotationTag.tag_id)
            .join(Annotation, Annotation.id == AnnotationTag.annotation_id)
            .where(*conditions)  # type: ignore[arg-type]
            .order_by(Tag.position, Tag.id)
        ).all()
    tags: dict[int, list[AnnotationTagView]] = defaultdict(list)
    for annotation_id, name, fields, suggested in tag_rows:
        tags[annotation_id].append(
            AnnotationTagView(name, dict(fields or {}), tuple(suggested or ()))
        )
    return [
        AnnotationView(*row, tags=tuple(tags.get(row[0], ())))
        for row in rows
    ]


def document_annotations(store: Store, document_id: int) -> list[AnnotationView]:
    """All annotations of a document, sorted by start offset (code points)."""
    return _annotation_views(store, Annotation.document_id == document_id)


def view_of(snapshot: AnnotationSnapshot) -> AnnotationView:
    """The view of an annotation from a snapshot of it (what an operation just committed)."""
    return AnnotationView(
        snapshot.id, snapshot.document_id, snapshot.start, snapshot.end, snapshot.author,
        snapshot.created, snapshot.modified, snapshot.note,
        tuple(AnnotationTagView(t.name, dict(t.fields), tuple(t.suggested)) for t in snapshot.tags),
    )


def annotations_by_id(store: Store, ids: set[int] | frozenset[int]) -> dict[int, AnnotationView]:
    """The annotations that still exist among `ids` (deleted ones are absent)."""
    if not ids:
        return {}
    found: dict[int, AnnotationView] = {}
    ordered = sorted(ids)
    for chunk_start in range(0, len(ordered), 500):
        chunk = ordered[chunk_start : chunk_start + 500]
        for view in _annotation_views(store, Annotation.id.in_(chunk)):
            found[view.id] = view
    return found


def tagged_unit_counts(store: Store, document_ids: set[int] | None = None) -> dict[int, int]:
    """For each document, how many units that are read (not skipped) an annotation covers."""
    unit_query = select(Unit.document_id, Unit.start, Unit.end, Unit.kind)
    span_query = select(Annotation.document_id, Annotation.start, Annotation.end)
    if document_ids is not None:
        unit_query = unit_query.where(Unit.document_id.in_(document_ids))
        span_query = span_query.where(Annotation.document_id.in_(document_ids))
    units: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    with store.read() as session:
        for document_id, start, end, kind in session.execute(
            unit_query.order_by(Unit.document_id, Unit.ordinal)
        ):
            units[document_id].append((start, end, kind))
        for document_id, start, end in session.execute(span_query):
            spans[document_id].append((start, end))
    return {
        document_id: count_covered(document_units, spans.get(document_id, ()))
        for document_id, document_units in units.items()
    }


def list_authors(store: Store) -> list[str]:
    """Every author with at least one annotation, sorted."""
    with store.read() as session:
        return list(
            session.scalars(select(Annotation.author).distinct().order_by(Annotation.author))
        )
