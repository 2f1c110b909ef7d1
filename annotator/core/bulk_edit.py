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

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

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
from annotator.core.facts import (
    STATUSES,
    AnnotationSnapshot,
    Changes,
    TagSnapshot,
    adjudicated_author,
)
from annotator.core.fields import NAME_FIELD, field_errors, field_spec, normalise_value
from annotator.core.history import HISTORY_COLUMNS, snapshot_to_json
from annotator.core.model import utcnow
from annotator.core.ops import stored_time
from annotator.core.sources import ensure_sources
from annotator.core.store import Store, bulk_insert, driver_sql

# -- statements ------------------------------------------------------------------------------


_CHUNK = 500  # ids per IN (...) list, far below SQLite's limit on bound parameters

# The writes are run on the driver with rows already in their stored form (ISO times, JSON
# text), as `store.bulk_insert` does: SQLAlchemy's per-row processing of 10,000 rows' bound
# values would cost more than SQLite itself.
_SET_FIELDS = (
    "UPDATE annotation_tags SET fields = ?, suggested = ? WHERE annotation_id = ? AND tag_id = ?"
)
_SET_MODIFIED = "UPDATE annotations SET modified = ? WHERE id = ?"
_SET_REVIEW = (
    "UPDATE annotations SET status = ?, reviewer = ?, reviewed_at = ?, review_comment = ? "
    "WHERE id = ?"
)
_REMOVE_TAG = "DELETE FROM annotation_tags WHERE annotation_id = ? AND tag_id = ?"
_REMOVE_TAGS = "DELETE FROM annotation_tags WHERE annotation_id = ?"
_SET_ALL = (
    'UPDATE annotations SET document_id = ?, start = ?, "end" = ?, author = ?, created = ?, '
    "modified = ?, note = ?, status = ?, reviewer = ?, reviewed_at = ?, review_comment = ? "
    "WHERE id = ?"
)
_ANNOTATION_COLUMNS = (
    "document_id",
    "start",
    "end",
    "author",
    "created",
    "modified",
    "note",
    "status",
    "reviewer",
    "reviewed_at",
    "review_comment",
    "id",
)
_TAG_COLUMNS = ("annotation_id", "tag_id", "fields", "suggested")
_dumps = json.dumps


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else stored_time(value)


_SELECT_TAGS = (
    "SELECT at.annotation_id, t.name, at.fields, at.suggested FROM annotation_tags AS at "
    "JOIN tags AS t ON t.id = at.tag_id WHERE at.annotation_id IN ({marks}) "
    "ORDER BY at.annotation_id, t.position, t.name"
)
_SELECT_ANNOTATIONS = (
    'SELECT id, document_id, start, "end", author, created, modified, note, status, reviewer, '
    "reviewed_at, review_comment FROM annotations WHERE id IN ({marks})"
)


def _parse_time(text: str | None) -> dt.datetime | None:
    """A stored time read back as `UTCDateTime` reads it."""
    if text is None:
        return None
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def read_snapshots(connection: Connection, ids: Iterable[int]) -> dict[int, AnnotationSnapshot]:
    """The annotations with these ids as stored now (missing ids are left out), read with two
    statements per 500 ids on the driver (rows parsed here: 10,000 annotations are read in one
    bulk edit)."""
    wanted = sorted(set(ids))
    found: dict[int, AnnotationSnapshot] = {}
    loads, parse = json.loads, _parse_time
    for begin in range(0, len(wanted), _CHUNK):
        chunk = tuple(wanted[begin : begin + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        tags: dict[int, list[TagSnapshot]] = {}
        for annotation_id, name, fields, suggested in connection.exec_driver_sql(
            driver_sql(connection, _SELECT_TAGS.format(marks=marks)), chunk
        ).fetchall():
            tags.setdefault(annotation_id, []).append(
                TagSnapshot(
                    name,
                    loads(fields) if fields else {},
                    tuple(loads(suggested)) if suggested else (),
                )
            )
        selected = connection.exec_driver_sql(
            driver_sql(connection, _SELECT_ANNOTATIONS.format(marks=marks)), chunk
        )
        for row in selected.fetchall():
            (
                annotation_id,
                document_id,
                start,
                end,
                author,
                created,
                modified,
                note,
                status,
                reviewer,
                reviewed_at,
                review_comment,
            ) = row
            found[annotation_id] = AnnotationSnapshot(
                id=annotation_id,
                document_id=document_id,
                start=start,
                end=end,
                author=author,
                created=parse(created),  # type: ignore[arg-type]  # NOT NULL
                modified=parse(modified),  # type: ignore[arg-type]  # NOT NULL
                note=note,
                tags=tuple(tags.get(annotation_id, ())),
                status=status or "draft",
                reviewer=reviewer,
                reviewed_at=parse(reviewed_at),
                review_comment=review_comment or "",
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
    before: AnnotationSnapshot,
    edit: Edit,
    value: Any,
    known: rows.KnownTags,
    actor: str,
    now: dt.datetime,
) -> AnnotationSnapshot | None:
    """`before` with the edit applied at `now`; None when it changes nothing."""
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
        held = next(t for t in before.tags if t.name == edit.tag)
        # Only what this edit makes wrong (a range low above the range high): a value stored
        # wrong before (an import's) is `annotator check`'s to report, not a reason to refuse.
        was = field_errors(edit.tag, held.fields)
        errors = {
            name: error
            for name, error in field_errors(edit.tag, edited.fields).items()
            if was.get(name) != error
        }
        if errors:
            raise InvalidValue(
                f"annotation {before.id}: {'; '.join(errors.values())} (nothing was changed)"
            )
        return replace(before, tags=tags, modified=now)
    if isinstance(edit, AddTag):
        if edit.tag in names:
            return None
        tags = known.in_order((*before.tags, TagSnapshot(edit.tag, {}, ())))
        return replace(before, tags=tags, modified=now)
    if isinstance(edit, RemoveTag):
        if edit.tag not in names:
            return None
        tags = tuple(t for t in before.tags if t.name != edit.tag)
        return replace(before, tags=tags, modified=now)
    if (before.status, before.reviewer, before.review_comment) == (
        edit.status,
        actor,
        edit.comment,
    ):
        return None
    return replace(
        before, status=edit.status, reviewer=actor, review_comment=edit.comment, reviewed_at=now
    )


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
        now = utcnow()
        mine = {actor, adjudicated_author(actor)}  # ops.may_change
        pairs: list[tuple[AnnotationSnapshot, AnnotationSnapshot]] = []
        for annotation_id in wanted:
            before = current.get(annotation_id)
            if before is None:
                continue
            if before.author not in mine:
                colleagues += 1
                continue
            after = _edited(before, edit, value, known, actor, now)
            if after is None:
                unchanged += 1
            else:
                pairs.append((before, after))
        _write(connection, edit, tag_id, pairs, now)
        if pairs and isinstance(value, str) and _names_source(edit):
            # a claim's source named in bulk is registered as one named in the form (ops.py)
            driver = connection.connection.driver_connection
            ensure_sources(driver, [(value, actor)])
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


def _names_source(edit: Edit) -> bool:
    return isinstance(edit, SetField) and (edit.tag, edit.field) == ("claim", NAME_FIELD)


def _write(
    connection: Connection,
    edit: Edit,
    tag_id: int,
    pairs: Sequence[tuple[AnnotationSnapshot, AnnotationSnapshot]],
    now: dt.datetime,
) -> None:
    if not pairs:
        return
    def run(sql: str, params: list[tuple[Any, ...]]) -> None:
        connection.exec_driver_sql(driver_sql(connection, sql), params)

    if isinstance(edit, SetStatus):
        run(
            _SET_REVIEW,
            [
                (a.status, a.reviewer, _time(a.reviewed_at), a.review_comment, a.id)
                for _b, a in pairs
            ],
        )
        return
    if isinstance(edit, SetField):
        params = []
        for _before, after in pairs:
            tag = next(t for t in after.tags if t.name == edit.tag)
            params.append((_dumps(dict(tag.fields)), _dumps(list(tag.suggested)), after.id, tag_id))
        run(_SET_FIELDS, params)
    elif isinstance(edit, AddTag):
        bulk_insert(
            connection,
            "annotation_tags",
            _TAG_COLUMNS,
            [(a.id, tag_id, "{}", "[]") for _b, a in pairs],
        )
    else:
        run(_REMOVE_TAG, [(a.id, tag_id) for _b, a in pairs])
    stamp = stored_time(now)
    run(_SET_MODIFIED, [(stamp, a.id) for _b, a in pairs])


def _history(
    connection: Connection,
    action: str,
    actor: str,
    pairs: Sequence[tuple[AnnotationSnapshot | None, AnnotationSnapshot]],
    comment: str,
) -> None:
    at = stored_time(utcnow())
    bulk_insert(
        connection,
        "annotation_history",
        HISTORY_COLUMNS,
        [
            (
                after.id,
                after.document_id,
                action,
                actor,
                at,
                None if before is None else _dumps(snapshot_to_json(before)),
                _dumps(snapshot_to_json(after)),
                comment,
            )
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
            (
                snapshot.id,
                known.id_of(tag.name),
                _dumps(dict(tag.fields)),
                _dumps(list(tag.suggested)),
            )
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
            connection.exec_driver_sql(
                driver_sql(connection, _REMOVE_TAGS), [(s.id,) for s in present]
            )
            connection.exec_driver_sql(
                driver_sql(connection, _SET_ALL), [_columns(s) for s in present]
            )
        bulk_insert(connection, "annotations", _ANNOTATION_COLUMNS, [_columns(s) for s in absent])
        bulk_insert(connection, "annotation_tags", _TAG_COLUMNS, tag_rows)
        _history(connection, "restore", actor, [(current.get(s.id), s) for s in snapshots], "")
    return Changes(
        documents=frozenset(documents),
        annotations=frozenset(snapshot.id for snapshot in snapshots),
    )


def _columns(s: AnnotationSnapshot) -> tuple[Any, ...]:
    """The annotation's row in stored form, in `_ANNOTATION_COLUMNS` order."""
    return (
        s.document_id,
        s.start,
        s.end,
        s.author,
        stored_time(s.created),
        stored_time(s.modified),
        s.note,
        s.status,
        s.reviewer,
        _time(s.reviewed_at),
        s.review_comment,
        s.id,
    )
