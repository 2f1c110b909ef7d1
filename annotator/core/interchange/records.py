"""What an annotation file brings in, whatever its format, before it is merged.

Readers (JSON Lines, W3C Web Annotation, REFI-QDA) turn a file into an `IncomingSet`; `merge`
checks it against the database and writes it in one transaction, or refuses it whole.
Offsets are Python `str` code-point indices into the document text, end exclusive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from annotator.core.dataset import DatasetTag


@dataclass(frozen=True)
class IncomingDocument:
    """A document referenced by the file: always its text hash, sometimes its text."""

    sha256: str
    text: str | None = None  # present when the file carries the source (REFI-QDA)
    title: str | None = None
    source_name: str | None = None
    issuer: str | None = None
    published: dt.date | None = None
    language: str | None = None
    # True when the metadata comes from another Annotator database: used as it is (even empty
    # values), instead of being guessed again from the text.
    metadata_known: bool = False


@dataclass(frozen=True)
class IncomingAnnotation:
    document_sha256: str
    start: int
    end: int
    author: str
    tags: tuple[DatasetTag, ...]
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    note: str = ""
    # The text the file says is at [start, end): checked against the document (TextQuote).
    quote: str | None = None
    prefix: str | None = None
    suffix: str | None = None


@dataclass
class IncomingSet:
    source: str  # the file name, for messages
    format: str  # "jsonl-spans" | "w3c" | "refi-qda"
    documents: list[IncomingDocument] = field(default_factory=list)
    annotations: list[IncomingAnnotation] = field(default_factory=list)
    # Tags the file defines that this database may not have yet: name -> colour (#RRGGBB)
    tag_colours: dict[str, str] = field(default_factory=dict)
