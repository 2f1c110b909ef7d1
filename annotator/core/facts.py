"""Plain data the window shows and hands around, free of SQLAlchemy.

The main window imports these types before the database is opened, and is shown before
SQLAlchemy is imported at all (issue 15: a cold start paints first, reads after). The modules
that read and write them (`model`, `queries`, `ops`, `history`, `review`, `removal`) import
them from here and re-export them under their old names.

Offsets (`start`, `end`) are Python `str` code-point indices into the document text, end
exclusive. Times are timezone-aware UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from annotator.core import review_terms as _terms

# Marks a SQLite file as ours (`PRAGMA application_id`), so that any other SQLite file is refused.
APPLICATION_ID = 0x414E4E54  # "ANNT"


# -- documents -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DocumentMetadata:
    """A briefing's metadata, as `Document` stores it: guessed at import
    (`importers.metadata`), editable by the analyst, written into every export."""

    title: str
    issuer: str | None
    published: dt.date | None
    date_certainty: str  # exact / ambiguous / none: how sure the publication date guess is
    date_note: str | None
    language: str | None
    source_name: str
    source_format: str


@dataclass(frozen=True, kw_only=True)
class DocumentSummary(DocumentMetadata):
    id: int
    imported_at: dt.datetime
    unit_count: int
    annotation_count: int
    sha256: str


@dataclass(frozen=True)
class UnitView:
    ordinal: int
    start: int
    end: int
    kind: str
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentDetail:
    summary: DocumentSummary
    text: str
    units: list[UnitView] = field(default_factory=list)


@dataclass(frozen=True)
class TagInfo:
    id: int
    name: str
    colour: str
    shortcut: str | None


# -- annotations -----------------------------------------------------------------------------


class _Named(Protocol):
    @property
    def name(self) -> str: ...


TagT = TypeVar("TagT", bound=_Named)


@dataclass(frozen=True, slots=True)
class AnnotationFacts(Generic[TagT]):
    """What every form of an annotation holds (a view, a snapshot, an export record): where it
    is (`start`, `end`: code points into the document text, end exclusive), who made it and
    when, its note and its tags, in display order."""

    id: int
    document_id: int
    start: int
    end: int
    author: str
    created: dt.datetime
    modified: dt.datetime
    note: str
    tags: tuple[TagT, ...]

    @property
    def tag_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tags)


@dataclass(frozen=True, slots=True)
class ReviewedFacts(AnnotationFacts[TagT]):
    """AnnotationFacts with the review state (snapshots and export records carry it)."""

    status: str = "draft"
    reviewer: str | None = None
    reviewed_at: dt.datetime | None = None
    review_comment: str = ""


@dataclass(frozen=True, slots=True)
class AnnotationTagView:
    name: str
    fields: dict[str, object]
    suggested: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnnotationView(AnnotationFacts[AnnotationTagView]):
    """An annotation as the window shows it."""


@dataclass(frozen=True)
class TagSnapshot:
    name: str
    fields: Mapping[str, Any]
    suggested: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class AnnotationSnapshot(ReviewedFacts[TagSnapshot]):
    """Everything about one annotation, enough to restore it exactly (same id)."""


# -- what an operation changed ---------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """What an operation changed, so that views refresh only that."""

    documents: frozenset[int] = frozenset()
    annotations: frozenset[int] = frozenset()
    library: bool = False
    tags: bool = False
    created_id: int | None = None
    # The one annotation the operation created or changed, as committed (undo keeps it
    # without reading it back); None when the operation does not give it.
    snapshot: AnnotationSnapshot | None = field(default=None, compare=False)
    # That annotation as it was before, read in the same transaction (undo keeps it without a
    # read of its own); None for a new annotation or when the operation does not give it.
    previous: AnnotationSnapshot | None = field(default=None, compare=False)

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            documents=self.documents | other.documents,
            annotations=self.annotations | other.annotations,
            library=self.library or other.library,
            tags=self.tags or other.tags,
            created_id=other.created_id if other.created_id is not None else self.created_id,
        )


@dataclass(frozen=True)
class StoredRows:
    """Rows of one table as SQLite stores them (times and JSON as their text)."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class RemovedDocument:
    """A removed document: what the analyst is told, and every row needed to put it back."""

    document_id: int
    title: str
    annotation_ids: frozenset[int]
    tables: tuple[StoredRows, ...]  # in the order they are written back

    @property
    def changes(self) -> Changes:
        """What removing (or restoring) it changes, for the views: the library, and the
        document as a whole (its annotations are not listed one by one: a view showing the
        document reloads or closes it)."""
        return Changes(documents=frozenset({self.document_id}), library=True)


# -- review ----------------------------------------------------------------------------------

# The review's words live in review_terms, where the window's first paint reaches them without
# these dataclasses (issue 15); here under their old names.
ADJUDICATED_PREFIX = _terms.ADJUDICATED_PREFIX
STATUSES = _terms.STATUSES
DECISIONS = _terms.DECISIONS
AGREE = _terms.AGREE
PARTIAL = _terms.PARTIAL
DIFFER = _terms.DIFFER
FIELD = _terms.FIELD
UNTAGGED = _terms.UNTAGGED
STATES = _terms.STATES
DISAGREEMENTS = _terms.DISAGREEMENTS
STATE_LABELS = _terms.STATE_LABELS
adjudicated_author = _terms.adjudicated_author
is_adjudicated = _terms.is_adjudicated


@dataclass(frozen=True)
class ReviewInfo:
    status: str
    reviewer: str | None
    reviewed_at: dt.datetime | None
    comment: str
