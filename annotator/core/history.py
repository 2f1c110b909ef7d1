"""Annotation snapshots and the change history written with every change.

A snapshot is everything about one annotation (span, author, times, note, review, tags with
their fields), enough to put it back exactly under the same id: undo/redo and "restore a deleted
annotation" both use it. Each change writes one `AnnotationHistory` row (who, when, action,
snapshot before and after) inside the change's own transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

from annotator.core.facts import AnnotationSnapshot as AnnotationSnapshot
from annotator.core.facts import TagSnapshot as TagSnapshot
from annotator.core.model import Annotation, AnnotationHistory, utcnow
from annotator.core.store import Store

ACTIONS = (
    "create",
    "tag_add",
    "tag_remove",
    "fields",
    "note",
    "span",
    "delete",
    "restore",
    "review",
    "import",
    "author",  # given to another author (a sync taking a name as the role's: sync_mine.py)
)


def snapshot_of(annotation: Annotation) -> AnnotationSnapshot:
    return AnnotationSnapshot(
        id=annotation.id,
        document_id=annotation.document_id,
        start=annotation.start,
        end=annotation.end,
        author=annotation.author,
        created=annotation.created,
        modified=annotation.modified,
        note=annotation.note,
        tags=tuple(
            TagSnapshot(t.tag.name, dict(t.fields), tuple(t.suggested))
            for t in sorted(annotation.tags, key=lambda t: (t.tag.position, t.tag.name))
        ),
        status=annotation.status or "draft",
        reviewer=annotation.reviewer,
        reviewed_at=annotation.reviewed_at,
        review_comment=annotation.review_comment or "",
    )


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def snapshot_to_json(snapshot: AnnotationSnapshot) -> dict[str, Any]:
    """A plain-JSON form of a snapshot (stored in the history, exported, merged)."""
    return {
        "id": snapshot.id,
        "document_id": snapshot.document_id,
        "start": snapshot.start,
        "end": snapshot.end,
        "author": snapshot.author,
        "created": _time(snapshot.created),
        "modified": _time(snapshot.modified),
        "note": snapshot.note,
        "tags": [
            {"name": t.name, "fields": dict(t.fields), "suggested": list(t.suggested)}
            for t in snapshot.tags
        ],
        "status": snapshot.status,
        "reviewer": snapshot.reviewer,
        "reviewed_at": _time(snapshot.reviewed_at),
        "review_comment": snapshot.review_comment,
    }


def snapshot_from_json(data: Mapping[str, Any]) -> AnnotationSnapshot:
    created = _parse_time(data.get("created")) or utcnow()
    return AnnotationSnapshot(
        id=int(data["id"]),
        document_id=int(data["document_id"]),
        start=int(data["start"]),
        end=int(data["end"]),
        author=str(data["author"]),
        created=created,
        modified=_parse_time(data.get("modified")) or created,
        note=str(data.get("note") or ""),
        tags=tuple(
            TagSnapshot(
                str(t["name"]), dict(t.get("fields") or {}), tuple(t.get("suggested") or ())
            )
            for t in data.get("tags") or ()
        ),
        status=str(data.get("status") or "draft"),
        reviewer=data.get("reviewer"),
        reviewed_at=_parse_time(data.get("reviewed_at")),
        review_comment=str(data.get("review_comment") or ""),
    )


def record(
    session: Session,
    action: str,
    actor: str,
    before: AnnotationSnapshot | None,
    after: AnnotationSnapshot | None,
    comment: str = "",
) -> None:
    """Add one history row to the caller's transaction."""
    subject = after or before
    assert subject is not None, "a history entry needs a before or an after"
    session.add(
        AnnotationHistory(
            annotation_id=subject.id,
            document_id=subject.document_id,
            action=action,
            actor=actor,
            at=utcnow(),
            before=snapshot_to_json(before) if before else None,
            after=snapshot_to_json(after) if after else None,
            comment=comment,
        )
    )


def record_row(
    connection: Connection,
    action: str,
    actor: str,
    before: AnnotationSnapshot | None,
    after: AnnotationSnapshot | None,
    comment: str = "",
) -> None:
    """`record` with one Core insert on the caller's transaction (no ORM session): the edits
    made at a key press write their history row this way (`annotation_rows`)."""
    connection.execute(_INSERT_ROW, history_values(action, actor, before, after, comment))


def history_values(
    action: str,
    actor: str,
    before: AnnotationSnapshot | None,
    after: AnnotationSnapshot | None,
    comment: str = "",
) -> dict[str, Any]:
    """The values of one history row (HISTORY_COLUMNS), for a Core insert."""
    subject = after or before
    assert subject is not None, "a history entry needs a before or an after"
    return {
        "annotation_id": subject.id,
        "document_id": subject.document_id,
        "action": action,
        "actor": actor,
        "at": utcnow(),
        "before": snapshot_to_json(before) if before else None,
        "after": snapshot_to_json(after) if after else None,
        "comment": comment,
    }


_INSERT_ROW = insert(cast(Table, AnnotationHistory.__table__))


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    annotation_id: int
    document_id: int
    action: str
    actor: str
    at: dt.datetime
    before: AnnotationSnapshot | None
    after: AnnotationSnapshot | None
    comment: str


def _entries(store: Store, *conditions: Any) -> list[HistoryEntry]:
    with store.read() as session:
        rows = session.execute(
            select(
                AnnotationHistory.id,
                AnnotationHistory.annotation_id,
                AnnotationHistory.document_id,
                AnnotationHistory.action,
                AnnotationHistory.actor,
                AnnotationHistory.at,
                AnnotationHistory.before,
                AnnotationHistory.after,
                AnnotationHistory.comment,
            )
            .where(*conditions)
            .order_by(AnnotationHistory.id)
        ).all()
    return [
        HistoryEntry(
            id=row.id,
            annotation_id=row.annotation_id,
            document_id=row.document_id,
            action=row.action,
            actor=row.actor,
            at=row.at,
            before=snapshot_from_json(row.before) if row.before else None,
            after=snapshot_from_json(row.after) if row.after else None,
            comment=row.comment or "",
        )
        for row in rows
    ]


def annotation_history(store: Store, annotation_id: int) -> list[HistoryEntry]:
    """Every recorded change of one annotation, oldest first."""
    return _entries(store, AnnotationHistory.annotation_id == annotation_id)


def deleted_annotations(store: Store, document_id: int) -> list[HistoryEntry]:
    """The last deletion of each annotation of a document that is still deleted."""
    entries = _entries(
        store, AnnotationHistory.document_id == document_id, AnnotationHistory.action == "delete"
    )
    with store.read() as session:
        alive = set(
            session.scalars(select(Annotation.id).where(Annotation.document_id == document_id))
        )
    last: dict[int, HistoryEntry] = {}
    for entry in entries:
        if entry.annotation_id not in alive:
            last[entry.annotation_id] = entry
    return sorted(last.values(), key=lambda e: e.id, reverse=True)


HISTORY_COLUMNS = (
    "annotation_id", "document_id", "action", "actor", "at", "before", "after", "comment"
)


def creation_row(
    action: str,
    actor: str,
    at: str,
    annotation: tuple[int, int, int, int, str, str, str, str],
    tags: Sequence[tuple[str, str, Sequence[str]]],
    review: tuple[str, str | None, str | None, str] = ("draft", None, None, ""),
) -> tuple[object, ...]:
    """A history row (in stored form, for `store.bulk_insert`) for a newly added annotation.

    `annotation` is (id, document_id, start, end, author, created, modified, note) with times
    already as stored ISO text; `tags` are (name, fields as json.dumps text, suggested names);
    `review` is (status, reviewer, reviewed_at, comment), the time also as stored text.
    """
    status, reviewer, reviewed_at, review_comment = review
    annotation_id, document_id, start, end, author, created, modified, note = annotation
    # The text json.dumps would give for the snapshot dict (keys in snapshot_to_json's order),
    # assembled from its parts: a bulk merge writes 100,000 of these.
    text = _string
    tags_json = ", ".join(
        f'{{"name": {text(name)}, "fields": {fields_json}, '
        f'"suggested": {_dumps(list(suggested)) if suggested else "[]"}}}'
        for name, fields_json, suggested in tags
    )
    after = (
        f'{{"id": {int(annotation_id)}, "document_id": {int(document_id)}, '
        f'"start": {int(start)}, "end": {int(end)}, "author": {text(author)}, '
        f'"created": {text(created)}, "modified": {text(modified)}, "note": {text(note)}, '
        f'"tags": [{tags_json}], "status": {text(status)}, '
        f'"reviewer": {"null" if reviewer is None else text(reviewer)}, '
        f'"reviewed_at": {"null" if reviewed_at is None else text(reviewed_at)}, '
        f'"review_comment": {text(review_comment)}}}'
    )
    return (annotation_id, document_id, action, actor, at, None, after, "")


_string = json.encoder.encode_basestring_ascii  # json.dumps's own str encoder (C)
_dumps = json.dumps
