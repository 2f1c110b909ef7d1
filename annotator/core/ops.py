"""User-level operations. Each one is a single committed transaction and returns `Changes`.

Offsets are Python `str` code-point indices into the document text, end exclusive. Errors are
`AnnotatorError` subclasses with a message for the analyst; on error nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect_class
from sqlalchemy.orm import Session

from annotator.core import annotation_rows as rows
from annotator.core.errors import DuplicateDocument, InvalidValue, NotFound, NotYourAnnotation
from annotator.core.facts import Changes as Changes
from annotator.core.history import (
    HISTORY_COLUMNS,
    AnnotationSnapshot,
    TagSnapshot,
    creation_row,
    history_values,
    record,
    snapshot_of,
)
from annotator.core.model import (
    Annotation,
    AnnotationHistory,
    AnnotationTag,
    Document,
    DocumentMetadata,
    Meta,
    Tag,
    Unit,
    UTCDateTime,
    utcnow,
)
from annotator.core.search_index import note_indexed
from annotator.core.sources import ensure_sources
from annotator.core.store import Store, bulk_insert, id_counter
from annotator.core.text import text_sha256


@dataclass(frozen=True, kw_only=True)
class NewDocument(DocumentMetadata):
    """A document ready to be stored: its text, metadata and units (start, end, kind)."""

    text: str
    units: Sequence[tuple[int, int, str]]


@dataclass(frozen=True)
class NewAnnotation:
    """An annotation to add in bulk: span, author, tag names and per-tag fields."""

    start: int
    end: int
    author: str
    tags: Sequence[str] = ()
    note: str = ""
    fields: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    created: dt.datetime | None = None
    modified: dt.datetime | None = None


def find_document_by_hash(session: Session, sha256: str) -> int | None:
    return session.scalar(select(Document.id).where(Document.sha256 == sha256).limit(1))


def add_document(store: Store, new: NewDocument, *, allow_duplicate: bool = False) -> Changes:
    """Store a document and its units in one transaction.

    Raises DuplicateDocument when the same text (sha256) is stored and duplicates are not allowed.
    """
    digest = text_sha256(new.text)
    _check_units(new.units, len(new.text))
    with store.write() as session:
        existing = find_document_by_hash(session, digest)
        if existing is not None and not allow_duplicate:
            raise DuplicateDocument(
                f"{new.source_name}: already in the database as document {existing} "
                "(same text); nothing imported",
                existing,
            )
        doc_id = insert_document(session, new, digest)
    return Changes(documents=frozenset({doc_id}), library=True, created_id=doc_id)


def insert_document(session: Session, new: NewDocument, digest: str | None = None) -> int:
    """Add a document and its units inside the caller's transaction; return its id."""
    digest = digest or text_sha256(new.text)
    _check_units(new.units, len(new.text))
    document = Document(
        title=new.title,
        issuer=new.issuer,
        published=new.published,
        date_certainty=new.date_certainty,
        date_note=new.date_note,
        language=new.language,
        source_name=new.source_name,
        source_format=new.source_format,
        text=new.text,
        sha256=digest,
        imported_at=utcnow(),
    )
    document.id = next_document_id(session)
    session.add(document)
    session.flush()
    if new.units:
        doc_id = document.id
        bulk_insert(
            session.connection(),
            Unit.__tablename__,
            ("document_id", "ordinal", "start", "end", "kind"),
            [(doc_id, i, s, e, str(k)) for i, (s, e, k) in enumerate(new.units)],
        )
    return document.id


# The highest id of a removed document (`core.removal`): documents have no AUTOINCREMENT counter.
REMOVED_DOCUMENT_KEY = "highest_removed_document_id"


def next_document_id(session: Session) -> int:
    """The id the next document gets: above every document id ever used, so that a removed
    document's id is never given to another one and undo can put it back under that id."""
    highest = session.scalar(select(func.max(Document.id))) or 0
    removed = session.scalar(select(Meta.value).where(Meta.key == REMOVED_DOCUMENT_KEY))
    return max(highest, int(removed) if removed and removed.isdigit() else 0) + 1


def next_annotation_id(session: Session) -> int:
    """The id the next annotation gets: above every annotation id ever used (the table's
    AUTOINCREMENT counter), so that the id of a deleted annotation is never given again (undo
    puts it back under that id). For the bulk paths, which write their ids themselves."""
    highest = session.scalar(select(func.max(Annotation.id))) or 0
    return max(highest, id_counter(session, Annotation.__tablename__)) + 1


def _check_units(units: Sequence[tuple[int, int, str]], length: int) -> None:
    if not units_fit(units, length):
        raise InvalidValue("the units are out of order, overlap or fall outside the text")


def units_fit(units: Sequence[tuple[int, int, str]], length: int) -> bool:
    """Whether `units` are sorted, non-empty, non-overlapping spans inside a text of `length`."""
    previous_end = 0
    for start, end, _kind in units:
        if not (previous_end <= start < end <= length):
            return False
        previous_end = end
    return True


def update_document(store: Store, document_id: int, **values: Any) -> Changes:
    """Edit a document's metadata: title, issuer, published, date_certainty, date_note, language."""
    allowed = {"title", "issuer", "published", "date_certainty", "date_note", "language"}
    unknown = set(values) - allowed
    if unknown:
        raise InvalidValue(f"cannot edit document field(s): {', '.join(sorted(unknown))}")
    with store.write() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound(f"no document {document_id}")
        for key, value in values.items():
            setattr(document, key, value)
    return Changes(documents=frozenset({document_id}), library=True)


def tag_ids_by_name(session: Session) -> dict[str, int]:
    return {name: tag_id for tag_id, name in session.execute(select(Tag.id, Tag.name))}


def _resolve_tags(session: Session, names: Iterable[str]) -> list[int]:
    known = tag_ids_by_name(session)
    ids = []
    for name in names:
        if name not in known:
            raise InvalidValue(f"unknown tag {name!r} (known: {', '.join(sorted(known))})")
        ids.append(known[name])
    return ids


def _document_length(session: Session, document_id: int) -> int:
    length = session.scalar(select(func.length(Document.text)).where(Document.id == document_id))
    if length is None:
        raise NotFound(f"no document {document_id}")
    return int(length)


def _check_span(start: int, end: int, length: int) -> None:
    if not (0 <= start < end <= length):
        raise InvalidValue(f"span [{start}, {end}) is empty or outside the text (0..{length})")


def create_annotation(
    store: Store,
    document_id: int,
    start: int,
    end: int,
    author: str,
    tags: Sequence[str] = (),
    *,
    note: str = "",
    fields: Mapping[str, Mapping[str, Any]] | None = None,
    suggested: Mapping[str, Sequence[str]] | None = None,
) -> Changes:
    """Add one annotation over text[start:end] (code points) with the given tags.

    `fields` and `suggested` map a tag name to its field values and to the names of the
    fields that were prefilled as suggestions.
    """
    if not author.strip():
        raise InvalidValue("an annotation needs an author name")
    fields = fields or {}
    suggested = suggested or {}
    with store.write(annotations=()) as session:  # a new one only: its id from the counter
        connection = session.connection()
        now = utcnow()
        row = {
            "document_id": document_id, "start": start, "end": end, "author": author,
            "created": now, "modified": now, "note": note, "status": "draft",
            "review_comment": "",
        }
        # on a team database the row is inserted by the statement that reads (annotation_rows)
        known, length, span, new_id = rows.looks_and_insert(connection, row, tags)
        _check_span(start, end, length)
        tag_ids = [known.id_of(name) for name in tags]
        if new_id is None:
            new_id = rows.insert_row(connection, row)
        tag_snapshots = []
        steps = []
        for name, tag_id in zip(tags, tag_ids, strict=True):
            values = dict(fields.get(name, {}))
            marked = [f for f in suggested.get(name, ()) if f in values]
            steps.append(rows.adding_tag(new_id, tag_id, values, marked))
            tag_snapshots.append(TagSnapshot(name, values, tuple(marked)))
        created = AnnotationSnapshot(
            id=new_id, document_id=document_id, start=start, end=end, author=author,
            created=now, modified=now, note=note, tags=known.in_order(tag_snapshots),
        )
        for statement, values in steps[:-1]:  # one step per statement: one value per name
            connection.execute(statement, values)
        last = steps[-1:]
        if span is not None:  # the one row it queued for the search indexes, indexed with it
            last += rows.indexing(new_id, span, note)
            note_indexed(session)
        rows.write_change(connection, last, history_values("create", author, None, created))
    return Changes(
        documents=frozenset({document_id}), annotations=frozenset({new_id}), created_id=new_id,
        snapshot=created,
    )


def delete_annotation(
    store: Store, annotation_id: int, *, actor: str | None = None, owner: str | None = None
) -> Changes:
    """Delete an annotation; its history keeps a snapshot so that it can be restored.

    With `owner`, another author's annotation is refused (NotYourAnnotation, see `check_owner`).
    """
    # a deletion queues nothing for the search indexes (its rows leave them by trigger)
    with store.write(annotations=(annotation_id,), search_text=False) as session:
        connection = session.connection()
        before = rows.read_snapshot(connection, annotation_id)
        check_owner(before, owner)
        history = history_values("delete", actor or before.author, before, None)
        rows.write_change(connection, rows.deleting(connection, annotation_id), history)
    return Changes(
        documents=frozenset({before.document_id}), annotations=frozenset({annotation_id}),
        previous=before,
    )


def bulk_add_annotations(
    store: Store, document_id: int, annotations: Iterable[NewAnnotation]
) -> int:
    """Add many annotations to one document in one transaction; return how many were added.

    Rows are prepared in their stored form and written with one executemany per table, so that
    100,000 annotations take about a second. Raises InvalidValue (nothing written) on a bad span
    or an unknown tag.
    """
    with store.write() as session:
        length = _document_length(session, document_id)
        known = tag_ids_by_name(session)
        next_id = next_annotation_id(session)
        stamp = stored_time(utcnow())
        no_fields = json.dumps({})
        annotation_rows: list[tuple[Any, ...]] = []
        tag_rows: list[tuple[Any, ...]] = []
        history_rows: list[tuple[object, ...]] = []
        for offset, new in enumerate(annotations):
            _check_span(new.start, new.end, length)
            annotation_id = next_id + offset
            created = stored_time(new.created) if new.created else stamp
            modified = stored_time(new.modified) if new.modified else created
            annotation_rows.append(
                (
                    annotation_id,
                    document_id,
                    new.start,
                    new.end,
                    new.author,
                    created,
                    modified,
                    new.note,
                )
            )
            snapshot_tags = []
            for name in new.tags:
                tag_id = known.get(name)
                if tag_id is None:
                    raise InvalidValue(f"unknown tag {name!r}")
                values = new.fields.get(name)
                fields_json = json.dumps(dict(values)) if values else no_fields
                tag_rows.append((annotation_id, tag_id, fields_json, "[]"))
                snapshot_tags.append((name, fields_json, ()))
            history_rows.append(
                creation_row("create", new.author, stamp, annotation_rows[-1], snapshot_tags)
            )
        connection = session.connection()
        insert_annotation_rows(connection, annotation_rows, tag_rows, history_rows)
    return len(annotation_rows)


ANNOTATION_COLUMNS = ("id", "document_id", "start", "end", "author", "created", "modified", "note")
REVIEW_COLUMNS = ("status", "reviewer", "reviewed_at", "review_comment")
TAG_COLUMNS = ("annotation_id", "tag_id", "fields", "suggested")


def insert_annotation_rows(
    connection: Connection,
    annotations: list[tuple[Any, ...]],
    tags: list[tuple[Any, ...]],
    history: list[tuple[object, ...]],
    *,
    with_review: bool = False,
) -> None:
    """The bulk write shared by bulk adds and merges: rows already in stored form (with
    `with_review`, the review columns and then the uid follow the annotation's own)."""
    columns = ANNOTATION_COLUMNS + ((*REVIEW_COLUMNS, "uid") if with_review else ())
    bulk_insert(connection, Annotation.__tablename__, columns, annotations)
    bulk_insert(connection, AnnotationTag.__tablename__, TAG_COLUMNS, tags)
    bulk_insert(connection, AnnotationHistory.__tablename__, HISTORY_COLUMNS, history)


sqlite_dialect = sqlite_dialect_class()


_STORED_TIME = UTCDateTime()


def stored_time(value: dt.datetime) -> str:
    """A time as `UTCDateTime` stores it (for the bulk paths); ValueError if naive."""
    if value.tzinfo is dt.UTC:  # the common case, without the type's checks
        return value.isoformat(timespec="microseconds")
    stored = _STORED_TIME.process_bind_param(value, sqlite_dialect)
    assert stored is not None
    return stored


def _load(session: Session, annotation_id: int) -> Annotation:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(f"no annotation {annotation_id} (it may have been deleted)")
    return annotation


def may_change(analyst: str, author: str) -> bool:
    """Whether `analyst` may change an annotation by `author`: their own, or one of their
    adjudicated layer. Everyone else's layer is theirs alone (review adjudicates it)."""
    # review imports this module: import it here, where it is needed.
    from annotator.core.review import adjudicated_author

    return author in (analyst, adjudicated_author(analyst))


def check_owner(annotation: Annotation | AnnotationSnapshot, owner: str | None) -> None:
    """Raise NotYourAnnotation when `owner` is given and may not change `annotation`."""
    if owner is not None and not may_change(owner, annotation.author):
        raise NotYourAnnotation(annotation.author)


def snapshot_annotation(store: Store, annotation_id: int) -> AnnotationSnapshot:
    """The annotation as stored now (NotFound when there is none), read with Core statements."""
    with store.read() as session:
        return rows.read_snapshot(session.connection(), annotation_id)


def restore_annotation(
    store: Store, snapshot: AnnotationSnapshot, *, actor: str | None = None
) -> Changes:
    """Put an annotation back exactly as snapshotted (same id), replacing any current state."""
    with store.write() as session:
        _check_span(snapshot.start, snapshot.end, _document_length(session, snapshot.document_id))
        known = tag_ids_by_name(session)
        existing = session.get(Annotation, snapshot.id)
        before = snapshot_of(existing) if existing is not None else None
        uid = frozen_uid(session, existing) if existing is not None else None
        if existing is not None:
            session.delete(existing)
            session.flush()
        annotation = Annotation(
            id=snapshot.id,
            document_id=snapshot.document_id,
            start=snapshot.start,
            end=snapshot.end,
            author=snapshot.author,
            created=snapshot.created,
            modified=snapshot.modified,
            note=snapshot.note,
            status=snapshot.status,
            reviewer=snapshot.reviewer,
            reviewed_at=snapshot.reviewed_at,
            review_comment=snapshot.review_comment,
            uid=uid,
        )
        for tag in snapshot.tags:
            if tag.name not in known:
                raise InvalidValue(f"unknown tag {tag.name!r}")
        annotation.tags = [
            AnnotationTag(tag_id=known[t.name], fields=dict(t.fields), suggested=list(t.suggested))
            for t in snapshot.tags
        ]
        session.add(annotation)
        session.flush()
        record(session, "restore", actor or snapshot.author, before, snapshot_of(annotation))
    return Changes(
        documents=frozenset({snapshot.document_id}), annotations=frozenset({snapshot.id})
    )


@dataclass
class _Change:
    session: Session
    annotation: Annotation
    before: AnnotationSnapshot
    after: AnnotationSnapshot | None = None

    def changes(self) -> Changes:
        return Changes(
            documents=frozenset({self.annotation.document_id}),
            annotations=frozenset({self.annotation.id}),
            snapshot=self.after,
            previous=self.before,
        )


@contextmanager
def _changing(
    store: Store,
    annotation_id: int,
    action: str,
    actor: str | None,
    owner: str | None,
    *,
    alone: bool = True,
    search_text: bool = True,
) -> Iterator[_Change]:
    """One committed change of one annotation, recorded in its history; with `owner`, only
    an annotation `owner` may change (NotYourAnnotation otherwise, nothing written).
    `alone`: the change writes nothing but the annotation (Store.write(annotations=...));
    `search_text` False: nor any text the search indexes hold (Store.write)."""
    scope = (annotation_id,) if alone else None
    with store.write(annotations=scope, search_text=search_text) as session:
        annotation = _load(session, annotation_id)
        check_owner(annotation, owner)
        before = snapshot_of(annotation)
        change = _Change(session, annotation, before)
        yield change
        annotation.modified = utcnow()
        session.flush()
        change.after = snapshot_of(annotation)
        record(session, action, actor or before.author, before, change.after)


def set_tag(
    store: Store,
    annotation_id: int,
    tag: str,
    present: bool,
    *,
    fields: Mapping[str, Any] | None = None,
    suggested: Sequence[str] = (),
    actor: str | None = None,
    owner: str | None = None,
) -> Changes:
    """Add (with initial fields) or remove one tag of an annotation.

    `actor` is who the history names (default: the author). With `owner` (the analyst at the
    window), another author's annotation is refused with NotYourAnnotation; so for the other
    edits below.
    """
    action = "tag_add" if present else "tag_remove"
    # SQLAlchemy Core, and the snapshot after built from the one before: a tag key must not
    # wait on the ORM (annotation_rows.py). Tags are not searched: nothing to fold.
    with store.write(annotations=(annotation_id,), search_text=False) as session:
        connection = session.connection()
        before, known = rows.read_snapshot_and_tag(connection, annotation_id, tag)
        check_owner(before, owner)
        tag_id = known.id_of(tag)
        tags = before.tags
        has_it = tag in before.tag_names
        now = utcnow()
        steps = [rows.touching(annotation_id, now)]
        if present and not has_it:
            values, marked = dict(fields or {}), tuple(suggested)
            steps.insert(0, rows.adding_tag(annotation_id, tag_id, values, marked))
            tags = known.in_order((*tags, TagSnapshot(tag, values, marked)))
        elif not present and has_it:
            steps.insert(0, rows.removing_tag(annotation_id, tag_id))
            tags = tuple(t for t in tags if t.name != tag)
        after = replace(before, tags=tags, modified=now)
        history = history_values(action, actor or before.author, before, after)
        rows.write_change(connection, steps, history)
    return Changes(
        documents=frozenset({before.document_id}), annotations=frozenset({annotation_id}),
        snapshot=after, previous=before,
    )


def set_fields(
    store: Store,
    annotation_id: int,
    tag: str,
    fields: Mapping[str, Any],
    suggested: Sequence[str] = (),
    *,
    actor: str | None = None,
    owner: str | None = None,
) -> Changes:
    """Replace the form fields of one tag of an annotation (values validated by the caller)."""
    # a claim's source may be registered (a shared row): that edit takes the whole write lock
    registers = tag == "claim" and "attributed_to" in fields
    with _changing(
        store, annotation_id, "fields", actor, owner, alone=not registers, search_text=False
    ) as change:
        (tag_id,) = _resolve_tags(change.session, [tag])
        current = next((t for t in change.annotation.tags if t.tag_id == tag_id), None)
        if current is None:
            raise InvalidValue(f"annotation {annotation_id} is not tagged {tag!r}")
        current.fields = dict(fields)
        current.suggested = [name for name in suggested if name in fields]
        name = fields.get("attributed_to") if tag == "claim" else None
        if isinstance(name, str) and "attributed_to" not in current.suggested:
            # a new source is registered with the claim (sources.py); a suggested name waits
            # until the analyst confirms it
            driver = change.session.connection().connection.driver_connection
            ensure_sources(driver, [(name, actor or change.before.author)])
    return change.changes()


def set_note(
    store: Store,
    annotation_id: int,
    note: str,
    *,
    actor: str | None = None,
    owner: str | None = None,
) -> Changes:
    """Replace the note of an annotation."""
    with store.write(annotations=(annotation_id,)) as session:  # Core, as set_tag
        connection = session.connection()
        now = utcnow()
        # on a team database the note is set by the statement that reads (annotation_rows)
        before, span, written = rows.read_and_set_note(connection, annotation_id, note, now)
        check_owner(before, owner)
        after = replace(before, note=note, modified=now)
        history = history_values("note", actor or before.author, before, after)
        steps = [] if written else [rows.setting_note(annotation_id, note, now)]
        if span is not None:  # the one row it queued for the search indexes, indexed with it
            steps += rows.indexing(annotation_id, span, note)
            note_indexed(session)
        rows.write_change(connection, steps, history)
    return Changes(
        documents=frozenset({before.document_id}), annotations=frozenset({annotation_id}),
        snapshot=after, previous=before,
    )


def set_span(
    store: Store,
    annotation_id: int,
    start: int,
    end: int,
    *,
    actor: str | None = None,
    owner: str | None = None,
) -> Changes:
    """Move an annotation to text[start:end] (code points)."""
    with _changing(store, annotation_id, "span", actor, owner) as change:
        annotation = change.annotation
        _check_span(start, end, _document_length(change.session, annotation.document_id))
        if annotation.uid is None and (start, end) != (annotation.start, annotation.end):
            annotation.uid = frozen_uid(change.session, annotation)  # kept through the move
        annotation.start, annotation.end = start, end
    return change.changes()


def frozen_uid(session: Session, annotation: Annotation) -> str:
    """The uid `annotation` has now (its own, or the one derived from its identity), to be
    written before its span changes (annotation_uid.py)."""
    if annotation.uid is not None:
        return annotation.uid
    from annotator.core.annotation_uid import derived_uid

    sha = session.scalar(select(Document.sha256).where(Document.id == annotation.document_id))
    return derived_uid(
        str(sha), annotation.start, annotation.end, annotation.author,
        stored_time(annotation.created),
    )
