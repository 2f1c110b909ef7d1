"""Bulk edit of many annotations at once (the annotations table's selected rows).

One edit (`SetField`, `AddTag`, `RemoveTag`, `SetStatus`) is applied to a list of annotation
ids in ONE transaction, with one history row per annotation it changed. Only the acting
analyst's own layer is edited (their annotations and their adjudicated layer, `ops.may_change`):
colleagues' annotations are left unchanged and counted in `BulkResult.colleagues`. Annotations
the edit would not change (a tag already there, a field already at that value...) are skipped
without a history row.

The result keeps every changed annotation as it was (`before`) and as it is now (`after`):
`restore_snapshots(store, result.before)` undoes the edit exactly (fields, suggestions, times,
review columns), `restore_snapshots(store, result.after)` applies it again. Both are one
transaction too.

Everything is read and written with SQLAlchemy Core statements run as executemany (no ORM unit
of work per row): 10,000 ids take well under a second. A field value is validated (`fields`)
for every annotation before anything is written: an invalid value writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from annotator.core import annotation_rows as rows

# The edits and the result are plain types (no SQLAlchemy: the window names them before the
# database is opened); re-exported here.
from annotator.core.bulk_edits import AddTag as AddTag
from annotator.core.bulk_edits import BulkResult as BulkResult
from annotator.core.bulk_edits import Edit as Edit
from annotator.core.bulk_edits import RemoveTag as RemoveTag
from annotator.core.bulk_edits import SetField as SetField
from annotator.core.bulk_edits import SetStatus as SetStatus
from annotator.core.bulk_edits import describe as describe
from annotator.core.errors import InvalidValue
from annotator.core.facts import STATUSES, AnnotationSnapshot, Changes, TagSnapshot
from annotator.core.fields import field_errors, field_spec, normalise_value
from annotator.core.history import snapshot_to_json
from annotator.core.model import AnnotationHistory, utcnow
from annotator.core.ops import may_change
from annotator.core.store import Store

# -- statements ------------------------------------------------------------------------------

_ANNOTATIONS, _TAGS = rows.ANNOTATIONS, rows.ANNOTATION_TAGS
_HISTORY = cast(Table, AnnotationHistory.__table__)
_a, _at, _t = _ANNOTATIONS.c, _TAGS.c, rows.TAGS.c

_CHUNK = 500  # ids per IN (...) list, far below SQLite's limit on bound parameters

_SET_FIELDS = (
    update(_TAGS)
    .where(_at.annotation_id == bindparam("b_annotation"), _at.tag_id == bindparam("b_tag"))
    .values(fields=bindparam("b_fields"), suggested=bindparam("b_suggested"))
)
_SET_MODIFIED = (
    update(_ANNOTATIONS)
    .where(_a.id == bindparam("b_annotation"))
    .values(modified=bindparam("b_modified"))
)
_SET_REVIEW = (
    update(_ANNOTATIONS)
    .where(_a.id == bindparam("b_annotation"))
    .values(
        status=bindparam("b_status"),
        reviewer=bindparam("b_reviewer"),
        reviewed_at=bindparam("b_reviewed_at"),
        review_comment=bindparam("b_comment"),
    )
)
_SET_ALL = (
    update(_ANNOTATIONS)
    .where(_a.id == bindparam("b_annotation"))
    .values(
        document_id=bindparam("b_document"),
        start=bindparam("b_start"),
        end=bindparam("b_end"),
        author=bindparam("b_author"),
        created=bindparam("b_created"),
        modified=bindparam("b_modified"),
        note=bindparam("b_note"),
        status=bindparam("b_status"),
        reviewer=bindparam("b_reviewer"),
        reviewed_at=bindparam("b_reviewed_at"),
        review_comment=bindparam("b_comment"),
    )
)
_ADD_TAG = insert(_TAGS)
_REMOVE_TAG = delete(_TAGS).where(
    _at.annotation_id == bindparam("b_annotation"), _at.tag_id == bindparam("b_tag")
)
_REMOVE_TAGS = delete(_TAGS).where(_at.annotation_id == bindparam("b_annotation"))
_INSERT_ANNOTATION = insert(_ANNOTATIONS)
_INSERT_HISTORY = insert(_HISTORY)


def read_snapshots(connection: Connection, ids: Iterable[int]) -> dict[int, AnnotationSnapshot]:
    """The annotations with these ids as stored now (missing ids are left out), read with a
    few statements per 500 ids."""
    wanted = sorted(set(ids))
    found: dict[int, AnnotationSnapshot] = {}
    for begin in range(0, len(wanted), _CHUNK):
        chunk = wanted[begin : begin + _CHUNK]
        tags: dict[int, list[TagSnapshot]] = {}
        for annotation_id, name, fields, suggested in connection.execute(
            select(_at.annotation_id, _t.name, _at.fields, _at.suggested)
            .select_from(_TAGS.join(rows.TAGS, _t.id == _at.tag_id))
            .where(_at.annotation_id.in_(chunk))
            .order_by(_at.annotation_id, _t.position, _t.name)
        ):
            tags.setdefault(annotation_id, []).append(
                TagSnapshot(name, dict(fields or {}), tuple(suggested or ()))
            )
        for row in connection.execute(
            select(
                _a.id,
                _a.document_id,
                _a.start,
                _a.end,
                _a.author,
                _a.created,
                _a.modified,
                _a.note,
                _a.status,
                _a.reviewer,
                _a.reviewed_at,
                _a.review_comment,
            ).where(_a.id.in_(chunk))
        ):
            found[row.id] = AnnotationSnapshot(
                id=row.id,
                document_id=row.document_id,
                start=row.start,
                end=row.end,
                author=row.author,
                created=row.created,
                modified=row.modified,
                note=row.note,
                tags=tuple(tags.get(row.id, ())),
                status=row.status or "draft",
                reviewer=row.reviewer,
                reviewed_at=row.reviewed_at,
                review_comment=row.review_comment or "",
            )
    return found


# -- applying an edit ------------------------------------------------------------------------


def _check(edit: Edit) -> Any:
    """Refuse an edit that can never apply (before the transaction); for a field, its stored
    value (None: emptied)."""
    if isinstance(edit, SetField):
        return normalise_value(field_spec(edit.tag, edit.field), edit.value)
    if isinstance(edit, SetStatus) and edit.status not in STATUSES:
        raise InvalidValue(f"unknown review status {edit.status!r} (one of {', '.join(STATUSES)})")
    return None


def _with_field(tag: TagSnapshot, name: str, value: Any) -> TagSnapshot:
    fields = {key: held for key, held in tag.fields.items() if key != name}
    if value is not None:
        fields[name] = value
    return TagSnapshot(tag.name, fields, tuple(s for s in tag.suggested if s != name))


def _edited(
    before: AnnotationSnapshot, edit: Edit, value: Any, known: rows.KnownTags, actor: str
) -> AnnotationSnapshot | None:
    """`before` with the edit applied (times left for the caller); None when it changes
    nothing."""
    names = before.tag_names
    if isinstance(edit, SetField):
        if edit.tag not in names:
            return None
        tags = tuple(
            _with_field(t, edit.field, value) if t.name == edit.tag else t for t in before.tags
        )
        if tags == before.tags:
            return None
        edited = next(t for t in tags if t.name == edit.tag)
        errors = field_errors(edit.tag, edited.fields)
        if errors:
            raise InvalidValue(
                f"annotation {before.id}: {'; '.join(errors.values())} (nothing was changed)"
            )
        return replace(before, tags=tags)
    if isinstance(edit, AddTag):
        if edit.tag in names:
            return None
        return replace(before, tags=known.in_order((*before.tags, TagSnapshot(edit.tag, {}, ()))))
    if isinstance(edit, RemoveTag):
        if edit.tag not in names:
            return None
        return replace(before, tags=tuple(t for t in before.tags if t.name != edit.tag))
    if (before.status, before.reviewer, before.review_comment) == (
        edit.status,
        actor,
        edit.comment,
    ):
        return None
    return replace(before, status=edit.status, reviewer=actor, review_comment=edit.comment)


_ACTIONS = {SetField: "fields", AddTag: "tag_add", RemoveTag: "tag_remove", SetStatus: "review"}


def bulk_edit(store: Store, ids: Iterable[int], actor: str, edit: Edit) -> BulkResult:
    """Apply `edit` to the annotations `ids` that are `actor`'s own, in one transaction.

    Raises InvalidValue (nothing written) for an unknown tag, field or status, an invalid field
    value, or a value that would make one of the annotations invalid (a range low above its
    range high).
    """
    if not actor.strip():
        raise InvalidValue("a bulk edit needs the analyst's name")
    value = _check(edit)
    action = _ACTIONS[type(edit)]
    wanted = list(dict.fromkeys(ids))
    with store.write() as session:
        connection = session.connection()
        known = rows.KnownTags(connection)
        tag_id = known.id_of(edit.tag) if not isinstance(edit, SetStatus) else 0
        current = read_snapshots(connection, wanted)
        colleagues = unchanged = 0
        pairs: list[tuple[AnnotationSnapshot, AnnotationSnapshot]] = []
        for annotation_id in wanted:
            before = current.get(annotation_id)
            if before is None:
                continue
            if not may_change(actor, before.author):
                colleagues += 1
                continue
            after = _edited(before, edit, value, known, actor)
            if after is None:
                unchanged += 1
            else:
                pairs.append((before, after))
        now = utcnow()
        if isinstance(edit, SetStatus):
            pairs = [(b, replace(a, reviewed_at=now)) for b, a in pairs]
        else:
            pairs = [(b, replace(a, modified=now)) for b, a in pairs]
        _write(connection, edit, tag_id, pairs, now)
        comment = edit.comment if isinstance(edit, SetStatus) else ""
        _history(connection, action, actor, pairs, comment)
    changed_ids = frozenset(after.id for _before, after in pairs)
    return BulkResult(
        changes=Changes(
            documents=frozenset(after.document_id for _before, after in pairs),
            annotations=changed_ids,
        ),
        before=tuple(before for before, _after in pairs),
        after=tuple(after for _before, after in pairs),
        colleagues=colleagues,
        unchanged=unchanged,
        missing=len(wanted) - len(current),
    )


def _write(
    connection: Connection,
    edit: Edit,
    tag_id: int,
    pairs: Sequence[tuple[AnnotationSnapshot, AnnotationSnapshot]],
    now: Any,
) -> None:
    if not pairs:
        return
    if isinstance(edit, SetStatus):
        connection.execute(
            _SET_REVIEW,
            [
                {
                    "b_annotation": after.id,
                    "b_status": after.status,
                    "b_reviewer": after.reviewer,
                    "b_reviewed_at": after.reviewed_at,
                    "b_comment": after.review_comment,
                }
                for _before, after in pairs
            ],
        )
        return
    if isinstance(edit, SetField):
        params = []
        for _before, after in pairs:
            tag = next(t for t in after.tags if t.name == edit.tag)
            params.append(
                {
                    "b_annotation": after.id,
                    "b_tag": tag_id,
                    "b_fields": dict(tag.fields),
                    "b_suggested": list(tag.suggested),
                }
            )
        connection.execute(_SET_FIELDS, params)
    elif isinstance(edit, AddTag):
        connection.execute(
            _ADD_TAG,
            [
                {"annotation_id": after.id, "tag_id": tag_id, "fields": {}, "suggested": []}
                for _before, after in pairs
            ],
        )
    else:
        connection.execute(
            _REMOVE_TAG, [{"b_annotation": after.id, "b_tag": tag_id} for _before, after in pairs]
        )
    connection.execute(
        _SET_MODIFIED, [{"b_annotation": after.id, "b_modified": now} for _before, after in pairs]
    )


def _history(
    connection: Connection,
    action: str,
    actor: str,
    pairs: Sequence[tuple[AnnotationSnapshot | None, AnnotationSnapshot]],
    comment: str,
) -> None:
    if not pairs:
        return
    at = utcnow()
    connection.execute(
        _INSERT_HISTORY,
        [
            {
                "annotation_id": after.id,
                "document_id": after.document_id,
                "action": action,
                "actor": actor,
                "at": at,
                "before": snapshot_to_json(before) if before is not None else None,
                "after": snapshot_to_json(after),
                "comment": comment,
            }
            for before, after in pairs
        ],
    )


# -- undo and redo ---------------------------------------------------------------------------


def restore_snapshots(
    store: Store, snapshots: Sequence[AnnotationSnapshot], *, actor: str
) -> Changes:
    """Put every annotation back exactly as snapshotted (same ids), in one transaction with one
    "restore" history row each: undo (`BulkResult.before`) and redo (`BulkResult.after`) of a
    bulk edit. An annotation deleted meanwhile is put back too (as `ops.restore_annotation`
    does). Raises NotFound (nothing written) when a snapshot's document is gone, InvalidValue
    when one of its tags no longer exists."""
    if not snapshots:
        return Changes()
    with store.write() as session:
        connection = session.connection()
        known = rows.KnownTags(connection)
        tag_rows = [
            {
                "annotation_id": snapshot.id,
                "tag_id": known.id_of(tag.name),
                "fields": dict(tag.fields),
                "suggested": list(tag.suggested),
            }
            for snapshot in snapshots
            for tag in snapshot.tags
        ]
        documents = {snapshot.document_id for snapshot in snapshots}
        for document_id in documents:
            rows.document_length(connection, document_id)  # NotFound when it was removed
        current = read_snapshots(connection, (snapshot.id for snapshot in snapshots))
        present = [s for s in snapshots if s.id in current]
        absent = [s for s in snapshots if s.id not in current]
        if present:
            connection.execute(_REMOVE_TAGS, [{"b_annotation": s.id} for s in present])
            connection.execute(_SET_ALL, [_all_columns(s) for s in present])
        if absent:
            connection.execute(_INSERT_ANNOTATION, [_insert_columns(s) for s in absent])
        if tag_rows:
            connection.execute(_ADD_TAG, tag_rows)
        _history(connection, "restore", actor, [(current.get(s.id), s) for s in snapshots], "")
    return Changes(
        documents=frozenset(documents),
        annotations=frozenset(snapshot.id for snapshot in snapshots),
    )


def _all_columns(snapshot: AnnotationSnapshot) -> Mapping[str, Any]:
    return {
        "b_annotation": snapshot.id,
        "b_document": snapshot.document_id,
        "b_start": snapshot.start,
        "b_end": snapshot.end,
        "b_author": snapshot.author,
        "b_created": snapshot.created,
        "b_modified": snapshot.modified,
        "b_note": snapshot.note,
        "b_status": snapshot.status,
        "b_reviewer": snapshot.reviewer,
        "b_reviewed_at": snapshot.reviewed_at,
        "b_comment": snapshot.review_comment,
    }


def _insert_columns(snapshot: AnnotationSnapshot) -> Mapping[str, Any]:
    return {
        "id": snapshot.id,
        "document_id": snapshot.document_id,
        "start": snapshot.start,
        "end": snapshot.end,
        "author": snapshot.author,
        "created": snapshot.created,
        "modified": snapshot.modified,
        "note": snapshot.note,
        "status": snapshot.status,
        "reviewer": snapshot.reviewer,
        "reviewed_at": snapshot.reviewed_at,
        "review_comment": snapshot.review_comment,
    }
