"""Merge an `IncomingSet` into the database: all of it in one transaction, or nothing.

Documents are matched by the SHA-256 of their text. Annotations keep their authors and
timestamps. An annotation already present (same document, span, author, creation time and tags)
is skipped, so importing the same file twice changes nothing the second time. A file whose text
does not match (unknown hash without text, text not matching its hash, offsets out of range,
quote mismatch) is refused with a message naming the problem, and nothing is written.

Form fields are judged as the form judges them (`fields.field_problems`, i.e. `field_errors`),
whatever the reader (JSON Lines spans, W3C, REFI-QDA, a colleague's database): one value the
form would reject (an out-of-range grading, an impossible date, a non-number where a number
goes) or a field the tag's form does not have refuses the file whole, with one line naming the
annotation (see `IncomingAnnotation.describe`), the tag and the field, before the database is
touched. Values are kept as the file has them (not normalised), so an export imports back
unchanged. A tag without a form (an extra tag, such as the codes of another tool's codebook)
keeps whatever fields it brings.

A new annotation keeps its review state and brings its recorded history (when carried: a
jsonl-spans export made with its history, another Annotator database): those rows are written
first, in order, with the
snapshots' "id" and "document_id" replaced by the local ones, then the "import" row. An
annotation already present brings nothing.

Rows are prepared in their stored form and written with one executemany per table, parents
first (documents, units, annotations, their tags, history). Another Annotator database of the
current schema takes a faster way to the same rows (colleague_attached.py: the file attached
to the write connection, the rows copied by SQLite, which this module's checks and conversions
still decide); benchmarks/merge_bench.py measures it against raw SQLite writing the same rows.
Times a reader already holds as stored text
(`IncomingAnnotation.stored_times`, `IncomingHistory.at_text`: another Annotator database's) are
written as they are.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Text, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from annotator.core.bulk import gc_paused
from annotator.core.errors import ImportRefused, InvalidValue
from annotator.core.fields import field_problems
from annotator.core.history import creation_row
from annotator.core.interchange.records import (
    STORED_TIME,
    IncomingAnnotation,
    IncomingDocument,
    IncomingHistory,
    IncomingSet,
    one_line,
)
from annotator.core.model import Annotation, AnnotationTag, Document, Tag, Unit, utcnow
from annotator.core.ops import (
    Changes,
    NewDocument,
    insert_annotation_rows,
    next_annotation_id,
    next_document_id,
    stored_time,
    tag_ids_by_name,
    units_fit,
)
from annotator.core.sources import SourcesMerged, merge_sources
from annotator.core.store import Store, bulk_insert, bulk_select
from annotator.core.text import text_sha256

UNIT_COLUMNS = ("document_id", "ordinal", "start", "end", "kind")

# Colours for tags that arrive from other tools (after the three seeded Okabe-Ito colours).
EXTRA_TAG_COLOURS = ("#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000", "#999999")


@dataclass(frozen=True)
class MergeReport:
    source: str
    documents_added: int
    annotations_added: int
    annotations_present: int
    tags_added: tuple[str, ...]
    changes: Changes
    history_rows: int = 0  # history rows written, the carried ones and the "import" rows
    sources: SourcesMerged = SourcesMerged()  # claim sources added; grades that differ

    def summary(self) -> str:
        parts = [f"{self.annotations_added} annotation(s) added"]
        if self.annotations_present:
            parts.append(f"{self.annotations_present} already present")
        if self.documents_added:
            parts.append(f"{self.documents_added} document(s) added")
        if self.tags_added:
            parts.append(f"new tag(s): {', '.join(self.tags_added)}")
        parts.extend(self.sources.summary_parts())
        return f"{self.source}: " + ", ".join(parts)


AnnotationKey = tuple[int, int, int, str, str, tuple[str, ...]]


def _refuse(incoming: IncomingSet, reason: str) -> ImportRefused:
    return ImportRefused(f"{incoming.source}: {reason}; nothing imported")


def _new_document(doc: IncomingDocument, text: str) -> NewDocument:
    from annotator.core.importers import guess_metadata
    from annotator.core.segment import segment

    if doc.metadata_known:
        from annotator.core.importing import document_from_text

        return document_from_text(
            text, title=doc.title or doc.source_name or "Imported document",
            source_name=doc.source_name or "imported", issuer=doc.issuer,
            published=doc.published, language=doc.language,
            units=doc.units if doc.units and units_fit(doc.units, len(text)) else None,
        )
    meta = guess_metadata(text)
    units = [(u.start, u.end, str(u.kind)) for u in segment(text)]
    return NewDocument(
        text=text,
        title=doc.title or meta.title or doc.source_name or "Imported document",
        issuer=doc.issuer or meta.issuer,
        published=doc.published or meta.published,
        date_certainty="exact" if doc.published else str(meta.date_certainty),
        date_note=None if doc.published else meta.date_note,
        language=doc.language or meta.language,
        source_name=doc.source_name or "imported",
        source_format="txt",
        units=units,
    )


def _resolve_documents(
    session: Session, incoming: IncomingSet
) -> tuple[dict[str, tuple[int, str]], int]:
    """sha256 -> (document id, text); documents the file carries are added if missing."""
    wanted = {a.document_sha256 for a in incoming.annotations}
    wanted |= {d.sha256 for d in incoming.documents if d.text is not None}
    carried = {d.sha256: d for d in incoming.documents}
    found: dict[str, tuple[int, str]] = {}
    for sha in sorted(wanted):
        row = session.execute(
            select(Document.id, Document.text).where(Document.sha256 == sha).limit(1)
        ).first()
        if row is not None:
            found[sha] = (row[0], row[1])
    new: list[tuple[str, NewDocument]] = []
    for sha in sorted(wanted - set(found)):
        doc = carried.get(sha)
        if doc is None or doc.text is None:
            label = f" ({doc.title or doc.source_name})" if doc else ""
            raise _refuse(
                incoming,
                f"document {sha[:12]}…{label} is not in this database (documents are matched "
                "by the SHA-256 of their text); import the briefing first",
            )
        if text_sha256(doc.text) != sha:
            raise _refuse(incoming, f"the text of {doc.title or sha[:12]} does not match its hash")
        new.append((sha, _new_document(doc, doc.text)))
    for (sha, document), doc_id in zip(new, _insert_documents(session, new), strict=True):
        found[sha] = (doc_id, document.text)
    return found, len(new)


def _insert_documents(session: Session, new: list[tuple[str, NewDocument]]) -> list[int]:
    """Add documents (sha256, document) and their units, one executemany per table, in the
    caller's transaction; their ids, in order. InvalidValue for units that do not fit."""
    if not new:
        return []
    first = next_document_id(session)
    ids = list(range(first, first + len(new)))
    imported_at = utcnow()
    documents: list[dict[str, object]] = []
    units: list[tuple[object, ...]] = []
    for doc_id, (sha, document) in zip(ids, new, strict=True):
        if not units_fit(document.units, len(document.text)):
            raise InvalidValue("the units are out of order, overlap or fall outside the text")
        documents.append({
            "id": doc_id, "title": document.title, "issuer": document.issuer,
            "published": document.published, "date_certainty": document.date_certainty,
            "date_note": document.date_note, "language": document.language,
            "source_name": document.source_name, "source_format": document.source_format,
            "text": document.text, "sha256": sha, "imported_at": imported_at,
        })
        units.extend(
            (doc_id, ordinal, start, end, str(kind))
            for ordinal, (start, end, kind) in enumerate(document.units)
        )
    connection = session.connection()
    # Core with the model's types: dates and times stored exactly as the ORM stores them
    connection.execute(insert(Document), documents)
    bulk_insert(connection, Unit.__tablename__, UNIT_COLUMNS, units)
    return ids


def _check_annotation(incoming: IncomingSet, annotation: IncomingAnnotation, text: str) -> None:
    start, end = annotation.start, annotation.end
    where = f"annotation [{start}, {end})"
    if not (0 <= start < end <= len(text)):
        raise _refuse(incoming, f"{where} is outside its document (0..{len(text)})")
    if annotation.quote is not None and text[start:end] != annotation.quote:
        raise _refuse(
            incoming,
            f"{where}: the quoted text {annotation.quote[:40]!r} is not what the document has "
            f"there ({text[start:end][:40]!r})",
        )
    if annotation.prefix is not None and not text.endswith(annotation.prefix, 0, start):
        raise _refuse(incoming, f"{where}: the text before the span does not match")
    if annotation.suffix is not None and not text.startswith(annotation.suffix, end):
        raise _refuse(incoming, f"{where}: the text after the span does not match")
    if not annotation.author.strip():
        raise _refuse(incoming, f"{where} has no author")


def _check_annotations(incoming: IncomingSet, documents: dict[str, tuple[int, str]]) -> None:
    """Refuse `incoming` (ImportRefused) at the first annotation that does not fit its text."""
    lengths = {sha: len(text) for sha, (_id, text) in documents.items()}
    for annotation in incoming.annotations:
        # most annotations (all of another database's) carry no quote: only the span to check
        if (
            annotation.quote is None and annotation.prefix is None
            and annotation.suffix is None
            and 0 <= annotation.start < annotation.end <= lengths[annotation.document_sha256]
            and annotation.author.strip()
        ):
            continue
        _check_annotation(
            incoming, annotation, documents[annotation.document_sha256][1]
        )


def _field_name(name: str) -> str:
    return f'"{one_line(name, 40)}"'


def _check_fields(incoming: IncomingSet) -> None:
    """Refuse `incoming` (ImportRefused) when a form field value is one the form would reject.

    The message names the first such value: "<file>: annotation 12 (line 5), figure field
    "value": 'abc' is not a number; nothing imported", with how many more there are.
    """
    checked: set[int] = set()  # tag values found valid: readers share one between annotations
    first: str | None = None
    more = 0
    for position, annotation in enumerate(incoming.annotations, start=1):
        for tag in annotation.tags:
            if id(tag) in checked:
                continue
            problems = field_problems(tag.name, tag.fields) if tag.fields else None
            if not problems:
                checked.add(id(tag))
                continue
            if first is not None:
                more += len(problems)
                continue
            name, reason = next(iter(problems.items()))
            more += len(problems) - 1
            first = (
                f"{annotation.describe(position, _document_name(incoming, annotation))}, "
                f"{tag.name} field {_field_name(name)}: {reason}"
            )
    if first is not None:
        if more:
            first += f" (and {more} more value(s) the form would reject)"
        raise _refuse(incoming, first)


def _document_name(incoming: IncomingSet, annotation: IncomingAnnotation) -> str:
    """The annotation's document as a message names it (for annotations without a label)."""
    if annotation.label:
        return ""
    document = next(
        (d for d in incoming.documents if d.sha256 == annotation.document_sha256), None
    )
    title = document.title or document.source_name if document else None
    return f'"{one_line(title, 40)}"' if title else f"document {annotation.document_sha256[:12]}…"


def _ensure_tags(session: Session, incoming: IncomingSet, names: set[str]) -> list[str]:
    known = tag_ids_by_name(session)
    missing = sorted(names - set(known))
    position = session.scalar(select(func.max(Tag.position))) or 0
    for index, name in enumerate(missing):
        colour = (
            incoming.tag_colours.get(name)
            or EXTRA_TAG_COLOURS[(len(known) + index) % len(EXTRA_TAG_COLOURS)]
        )
        session.add(Tag(name=name, colour=colour, shortcut=None, position=position + 1 + index))
    session.flush()
    return missing


def _existing_keys(session: Session, document_ids: set[int]) -> set[AnnotationKey]:
    if not document_ids:
        return set()
    connection = session.connection()
    tags: dict[int, list[str]] = {}
    for annotation_id, name in bulk_select(
        connection,
        select(AnnotationTag.annotation_id, Tag.name)
        .join(Tag, Tag.id == AnnotationTag.tag_id)
        .join(Annotation, Annotation.id == AnnotationTag.annotation_id)
        .where(Annotation.document_id.in_(document_ids)),
    ):
        listed = tags.get(annotation_id)
        if listed is None:
            tags[annotation_id] = [name]
        else:
            listed.append(name)
    keys = set()
    no_tags: list[str] = []
    for annotation_id, document_id, start, end, author, created in bulk_select(
        connection,
        select(
            Annotation.id,
            Annotation.document_id,
            Annotation.start,
            Annotation.end,
            Annotation.author,
            type_coerce(Annotation.created, Text),
        ).where(Annotation.document_id.in_(document_ids)),
    ):
        names = tuple(sorted(tags.get(annotation_id, no_tags)))
        keys.add((document_id, start, end, author, _as_stored(created), names))
        # Files without creation times match on everything else.
        keys.add((document_id, start, end, author, "", names))
    return keys


def _as_stored(text: str) -> str:
    """A stored time as `stored_time` writes it (text from an older writer is converted)."""
    if STORED_TIME.fullmatch(text):
        return text
    parsed = dt.datetime.fromisoformat(text)
    return stored_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))


# How `json.dumps(history.snapshot_to_json(...))` starts: the ids a merge replaces.
_SNAPSHOT_IDS = re.compile(r'\{"id": -?\d+, "document_id": -?\d+, ')


def _remapped(
    snapshot: dict[str, Any] | None, stored: str | None, annotation_id: int, document_id: int
) -> str | None:
    """A carried snapshot as stored JSON text, under the local annotation and document ids.

    Stored text (from another database) is rewritten in place when it has the usual layout.
    """
    if stored is not None:
        match = _SNAPSHOT_IDS.match(stored)
        if match is not None:
            head = f'{{"id": {annotation_id}, "document_id": {document_id}, '
            return head + stored[match.end() :]
        snapshot = json.loads(stored)
    if snapshot is None:
        return None
    return json.dumps({**snapshot, "id": annotation_id, "document_id": document_id})


def _carried_rows(
    history: tuple[IncomingHistory, ...], annotation_id: int, document_id: int
) -> list[tuple[object, ...]]:
    return [
        (
            annotation_id,
            document_id,
            entry.action,
            entry.actor,
            entry.at_text or stored_time(entry.at),
            # stored text is used as it is: reading `before`/`after` would decode it
            _remapped(
                None if entry.before_json else entry.before,
                entry.before_json,
                annotation_id,
                document_id,
            ),
            _remapped(
                None if entry.after_json else entry.after,
                entry.after_json,
                annotation_id,
                document_id,
            ),
            entry.comment,
        )
        for entry in history
    ]


_NO_TIMES: tuple[None, None, None] = (None, None, None)

# Annotations per write: each batch's rows are built, written and freed while still in the CPU's
# caches, instead of holding 500,000 rows (and their memory) until one write at the end.
BATCH = 2_000


class _Writer:
    """Writes the annotations not present yet, batch by batch, with their tags and history:
    the carried rows, then the "import" row at `now`. Ids follow on from `next_id`."""

    def __init__(
        self,
        connection: Connection,
        document_ids: dict[str, int],
        present: set[AnnotationKey],
        tag_ids: dict[str, int],
        next_id: int,
        now: str,
    ) -> None:
        self.connection = connection
        self.document_ids = document_ids
        self.present = present  # gains the keys of the annotations written
        self.tag_ids = tag_ids
        self.next_id = next_id
        self.now = now
        self.added: list[int] = []
        self.skipped = 0
        self.history_rows = 0
        self.touched: set[int] = set()
        self.claim_names: dict[str, str] = {}  # the sources written claims name -> an author
        # Readers share one tag value between annotations with the same fields (see
        # colleague._read): encode each once. The caller's `incoming` keeps them alive, so ids
        # are not reused meanwhile.
        self.encoded: dict[int, tuple[int, str, str, tuple[str, str, tuple[str, ...]]]] = {}

    def write(self, batch: Sequence[IncomingAnnotation]) -> None:
        annotation_rows: list[tuple[object, ...]] = []
        tag_rows: list[tuple[object, ...]] = []
        history_rows: list[tuple[object, ...]] = []
        document_ids, present, tag_ids, encoded = (
            self.document_ids, self.present, self.tag_ids, self.encoded
        )
        next_id, now = self.next_id + len(self.added), self.now
        for annotation in batch:
            document_id = document_ids[annotation.document_sha256]
            created, modified, reviewed_at = annotation.stored_times or _NO_TIMES
            if created is None and annotation.created is not None:
                created = stored_time(annotation.created)
            tags = annotation.tags
            names = tuple(sorted(t.name for t in tags)) if len(tags) > 1 else (
                (tags[0].name,) if tags else ()
            )
            key = (document_id, annotation.start, annotation.end, annotation.author,
                   created or "", names)
            if key in present:
                self.skipped += 1
                continue
            present.add(key)
            created = created or now
            if modified is None:
                modified = stored_time(annotation.modified) if annotation.modified else created
            annotation_id = next_id + len(annotation_rows)
            row = (
                annotation_id, document_id, annotation.start, annotation.end, annotation.author,
                created, modified, annotation.note,
            )
            if reviewed_at is None and annotation.reviewed_at is not None:
                reviewed_at = stored_time(annotation.reviewed_at)
            review = (
                annotation.status, annotation.reviewer, reviewed_at, annotation.review_comment
            )
            annotation_rows.append((*row, *review, annotation.uid))
            self.touched.add(document_id)
            if annotation.history:
                history_rows.extend(_carried_rows(annotation.history, annotation_id, document_id))
            snapshot_tags = []
            seen: set[int] = set()
            for tag in tags:
                stored = encoded.get(id(tag))
                if stored is None:
                    fields_json = json.dumps(tag.fields)
                    suggested = [name for name in tag.suggested if name in tag.fields]
                    stored = encoded[id(tag)] = (
                        tag_ids[tag.name], fields_json, json.dumps(suggested),
                        (tag.name, fields_json, tag.suggested),
                    )
                    if tag.name == "claim":
                        named = tag.fields.get("attributed_to")
                        if isinstance(named, str):
                            self.claim_names.setdefault(named, annotation.author)
                snapshot_tags.append(stored[3])
                if stored[0] not in seen:  # a file may list a tag twice: one row
                    seen.add(stored[0])
                    tag_rows.append((annotation_id, stored[0], stored[1], stored[2]))
            history_rows.append(
                creation_row("import", annotation.author, now, row, snapshot_tags, review)
            )
        insert_annotation_rows(
            self.connection, annotation_rows, tag_rows, history_rows, with_review=True
        )
        self.added.extend(range(next_id, next_id + len(annotation_rows)))
        self.history_rows += len(history_rows)


def merge_incoming(store: Store, incoming: IncomingSet) -> MergeReport:
    """Write `incoming` in one transaction; ImportRefused (nothing written) if it does not fit."""
    _check_fields(incoming)
    now = stored_time(dt.datetime.now(dt.UTC))
    with gc_paused(), store.write() as session:
        documents, documents_added = _resolve_documents(session, incoming)
        _check_annotations(incoming, documents)
        new_tags = _ensure_tags(
            session, incoming, {t.name for a in incoming.annotations for t in a.tags}
        )
        document_ids = {sha: doc_id for sha, (doc_id, _text) in documents.items()}
        writer = _Writer(
            session.connection(),
            document_ids,
            _existing_keys(session, set(document_ids.values())),
            tag_ids_by_name(session),
            next_annotation_id(session),
            now,
        )
        annotations = incoming.annotations
        for start in range(0, len(annotations), BATCH):
            writer.write(annotations[start : start + BATCH])
        sources = merge_sources(
            session.connection().connection.driver_connection,
            incoming.sources,
            writer.claim_names.items(),
            now,
        )
    changes = Changes(
        documents=frozenset(writer.touched | set(document_ids.values())),
        annotations=frozenset(writer.added),
        library=True,
        tags=bool(new_tags),
    )
    return MergeReport(
        source=incoming.source,
        documents_added=documents_added,
        annotations_added=len(writer.added),
        annotations_present=writer.skipped,
        tags_added=tuple(new_tags),
        changes=changes,
        history_rows=writer.history_rows,
        sources=sources,
    )
