"""Bringing a colleague's work in: their Annotator database, or an annotation export.

A colleague's database is read strictly read-only (SQLite `mode=ro`) after
`store.inspect_database` has accepted it; its documents (with their text, so that a briefing
missing here is created) and annotations (authors, times, notes, tags with fields and
suggestions) become an `IncomingSet`, merged by `interchange.merge.merge_incoming` in one
transaction: documents matched by the SHA-256 of their text, authors kept, an annotation already
present skipped, nothing written on any error.

A document whose text differs: the colleague's briefing has the title or file name of a briefing
here but another text (a corrected version, another extraction). Matching by hash would quietly
add it as a second document and their annotations to it; instead it is left out and reported
("text differs from local document N; not merged"), unless `add_differing` is set.
Review columns (status, reviewer, time, comment) and each annotation's history are carried over
(databases of schema 0003 or later; older ones have neither): a merged annotation keeps its
review state and its recorded changes, followed by an "import" history row.

A database of the current schema is merged inside SQLite (colleague_attached.py: attached
read-only to the write connection, the rows copied by SQLite itself), writing exactly what
reading it here and `merge_incoming` would; anything it does not find regular (older schemas,
times stored otherwise, a value the form rejects...) takes that general path, which converts it
or refuses the file with its message.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.core.bulk import gc_paused
from annotator.core.connections import database_file, file_key, in_use, refuse_if_open
from annotator.core.dataset import DatasetTag
from annotator.core.errors import DatabaseRefused, ImportRefused
from annotator.core.inspection import (
    HEAD_REVISION,
    SQLITE_MAGIC,
    connect_for_reading,
    inspect_database,
)
from annotator.core.interchange.detect import annotation_format, read_annotation_file
from annotator.core.interchange.merge import MergeReport, merge_incoming
from annotator.core.interchange.records import (
    STORED_TIME,
    IncomingAnnotation,
    IncomingDocument,
    IncomingHistory,
    IncomingSet,
)
from annotator.core.model import Document
from annotator.core.ops import Changes
from annotator.core.sources import colleague_sources
from annotator.core.store import Store

DATABASE_FORMAT = "annotator-database"


@dataclass(frozen=True)
class NotMerged:
    """A colleague's document left out because its text differs from a local document's."""

    title: str
    sha256: str
    local_id: int
    annotations: int

    @property
    def reason(self) -> str:
        return f"text differs from local document {self.local_id}; not merged"

    def describe(self) -> str:
        return f"{self.title or self.sha256[:12]!r} ({self.annotations} annotation(s)): " + (
            self.reason
        )


@dataclass(frozen=True)
class ColleagueMergeReport:
    source: str
    format: str  # DATABASE_FORMAT, or the export format ("jsonl-spans", "w3c", "refi-qda")
    merge: MergeReport
    not_merged: tuple[NotMerged, ...] = field(default_factory=tuple)
    skipped: tuple[str, ...] = ()  # sources of a .qdpx left out, each with its reason

    @property
    def changes(self) -> Changes:
        return self.merge.changes

    def summary(self) -> str:
        """One line: what was added, what was already present, what was not merged."""
        merge = self.merge
        parts = [f"{merge.annotations_added} annotation(s) added"]
        parts.append(f"{merge.annotations_present} already present")
        if merge.documents_added:
            parts.append(f"{merge.documents_added} document(s) added")
        if merge.tags_added:
            parts.append(f"new tag(s): {', '.join(merge.tags_added)}")
        parts.extend(merge.sources.summary_parts())
        if self.not_merged:
            parts.append("not merged: " + "; ".join(item.describe() for item in self.not_merged))
        if self.skipped:
            parts.append("not imported: " + "; ".join(self.skipped))
        return f"{self.source}: " + ", ".join(parts)


# The schemas the merge inside SQLite reads: 0004 only added the search indexes, which it does
# not read (the merged rows are indexed by this database's triggers, migration 0004); 0005
# added the claim sources, read when present (sources.colleague_sources).
ATTACHED_REVISIONS = ("0003", "0004", HEAD_REVISION)


def _refuse(path: Path, reason: str) -> ImportRefused:
    return ImportRefused(f"{path.name}: {reason}; nothing merged")


def _connect(path: Path) -> sqlite3.Connection:
    # Through the file's owner: a read-only connection, immutable in a read-only folder.
    conn = connect_for_reading(database_file(path))
    conn.execute("PRAGMA query_only=ON")
    return conn


def _time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _times(value: object) -> tuple[dt.datetime | None, str | None]:
    """A stored time read back: (the time or None, its text if already in stored form)."""
    if value.__class__ is str and STORED_TIME.fullmatch(value):
        try:
            return dt.datetime.fromisoformat(value), value
        except ValueError:  # the right shape, but no such day or hour
            return None, None
    return _time(value), None


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _json(value: object, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(value, str):
        return json.loads(value)
    return value


def read_documents(
    conn: sqlite3.Connection, schema: str = "main"
) -> tuple[list[IncomingDocument], dict[int, str]]:
    """The documents of the database `schema` of `conn` (with their texts and units), and
    the SHA-256 of each by its id there."""
    documents: list[IncomingDocument] = []
    units: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for doc_id, start, end, kind in conn.execute(
        f'SELECT document_id, start, "end", kind FROM {schema}.units '
        "ORDER BY document_id, ordinal"
    ):
        units[doc_id].append((start, end, str(kind)))
    sha_of: dict[int, str] = {}
    for row in conn.execute(
        "SELECT id, sha256, text, title, source_name, issuer, published, language "
        f"FROM {schema}.documents ORDER BY id"
    ):
        doc_id, sha, text, title, source_name, issuer, published, language = row
        sha_of[doc_id] = sha
        documents.append(
            IncomingDocument(
                sha256=sha, text=text, title=title, source_name=source_name, issuer=issuer,
                published=_date(published), language=language, metadata_known=True,
                units=tuple(units.get(doc_id, ())),
            )
        )
    return documents, sha_of


def tag_value(name: str, fields: object, hints: object) -> DatasetTag:
    """A tag of an annotation as an annotation_tags row stores it (fields and suggestions as
    JSON text). Raises ValueError, TypeError for values that are not what the app stores."""
    return DatasetTag(name, dict(_json(fields, {})), tuple(_json(hints, [])))


def _read(conn: sqlite3.Connection, path: Path, revision: str) -> IncomingSet:
    incoming = IncomingSet(source=path.name, format=DATABASE_FORMAT)
    incoming.documents, sha_of = read_documents(conn)
    tag_rows = conn.execute("SELECT id, name, colour, position FROM tags").fetchall()
    incoming.tag_colours = {name: colour for _id, name, colour, _position in tag_rows}
    incoming.sources = colleague_sources(conn)
    tag_names = {tag_id: name for tag_id, name, _colour, _position in tag_rows}
    order = {name: (position, tag_id) for tag_id, name, _colour, position in tag_rows}
    # Revision 0001 had no "suggested" column (added in 0002).
    suggested = "suggested" if revision != "0001" else "'[]'"
    tags: dict[int, list[DatasetTag]] = defaultdict(list)
    # Most annotations repeat a few field combinations (likelihood codes...): decode each
    # distinct one once and share the (never modified) tag value; on 100,000 annotations this
    # halves the read.
    decoded: dict[tuple[int, object, object], DatasetTag] = {}
    for annotation_id, tag_id, fields, hints in conn.execute(
        f"SELECT annotation_id, tag_id, fields, {suggested} FROM annotation_tags"
    ):
        key = (tag_id, fields, hints)
        value = decoded.get(key)
        if value is None:
            value = decoded[key] = tag_value(tag_names[tag_id], fields, hints)
        tags[annotation_id].append(value)
    for listed in tags.values():
        if len(listed) > 1:
            listed.sort(key=lambda tag: order[tag.name])
    no_tags: list[DatasetTag] = []
    # Revision 0003 added the review columns and the history table.
    has_review = revision not in ("0001", "0002")
    history = _history(conn) if has_review else {}
    review = (
        "status, reviewer, reviewed_at, review_comment" if has_review else "'draft', NULL, NULL, ''"
    )
    append = incoming.annotations.append
    for row in conn.execute(
        f'SELECT id, document_id, start, "end", author, created, modified, note, {review} '
        "FROM annotations ORDER BY id"
    ):
        (annotation_id, doc_id, start, end, author, created, modified, note,
         status, reviewer, reviewed_at, review_comment) = row
        created_at, created_text = _times(created)
        # the merge takes the creation time when none is given: spare it the work
        modified_at, modified_text = (None, None) if modified == created else _times(modified)
        reviewed, reviewed_text = (None, None) if reviewed_at is None else _times(reviewed_at)
        append(IncomingAnnotation(
            sha_of[doc_id], start, end, author, tuple(tags.get(annotation_id, no_tags)),
            created_at, modified_at, note or "", None, None, None, status or "draft", reviewer,
            reviewed, review_comment or "", tuple(history.get(annotation_id, ())), "",
            (created_text, modified_text, reviewed_text),
        ))
    return incoming


def _history(conn: sqlite3.Connection) -> dict[int, list[IncomingHistory]]:
    """Each annotation's history rows, oldest first (snapshots kept as their stored text)."""
    grouped: dict[int, list[IncomingHistory]] = {}
    parse = dt.datetime.fromisoformat  # stored times always carry their offset (UTCDateTime)
    stored = IncomingHistory.stored
    as_stored = STORED_TIME.fullmatch
    for annotation_id, action, actor, at, before, after, comment in conn.execute(
        "SELECT annotation_id, action, actor, at, before, after, comment "
        "FROM annotation_history ORDER BY annotation_id, id"
    ):
        when = parse(at)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
            text = None
        else:
            text = at if as_stored(at) else None
        entry = stored(action, actor, when, before, after, comment or "", text)
        listed = grouped.get(annotation_id)
        if listed is None:
            grouped[annotation_id] = [entry]
        else:
            listed.append(entry)
    return grouped


def read_colleague_database(path: Path) -> IncomingSet:
    """Read another Annotator database, read-only, as an IncomingSet (texts included).

    Raises ImportRefused (the file untouched) for a missing file, a file that is not an
    Annotator database, a damaged one, or one written by a newer version.
    """
    try:
        state = inspect_database(path)
    except DatabaseRefused as exc:
        raise ImportRefused(f"{exc}; nothing merged") from exc
    if not state.exists:
        raise _refuse(path, "no such file")
    if state.revision is None:
        raise _refuse(path, "is an empty database, not a colleague's Annotator database")
    try:
        conn = _connect(path)
    except sqlite3.Error as exc:
        raise _refuse(path, f"cannot be opened read-only ({exc})") from exc
    try:
        with gc_paused():
            return _read(conn, path, state.revision)
    except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
        raise _refuse(path, f"is damaged or not readable ({type(exc).__name__}: {exc})") from exc
    finally:
        conn.close()


def read_colleague_file(path: Path) -> IncomingSet:
    """A colleague's database or annotation export (recognised by content) as an IncomingSet.

    Raises ImportRefused for anything else.
    """
    if not path.is_file():
        raise _refuse(path, "no such file" if not path.exists() else "is not a file")
    refuse_if_open(path, "merged")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror or exc})") from exc
    if head == SQLITE_MAGIC:
        return read_colleague_database(path)
    fmt = annotation_format(path)
    if fmt is None:
        raise _refuse(
            path,
            "is neither an Annotator database nor an annotation export "
            "(JSON Lines spans, W3C Web Annotation, REFI-QDA)",
        )
    return read_annotation_file(path, fmt)


def _set_aside_differing(
    store: Store, incoming: IncomingSet
) -> tuple[IncomingSet, tuple[NotMerged, ...]]:
    """Drop the documents (and their annotations) whose title or file name is that of a local
    document with another text."""
    with store.read() as session:
        differing = differing_documents(session, incoming.documents)
    if not differing:
        return incoming, ()
    counts: dict[str, int] = defaultdict(int)
    for annotation in incoming.annotations:
        if annotation.document_sha256 in differing:
            counts[annotation.document_sha256] += 1
    kept = replace(
        incoming,
        documents=[d for d in incoming.documents if d.sha256 not in differing],
        annotations=[a for a in incoming.annotations if a.document_sha256 not in differing],
    )
    return kept, not_merged(incoming.documents, differing, counts)


def differing_documents(session: Session, documents: list[IncomingDocument]) -> dict[str, int]:
    """sha256 -> local document id, for the `documents` (not here by their text) whose file
    name or title is that of a local document with another text."""
    rows = session.execute(
        select(Document.id, Document.sha256, Document.title, Document.source_name)
    ).all()
    hashes = {row.sha256 for row in rows}
    by_name: dict[tuple[str, str], int] = {}
    for row in rows:
        for key in (("title", row.title), ("source", row.source_name)):
            if key[1]:
                by_name.setdefault(key, row.id)
    differing: dict[str, int] = {}
    for document in documents:
        if document.sha256 in hashes:
            continue
        local = by_name.get(("source", document.source_name or "")) or by_name.get(
            ("title", document.title or "")
        )
        if local is not None:
            differing[document.sha256] = local
    return differing


def not_merged(
    documents: list[IncomingDocument], differing: dict[str, int], counts: Mapping[str, int]
) -> tuple[NotMerged, ...]:
    """What the report says of the documents set aside (`counts`: annotations by sha256)."""
    return tuple(
        NotMerged(
            title=document.title or document.source_name or "",
            sha256=document.sha256,
            local_id=differing[document.sha256],
            annotations=counts.get(document.sha256, 0),
        )
        for document in documents
        if document.sha256 in differing
    )


def merge_colleague(
    store: Store, path: Path, *, add_differing: bool = False
) -> ColleagueMergeReport:
    """Merge a colleague's database or export into `store`, all of it in one transaction.

    Re-merging the same file adds nothing. Documents whose text differs from a local document
    of the same title or file name are reported, not merged (with `add_differing`, they are
    added as new documents instead). Raises ImportRefused (nothing written) when the file
    cannot be read or does not fit, including when it is the open database itself.
    """
    try:
        if store.path is not None and file_key(path) == file_key(store.path):
            raise _refuse(path, "is the open database itself")
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror or exc})") from exc
    merged = _merge_attached(store, path, add_differing)
    if merged is not None:
        return merged
    incoming = read_colleague_file(path)
    set_aside: tuple[NotMerged, ...] = ()
    if not add_differing:
        incoming, set_aside = _set_aside_differing(store, incoming)
    report = merge_incoming(store, incoming)
    return ColleagueMergeReport(
        path.name, incoming.format, report, set_aside, tuple(incoming.skipped)
    )


def _merge_attached(
    store: Store, path: Path, add_differing: bool
) -> ColleagueMergeReport | None:
    """The merge of a colleague's database of the current schema inside SQLite
    (colleague_attached.py); None for anything else, or anything it leaves to the general path
    (which refuses it or converts its values)."""
    if store.on_server or not path.is_file() or in_use(path):
        return None  # ATTACH is SQLite's: a server database takes the general path
    try:
        state = inspect_database(path)
    except DatabaseRefused:
        return None
    if state.revision not in ATTACHED_REVISIONS:
        return None
    from annotator.core.colleague_attached import merge_attached  # it imports this module

    return merge_attached(store, path, add_differing=add_differing)
