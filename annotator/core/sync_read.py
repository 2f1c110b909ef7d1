"""What a sync reads of each side (sync.py), through its Store (either back end).

A sync first scans both sides cheaply: every document's id and SHA-256, and of every annotation
only what identifies it and tells whether it changed (`Scanned`: its uid, span, author, creation
time, modification time and review state), with one plain read per table. Only the annotations
whose scans differ between the sides are then read whole (`read_versions`: tags with fields,
note, review), and only the documents one side lacks are read with their text and units
(`read_documents`). A sync that finds nothing changed reads nothing more than the scans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, select, type_coerce

from annotator.core.annotation_uid import derived_uid
from annotator.core.dataset import DatasetTag
from annotator.core.interchange.records import STORED_TIME, IncomingDocument, IncomingHistory
from annotator.core.model import (
    Annotation,
    AnnotationHistory,
    AnnotationTag,
    Document,
    Tag,
    Unit,
)
from annotator.core.ops import stored_time
from annotator.core.store import Store, bulk_select

# (document sha256, start, end, author, created as stored): how an annotation was recognised
# before uids (migration 0006), and still is when the two sides' uids differ.
Identity = tuple[str, int, int, str, str]

CHUNK = 500  # ids per IN (...) list


def as_stored(text: str | None) -> str | None:
    """A stored time as `stored_time` writes it (text from an older writer is converted)."""
    if text is None or STORED_TIME.fullmatch(text):
        return text
    parsed = dt.datetime.fromisoformat(text)
    return stored_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))


@dataclass(frozen=True, slots=True)
class Scanned:
    """One annotation as the scan sees it."""

    id: int
    uid: str  # its own, or the one derived from its identity
    stored_uid: str | None  # the column as stored (None: derived)
    document_id: int
    identity: Identity
    version: str  # span, modified time, review: differs when the annotation changed

    @property
    def author(self) -> str:
        return self.identity[3]


@dataclass
class Scan:
    shas: dict[int, str]  # document id -> sha256
    annotations: dict[str, Scanned]  # by uid (the first row of a uid held twice)

    def document_ids(self) -> dict[str, int]:
        return {sha: doc_id for doc_id, sha in self.shas.items()}


def scan(store: Store) -> Scan:
    with store.read() as session:
        connection = session.connection()
        shas = dict(bulk_select(connection, select(Document.id, Document.sha256)))
        rows = bulk_select(
            connection,
            select(
                Annotation.id,
                Annotation.document_id,
                Annotation.start,
                Annotation.end,
                Annotation.author,
                type_coerce(Annotation.created, Text),
                Annotation.uid,
                type_coerce(Annotation.modified, Text),
                Annotation.status,
                Annotation.reviewer,
                type_coerce(Annotation.reviewed_at, Text),
            ).order_by(Annotation.id),
        )
    annotations: dict[str, Scanned] = {}
    for (
        annotation_id,
        document_id,
        start,
        end,
        author,
        created,
        uid,
        modified,
        status,
        reviewer,
        reviewed_at,
    ) in rows:
        sha = shas[document_id]
        created = as_stored(created) or ""
        identity = (sha, start, end, author, created)
        key = uid or derived_uid(sha, start, end, author, created)
        if key in annotations:
            continue
        version = (
            f"{start},{end},{as_stored(modified)},{status or 'draft'},{as_stored(reviewed_at)},"
            f"{reviewer}"
        )
        annotations[key] = Scanned(annotation_id, key, uid, document_id, identity, version)
    return Scan(shas, annotations)


@dataclass(frozen=True)
class Version:
    """One annotation read whole."""

    id: int
    document_id: int
    uid: str
    identity: Identity
    tags: tuple[DatasetTag, ...]
    note: str
    status: str
    reviewer: str | None
    reviewed_at: dt.datetime | None
    review_comment: str
    created: dt.datetime
    modified: dt.datetime

    @property
    def span(self) -> tuple[int, int]:
        return self.identity[1], self.identity[2]

    def content(self) -> tuple[object, ...]:
        tags = tuple(
            sorted((t.name, repr(sorted(t.fields.items())), tuple(t.suggested)) for t in self.tags)
        )
        reviewed = stored_time(self.reviewed_at) if self.reviewed_at else None
        return (
            self.span,
            tags,
            self.note,
            self.status,
            self.reviewer,
            reviewed,
            self.review_comment,
        )


def read_versions(store: Store, rows: Iterable[Scanned]) -> dict[str, Version]:
    """The annotations `rows` whole, by uid."""
    by_id = {row.id: row for row in rows}
    ids = sorted(by_id)
    versions: dict[str, Version] = {}
    with store.read() as session:
        for first in range(0, len(ids), CHUNK):
            chunk = ids[first : first + CHUNK]
            tags: dict[int, list[DatasetTag]] = {}
            for annotation_id, name, fields, suggested in session.execute(
                select(
                    AnnotationTag.annotation_id,
                    Tag.name,
                    AnnotationTag.fields,
                    AnnotationTag.suggested,
                )
                .join(Tag, Tag.id == AnnotationTag.tag_id)
                .where(AnnotationTag.annotation_id.in_(chunk))
                .order_by(Tag.position, Tag.name)
            ):
                tags.setdefault(annotation_id, []).append(
                    DatasetTag(name, dict(fields or {}), tuple(suggested or ()))
                )
            for a in session.execute(
                select(Annotation)
                .where(Annotation.id.in_(chunk))
                .execution_options(populate_existing=True)
            ).scalars():
                row = by_id[a.id]
                versions[row.uid] = Version(
                    a.id,
                    a.document_id,
                    row.uid,
                    (row.identity[0], a.start, a.end, a.author, row.identity[4]),
                    tuple(tags.get(a.id, ())),
                    a.note or "",
                    a.status or "draft",
                    a.reviewer,
                    a.reviewed_at,
                    a.review_comment or "",
                    a.created,
                    a.modified,
                )
    return versions


def read_documents(store: Store, shas: set[str]) -> list[IncomingDocument]:
    """The documents of `store` with these SHA-256s, with their text and units."""
    if not shas:
        return []
    documents: list[IncomingDocument] = []
    with store.read() as session:
        wanted = sorted(shas)
        for first in range(0, len(wanted), CHUNK):
            found = list(
                session.scalars(
                    select(Document)
                    .where(Document.sha256.in_(wanted[first : first + CHUNK]))
                    .order_by(Document.id)
                )
            )
            units: dict[int, list[tuple[int, int, str]]] = {}
            for doc_id, start, end, kind in session.execute(
                select(Unit.document_id, Unit.start, Unit.end, Unit.kind)
                .where(Unit.document_id.in_([doc.id for doc in found]))
                .order_by(Unit.document_id, Unit.ordinal)
            ):
                units.setdefault(doc_id, []).append((start, end, str(kind)))
            seen = {d.sha256 for d in documents}
            for doc in found:
                if doc.sha256 in seen:
                    continue
                seen.add(doc.sha256)
                documents.append(
                    IncomingDocument(
                        sha256=doc.sha256,
                        text=doc.text,
                        title=doc.title,
                        source_name=doc.source_name,
                        issuer=doc.issuer,
                        published=doc.published,
                        language=doc.language,
                        metadata_known=True,
                        units=tuple(units.get(doc.id, ())),
                    )
                )
    return documents


def read_history(store: Store, ids: list[int]) -> dict[int, tuple[IncomingHistory, ...]]:
    """The history rows of these annotations, oldest first, by annotation id."""
    grouped: dict[int, list[IncomingHistory]] = {}
    with store.read() as session:
        for first in range(0, len(ids), CHUNK):
            for row in session.execute(
                select(AnnotationHistory)
                .where(AnnotationHistory.annotation_id.in_(ids[first : first + CHUNK]))
                .order_by(AnnotationHistory.annotation_id, AnnotationHistory.id)
            ).scalars():
                grouped.setdefault(row.annotation_id, []).append(
                    IncomingHistory(
                        row.action, row.actor, row.at, row.before, row.after, row.comment or ""
                    )
                )
    return {key: tuple(value) for key, value in grouped.items()}


def new_ids(store: Store, identities: Iterable[Identity]) -> dict[Identity, int]:
    """The ids of the annotations with these identities (just written by a merge)."""
    wanted = set(identities)
    found: dict[Identity, int] = {}
    if not wanted:
        return found
    with store.read() as session:
        for sha in {identity[0] for identity in wanted}:
            rows: Any = session.execute(
                select(
                    Annotation.id,
                    Annotation.start,
                    Annotation.end,
                    Annotation.author,
                    type_coerce(Annotation.created, Text),
                )
                .join(Document, Document.id == Annotation.document_id)
                .where(Document.sha256 == sha)
            )
            for annotation_id, start, end, author, created in rows:
                identity = (sha, start, end, author, as_stored(created) or "")
                if identity in wanted:
                    found[identity] = annotation_id
    return found
