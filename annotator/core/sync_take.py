"""Writing what a sync takes from the other side (sync.py): each losing annotation given the
winning version's content, span included, with a history row holding both versions, in a few
statements per side."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from annotator.core.history import AnnotationSnapshot, TagSnapshot, snapshot_to_json
from annotator.core.interchange.merge import EXTRA_TAG_COLOURS
from annotator.core.model import Annotation, AnnotationHistory, AnnotationTag, Tag
from annotator.core.ops import stored_time, tag_ids_by_name
from annotator.core.sync_read import Version

SYNC_ACTION = "import"  # the history action of a version taken from the other side


def snapshot(version: Version, annotation_id: int, document_id: int) -> AnnotationSnapshot:
    """`version` as a history snapshot of the annotation `annotation_id` of one side."""
    _sha, start, end, author, _created = version.identity
    return AnnotationSnapshot(
        id=annotation_id, document_id=document_id, start=start, end=end, author=author,
        created=version.created, modified=version.modified, note=version.note,
        tags=tuple(TagSnapshot(t.name, dict(t.fields), tuple(t.suggested)) for t in version.tags),
        status=version.status, reviewer=version.reviewer, reviewed_at=version.reviewed_at,
        review_comment=version.review_comment,
    )


_TAKE = (
    update(Annotation)
    .where(Annotation.id == bindparam("target"))
    .values(
        uid=bindparam("new_uid"), start=bindparam("new_start"), end=bindparam("new_end"),
        note=bindparam("new_note"), status=bindparam("new_status"),
        reviewer=bindparam("new_reviewer"), review_comment=bindparam("new_comment"),
        modified=bindparam("new_modified", type_=String),
        reviewed_at=bindparam("new_reviewed_at", type_=String),
    )
)


def take_all(
    session: Session, takes: list[tuple[Version, Version, str, bool]], actor: str
) -> list[AnnotationSnapshot | None]:
    """Give each losing version's annotation (of the session's database) the content of the
    winning one (span included), with a history row, in a few statements; the snapshots
    before (None: the annotation is gone)."""
    connection = session.connection()
    ids = [lost.id for lost, _kept, _comment, _note in takes]
    present = {
        annotation_id
        for first in range(0, len(ids), 500)
        for annotation_id in connection.execute(
            select(Annotation.id).where(Annotation.id.in_(ids[first : first + 500]))
        ).scalars()
    }
    known = tag_ids_by_name(session)
    befores: list[AnnotationSnapshot | None] = []
    changes: list[dict[str, object]] = []
    tags: list[dict[str, object]] = []
    history: list[dict[str, object]] = []
    now = dt.datetime.now(dt.UTC)
    for lost, kept, comment, _note in takes:
        if lost.id not in present:
            befores.append(None)
            continue
        before = snapshot(lost, lost.id, lost.document_id)
        after = snapshot(kept, lost.id, lost.document_id)
        befores.append(before)
        changes.append({
            "target": lost.id, "new_uid": kept.uid, "new_start": kept.span[0],
            "new_end": kept.span[1], "new_note": kept.note, "new_status": kept.status,
            "new_reviewer": kept.reviewer, "new_comment": kept.review_comment,
            "new_modified": stored_time(kept.modified),
            "new_reviewed_at": stored_time(kept.reviewed_at) if kept.reviewed_at else None,
        })
        tags.extend(
            {"annotation_id": lost.id, "tag_id": ensure_tag(session, known, t.name),
             "fields": dict(t.fields), "suggested": list(t.suggested)}
            for t in kept.tags
        )
        history.append({
            "annotation_id": lost.id, "document_id": lost.document_id, "action": SYNC_ACTION,
            "actor": actor, "at": now, "before": snapshot_to_json(before),
            "after": snapshot_to_json(after), "comment": comment,
        })
    if changes:
        connection.execute(_TAKE, changes)
        changed = [change["target"] for change in changes]
        for first in range(0, len(changed), 500):
            connection.execute(
                delete(AnnotationTag).where(
                    AnnotationTag.annotation_id.in_(changed[first : first + 500])
                )
            )
        if tags:
            connection.execute(insert(AnnotationTag), tags)
        connection.execute(insert(AnnotationHistory), history)
    return befores


def ensure_tag(session: Session, known: dict[str, int], name: str) -> int:
    if name not in known:
        position = max((t.position for t in session.scalars(select(Tag))), default=0) + 1
        tag = Tag(
            name=name,
            colour=EXTRA_TAG_COLOURS[len(known) % len(EXTRA_TAG_COLOURS)],
            shortcut=None,
            position=position,
        )
        session.add(tag)
        session.flush()
        known[name] = tag.id
    return known[name]
