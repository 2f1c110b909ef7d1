"""One annotation read and written with SQLAlchemy Core, inside the caller's transaction.

The edits the window makes at a key press (a tag toggled, an annotation created or deleted:
`ops.set_tag`, `ops.create_annotation`, `ops.delete_annotation`) go through these few
statements instead of the ORM's unit of work: no identity map, no relationship loading, and
no read after the write (the snapshot after a change is built from the one before). Each
statement is compiled once and cached by SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Executable,
    Insert,
    Integer,
    Table,
    Text,
    any_,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.dialects.postgresql import insert as pg_insert

from annotator.core.driver_sql import prepare, run
from annotator.core.errors import InvalidValue, NotFound
from annotator.core.history import HISTORY_COLUMNS, AnnotationSnapshot, TagSnapshot
from annotator.core.model import (
    Annotation,
    AnnotationHistory,
    AnnotationTag,
    Document,
    Tag,
)
from annotator.core.search_server import annotation_entries

ANNOTATIONS = cast(Table, Annotation.__table__)
ANNOTATION_TAGS = cast(Table, AnnotationTag.__table__)
TAGS = cast(Table, Tag.__table__)
DOCUMENTS = cast(Table, Document.__table__)

_a, _at, _t = ANNOTATIONS.c, ANNOTATION_TAGS.c, TAGS.c

# The annotation and its tags (name, fields, suggested) in one statement: one row per tag,
# or one row with no tag (one round trip to a server, not two).
_SELECT_ANNOTATION = (
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
        _t.name.label("tag_name"),
        _t.id.label("tag_id"),
        _t.position.label("tag_position"),
        _at.fields,
        _at.suggested,
    )
    .select_from(
        ANNOTATIONS.outerjoin(ANNOTATION_TAGS, _at.annotation_id == _a.id).outerjoin(
            TAGS, _t.id == _at.tag_id
        )
    )
    .where(_a.id == bindparam("annotation"))
    .order_by(_t.position, _t.name)
)
_SELECT_KNOWN_TAGS = select(_t.name, _t.id, _t.position)
_SELECT_LENGTH = select(func.length(DOCUMENTS.c.text)).where(
    DOCUMENTS.c.id == bindparam("document")
)
# a create's two looks in one statement: every tag, each row with the document's length
_SELECT_KNOWN_TAGS_AND_LENGTH = _SELECT_KNOWN_TAGS.add_columns(
    _SELECT_LENGTH.scalar_subquery().label("length")
)
# on a team database, a create's looks and a note's read also cut the text of the span from
# the document (for the search indexes: `indexing`), once per statement
_SPAN_OF_SPAN = select(
    func.substr(DOCUMENTS.c.text, bindparam("span_from"), bindparam("span_count"))
).where(DOCUMENTS.c.id == bindparam("document"))
_spanned = ANNOTATIONS.alias("spanned")
_SELECT_ANNOTATION_AND_SPAN = _SELECT_ANNOTATION.add_columns(
    select(func.substr(DOCUMENTS.c.text, _spanned.c.start + 1, _spanned.c.end - _spanned.c.start))
    .select_from(DOCUMENTS.join(_spanned, _spanned.c.document_id == DOCUMENTS.c.id))
    .where(_spanned.c.id == bindparam("annotation"))
    .scalar_subquery()
    .label("span")
)
# On a team database a create's looks (tags, length, span) and its annotation row in one
# statement: the row is inserted only if the span lies in the text and its tags exist (else
# no id comes back, and the caller says why from what was read).
_CREATED_COLUMNS = (
    "document_id", "start", "end", "author", "created", "modified", "note", "status",
    "review_comment",
)
_new_start = bindparam("start", type_=_a.start.type)
_new_end = bindparam("end", type_=_a.end.type)
_NEW_ROW = (
    insert(ANNOTATIONS)
    .from_select(
        list(_CREATED_COLUMNS),
        select(
            *(
                bindparam("document" if name == "document_id" else name, type_=_a[name].type)
                for name in _CREATED_COLUMNS
            )
        ).where(
            _new_start >= 0,
            _new_start < _new_end,
            _new_end <= _SELECT_LENGTH.scalar_subquery(),
            # every tag it names exists (else the caller says which does not)
            select(func.count())
            .where(_t.name == any_(bindparam("tag_names", type_=ARRAY(Text))))
            .scalar_subquery()
            == bindparam("tag_count", type_=Integer),
        ),
    )
    .returning(_a.id)
    .cte("new_row")
)
_one = select(literal_column("1").label("one")).subquery("one")
_SELECT_LOOKS_AND_INSERT = select(
    _t.name,
    _t.id,
    _t.position,
    _SELECT_LENGTH.scalar_subquery().label("length"),
    _SPAN_OF_SPAN.scalar_subquery().label("span"),
    select(_NEW_ROW.c.id).scalar_subquery().label("new_id"),
).select_from(_one.outerjoin(TAGS, true()))
# a tag toggle's: the annotation with its tags, each row with the id and position of the tag
_SELECT_ANNOTATION_AND_TAG = _SELECT_ANNOTATION.add_columns(
    select(_t.id).where(_t.name == bindparam("tag")).scalar_subquery().label("wanted_id"),
    select(_t.position).where(_t.name == bindparam("tag")).scalar_subquery().label("wanted_at"),
)
_INSERT_TAG = insert(ANNOTATION_TAGS)
_DELETE_TAG = delete(ANNOTATION_TAGS).where(
    _at.annotation_id == bindparam("annotation"), _at.tag_id == bindparam("tag")
)
_DELETE_TAGS = delete(ANNOTATION_TAGS).where(_at.annotation_id == bindparam("annotation"))
_DELETE_ANNOTATION = delete(ANNOTATIONS).where(_a.id == bindparam("annotation"))
_TOUCH = (
    update(ANNOTATIONS).where(_a.id == bindparam("annotation")).values(modified=bindparam("when"))
)
_SET_NOTE = (
    update(ANNOTATIONS)
    .where(_a.id == bindparam("annotation"))
    .values(note=bindparam("note"), modified=bindparam("when"))
)
_INSERT_ANNOTATION = insert(ANNOTATIONS)
_ADD_TAG = insert(ANNOTATION_TAGS).values(
    annotation_id=bindparam("annotation"),
    tag_id=bindparam("tag"),
    fields=bindparam("fields"),
    suggested=bindparam("suggested"),
)
_INSERT_HISTORY = insert(cast(Table, AnnotationHistory.__table__)).values(
    {name: bindparam(f"history_{name}") for name in HISTORY_COLUMNS}
)

Step = tuple[Executable, dict[str, Any]]  # a statement of a change, and its values

# On a team database a note's change in the statement that reads the annotation (and its span):
# the read sees the state before it (one snapshot), which the history row records.
_READ_AND_SET_NOTE = _SELECT_ANNOTATION_AND_SPAN.add_cte(_SET_NOTE.cte("note_set"))


class KnownTags:
    """The tags of the database (name to id and display position), read in the transaction."""

    def __init__(self, connection: Connection | None, tags: Iterable[Any] = ()) -> None:
        """Every tag, read on `connection`; without one, `tags` (name, id, position)."""
        found: Iterable[Any] = (
            connection.execute(_SELECT_KNOWN_TAGS) if connection is not None else tags
        )
        self._tags: dict[str, tuple[int, int]] = {row[0]: (row[1], row[2]) for row in found}

    @classmethod
    def with_length(cls, connection: Connection, document_id: int) -> tuple[KnownTags, int]:
        """Every tag and the length of a document's text (`document_length`), in one
        statement (one round trip to a server); NotFound when there is no document."""
        found = run(connection, _SELECT_KNOWN_TAGS_AND_LENGTH, {"document": document_id})
        if not found:  # no tag at all: no row to carry the length
            return cls(None), document_length(connection, document_id)
        length = found[0].length
        if length is None:
            raise NotFound(f"no document {document_id}")
        return cls(None, found), int(length)

    def id_of(self, name: str) -> int:
        """The id of tag `name`; InvalidValue (with the known names) when there is none."""
        found = self._tags.get(name)
        if found is None:
            raise InvalidValue(f"unknown tag {name!r} (known: {', '.join(sorted(self._tags))})")
        return found[0]

    def in_order(self, tags: Iterable[TagSnapshot]) -> tuple[TagSnapshot, ...]:
        """`tags` in display order (position, then name), as `history.snapshot_of` gives them."""
        return tuple(sorted(tags, key=lambda t: (self._tags[t.name][1], t.name)))


def looks_and_insert(
    connection: Connection, values: Mapping[str, Any], tags: Sequence[str]
) -> tuple[KnownTags, int, str | None, int | None]:
    """A create's looks before it writes (`KnownTags.with_length` of its document), and on a
    team database the text of its span and its annotation row (`values`: the columns of
    `_CREATED_COLUMNS`) inserted in the same statement: its id, None when the span is not in
    the text or a tag of `tags` is unknown (nothing inserted). On a file: no span, no id (the
    caller calls `insert_row`)."""
    document, start, end = values["document_id"], values["start"], values["end"]
    if not _on_server(connection):
        known, length = KnownTags.with_length(connection, document)
        return known, length, None, None
    assert set(values) == set(_CREATED_COLUMNS), "a create writes these columns"
    found = run(
        connection,
        _SELECT_LOOKS_AND_INSERT,
        {
            **{name: values[name] for name in _CREATED_COLUMNS if name != "document_id"},
            "document": document,
            "tag_names": sorted(set(tags)),
            "tag_count": len(set(tags)),
            "span_from": max(start, 0) + 1,
            "span_count": max(end - max(start, 0), 0),
        },
    )
    first = found[0]  # one row at least (the outer join)
    if first.length is None:
        raise NotFound(f"no document {document}")
    known = KnownTags(None, [row for row in found if row.name is not None])
    return known, int(first.length), str(first.span or ""), first.new_id


def read_snapshot(connection: Connection, annotation_id: int) -> AnnotationSnapshot:
    """The annotation as stored now; NotFound when there is none."""
    found = run(connection, _SELECT_ANNOTATION, {"annotation": annotation_id})
    return _snapshot(found, annotation_id)


def read_and_set_note(
    connection: Connection, annotation_id: int, note: str, when: dt.datetime
) -> tuple[AnnotationSnapshot, str | None, bool]:
    """The annotation as it was (`read_snapshot`), the text of its span and whether its note
    was set too (`setting_note`'s change, in the same statement): on a team database; on a
    file the snapshot only (None, False: the caller writes the note with its history)."""
    if not _on_server(connection):
        return read_snapshot(connection, annotation_id), None, False
    values = {"annotation": annotation_id, "note": note, "when": when}
    found = run(connection, _READ_AND_SET_NOTE, values)
    return _snapshot(found, annotation_id), str(found[0].span or ""), True


def _on_server(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def read_snapshot_and_tag(
    connection: Connection, annotation_id: int, tag: str
) -> tuple[AnnotationSnapshot, KnownTags]:
    """`read_snapshot`, and the tags `tag` is put in order with (its own and the
    annotation's), in one statement; every tag when `tag` is unknown (KnownTags.id_of says
    so with their names)."""
    found = run(connection, _SELECT_ANNOTATION_AND_TAG, {"annotation": annotation_id, "tag": tag})
    snapshot = _snapshot(found, annotation_id)
    first = found[0]
    if first.wanted_id is None:
        return snapshot, KnownTags(connection)
    tags = [(row.tag_name, row.tag_id, row.tag_position) for row in found if row.tag_name]
    return snapshot, KnownTags(None, [*tags, (tag, first.wanted_id, first.wanted_at)])


def _snapshot(found: Sequence[Any], annotation_id: int) -> AnnotationSnapshot:
    if not found:
        raise NotFound(f"no annotation {annotation_id} (it may have been deleted)")
    row = found[0]
    tags = tuple(
        TagSnapshot(tag.tag_name, dict(tag.fields or {}), tuple(tag.suggested or ()))
        for tag in found
        if tag.tag_name is not None
    )
    return AnnotationSnapshot(
        id=row.id,
        document_id=row.document_id,
        start=row.start,
        end=row.end,
        author=row.author,
        created=row.created,
        modified=row.modified,
        note=row.note,
        tags=tags,
        status=row.status or "draft",
        reviewer=row.reviewer,
        reviewed_at=row.reviewed_at,
        review_comment=row.review_comment or "",
    )


def document_length(connection: Connection, document_id: int) -> int:
    """The length of a document's text in code points; NotFound when there is no document."""
    length = connection.execute(_SELECT_LENGTH, {"document": document_id}).scalar()
    if length is None:
        raise NotFound(f"no document {document_id}")
    return int(length)


def add_tag(
    connection: Connection,
    annotation_id: int,
    tag_id: int,
    fields: Mapping[str, Any],
    suggested: Sequence[str],
) -> None:
    connection.execute(
        _INSERT_TAG,
        {
            "annotation_id": annotation_id,
            "tag_id": tag_id,
            "fields": dict(fields),
            "suggested": list(suggested),
        },
    )


def remove_tag(connection: Connection, annotation_id: int, tag_id: int) -> None:
    connection.execute(_DELETE_TAG, {"annotation": annotation_id, "tag": tag_id})


def set_modified(connection: Connection, annotation_id: int, when: dt.datetime) -> None:
    connection.execute(_TOUCH, {"annotation": annotation_id, "when": when})


def set_note(connection: Connection, annotation_id: int, note: str, when: dt.datetime) -> None:
    connection.execute(_SET_NOTE, {"annotation": annotation_id, "note": note, "when": when})


# -- the steps of one change, written with its history row by `write_change` ---------------


def adding_tag(
    annotation_id: int, tag_id: int, fields: Mapping[str, Any], suggested: Sequence[str]
) -> Step:
    values = {"annotation": annotation_id, "tag": tag_id}
    return _ADD_TAG, {**values, "fields": dict(fields), "suggested": list(suggested)}


def removing_tag(annotation_id: int, tag_id: int) -> Step:
    return _DELETE_TAG, {"annotation": annotation_id, "tag": tag_id}


def touching(annotation_id: int, when: dt.datetime) -> Step:
    return _TOUCH, {"annotation": annotation_id, "when": when}


def setting_note(annotation_id: int, note: str, when: dt.datetime) -> Step:
    return _SET_NOTE, {"annotation": annotation_id, "note": note, "when": when}


_SEARCH_PENDING = table("search_pending", column("kind"), column("id"))
_SEARCH_ANNOTATIONS = table("search_annotations", column("id"), column("text"), column("note"))
_SEARCH_NOTES = table("search_notes", column("id"), column("words"))
_SEARCH_SORT_TEXT = table("search_sort_text", column("annotation_id"), column("text"))
_UNQUEUE = delete(_SEARCH_PENDING).where(
    _SEARCH_PENDING.c.kind == literal_column("'a'"),
    _SEARCH_PENDING.c.id == bindparam("annotation"),
)
_index_text = pg_insert(_SEARCH_ANNOTATIONS).values(
    id=bindparam("annotation"), text=bindparam("search_text"), note=bindparam("search_note")
)
_INDEX_TEXT = _index_text.on_conflict_do_update(
    index_elements=[_SEARCH_ANNOTATIONS.c.id],
    set_={"text": _index_text.excluded.text, "note": _index_text.excluded.note},
)
_index_sort_text = pg_insert(_SEARCH_SORT_TEXT).values(
    annotation_id=bindparam("annotation"), text=bindparam("search_sort_text")
)
_INDEX_SORT_TEXT = _index_sort_text.on_conflict_do_update(
    index_elements=[_SEARCH_SORT_TEXT.c.annotation_id],
    set_={"text": _index_sort_text.excluded.text},
)
_index_note = pg_insert(_SEARCH_NOTES).values(
    id=bindparam("annotation"), words=sql_cast(bindparam("search_words"), TSVECTOR)
)
_INDEX_NOTE = _index_note.on_conflict_do_update(
    index_elements=[_SEARCH_NOTES.c.id], set_={"words": _index_note.excluded.words}
)
_UNINDEX_NOTE = delete(_SEARCH_NOTES).where(_SEARCH_NOTES.c.id == bindparam("annotation"))


def indexing(annotation_id: int, text: str, note: str) -> list[Step]:
    """On a team database, the steps that index an annotation whose searched text the
    transaction changed in an earlier statement (created it, or set its note: its trigger
    queued it, and it leaves the queue), from its span's `text` and its `note`, as folding its
    queued row would (search_server.annotation_entries)."""
    folded_text, folded_note, sort_text, words = annotation_entries(text, note)
    values = {"annotation": annotation_id}
    steps: list[Step] = [
        (_UNQUEUE, values),
        (_INDEX_TEXT, {**values, "search_text": folded_text, "search_note": folded_note}),
        (_INDEX_SORT_TEXT, {**values, "search_sort_text": sort_text}),
    ]
    if words is None:
        steps.append((_UNINDEX_NOTE, values))
    else:
        steps.append((_INDEX_NOTE, {**values, "search_words": words}))
    return steps


def deleting(connection: Connection, annotation_id: int) -> list[Step]:
    """`delete_row`'s statements (the tags by cascade on a server)."""
    steps: list[Step] = [(_DELETE_ANNOTATION, {"annotation": annotation_id})]
    if connection.dialect.name != "postgresql":
        steps.insert(0, (_DELETE_TAGS, {"annotation": annotation_id}))
    return steps


def write_change(connection: Connection, steps: Sequence[Step], history: Mapping[str, Any]) -> None:
    """The steps of one annotation's change, then its history row (`history.history_values`),
    in the caller's transaction. On a server in one statement: the steps are data-modifying
    CTEs of the history row's insert (one round trip, not one per step; each sees the state
    before the statement, so no step may depend on another's rows). On a file one after the
    other (in-process: nothing to save)."""
    if connection.dialect.name != "postgresql":
        for statement, values in steps:
            connection.execute(statement, values)
        connection.execute(_INSERT_HISTORY, {f"history_{k}": v for k, v in history.items()})
        return
    merged: dict[str, Any] = {f"history_{k}": v for k, v in history.items()}
    for _statement, values in steps:
        for key, value in values.items():
            assert merged.setdefault(key, value) == value, f"two values for {key}"
    run(connection, _combined(tuple(statement for statement, _values in steps)), merged)


_COMBINED: dict[tuple[int, ...], Insert] = {}


def _combined(statements: tuple[Executable, ...]) -> Insert:
    """The history row's insert with `statements` as its CTEs (made once per combination:
    SQLAlchemy compiles it once)."""
    key = tuple(id(statement) for statement in statements)
    found = _COMBINED.get(key)
    if found is None:
        found = _INSERT_HISTORY
        for n, statement in enumerate(statements):
            found = found.add_cte(statement.cte(f"step_{n}"))  # type: ignore[attr-defined]
        _COMBINED[key] = found
    return found


def delete_row(connection: Connection, annotation_id: int) -> None:
    """Delete the annotation and its tags (its history stays). On a server the tags go with
    the annotation (ON DELETE CASCADE): one statement, one round trip; a file deletes them
    first, as it always has (in-process, nothing to save)."""
    if connection.dialect.name != "postgresql":
        connection.execute(_DELETE_TAGS, {"annotation": annotation_id})
    connection.execute(_DELETE_ANNOTATION, {"annotation": annotation_id})


def insert_row(connection: Connection, values: Mapping[str, Any]) -> int:
    """Insert one annotation row; its new id (from the table's AUTOINCREMENT counter)."""
    if connection.dialect.name == "postgresql":  # on the cursor (driver_sql.py)
        ((new_id,),) = run(connection, _inserting(tuple(values)), values)
        return int(new_id)
    result = connection.execute(_INSERT_ANNOTATION, dict(values))
    new_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert new_id is not None
    return int(new_id)


_INSERTING: dict[tuple[str, ...], Executable] = {}


def _inserting(columns: tuple[str, ...]) -> Executable:
    """The insert of an annotation row of these columns, returning its id (made once)."""
    found = _INSERTING.get(columns)
    if found is None:
        found = _INSERTING[columns] = (
            insert(ANNOTATIONS)
            .values({name: bindparam(name) for name in columns})
            .returning(_a.id)
        )
    return found


def prepare_key_presses(dialect: Any) -> None:
    """On a team database, compile the statements of the key presses (a tag toggled, a note
    set, an annotation created or deleted: their reads and their usual changes) when it
    opens: compiling them at the first key presses made those take 5 to 10 times as long."""
    if dialect.name != "postgresql":
        return
    reads = (
        _SELECT_ANNOTATION,
        _SELECT_ANNOTATION_AND_TAG,
        _SELECT_LOOKS_AND_INSERT,
        _READ_AND_SET_NOTE,
        _SELECT_KNOWN_TAGS_AND_LENGTH,
    )
    index = (_UNQUEUE, _INDEX_TEXT, _INDEX_SORT_TEXT)
    changes = (
        (_ADD_TAG, _TOUCH),
        (_DELETE_TAG, _TOUCH),
        (_TOUCH,),
        (_DELETE_ANNOTATION,),
        (*index, _INDEX_NOTE),
        (*index, _UNINDEX_NOTE),
        (_ADD_TAG, *index, _INDEX_NOTE),
        (_ADD_TAG, *index, _UNINDEX_NOTE),
    )
    for statement in (*reads, *(_combined(steps) for steps in changes)):
        prepare(statement, dialect)
