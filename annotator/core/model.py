"""The database schema in one place: SQLAlchemy 2 typed models.

Offsets (`start`, `end`) are Python `str` code-point indices into `Document.text`, end exclusive.
Times are timezone-aware UTC, stored as ISO 8601 text so that they sort and survive any tool.

Form fields live in `AnnotationTag.fields`, a JSON object validated in Python by
`annotator.core.fields`: adding a field to a tag needs no schema change, and old rows simply lack
the key. `AnnotationTag.suggested` lists the field names that were prefilled from the sentence and
not yet confirmed by the analyst.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The plain types live in `facts` (no SQLAlchemy: the window imports them before the database
# is opened); re-exported here under their old names.
from annotator.core.facts import APPLICATION_ID as APPLICATION_ID
from annotator.core.facts import AnnotationFacts as AnnotationFacts
from annotator.core.facts import DocumentMetadata as DocumentMetadata
from annotator.core.facts import ReviewedFacts as ReviewedFacts
from annotator.core.facts import TagT as TagT


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetime stored as ISO 8601 text with offset."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed


class _JSONText(TypeDecorator[Any]):
    """JSON stored as text on PostgreSQL, as SQLite stores it (`StoredJSON`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(value)  # None is JSON's null, as SQLAlchemy's JSON stores it

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


# JSON columns: SQLAlchemy's JSON on SQLite; text holding JSON on PostgreSQL (the migrations
# make them so), so that the bulk paths read and write stored JSON text on both.
StoredJSON = JSON().with_variant(_JSONText(), "postgresql")


def utcnow() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    issuer: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    # exact / ambiguous / none: how sure the publication date guess is (see date_note).
    date_certainty: Mapped[str] = mapped_column(String(16), default="none")
    date_note: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(Text, default="")
    source_format: Mapped[str] = mapped_column(String(16), default="txt")
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[Unit]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Unit.ordinal"
    )
    annotations: Mapped[list[Annotation]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Annotation.start"
    )


class Unit(Base):
    """A sentence unit (or title, date, byline, heading, bullet; or skipped boilerplate)."""

    __tablename__ = "units"
    __table_args__ = (
        Index("ix_units_document_ordinal", "document_id", "ordinal", unique=True),
        CheckConstraint("start >= 0 AND \"end\" > start", name="ck_units_span"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))

    document: Mapped[Document] = relationship(back_populates="units")


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    colour: Mapped[str] = mapped_column(String(16))
    shortcut: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_document_start", "document_id", "start"),
        CheckConstraint("start >= 0 AND \"end\" > start", name="ck_annotations_span"),
        # Ids are never reused, so that undo can restore a deleted annotation under its own id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(Text)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    # Review: draft / submitted / accepted / rejected, with who decided, when and why.
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    reviewer: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The stable id across databases (migration 0006): NULL reads as the id derived from the
    # document's SHA-256, span, author and creation time (annotation_uid.py).
    uid: Mapped[str | None] = mapped_column(String(32), index=True)

    document: Mapped[Document] = relationship(back_populates="annotations")
    tags: Mapped[list[AnnotationTag]] = relationship(
        back_populates="annotation", cascade="all, delete-orphan", lazy="selectin"
    )


class AnnotationTag(Base):
    """One tag on one annotation, with that tag's form fields."""

    __tablename__ = "annotation_tags"
    __table_args__ = (Index("ix_annotation_tags_tag", "tag_id"),)

    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="RESTRICT"), primary_key=True
    )
    fields: Mapped[dict[str, Any]] = mapped_column(StoredJSON, default=dict)
    suggested: Mapped[list[str]] = mapped_column(StoredJSON, default=list)

    annotation: Mapped[Annotation] = relationship(back_populates="tags")
    tag: Mapped[Tag] = relationship(lazy="joined")


class AnnotationHistory(Base):
    """One change to one annotation: who, when, what, and the annotation before and after.

    Written in the same transaction as the change. `before`/`after` are full snapshots (see
    `annotator.core.history`), None where the annotation did not exist. Rows stay when the
    annotation is deleted, so a deleted annotation can be restored from its history.
    """

    __tablename__ = "annotation_history"
    __table_args__ = (Index("ix_annotation_history_annotation", "annotation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annotation_id: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(StoredJSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(StoredJSON)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")


class Meta(Base):
    """Database-wide settings that travel with the file (e.g. a handling caveat)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncState(Base):
    """What a laptop's file and one server agreed at their last sync (migration 0006): the
    uids both held, each with the version both had (sync.py). Written in the laptop only."""

    __tablename__ = "sync_state"

    server: Mapped[str] = mapped_column(String(40), primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[str] = mapped_column(Text)


class Source(Base):
    """A named claim source (migration 0005): claims are linked to it by the folded name of
    their `attributed_to` field (`sources.source_key`), never by id. `reliability` is the
    default Admiralty grade (A-F) a new claim from it is offered as a suggestion."""

    __tablename__ = "sources"
    __table_args__ = (
        CheckConstraint(
            "reliability IS NULL OR reliability IN ('A', 'B', 'C', 'D', 'E', 'F')",
            name="ck_sources_reliability",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text, unique=True)
    reliability: Mapped[str | None] = mapped_column(String(1))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(Text)
    modified: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_by: Mapped[str] = mapped_column(Text)


# Seeded in the first migration; colours from the Okabe-Ito colour-blind-safe palette.
SEED_TAGS: tuple[tuple[str, str, str, int], ...] = (
    ("claim", "#0072B2", "1", 1),
    ("assessment", "#E69F00", "2", 2),
    ("figure", "#009E73", "3", 3),
)


# The full-text search indexes (migration 0004): FTS5 virtual tables and their shadow tables,
# kept by triggers, outside the ORM model.
SEARCH_INDEXES = (
    "search_units",
    "search_notes",
    "search_annotations",
    "search_pending",
    "search_sort_text",
)


def is_search_index(table: str) -> bool:
    """Whether `table` is one of SEARCH_INDEXES or one of their FTS5 shadow tables."""
    return any(table == name or table.startswith(name + "_") for name in SEARCH_INDEXES)


def compared_by_alembic(name: str | None, type_: str, _parent: object) -> bool:
    """alembic's include_name: every table but the search indexes."""
    return not (type_ in ("table", "index") and name is not None and is_search_index(name))
