"""What an annotation file brings in, whatever its format, before it is merged.

Readers (JSON Lines, W3C Web Annotation, REFI-QDA, a colleague's database) turn a file into an
`IncomingSet`; `merge` checks it (form fields as the form judges them, then against the
database) and writes it in one transaction, or refuses it whole with one line that names the
annotation as `IncomingAnnotation.describe` does.
Offsets are Python `str` code-point indices into the document text, end exclusive.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from annotator.core.dataset import DatasetTag
from annotator.core.sources import SourceEntry

# A time exactly as `ops.stored_time` writes it (fixed width, microseconds, UTC): text of this
# form is what a merge would write for the parsed value, so it can be written as it is.
STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")


def one_line(text: str, limit: int = 60) -> str:
    """`text` for a one-line message: cut after `limit` characters (with "…"), and line breaks
    and other invisible characters written as escapes ("\\n", "\\u2028")."""
    if len(text) > limit:
        text = text[:limit] + "\u2026"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
    # The source's own units (start, end, kind), when it has them (another Annotator database):
    # a document new here gets the units its annotations were made on, if they fit its text.
    units: tuple[tuple[int, int, str], ...] | None = None


class IncomingHistory:
    """One recorded change of an incoming annotation, as its source database stored it.

    `before`/`after` are snapshots exactly as `history.snapshot_to_json` writes them (their
    "id" and "document_id" are the source's; the merge replaces them with the local ones).
    A reader holding the stored JSON text (another Annotator database) passes `before_json` /
    `after_json` instead: decoded only when asked, and rewritten as text by the merge (decoding
    and encoding 100,000 snapshots would double the time of a large merge).
    """

    __slots__ = ("_after", "_before", "action", "actor", "after_json", "at", "at_text",
                 "before_json", "comment")

    def __init__(
        self,
        action: str,
        actor: str,
        at: dt.datetime,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        comment: str = "",
        *,
        before_json: str | None = None,
        after_json: str | None = None,
    ) -> None:
        self.action = action
        self.actor = actor
        self.at = at
        self.at_text: str | None = None
        self.comment = comment
        self._before = before
        self._after = after
        self.before_json = None if before is not None else before_json
        self.after_json = None if after is not None else after_json

    @classmethod
    def stored(
        cls,
        action: str,
        actor: str,
        at: dt.datetime,
        before_json: str | None,
        after_json: str | None,
        comment: str,
        at_text: str | None = None,
    ) -> IncomingHistory:
        """From a history row as stored (snapshots as JSON text, and `at_text`, the time's
        stored text when it is exactly what `ops.stored_time(at)` gives); the fast path of a
        merge."""
        entry = cls.__new__(cls)
        entry.action, entry.actor, entry.at, entry.comment = action, actor, at, comment
        entry.at_text = at_text
        entry._before = entry._after = None
        entry.before_json, entry.after_json = before_json, after_json
        return entry

    @property
    def before(self) -> dict[str, Any] | None:
        if self._before is None and self.before_json is not None:
            self._before = json.loads(self.before_json)
        return self._before

    @property
    def after(self) -> dict[str, Any] | None:
        if self._after is None and self.after_json is not None:
            self._after = json.loads(self.after_json)
        return self._after

    def _key(self) -> tuple[object, ...]:
        return (self.action, self.actor, self.at, self.before, self.after, self.comment)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IncomingHistory):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"IncomingHistory(action={self.action!r}, actor={self.actor!r}, at={self.at!r}, "
            f"before={self.before!r}, after={self.after!r}, comment={self.comment!r})"
        )


class IncomingAnnotation(NamedTuple):
    """One annotation the file brings (immutable).

    A NamedTuple rather than a frozen dataclass: a merge of another database builds 100,000 of
    them, and a tuple is made and freed several times faster.
    """

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
    # Review state (draft / submitted / accepted / rejected) and the change history, oldest
    # first: carried by jsonl-spans (the history only when exported with it) and by another
    # Annotator database.
    status: str = "draft"
    reviewer: str | None = None
    reviewed_at: dt.datetime | None = None
    review_comment: str = ""
    history: tuple[IncomingHistory, ...] = ()
    # How the file identifies this annotation, for a refusal that names it (see `describe`).
    label: str = ""
    # `created`, `modified` and `reviewed_at` as the source database stores them (UTC ISO
    # text, exactly what `ops.stored_time` gives), each None where the value is None or stored
    # otherwise: the merge writes them as they are instead of converting 300,000 times back.
    stored_times: tuple[str | None, str | None, str | None] | None = None
    # The annotation's stable id (annotation_uid.py) when it has one of its own: a sync carries
    # it; None (every file format) leaves the id derived from the annotation's identity.
    uid: str | None = None

    def describe(self, position: int, document: str = "") -> str:
        """The annotation as a refusal names it, on one line.

        Its `label` when the reader gave one: "annotation 12 (line 5)" in JSON Lines spans (the
        exporting database's annotation id, when the line has one, and the line number: "the
        annotation on line 5" without an id), "annotation 3 (urn:uuid:...)" in W3C (its place
        among the file's annotations and its "id"). Otherwise (a reader that gives none: a
        REFI-QDA project, a colleague's database) its place in the file, counted from 1, and its
        span: "annotation 4 ([10, 25) in "Quarterly brief")", `document` naming the document.
        """
        if self.label:
            return self.label
        where = f" in {document}" if document else ""
        return f"annotation {position} ([{self.start}, {self.end}){where})"


@dataclass
class IncomingSet:
    source: str  # the file name, for messages
    format: str  # "jsonl-spans" | "w3c" | "refi-qda"
    documents: list[IncomingDocument] = field(default_factory=list)
    annotations: list[IncomingAnnotation] = field(default_factory=list)
    # Tags the file defines that this database may not have yet: name -> colour (#RRGGBB)
    tag_colours: dict[str, str] = field(default_factory=dict)
    # What the file holds but the reader left out, one line each for the analyst (a REFI-QDA
    # source not found beside the project, with how many codings that cost).
    skipped: list[str] = field(default_factory=list)
    # The claim sources a colleague's database registers (schema 0005), matched by folded name.
    sources: list[SourceEntry] = field(default_factory=list)
