"""What the window needs to show a document at once: its text, units and painted spans.

`document_outline` reads them in three plain queries (no ORM instances, no JSON or datetime
decoding) as compact tuples; the full `AnnotationView`s (fields, notes, times) are read later,
a slice at a time (`queries.annotations_by_id`), while the analyst already reads the text.
Offsets are Python `str` code points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, select

from annotator.core.bulk import gc_paused
from annotator.core.errors import NotFound
from annotator.core.model import Annotation, AnnotationTag, Document, Tag, Unit
from annotator.core.store import Store

# (id, start, end, author, review status, tag names in display order)
OutlineSpan = tuple[int, int, int, str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class DocumentOutline:
    text: str
    units: list[tuple[int, int, str]]  # (start, end, kind) in text order
    spans: list[OutlineSpan]  # sorted by (start, end, id)


def document_outline(store: Store, document_id: int) -> DocumentOutline:
    """The text, units and annotation spans of a document; NotFound when there is none.

    Equal strings and tag tuples are shared (one object per author, status and tag set), so
    10,000 annotations by a few analysts cost one small tuple each.
    """
    with gc_paused(), store.read() as session:
        # Core statements on the session's connection: plain rows, no ORM bookkeeping.
        connection = session.connection()
        found = connection.execute(select(Document.text).where(Document.id == document_id)).first()
        if found is None:
            raise NotFound(f"no document {document_id}")
        units = [
            (start, end, kind)
            for start, end, kind in connection.execute(
                select(Unit.start, Unit.end, Unit.kind)
                .where(Unit.document_id == document_id)
                .order_by(Unit.ordinal)
            )
        ]
        rows = connection.execute(
            select(
                Annotation.id,
                Annotation.start,
                Annotation.end,
                Annotation.author,
                Annotation.status,
            )
            .where(Annotation.document_id == document_id)
            .order_by(Annotation.start, Annotation.end, Annotation.id)
        ).all()
        tag_rows = connection.execute(
            select(AnnotationTag.annotation_id, Tag.name)
            .join(Tag, Tag.id == AnnotationTag.tag_id)
            .join(Annotation, Annotation.id == AnnotationTag.annotation_id)
            .where(Annotation.document_id == document_id)
            .order_by(Tag.position, Tag.id)
        ).all()
        return _outline(found[0] or "", units, rows, tag_rows)


def _outline(
    text: str,
    units: list[tuple[int, int, str]],
    rows: Sequence[Row[int, int, int, str, str]],
    tag_rows: Sequence[Row[int, str]],
) -> DocumentOutline:
    names: dict[int, list[str]] = {}
    for annotation_id, name in tag_rows:
        names.setdefault(annotation_id, []).append(name)
    strings: dict[str, str] = {}
    tag_sets: dict[tuple[str, ...], tuple[str, ...]] = {}
    spans: list[OutlineSpan] = []
    for annotation_id, start, end, author, status in rows:
        tags = tuple(names.get(annotation_id, ()))
        status = status or "draft"
        spans.append(
            (
                annotation_id,
                start,
                end,
                strings.setdefault(author, author),
                strings.setdefault(status, status),
                tag_sets.setdefault(tags, tags),
            )
        )
    return DocumentOutline(text=text, units=units, spans=spans)
