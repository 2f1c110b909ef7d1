"""The one query layer every exporter reads: documents, units, annotations, tags, caveat.

Offsets are Python `str` code-point indices into `DatasetDocument.text`, end exclusive. Times
are timezone-aware UTC. Loading uses Core selects (no ORM objects) so that 100,000 annotations
load in well under a second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, select, type_coerce

from annotator.core.errors import NotFound
from annotator.core.model import (
    Annotation,
    AnnotationHistory,
    AnnotationTag,
    Document,
    Meta,
    Tag,
    Unit,
    utcnow,
)
from annotator.core.queries import TagInfo, list_tags
from annotator.core.store import Store

CAVEAT_KEY = "handling_caveat"


@dataclass(frozen=True)
class DatasetFilter:
    """Which annotations to export; None means no restriction."""

    document_ids: frozenset[int] | None = None
    authors: frozenset[str] | None = None
    # An annotation is kept when it has one of these tags; only these tags are exported.
    tags: frozenset[str] | None = None


@dataclass(frozen=True)
class DatasetDocument:
    id: int
    title: str
    issuer: str | None
    published: dt.date | None
    date_certainty: str
    date_note: str | None
    language: str | None
    source_name: str
    source_format: str
    text: str
    sha256: str
    imported_at: dt.datetime
    units: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DatasetTag:
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    suggested: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DatasetHistory:
    """One recorded change: snapshots as `history.snapshot_to_json` stored them (read-only)."""

    action: str
    actor: str
    at: dt.datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class DatasetAnnotation:
    id: int
    document_id: int
    start: int
    end: int
    author: str
    created: dt.datetime
    modified: dt.datetime
    note: str
    tags: tuple[DatasetTag, ...]
    status: str = "draft"
    reviewer: str | None = None
    reviewed_at: dt.datetime | None = None
    review_comment: str = ""
    # Oldest first; None when the dataset was loaded without history (the default).
    history: tuple[DatasetHistory, ...] | None = None

    @property
    def tag_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tags)


@dataclass
class Dataset:
    documents: list[DatasetDocument]
    annotations: list[DatasetAnnotation]
    tags: list[TagInfo]
    caveat: str | None
    exported_at: dt.datetime
    _by_id: dict[int, DatasetDocument] = field(default_factory=dict, repr=False)

    def document(self, document_id: int) -> DatasetDocument:
        if not self._by_id:
            self._by_id = {d.id: d for d in self.documents}
        try:
            return self._by_id[document_id]
        except KeyError as exc:
            raise NotFound(f"no document {document_id} in this export") from exc

    def annotations_of(self, document_id: int) -> Iterator[DatasetAnnotation]:
        return (a for a in self.annotations if a.document_id == document_id)


def get_caveat(store: Store) -> str | None:
    """The database's handling caveat (e.g. "TLP:AMBER"), written into every export."""
    with store.read() as session:
        value = session.scalar(select(Meta.value).where(Meta.key == CAVEAT_KEY))
    return value or None


def set_caveat(store: Store, caveat: str | None) -> None:
    """Set (or with None/empty, clear) the handling caveat, in one transaction."""
    with store.write() as session:
        row = session.get(Meta, CAVEAT_KEY)
        text = (caveat or "").strip()
        if not text:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(Meta(key=CAVEAT_KEY, value=text))
        else:
            row.value = text


def _tags_by_annotation(
    rows: Iterable[Any], only: frozenset[str] | None
) -> dict[int, tuple[DatasetTag, ...]]:
    """Group tag rows (ordered by annotation id) into each annotation's tags.

    JSON texts are decoded once per distinct text: most rows repeat "{}" and "[]". Decoded
    field dicts are therefore shared between tags and must be treated as read-only.
    """
    grouped: dict[int, tuple[DatasetTag, ...]] = {}
    decoded_fields: dict[str, dict[str, Any]] = {}
    decoded_names: dict[str, tuple[str, ...]] = {}
    current: int | None = None
    bucket: list[DatasetTag] = []
    for annotation_id, name, fields_text, suggested_text in rows:
        if only is not None and name not in only:
            continue
        if annotation_id != current:
            if bucket:
                grouped[current] = tuple(bucket)  # type: ignore[index]
            current, bucket = annotation_id, []
        fields = decoded_fields.get(fields_text)
        if fields is None:
            fields = decoded_fields[fields_text] = json.loads(fields_text or "{}") or {}
        suggested = decoded_names.get(suggested_text)
        if suggested is None:
            suggested = decoded_names[suggested_text] = tuple(json.loads(suggested_text or "[]"))
        bucket.append(DatasetTag(name, fields, suggested))
    if bucket:
        grouped[current] = tuple(bucket)  # type: ignore[index]
    return grouped


def _history_by_annotation(rows: Iterable[Any]) -> dict[int, tuple[DatasetHistory, ...]]:
    """Group history rows (ordered by annotation id, then row id) by annotation."""
    grouped: dict[int, list[DatasetHistory]] = defaultdict(list)
    parse = dt.datetime.fromisoformat
    loads = json.loads
    for annotation_id, action, actor, at, before, after, comment in rows:
        grouped[annotation_id].append(
            DatasetHistory(
                action,
                actor,
                parse(at),
                loads(before) if before else None,
                loads(after) if after else None,
                comment or "",
            )
        )
    return {key: tuple(entries) for key, entries in grouped.items()}


def load_dataset(
    store: Store, wanted: DatasetFilter | None = None, with_history: bool = False
) -> Dataset:
    """Everything an export needs, filtered by document, author and tag.

    With `with_history`, each annotation also carries its recorded changes (the full-fidelity
    "jsonl-spans" export needs them; the others do not pay for reading them).
    """
    wanted = wanted or DatasetFilter()
    doc_query = select(
        Document.id, Document.title, Document.issuer, Document.published,
        Document.date_certainty, Document.date_note, Document.language, Document.source_name,
        Document.source_format, Document.text, Document.sha256, Document.imported_at,
    ).order_by(Document.id)
    unit_query = select(Unit.document_id, Unit.start, Unit.end, Unit.kind).order_by(
        Unit.document_id, Unit.ordinal
    )
    # Times as their stored ISO text, parsed below (cheaper than the per-row type processor).
    annotation_query = select(
        Annotation.id, Annotation.document_id, Annotation.start, Annotation.end,
        Annotation.author, type_coerce(Annotation.created, Text),
        type_coerce(Annotation.modified, Text), Annotation.note, Annotation.status,
        Annotation.reviewer, type_coerce(Annotation.reviewed_at, Text), Annotation.review_comment,
    ).order_by(Annotation.document_id, Annotation.start, Annotation.end, Annotation.id)
    # Raw JSON text, decoded below with a cache: most rows repeat "{}" and "[]".
    tag_query = (
        select(
            AnnotationTag.annotation_id,
            Tag.name,
            type_coerce(AnnotationTag.fields, Text),
            type_coerce(AnnotationTag.suggested, Text),
        )
        .join(Tag, Tag.id == AnnotationTag.tag_id)
        .order_by(AnnotationTag.annotation_id, Tag.position, Tag.id)
    )
    history_query = select(
        AnnotationHistory.annotation_id, AnnotationHistory.action, AnnotationHistory.actor,
        type_coerce(AnnotationHistory.at, Text), type_coerce(AnnotationHistory.before, Text),
        type_coerce(AnnotationHistory.after, Text), AnnotationHistory.comment,
    ).order_by(AnnotationHistory.annotation_id, AnnotationHistory.id)
    if wanted.document_ids is not None:
        ids = sorted(wanted.document_ids)
        doc_query = doc_query.where(Document.id.in_(ids))
        unit_query = unit_query.where(Unit.document_id.in_(ids))
        annotation_query = annotation_query.where(Annotation.document_id.in_(ids))
        tag_query = tag_query.join(Annotation, Annotation.id == AnnotationTag.annotation_id).where(
            Annotation.document_id.in_(ids)
        )
        history_query = history_query.where(AnnotationHistory.document_id.in_(ids))
    if wanted.authors is not None:
        annotation_query = annotation_query.where(Annotation.author.in_(sorted(wanted.authors)))
    with store.read() as session:
        connection = session.connection()  # Core rows: no ORM bookkeeping per row
        units: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for document_id, start, end, kind in connection.execute(unit_query):
            units[document_id].append((start, end, kind))
        documents = [
            DatasetDocument(**row._asdict(), units=tuple(units.get(row.id, ())))
            for row in connection.execute(doc_query)
        ]
        tags_of = _tags_by_annotation(connection.execute(tag_query).all(), wanted.tags)
        # Stored times always carry their UTC offset (see model.UTCDateTime).
        parse = dt.datetime.fromisoformat
        annotations = [
            DatasetAnnotation(
                row[0], row[1], row[2], row[3], row[4], parse(row[5]), parse(row[6]), row[7],
                tags_of.get(row[0], ()), row[8] or "draft", row[9],
                parse(row[10]) if row[10] else None, row[11] or "",
            )
            for row in connection.execute(annotation_query).all()
            if wanted.tags is None or row[0] in tags_of
        ]
        if with_history:
            history_of = _history_by_annotation(connection.execute(history_query).all())
            annotations = [
                dataclasses.replace(a, history=history_of.get(a.id, ())) for a in annotations
            ]
    return Dataset(
        documents=documents,
        annotations=annotations,
        tags=list_tags(store),
        caveat=get_caveat(store),
        exported_at=utcnow(),
    )
