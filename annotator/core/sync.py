"""Syncing an offline laptop's database file with the team database on a server.

`sync(local, server)` pulls the server's documents and every annotation the file does not have
yet (the general merge path, `interchange.merge.merge_incoming`, reading the server through its
Store), and pushes the analyst's own layer (annotations whose author is the analyst: by default
the role connected to the server) the same way into the server: one transaction, under the
server's write lock, so row-level security judges every row.

The same annotation on both sides is recognised as the merge recognises it, less the tags
(which an edit changes): its document's SHA-256, its span, its author and its creation time
(stored to the microsecond). When its content (tags with fields, note, review) differs, the
side changed since the last sync wins; changed on both sides, the later modification wins and
this is a conflict, reported. The other side takes the winning version with a history row
whose snapshots hold both versions ("before" the losing one, "after" the winner) and whose
comment says which won; a conflict also leaves that row on the winning side. Annotations of
others are never pushed: the server's version of them always wins on the laptop.

The time of the last sync with a server is kept in the file's `meta` table. Syncing twice
changes nothing the second time. Deletions are not synced: an annotation deleted on one side
comes back from the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from annotator.core.dataset import DatasetTag
from annotator.core.errors import AnnotatorError
from annotator.core.history import record, snapshot_of
from annotator.core.interchange.merge import EXTRA_TAG_COLOURS, merge_incoming
from annotator.core.interchange.records import (
    IncomingAnnotation,
    IncomingDocument,
    IncomingHistory,
    IncomingSet,
)
from annotator.core.model import (
    Annotation,
    AnnotationHistory,
    AnnotationTag,
    Document,
    Meta,
    Tag,
    Unit,
)
from annotator.core.ops import stored_time, tag_ids_by_name
from annotator.core.store import Store

SYNC_ACTION = "import"  # the history action of a version taken from the other side
SYNC_FORMAT = "annotator-sync"

# (document sha256, start, end, author, created as stored)
Identity = tuple[str, int, int, str, str]
TagContent = tuple[tuple[str, str, tuple[str, ...]], ...]


class SyncFailed(AnnotatorError):
    """The sync stopped (the server unreachable...); what it had not committed is not written."""


@dataclass(frozen=True)
class _Version:
    """One annotation as one side holds it."""

    id: int
    document_id: int
    identity: Identity
    tags: tuple[DatasetTag, ...]
    note: str
    status: str
    reviewer: str | None
    reviewed_at: dt.datetime | None
    review_comment: str
    created: dt.datetime
    modified: dt.datetime

    def content(self) -> tuple[object, ...]:
        tags: TagContent = tuple(
            sorted((t.name, repr(sorted(t.fields.items())), tuple(t.suggested)) for t in self.tags)
        )
        reviewed = stored_time(self.reviewed_at) if self.reviewed_at else None
        return (tags, self.note, self.status, self.reviewer, reviewed, self.review_comment)


@dataclass(frozen=True)
class Conflict:
    """An annotation edited on both sides since the last sync."""

    identity: Identity
    winner: str  # "laptop" | "server"
    laptop_modified: dt.datetime
    server_modified: dt.datetime

    def describe(self) -> str:
        sha, start, end, author, _created = self.identity
        loser = "server" if self.winner == "laptop" else "laptop"
        return (
            f"annotation [{start}, {end}) by {author} in document {sha[:12]}: the {self.winner}'s "
            f"version kept (modified later), the {loser}'s kept in history"
        )


@dataclass
class SyncReport:
    server: str  # the server database as shown (never a password)
    pulled_documents: int = 0
    pulled_annotations: int = 0
    pulled_updates: int = 0
    pushed_documents: int = 0
    pushed_annotations: int = 0
    pushed_updates: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changed_nothing(self) -> bool:
        return not (
            self.pulled_documents or self.pulled_annotations or self.pulled_updates
            or self.pushed_documents or self.pushed_annotations or self.pushed_updates
        )

    def lines(self) -> list[str]:
        """One line per direction, then one per conflict."""
        return [
            f"pulled from {self.server}: {self.pulled_documents} document(s), "
            f"{self.pulled_annotations} annotation(s) added, {self.pulled_updates} updated",
            f"pushed to {self.server}: {self.pushed_documents} document(s), "
            f"{self.pushed_annotations} annotation(s) added, {self.pushed_updates} updated",
            *(f"conflict: {c.describe()}" for c in self.conflicts),
        ]


@dataclass
class _Side:
    documents: dict[str, IncomingDocument]
    versions: dict[Identity, _Version]


def _read_side(store: Store) -> _Side:
    """Every document (with its text and units) and annotation of `store`, read through its
    Store (either back end)."""
    with store.read() as session:
        units: dict[int, list[tuple[int, int, str]]] = {}
        for doc_id, start, end, kind in session.execute(
            select(Unit.document_id, Unit.start, Unit.end, Unit.kind).order_by(
                Unit.document_id, Unit.ordinal
            )
        ):
            units.setdefault(doc_id, []).append((start, end, str(kind)))
        documents: dict[str, IncomingDocument] = {}
        sha_of: dict[int, str] = {}
        for doc in session.scalars(select(Document).order_by(Document.id)):
            sha_of[doc.id] = doc.sha256
            documents[doc.sha256] = IncomingDocument(
                sha256=doc.sha256, text=doc.text, title=doc.title, source_name=doc.source_name,
                issuer=doc.issuer, published=doc.published, language=doc.language,
                metadata_known=True, units=tuple(units.get(doc.id, ())),
            )
        tags: dict[int, list[DatasetTag]] = {}
        for annotation_id, name, fields, suggested in session.execute(
            select(AnnotationTag.annotation_id, Tag.name, AnnotationTag.fields,
                   AnnotationTag.suggested)
            .join(Tag, Tag.id == AnnotationTag.tag_id)
            .order_by(Tag.position, Tag.name)
        ):
            tags.setdefault(annotation_id, []).append(
                DatasetTag(name, dict(fields or {}), tuple(suggested or ()))
            )
        versions: dict[Identity, _Version] = {}
        for a in session.execute(select(Annotation).execution_options(populate_existing=True)
                                 ).scalars():
            identity = (sha_of[a.document_id], a.start, a.end, a.author, stored_time(a.created))
            versions[identity] = _Version(
                a.id, a.document_id, identity, tuple(tags.get(a.id, ())), a.note or "",
                a.status or "draft", a.reviewer, a.reviewed_at, a.review_comment or "",
                a.created, a.modified,
            )
    return _Side(documents, versions)


def _history(store: Store, ids: list[int]) -> dict[int, tuple[IncomingHistory, ...]]:
    grouped: dict[int, list[IncomingHistory]] = {}
    if not ids:
        return {}
    with store.read() as session:
        for start in range(0, len(ids), 500):
            for row in session.execute(
                select(AnnotationHistory)
                .where(AnnotationHistory.annotation_id.in_(ids[start : start + 500]))
                .order_by(AnnotationHistory.annotation_id, AnnotationHistory.id)
            ).scalars():
                grouped.setdefault(row.annotation_id, []).append(
                    IncomingHistory(
                        row.action, row.actor, row.at, row.before, row.after, row.comment or ""
                    )
                )
    return {key: tuple(value) for key, value in grouped.items()}


def _incoming(
    source: str, side: _Side, versions: list[_Version], history: dict[int, Any],
    documents: set[str],
) -> IncomingSet:
    incoming = IncomingSet(source=source, format=SYNC_FORMAT)
    incoming.documents = [side.documents[sha] for sha in sorted(documents)]
    incoming.annotations = [
        IncomingAnnotation(
            v.identity[0], v.identity[1], v.identity[2], v.identity[3], v.tags, v.created,
            v.modified, v.note, None, None, None, v.status, v.reviewer, v.reviewed_at,
            v.review_comment, history.get(v.id, ()),
        )
        for v in versions
    ]
    return incoming


def _meta_key(server: Store) -> str:
    return "sync:" + hashlib.sha256(server.key.encode()).hexdigest()[:40]


def last_sync(local: Store, server: Store) -> dt.datetime | None:
    """When `local` last synced with `server` (None: never)."""
    with local.read() as session:
        value = session.scalar(select(Meta.value).where(Meta.key == _meta_key(server)))
    return dt.datetime.fromisoformat(value) if value else None


def _ensure_tag(session: Session, known: dict[str, int], name: str) -> int:
    if name not in known:
        position = max((t.position for t in session.scalars(select(Tag))), default=0) + 1
        tag = Tag(name=name, colour=EXTRA_TAG_COLOURS[len(known) % len(EXTRA_TAG_COLOURS)],
                  shortcut=None, position=position)
        session.add(tag)
        session.flush()
        known[name] = tag.id
    return known[name]


def _take(store: Store, target: _Version, winner: _Version, actor: str, comment: str) -> None:
    """Give `target` (an annotation of `store`) the content of `winner`, with a history row."""
    with store.write() as session:
        annotation = session.get(Annotation, target.id)
        if annotation is None:
            return
        before = snapshot_of(annotation)
        known = tag_ids_by_name(session)
        annotation.note = winner.note
        annotation.status = winner.status
        annotation.reviewer = winner.reviewer
        annotation.reviewed_at = winner.reviewed_at
        annotation.review_comment = winner.review_comment
        annotation.modified = winner.modified
        annotation.tags = [
            AnnotationTag(tag_id=_ensure_tag(session, known, t.name), fields=dict(t.fields),
                          suggested=list(t.suggested))
            for t in winner.tags
        ]
        session.flush()
        session.refresh(annotation)
        record(session, SYNC_ACTION, actor, before, snapshot_of(annotation), comment)


def _note_conflict(store: Store, kept: _Version, lost_before: Any, actor: str,
                   comment: str) -> None:
    """On the winning side: a history row holding the losing version ("before")."""
    with store.write() as session:
        annotation = session.get(Annotation, kept.id)
        if annotation is None:
            return
        after = snapshot_of(annotation)
        record(session, SYNC_ACTION, actor, lost_before, after, comment)


def sync(local: Store, server: Store, analyst: str | None = None) -> SyncReport:
    """Pull the server's documents and annotations into `local`, push `analyst`'s layer
    (default: the role connected to the server) into `server`. SyncFailed when the server
    cannot be reached or refuses a write; what was committed stays (a retry completes it)."""
    try:
        return _sync(local, server, analyst or server.user or "")
    except DBAPIError as exc:
        # the server's own first line (never the statement or its values)
        lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
        reason = lines[0] if lines else type(exc.orig or exc).__name__
        raise SyncFailed(
            f"sync with {server.label} stopped ({reason}); nothing of the unfinished step was "
            "written, sync again to complete it"
        ) from exc


def _sync(local: Store, server: Store, analyst: str) -> SyncReport:
    if not analyst:
        raise SyncFailed("sync needs the analyst whose layer to push")
    report = SyncReport(server=server.label)
    since = last_sync(local, server)
    started = dt.datetime.now(dt.UTC)
    here, there = _read_side(local), _read_side(server)

    # Pull: what the server has and the laptop does not.
    missing = [v for key, v in there.versions.items() if key not in here.versions]
    new_documents = set(there.documents) - set(here.documents)
    if missing or new_documents:
        history = _history(server, [v.id for v in missing])
        needed = new_documents | {v.identity[0] for v in missing}
        pulled = merge_incoming(
            local, _incoming(server.label, there, missing, history, needed & set(there.documents))
        )
        report.pulled_documents = pulled.documents_added
        report.pulled_annotations = pulled.annotations_added

    # Push: the analyst's own annotations the server does not have.
    own = [
        v for key, v in here.versions.items() if v.identity[3] == analyst
        and key not in there.versions
    ]
    if own:
        history = _history(local, [v.id for v in own])
        pushed = merge_incoming(
            server,
            _incoming(local.label, here, own, history, {v.identity[0] for v in own}),
        )
        report.pushed_documents = pushed.documents_added
        report.pushed_annotations = pushed.annotations_added

    # Both sides have it: the changed (or, changed on both, the later) version wins.
    for key, theirs in there.versions.items():
        mine = here.versions.get(key)
        if mine is None or mine.content() == theirs.content():
            continue
        _settle(local, server, mine, theirs, since, analyst, report)

    with local.write() as session:
        row = session.get(Meta, _meta_key(server))
        value = stored_time(started)
        if row is None:
            session.add(Meta(key=_meta_key(server), value=value))
        else:
            row.value = value
    return report


def _settle(local: Store, server: Store, mine: _Version, theirs: _Version,
            since: dt.datetime | None, analyst: str, report: SyncReport) -> None:
    changed_here = since is None or mine.modified > since
    changed_there = since is None or theirs.modified > since
    ours = mine.identity[3] == analyst
    conflict = changed_here and changed_there
    if not ours or (changed_there and not changed_here):
        laptop_wins = False
    elif changed_here and not changed_there:
        laptop_wins = True
    else:
        laptop_wins = mine.modified > theirs.modified
    if conflict:
        report.conflicts.append(Conflict(
            mine.identity, "laptop" if laptop_wins else "server", mine.modified, theirs.modified
        ))
    winner = "laptop" if laptop_wins else "server"
    loser = "server" if laptop_wins else "laptop"
    comment = (
        f"sync conflict: the {winner}'s version kept (modified "
        f"{stored_time((mine if laptop_wins else theirs).modified)}), the {loser}'s lost "
        f"(modified {stored_time((theirs if laptop_wins else mine).modified)})"
        if conflict else f"sync: the {winner}'s version taken"
    )
    if laptop_wins:
        lost = _snapshot(server, theirs.id)
        _take(server, theirs, mine, analyst, comment)
        report.pushed_updates += 1
        if conflict and lost is not None:
            _note_conflict(local, mine, lost, analyst, comment)
    else:
        lost = _snapshot(local, mine.id)
        _take(local, mine, theirs, analyst, comment)
        report.pulled_updates += 1
        if conflict and lost is not None and theirs.identity[3] == analyst:
            _note_conflict(server, theirs, lost, analyst, comment)


def _snapshot(store: Store, annotation_id: int) -> Any:
    with store.read() as session:
        annotation = session.get(Annotation, annotation_id)
        return None if annotation is None else snapshot_of(annotation)
