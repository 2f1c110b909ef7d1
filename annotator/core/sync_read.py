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
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Text, select, text, type_coerce

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


def as_stored(value: str | None) -> str | None:
    """A stored time as `stored_time` writes it (text from an older writer is converted)."""
    if value is None or (len(value) == 32 and value.endswith("+00:00")) or STORED_TIME.fullmatch(
        value
    ):
        return value
    parsed = dt.datetime.fromisoformat(value)
    return stored_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))


class Scanned(NamedTuple):
    """One annotation as the scan sees it (a tuple: a scan makes one per annotation)."""

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
    marks: str  # `marks` read just before the rows

    def document_ids(self) -> dict[str, int]:
        """sha256 -> document id (the first of a text held twice)."""
        found: dict[str, int] = {}
        for document_id, sha in self.shas.items():
            found.setdefault(sha, document_id)
        return found


# How many documents, annotations and history rows a database holds, and its newest history
# row: every change an Annotator writes changes one of them (each writes a history row; a
# removed document takes its annotations' rows with it).
_MARKS = text(
    "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM annotations), "
    "(SELECT count(*) FROM annotation_history), (SELECT max(id) FROM annotation_history)"
)


def marks(store: Store) -> str:
    """`_MARKS` of `store` as one string: equal to a former one, nothing changed since."""
    with store.read() as session:
        return _marks(session.connection())


def _marks(connection: Any) -> str:
    return ",".join(str(value) for value in connection.execute(_MARKS).one())


def scan(store: Store, derived: dict[Identity, str] | None = None) -> Scan:
    """Every document's sha and every annotation's `Scanned`; the marks first: a change made
    after they were read changes them, whether or not the rows show it. `derived` keeps the
    uids derived from identities between the scans of one sync."""
    derived = {} if derived is None else derived
    with store.read() as session:
        connection = session.connection()
        found = _marks(connection)
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
        if created is None or len(created) != 32 or created[26:] != "+00:00":
            created = as_stored(created) or ""  # (the common case tested inline: 100,000 rows)
        identity = (sha, start, end, author, created)
        key = uid or derived.get(identity)
        if key is None:
            key = derived[identity] = derived_uid(sha, start, end, author, created)
        if key in annotations:
            continue
        version = f"{start},{end},{modified},{status or 'draft'},{reviewed_at},{reviewer}"
        annotations[key] = Scanned(annotation_id, key, uid, document_id, identity, version)
    return Scan(shas, annotations, found)


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
    stored_times: tuple[str | None, str | None, str | None]  # created, modified, reviewed_at

    @property
    def span(self) -> tuple[int, int]:
        return self.identity[1], self.identity[2]

    def content(self) -> tuple[object, ...]:
        tags = tuple(
            sorted((t.name, repr(sorted(t.fields.items())), tuple(t.suggested)) for t in self.tags)
        )
        reviewed = stored_time(self.reviewed_at) if self.reviewed_at else None
        return (
            self.span, tags, self.note, self.status, self.reviewer, reviewed, self.review_comment
        )


# More rows than this are read with one statement for the whole table, the others dropped.
WHOLE_TABLE = 5_000


def _time(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _in_chunks(ids: list[int]) -> list[list[int] | None]:
    """IN lists of at most CHUNK ids, or [None] (the whole table) when they are many."""
    if len(ids) > WHOLE_TABLE:
        return [None]
    return [ids[first : first + CHUNK] for first in range(0, len(ids), CHUNK)]


def read_versions(store: Store, rows: Iterable[Scanned]) -> dict[str, Version]:
    """The annotations `rows` whole, by uid (plain reads, no ORM objects)."""
    by_id = {row.id: row for row in rows}
    ids = sorted(by_id)
    versions: dict[str, Version] = {}
    if not ids:
        return versions
    tag_statement = (
        select(AnnotationTag.annotation_id, Tag.name, type_coerce(AnnotationTag.fields, Text),
               type_coerce(AnnotationTag.suggested, Text))
        .join(Tag, Tag.id == AnnotationTag.tag_id)
        .order_by(AnnotationTag.annotation_id, Tag.position, Tag.name)
    )
    statement = select(
        Annotation.id, Annotation.start, Annotation.end, Annotation.author,
        type_coerce(Annotation.created, Text), type_coerce(Annotation.modified, Text),
        Annotation.note, Annotation.status, Annotation.reviewer,
        type_coerce(Annotation.reviewed_at, Text), Annotation.review_comment,
    )
    decoded: dict[tuple[str, str, str], DatasetTag] = {}  # one value for repeated fields
    with store.read() as session:
        connection = session.connection()
        for chunk in _in_chunks(ids):
            tags: dict[int, list[DatasetTag]] = {}
            chosen = tag_statement if chunk is None else tag_statement.where(
                AnnotationTag.annotation_id.in_(chunk)
            )
            for annotation_id, name, fields, suggested in bulk_select(connection, chosen):
                if annotation_id not in by_id:
                    continue
                key = (name, fields or "{}", suggested or "[]")
                tag = decoded.get(key)
                if tag is None:
                    tag = decoded[key] = DatasetTag(
                        name, dict(json.loads(key[1]) or {}), tuple(json.loads(key[2]) or ())
                    )
                tags.setdefault(annotation_id, []).append(tag)
            annotations = statement if chunk is None else statement.where(
                Annotation.id.in_(chunk)
            )
            for (annotation_id, start, end, author, created, modified, note, status, reviewer,
                 reviewed_at, review_comment) in bulk_select(connection, annotations):
                row = by_id.get(annotation_id)
                if row is None:
                    continue
                created_at = _time(created)
                modified_at = _time(modified)
                assert created_at is not None and modified_at is not None
                versions[row.uid] = Version(
                    annotation_id, row.document_id, row.uid,
                    (row.identity[0], start, end, author, row.identity[4]),
                    tuple(tags.get(annotation_id, ())), note or "", status or "draft", reviewer,
                    _time(reviewed_at), review_comment or "", created_at, modified_at,
                    (_exact(created), _exact(modified), _exact(reviewed_at)),
                )
    return versions


def _exact(text: str | None) -> str | None:
    """`text` when it is exactly what `stored_time` writes (a merge writes it as it is)."""
    return text if text is not None and STORED_TIME.fullmatch(text) else None


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
    """The history rows of these annotations, oldest first, by annotation id (snapshots kept
    as their stored JSON text)."""
    wanted = set(ids)
    grouped: dict[int, list[IncomingHistory]] = {}
    statement = select(
        AnnotationHistory.annotation_id, AnnotationHistory.action, AnnotationHistory.actor,
        type_coerce(AnnotationHistory.at, Text), type_coerce(AnnotationHistory.before, Text),
        type_coerce(AnnotationHistory.after, Text), AnnotationHistory.comment,
    ).order_by(AnnotationHistory.annotation_id, AnnotationHistory.id)
    with store.read() as session:
        connection = session.connection()
        for chunk in _in_chunks(sorted(wanted)):
            chosen = statement if chunk is None else statement.where(
                AnnotationHistory.annotation_id.in_(chunk)
            )
            for annotation_id, action, actor, at, before, after, comment in bulk_select(
                connection, chosen
            ):
                if annotation_id not in wanted:
                    continue
                at_time = _time(at)
                assert at_time is not None
                grouped.setdefault(annotation_id, []).append(IncomingHistory.stored(
                    action, actor, at_time, _json_text(before), _json_text(after),
                    comment or "", _exact(at),
                ))
    return {key: tuple(value) for key, value in grouped.items()}


def _json_text(text: str | None) -> str | None:
    """A stored snapshot's JSON text; None for SQL NULL or JSON null."""
    return None if text is None or text == "null" else text


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


def deleted_on(store: Store, scanned: Scan, rows: list[Scanned]) -> set[str]:
    """The uids of `rows` (annotations `store` no longer has) whose deletion `store` records:
    a "delete" history row with the same identity, or their document removed. An annotation
    missing without either was never deleted there (a database restored from a backup)."""
    present = scanned.document_ids()
    deleted = {row.uid for row in rows if row.identity[0] not in present}
    wanted = {row.identity: row.uid for row in rows if row.uid not in deleted}
    shas = {identity[0] for identity in wanted}
    documents = sorted(doc_id for doc_id, sha in scanned.shas.items() if sha in shas)
    if not documents:
        return deleted
    statement = select(
        AnnotationHistory.document_id, type_coerce(AnnotationHistory.before, Text)
    ).where(AnnotationHistory.action == "delete")
    with store.read() as session:
        connection = session.connection()
        for first in range(0, len(documents), CHUNK):
            for document_id, before in bulk_select(connection, statement.where(
                AnnotationHistory.document_id.in_(documents[first : first + CHUNK])
            )):
                snapshot = json.loads(before) if before else None
                if not isinstance(snapshot, dict):
                    continue
                identity = (
                    scanned.shas.get(document_id, ""), snapshot.get("start"),
                    snapshot.get("end"), snapshot.get("author"),
                    as_stored(snapshot.get("created")) or "",
                )
                uid = wanted.get(identity)  # type: ignore[arg-type]
                if uid is not None:
                    deleted.add(uid)
    return deleted
