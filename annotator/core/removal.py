"""Removing a document from the library, and putting it back (undo).

`remove_document` deletes a document with its units, its annotations, their tags and their
history in one transaction, and hands back every row it deleted, as stored
(`RemovedDocument`). `restore_document` writes those rows back, so that an undo returns exactly
what was there: the same document and annotation ids (the snapshots in the history and the undo
stack name them), times and JSON byte for byte. Neither id is ever given to a new document or
annotation (`ops.next_document_id`, `ops.next_annotation_id`), so both are free to take back.
Unit and history rows are written back under new row ids: nothing refers to those, and each
annotation's history keeps its order.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, Table, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from annotator.core.errors import InvalidValue, NotFound

# The plain types live in `facts` (no SQLAlchemy): re-exported here under their old names.
from annotator.core.facts import RemovedDocument as RemovedDocument
from annotator.core.facts import StoredRows as StoredRows
from annotator.core.model import (
    Annotation,
    AnnotationHistory,
    AnnotationTag,
    Base,
    Document,
    Meta,
    Unit,
)
from annotator.core.ops import REMOVED_DOCUMENT_KEY, Changes
from annotator.core.store import Store, bulk_insert, bulk_select


def _stored(model: type[Base], where: Any, *, keep_id: bool = True) -> tuple[str, Select[Any]]:
    """(table name, the select of its rows matching `where`), read as stored by `bulk_select`."""
    table = cast(Table, model.__table__)
    columns = [c for c in table.columns if keep_id or c.name != "id"]
    return table.name, select(*columns).where(where).order_by(*table.primary_key.columns)


def remove_document(store: Store, document_id: int) -> RemovedDocument:
    """Delete a document and everything about it (one transaction); NotFound if it is gone."""
    with store.write() as session:
        title = session.scalar(select(Document.title).where(Document.id == document_id))
        if title is None:
            raise NotFound(f"no document {document_id} (it may have been removed already)")
        of_document = select(Annotation.id).where(Annotation.document_id == document_id)
        queries = (
            _stored(Document, Document.id == document_id),
            _stored(Unit, Unit.document_id == document_id, keep_id=False),
            _stored(Annotation, Annotation.document_id == document_id),
            _stored(AnnotationTag, AnnotationTag.annotation_id.in_(of_document)),
            _stored(AnnotationHistory, AnnotationHistory.document_id == document_id, keep_id=False),
        )
        connection = session.connection()
        tables = tuple(
            StoredRows(name, tuple(c.name for c in statement.selected_columns),
                       bulk_select(connection, statement))
            for name, statement in queries
        )
        annotation_ids = frozenset(session.scalars(of_document))
        session.execute(
            delete(AnnotationHistory).where(AnnotationHistory.document_id == document_id)
        )
        session.execute(delete(AnnotationTag).where(AnnotationTag.annotation_id.in_(of_document)))
        session.execute(delete(Annotation).where(Annotation.document_id == document_id))
        session.execute(delete(Unit).where(Unit.document_id == document_id))
        session.execute(delete(Document).where(Document.id == document_id))
        _remember_removed_id(session, document_id)
    return RemovedDocument(document_id, title, annotation_ids, tables)


def _remember_removed_id(session: Session, document_id: int) -> None:
    meta = session.get(Meta, REMOVED_DOCUMENT_KEY)
    if meta is None:
        session.add(Meta(key=REMOVED_DOCUMENT_KEY, value=str(document_id)))
    elif not meta.value.isdigit() or int(meta.value) < document_id:
        meta.value = str(document_id)


def restore_document(store: Store, removed: RemovedDocument) -> Changes:
    """Put a removed document back exactly as it was (one transaction).

    InvalidValue, with nothing written, if its ids were taken meanwhile (only possible when
    something other than Annotator wrote to the database) or one of its tags no longer exists.
    """
    with store.write() as session:
        taken = session.scalar(
            select(func.count()).where(Document.id == removed.document_id)
        ) or 0
        ids = sorted(removed.annotation_ids)
        for start in range(0, len(ids), 500):  # below SQLite's limit on bound parameters
            taken += session.scalar(
                select(func.count()).where(Annotation.id.in_(ids[start:start + 500]))
            ) or 0
        if taken:
            raise InvalidValue(
                f"“{removed.title}” cannot be put back: its ids are used by other records now"
            )
        connection = session.connection()
        try:
            for stored in removed.tables:
                bulk_insert(connection, stored.table, stored.columns, stored.rows)
        except IntegrityError as exc:
            raise InvalidValue(
                f"“{removed.title}” cannot be put back: the database no longer has "
                f"what it needs ({exc.orig})"
            ) from exc
    return removed.changes
