"""The one query layer every exporter reads: documents, units, annotations, tags, caveat.

Offsets are Python `str` code-point indices into `DatasetDocument.text`, end exclusive. Times
are timezone-aware UTC. Loading uses Core selects (no ORM objects) so that 100,000 annotations
load in well under a second.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, Text, and_, func, or_, select, type_coerce
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from annotator.core.annotation_table import AnnotationFilter, SortKey, ids_in
from annotator.core.bulk import gc_paused
from annotator.core.errors import DatabaseDamaged, NotFound
from annotator.core.model import (
    Annotation,
    AnnotationHistory,
    AnnotationTag,
    Document,
    DocumentMetadata,
    Meta,
    ReviewedFacts,
    Unit,
    utcnow,
)
from annotator.core.queries import TagInfo, tags_in
from annotator.core.store import Store, bulk_select
from annotator.core.times import DAMAGED_HINT, parse_stored_time, stored_time_text

CAVEAT_KEY = "handling_caveat"


@dataclass(frozen=True)
class DatasetFilter:
    """Which annotations to export; None means no restriction."""

    document_ids: frozenset[int] | None = None
    authors: frozenset[str] | None = None
    # An annotation is kept when it has one of these tags; only these tags are exported.
    tags: frozenset[str] | None = None
    # The annotations table's filter (issue 16): only the annotations it selects are exported.
    table: AnnotationFilter | None = None
    # The table's sort: the annotations come in this order instead of the export order
    # (document, start, end, id). Only for formats written row by row (see ORDERED_FORMATS in
    # exporters.registry); the others group by document and expect the export order.
    sort: tuple[SortKey, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class DatasetDocument(DocumentMetadata):
    id: int
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
class DatasetAnnotation(ReviewedFacts[DatasetTag]):
    # Oldest first; None when the dataset was loaded without history (the default).
    history: tuple[DatasetHistory, ...] | None = None


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

# The stored form of an annotation, for the exports that must be fast (CSV, JSON Lines): the
# database's own text for times (ISO 8601 with "+00:00", see model.UTCDateTime) and JSON.
TagRow = tuple[str, str, str]  # tag name, fields JSON, suggested JSON
# action, actor, at, before JSON (or None), after JSON (or None), comment
HistoryRow = tuple[str, str, str, str | None, str | None, str]


class AnnotationRow(NamedTuple):
    """One annotation as stored. The fields start with the export order (document, start, end,
    id), so a list of rows sorts into that order by plain tuple comparison."""

    document_id: int
    start: int
    end: int
    id: int
    author: str
    created: str
    modified: str
    note: str
    status: str
    reviewer: str | None
    reviewed_at: str | None
    review_comment: str
    tags: tuple[TagRow, ...]
    history: tuple[HistoryRow, ...] | None  # oldest first; None when loaded without history


@dataclass
class DatasetRows:
    """A `Dataset` in stored form: what `load_rows` reads, and `dataset_from_rows` decodes."""

    documents: list[DatasetDocument]
    annotations: list[AnnotationRow]  # sorted by (document, start, end, id)
    tags: list[TagInfo]
    caveat: str | None
    exported_at: dt.datetime


def get_caveat(store: Store) -> str | None:
    """The database's handling caveat (e.g. "TLP:AMBER"), written into every export."""
    with store.read() as session:
        return caveat_in(session)


def caveat_in(session: Session) -> str | None:
    """get_caveat inside the caller's transaction."""
    return session.scalar(select(Meta.value).where(Meta.key == CAVEAT_KEY)) or None


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


def _tag_rows_by_annotation(
    rows: Iterable[Any], tags: list[TagInfo], only: frozenset[str] | None
) -> dict[int, tuple[TagRow, ...]]:
    """Group (annotation id, tag id, fields, suggested) rows, ordered by annotation id then tag
    id, into each annotation's tags in display order (the order of `tags`)."""
    name_of = {t.id: t.name for t in tags}
    kept = None if only is None else {t.id for t in tags if t.name in only}
    grouped: dict[int, tuple[TagRow, ...]] = {}
    # Equal tags, and equal sets of tags, share one tuple: most annotations repeat a few, and
    # the writers' caches then hash strings whose hashes are already known.
    shared: dict[Any, Any] = {}
    current = -1
    bucket: list[TagRow] = []
    for annotation_id, tag_id, fields_text, suggested_text in rows:
        if kept is not None and tag_id not in kept:
            continue
        if annotation_id != current:
            if bucket:
                found = tuple(bucket)
                grouped[current] = shared.setdefault(found, found)
            current, bucket = annotation_id, []
        tag = (name_of[tag_id], fields_text or "{}", suggested_text or "[]")
        bucket.append(shared.setdefault(tag, tag))
    if bucket:
        found = tuple(bucket)
        grouped[current] = shared.setdefault(found, found)
    # Tag ids usually follow the display order; when they do not, re-sort the annotations
    # that have several tags.
    if [t.id for t in tags] != sorted(t.id for t in tags):
        position = {t.name: index for index, t in enumerate(tags)}
        for annotation_id, found in grouped.items():
            if len(found) > 1:
                grouped[annotation_id] = tuple(sorted(found, key=lambda r: position[r[0]]))
    return grouped


def _history_rows_by_annotation(rows: Iterable[Any]) -> dict[int, tuple[HistoryRow, ...]]:
    """Group history rows (ordered by annotation id, then row id) by annotation."""
    grouped: dict[int, list[HistoryRow]] = defaultdict(list)
    for annotation_id, action, actor, at, before, after, comment in rows:
        grouped[annotation_id].append((action, actor, at, before, after, comment or ""))
    return {key: tuple(entries) for key, entries in grouped.items()}


def _check_snapshots(
    connection: Connection, rows: list[tuple[Any, ...]], document_ids: frozenset[int] | None
) -> None:
    """DatabaseDamaged unless every history snapshot read is JSON: the spans export embeds them
    as stored, so a damaged one would make a line that no reader accepts."""
    before = type_coerce(AnnotationHistory.before, Text)
    after = type_coerce(AnnotationHistory.after, Text)
    query = select(func.count()).where(
        or_(
            and_(before.is_not(None), func.json_valid(before) == 0),
            and_(after.is_not(None), func.json_valid(after) == 0),
        )
    )
    if document_ids is not None:
        query = query.where(AnnotationHistory.document_id.in_(sorted(document_ids)))
    damaged: int | None = None
    if connection.dialect.name == "sqlite":  # json_valid is SQLite's
        with suppress(OperationalError):  # an SQLite without JSON functions
            damaged = connection.execute(query).scalar_one()
    if damaged is None:  # check them here
        damaged = 0
        for row in rows:
            for text in row[4:6]:
                if text is not None:
                    load_stored_json(text)
    if damaged:
        raise DatabaseDamaged(
            f"{damaged} stored history entr{'y' if damaged == 1 else 'ies'} cannot be read: "
            f"{DAMAGED_HINT}"
        )


class _Queries(NamedTuple):
    documents: Select[*tuple[Any, ...]]
    units: Select[*tuple[Any, ...]]
    annotations: Select[*tuple[Any, ...]]
    tags: Select[*tuple[Any, ...]]
    history: Select[*tuple[Any, ...]]


def _queries(wanted: DatasetFilter) -> _Queries:
    """The selects `load_rows` runs, restricted to `wanted`'s documents and authors.

    Times and JSON come as their stored text (no per-row type processing). Annotation columns
    start with the export order (document, start, end, id): the rows are sorted in Python by
    plain tuple comparison, cheaper than an ORDER BY over every annotation. Tags come by id in
    primary-key order, without a join (names and display order are applied in Python).
    """
    documents = select(
        Document.id, Document.title, Document.issuer, Document.published,
        Document.date_certainty, Document.date_note, Document.language, Document.source_name,
        Document.source_format, Document.text, Document.sha256, Document.imported_at,
    ).order_by(Document.id)
    units = select(Unit.document_id, Unit.start, Unit.end, Unit.kind).order_by(
        Unit.document_id, Unit.ordinal
    )
    annotations = select(
        Annotation.document_id, Annotation.start, Annotation.end, Annotation.id,
        Annotation.author, type_coerce(Annotation.created, Text),
        type_coerce(Annotation.modified, Text), Annotation.note, Annotation.status,
        Annotation.reviewer, type_coerce(Annotation.reviewed_at, Text), Annotation.review_comment,
    )
    tags = select(
        AnnotationTag.annotation_id,
        AnnotationTag.tag_id,
        type_coerce(AnnotationTag.fields, Text),
        type_coerce(AnnotationTag.suggested, Text),
    ).order_by(AnnotationTag.annotation_id, AnnotationTag.tag_id)
    history = select(
        AnnotationHistory.annotation_id, AnnotationHistory.action, AnnotationHistory.actor,
        type_coerce(AnnotationHistory.at, Text),
        # No snapshot is stored as SQL NULL or as JSON null: both become None.
        func.nullif(type_coerce(AnnotationHistory.before, Text), "null"),
        func.nullif(type_coerce(AnnotationHistory.after, Text), "null"),
        AnnotationHistory.comment,
    ).order_by(AnnotationHistory.annotation_id, AnnotationHistory.id)
    if wanted.document_ids is not None:
        ids = sorted(wanted.document_ids)
        documents = documents.where(Document.id.in_(ids))
        units = units.where(Unit.document_id.in_(ids))
        annotations = annotations.where(Annotation.document_id.in_(ids))
        tags = tags.join(Annotation, Annotation.id == AnnotationTag.annotation_id).where(
            Annotation.document_id.in_(ids)
        )
        history = history.where(AnnotationHistory.document_id.in_(ids))
    if wanted.authors is not None:
        annotations = annotations.where(Annotation.author.in_(sorted(wanted.authors)))
    return _Queries(documents, units, annotations, tags, history)


def load_rows(
    store: Store, wanted: DatasetFilter | None = None, with_history: bool = False
) -> DatasetRows:
    """Everything an export needs, filtered by document, author and tag, as stored rows.

    This is the one place exports read the database; `load_dataset` decodes its result. With
    `with_history`, each annotation also carries its recorded changes. Offsets are code-point
    indices; DatabaseDamaged if a history snapshot is not JSON.
    """
    wanted = wanted or DatasetFilter()
    queries = _queries(wanted)
    # One read transaction for everything: one consistent state, even while the analyst edits.
    with gc_paused(), store.read() as session:
        tags = tags_in(session)
        caveat = caveat_in(session)
        connection = session.connection()
        units: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for document_id, start, end, kind in connection.execute(queries.units).all():
            units[document_id].append((start, end, kind))
        documents = [
            DatasetDocument(**row._asdict(), units=tuple(units.get(row.id, ())))
            for row in connection.execute(queries.documents)
        ]
        tags_of = _tag_rows_by_annotation(
            bulk_select(connection, queries.tags), tags, wanted.tags
        )
        history_of = None
        if with_history:
            history_rows = bulk_select(connection, queries.history)
            _check_snapshots(connection, history_rows, wanted.document_ids)
            history_of = _history_rows_by_annotation(history_rows)
        selected: list[int] | None = None
        if wanted.table is not None or wanted.sort is not None:
            selected = ids_in(connection, wanted.table, wanted.sort)
        make = partial(tuple.__new__, AnnotationRow)
        no_tags: tuple[TagRow, ...] = ()
        annotations = [
            make(row + (tags_of.get(row[3], no_tags), None))
            if history_of is None
            else make(row + (tags_of.get(row[3], no_tags), history_of.get(row[3], ())))
            for row in bulk_select(connection, queries.annotations)
            if wanted.tags is None or row[3] in tags_of
        ]
        annotations.sort()  # (document, start, end, id): ids are unique, no later field counts
        if selected is not None:
            annotations = _selected(annotations, selected, keep_order=wanted.sort is None)
    return DatasetRows(
        documents=documents,
        annotations=annotations,
        tags=tags,
        caveat=caveat,
        exported_at=utcnow(),
    )


def _selected(
    annotations: list[AnnotationRow], selected: list[int], keep_order: bool
) -> list[AnnotationRow]:
    """The annotations whose ids are `selected`: in their own order when `keep_order`, else in
    the order of `selected` (the table's sort)."""
    if keep_order:
        wanted = set(selected)
        return [row for row in annotations if row.id in wanted]
    by_id = {row.id: row for row in annotations}
    return [by_id[i] for i in selected if i in by_id]


def load_stored_json(text: str) -> Any:
    """A stored JSON text (form fields, suggestions, a snapshot) decoded; DatabaseDamaged if it
    is not JSON."""
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise DatabaseDamaged(
            f"a stored value cannot be read ({str(text)[:60]!r}): {DAMAGED_HINT}"
        ) from exc


def dataset_from_rows(rows: DatasetRows) -> Dataset:
    """Decode stored rows into the typed `Dataset` (times parsed, JSON decoded).

    JSON texts are decoded once per distinct text: most rows repeat "{}" and "[]". Decoded
    field dicts are therefore shared between tags and must be treated as read-only.
    """
    decoded_tags: dict[TagRow, DatasetTag] = {}
    parse = parse_stored_time
    loads = load_stored_json

    def tags(stored: tuple[TagRow, ...]) -> tuple[DatasetTag, ...]:
        made = []
        for row in stored:
            tag = decoded_tags.get(row)
            if tag is None:
                name, fields_text, suggested_text = row
                tag = decoded_tags[row] = DatasetTag(
                    name, loads(fields_text) or {}, tuple(loads(suggested_text))
                )
            made.append(tag)
        return tuple(made)

    def history(stored: tuple[HistoryRow, ...] | None) -> tuple[DatasetHistory, ...] | None:
        if stored is None:
            return None
        return tuple(
            DatasetHistory(
                action, actor, parse(at),
                loads(before) if before else None,
                loads(after) if after else None,
                comment,
            )
            for action, actor, at, before, after, comment in stored
        )

    with gc_paused():
        annotations = [
            DatasetAnnotation(
                row.id, row.document_id, row.start, row.end, row.author, parse(row.created),
                parse(row.modified), row.note, tags(row.tags), row.status or "draft",
                row.reviewer, parse(row.reviewed_at) if row.reviewed_at else None,
                row.review_comment or "", history(row.history),
            )
            for row in rows.annotations
        ]
    return Dataset(annotations=annotations, **_shared_parts(rows))


def rows_from_dataset(dataset: Dataset, with_history: bool = True) -> DatasetRows:
    """The stored-row form of a typed `Dataset` (what `load_rows` would have read); without
    `with_history`, the rows carry no history (None), as `load_rows` reads them by default."""
    dumps = json.dumps
    stored = stored_time_text

    def history(entries: tuple[DatasetHistory, ...] | None) -> tuple[HistoryRow, ...] | None:
        if entries is None:
            return None
        return tuple(
            (
                entry.action, entry.actor, stored(entry.at),
                None if entry.before is None else dumps(entry.before),
                None if entry.after is None else dumps(entry.after),
                entry.comment,
            )
            for entry in entries
        )

    annotations = [
        AnnotationRow(
            a.document_id, a.start, a.end, a.id, a.author, stored(a.created),
            stored(a.modified), a.note, a.status, a.reviewer,
            None if a.reviewed_at is None else stored(a.reviewed_at), a.review_comment,
            tuple((t.name, dumps(t.fields), dumps(list(t.suggested))) for t in a.tags),
            history(a.history) if with_history else None,
        )
        for a in dataset.annotations
    ]
    return DatasetRows(annotations=annotations, **_shared_parts(dataset))


def _shared_parts(source: Dataset | DatasetRows) -> dict[str, Any]:
    """What a Dataset and its DatasetRows have in common (all but the annotations)."""
    return {
        "documents": source.documents,
        "tags": source.tags,
        "caveat": source.caveat,
        "exported_at": source.exported_at,
    }


def load_dataset(
    store: Store, wanted: DatasetFilter | None = None, with_history: bool = False
) -> Dataset:
    """Everything an export needs, filtered by document, author and tag, decoded.

    With `with_history`, each annotation also carries its recorded changes (what
    "jsonl-spans" writes when asked for them; the others do not pay for reading them).
    """
    return dataset_from_rows(load_rows(store, wanted, with_history))
