"""What the window needs to show a document at once: its text, units and painted spans.

`document_outline` reads them in three plain queries (no ORM instances, no JSON or datetime
decoding) as compact tuples; the full `AnnotationView`s (fields, notes, times) are read later,
a slice at a time (`annotation_views`), while the analyst already reads the text.
Offsets are Python `str` code points.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import ColumnElement, Connection, String, select, type_coerce

from annotator.core.bulk import gc_paused
from annotator.core.errors import NotFound
from annotator.core.model import (
    Annotation,
    AnnotationTag,
    Document,
    Tag,
    Unit,
    UTCDateTime,
)
from annotator.core.queries import AnnotationTagView, AnnotationView
from annotator.core.store import Store

# (id, start, end, author, review status, tag names in display order)
OutlineSpan = tuple[int, int, int, str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class DocumentOutline:
    text: str
    units: list[tuple[int, int, str]]  # (start, end, kind) in text order
    spans: list[OutlineSpan]  # sorted by (start, end, id)


def document_outline(
    store: Store, document_id: int, *, spans_before: int | None = None
) -> DocumentOutline:
    """The text, units and annotation spans of a document; NotFound when there is none.

    With `spans_before`, only the spans starting before that code point (those the first
    screen can show); `outline_spans` reads the others.
    """
    with gc_paused(), store.read() as session:
        # Core statements on the session's connection: plain rows, no ORM bookkeeping.
        connection = session.connection()
        found = connection.execute(select(Document.text).where(Document.id == document_id)).first()
        if found is None:
            raise NotFound(f"no document {document_id}")
        units = connection.execute(
            select(Unit.start, Unit.end, Unit.kind)
            .where(Unit.document_id == document_id)
            .order_by(Unit.ordinal)
        ).all()
        where = [Annotation.document_id == document_id]
        if spans_before is not None:
            where.append(Annotation.start < spans_before)
        spans = _spans(connection, where)
    return DocumentOutline(
        text=found[0] or "", units=[(start, end, kind) for start, end, kind in units], spans=spans
    )


def outline_spans(
    store: Store, document_id: int, *, start_from: int = 0, start_before: int | None = None
) -> list[OutlineSpan]:
    """The spans of a document's annotations starting at or after `start_from` (and before
    `start_before`), as `document_outline` gives them."""
    where = [Annotation.document_id == document_id, Annotation.start >= start_from]
    if start_before is not None:
        where.append(Annotation.start < start_before)
    with gc_paused(), store.read() as session:
        return _spans(session.connection(), where)


def _spans(connection: Connection, where: list[ColumnElement[bool]]) -> list[OutlineSpan]:
    """Spans sorted by (start, end, id). SQLite sorts nothing here: a temporary sort of 40,000
    rows costs more than sorting in Python rows that come almost in order. Equal strings and
    tag tuples are shared (one object per author, status and tag set)."""
    rows = connection.execute(
        select(
            Annotation.id, Annotation.start, Annotation.end, Annotation.author, Annotation.status
        ).where(*where)
    ).all()
    tag_rows = connection.execute(
        select(AnnotationTag.annotation_id, AnnotationTag.tag_id)
        .join(Annotation, Annotation.id == AnnotationTag.annotation_id)
        .where(*where)
    ).all()
    tags = connection.execute(select(Tag.id, Tag.name).order_by(Tag.position, Tag.id)).all()
    rank = {tag_id: position for position, (tag_id, _name) in enumerate(tags)}
    names = [name for _id, name in tags]
    given: dict[int, list[int]] = {}
    for annotation_id, tag_id in tag_rows:
        given.setdefault(annotation_id, []).append(rank[tag_id])
    strings: dict[str, str] = {}
    tag_sets: dict[tuple[int, ...], tuple[str, ...]] = {(): ()}
    spans: list[OutlineSpan] = []
    for annotation_id, start, end, author, status in rows:
        ranks = given.get(annotation_id)
        key = tuple(sorted(ranks)) if ranks else ()
        tag_names = tag_sets.get(key)
        if tag_names is None:
            tag_names = tag_sets[key] = tuple(names[position] for position in key)
        status = status or "draft"
        spans.append(
            (
                annotation_id,
                start,
                end,
                strings.setdefault(author, author),
                strings.setdefault(status, status),
                tag_names,
            )
        )
    spans.sort(key=_text_order)
    return spans


def _text_order(span: OutlineSpan) -> tuple[int, int, int]:
    return span[1], span[2], span[0]


_TIME = UTCDateTime()


class _NoFields(dict[str, object]):
    """The field values of a tag that has none: one empty dict shared by every such tag's
    view, so it refuses any change (a view is a value, never changed in place)."""

    __slots__ = ()

    def _refuse(self, *_args: object, **_kwargs: object) -> NoReturn:
        raise TypeError("a view's field values are read-only: copy them to change them")

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse


NO_FIELDS: dict[str, object] = _NoFields()


def _json(stored: str | None) -> object:
    """A stored JSON value: the empty object and list (most fields) without the parser."""
    if stored is None:
        return None
    if stored == "{}":
        return {}
    if stored == "[]":
        return ()
    return json.loads(stored)


def annotation_views(
    store: Store, ids: Sequence[int] | None = None, *, document_id: int | None = None
) -> dict[int, AnnotationView]:
    """The full views (as `queries.annotations_by_id` gives them) of the annotations among
    `ids` that exist, or of every annotation of `document_id`; read as stored text and decoded
    here, a few times faster than the column types' own decoding.

    Pass at most a few hundred ids (one SQL parameter each).
    """
    among: ColumnElement[bool]
    tagged: ColumnElement[bool]
    if ids is not None:
        if not ids:
            return {}
        among = Annotation.id.in_(ids)
        tagged = AnnotationTag.annotation_id.in_(ids)
    elif document_id is not None:
        among = Annotation.document_id == document_id
        tagged = AnnotationTag.annotation_id.in_(
            select(Annotation.id).where(Annotation.document_id == document_id)
        )
    else:
        raise ValueError("annotation_views needs ids or a document id")
    with gc_paused(), store.read() as session:
        connection = session.connection()
        dialect = connection.dialect
        rows = connection.execute(
            select(
                Annotation.id,
                Annotation.document_id,
                Annotation.start,
                Annotation.end,
                Annotation.author,
                type_coerce(Annotation.created, String),
                type_coerce(Annotation.modified, String),
                Annotation.note,
            ).where(among)
        ).all()
        tag_rows = connection.execute(
            select(
                AnnotationTag.annotation_id,
                Tag.name,
                type_coerce(AnnotationTag.fields, String),
                type_coerce(AnnotationTag.suggested, String),
            )
            .join(Tag, Tag.id == AnnotationTag.tag_id)
            .where(tagged)
            .order_by(Tag.position, Tag.id)
        ).all()
        tags: dict[int, list[AnnotationTagView]] = {}
        # A tag without field values or suggestions (most of them) is one shared, unchangeable
        # value per tag name, and so is each tuple of such tags: 10,000s of annotations cost
        # no object of their own for their tags.
        bare: dict[str, AnnotationTagView] = {}
        for annotation_id, name, fields, suggested in tag_rows:
            if fields in (None, "{}") and suggested in (None, "[]"):
                tag = bare.get(name)
                if tag is None:
                    tag = bare[name] = AnnotationTagView(name, NO_FIELDS, ())
            else:
                values = _json(fields)
                listed = _json(suggested)
                tag = AnnotationTagView(
                    name,
                    dict(values) if isinstance(values, dict) else {},
                    tuple(listed) if isinstance(listed, list | tuple) else (),
                )
            tags.setdefault(annotation_id, []).append(tag)
        bare_sets: dict[tuple[str, ...], tuple[AnnotationTagView, ...]] = {}

        def tags_of(annotation_id: int) -> tuple[AnnotationTagView, ...]:
            given = tags.get(annotation_id)
            if not given:
                return ()
            if any(tag.fields is not NO_FIELDS for tag in given):
                return tuple(given)
            names = tuple(tag.name for tag in given)
            shared = bare_sets.get(names)
            if shared is None:
                shared = bare_sets[names] = tuple(given)
            return shared

        strings: dict[str, str] = {}
        # One datetime per distinct stored time: an annotation never edited since it was made
        # (and a whole imported batch) shares one.
        times: dict[str, dt.datetime] = {}

        def time_of(stored: str) -> dt.datetime:
            parsed = times.get(stored)
            if parsed is None:
                value = _TIME.process_result_value(stored, dialect)
                assert value is not None  # the column is NOT NULL
                parsed = times[stored] = value
            return parsed

        views: dict[int, AnnotationView] = {}
        for annotation_id, document_id, start, end, author, created, modified, note in rows:
            views[annotation_id] = AnnotationView(
                annotation_id,
                document_id,
                start,
                end,
                strings.setdefault(author, author),
                time_of(created),
                time_of(modified),
                note,
                tags_of(annotation_id),
            )
        return views
