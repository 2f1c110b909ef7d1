"""Merging a colleague's Annotator database inside SQLite: their file attached read-only to the
write connection (through its owner, connections.py), everything in one transaction.

`colleague.merge_colleague` uses this for a database of the current schema or of 0003
(`colleague.ATTACHED_REVISIONS`: the tables it reads are the same). It writes exactly
the rows of the general path (`colleague.read_colleague_database`, then
`merge.merge_incoming`): the same documents, tags, annotations (same ids, times, review), tag
rows and history rows (same ids, same bytes), the same report. What differs is where the work
is done: the carried history (most of the bytes) is copied by SQLite itself, straight from the
colleague's file, its snapshots given the local ids as text; Python reads only what decides
what to write (spans, authors, times, tags) and builds the "import" rows.

A database this path does not find regular (a time stored otherwise, a value the form would
reject, a span outside its text, a snapshot of another layout, anything unreadable) is left to
the general path: the transaction is rolled back and the general path converts the values or
refuses the file with its own message, as it always has.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy.orm import Session

from annotator.core.bulk import gc_paused
from annotator.core.colleague import (
    DATABASE_FORMAT,
    ColleagueMergeReport,
    NotMerged,
    differing_documents,
    not_merged,
    read_documents,
    tag_value,
)
from annotator.core.dataset import DatasetTag
from annotator.core.errors import AnnotatorError
from annotator.core.fields import field_problems
from annotator.core.history import HISTORY_COLUMNS, creation_row
from annotator.core.interchange import merge
from annotator.core.interchange.merge import _SNAPSHOT_IDS, MergeReport
from annotator.core.interchange.records import STORED_TIME, IncomingSet
from annotator.core.ops import (
    ANNOTATION_COLUMNS,
    REVIEW_COLUMNS,
    TAG_COLUMNS,
    Changes,
    next_annotation_id,
    stored_time,
    tag_ids_by_name,
)
from annotator.core.sources import colleague_sources, merge_sources
from annotator.core.store import Store

SCHEMA = "colleague"  # the name the attached file goes by in SQL


class Irregular(Exception):
    """Something in the colleague's database the general path deals with."""


def merge_attached(
    store: Store, path: Path, *, add_differing: bool = False
) -> ColleagueMergeReport | None:
    """Merge the colleague's database at `path` (inspected already: the current schema) in one
    transaction; None, with nothing written, when it is not regular (see the module)."""
    if store.read_only:
        return None  # the general path says so, after what it has to say of the file
    began = False
    try:
        with gc_paused(), store.write_attached(path, SCHEMA) as session:
            began = True
            return _Merge(session, path).run(add_differing)
    except Irregular:
        return None
    except sqlite3.Error:
        if began:
            raise
        return None  # not attachable: the general path opens it and says why


def _stored(value: Any, valid: dict[str, str]) -> str:
    """`value`, a time exactly as `ops.stored_time` writes it (else Irregular); `valid` keeps
    the times checked already, one string for equal ones."""
    if value.__class__ is not str or not STORED_TIME.fullmatch(value):
        raise Irregular
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise Irregular from None
    valid[value] = value
    return str(value)


def _at(value: Any) -> str:
    """A carried history row's time as the general path writes it (SQL function)."""
    if value.__class__ is not str:
        raise Irregular
    when = dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        return stored_time(when.replace(tzinfo=dt.UTC))
    return str(value) if STORED_TIME.fullmatch(value) else stored_time(when)


def _snapshot_sql(column: str) -> str:
    """SQL for a carried snapshot under the local ids (`merge._remapped`, called by SQLite:
    cheaper than SQLite's own string functions)."""
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE merge_snapshot({column}, m.new, m.doc) END"


# Each merged annotation's history in the general path's order (so with the same ids): its
# carried rows oldest first, then its "import" row; SQLite merges the two sorted halves.
_HISTORY = f"""
INSERT INTO main.annotation_history ({", ".join(f'"{c}"' for c in HISTORY_COLUMNS)})
SELECT new, doc, action, actor, at, before, after, comment FROM (
    SELECT m.old AS old, 0 AS part, h.id AS hid, m.new AS new, m.doc AS doc,
        h.action AS action, h.actor AS actor, merge_at(h.at) AS at,
        {_snapshot_sql("h.before")} AS before, {_snapshot_sql("h.after")} AS after,
        coalesce(h.comment, '') AS comment
    FROM temp.merge_ids AS m CROSS JOIN {SCHEMA}.annotation_history AS h
        ON h.annotation_id = m.old
    UNION ALL
    SELECT m.old, 1, 0, m.new, m.doc, 'import', m.author, :now, NULL, merge_import(m.old), ''
    FROM temp.merge_ids AS m
    ORDER BY 1, 2, 3
)
"""

# The annotations of a batch, as the general path writes them (the values checked before).
_COPY_ANNOTATIONS = f"""
INSERT INTO main.annotations ({", ".join(f'"{c}"' for c in ANNOTATION_COLUMNS + REVIEW_COLUMNS)})
SELECT m.new, m.doc, a.start, a."end", a.author, a.created, a.modified, coalesce(a.note, ''),
    CASE WHEN a.status IS NULL OR a.status = '' THEN 'draft' ELSE a.status END,
    a.reviewer, a.reviewed_at, coalesce(a.review_comment, '')
FROM temp.merge_ids AS m CROSS JOIN {SCHEMA}.annotations AS a ON a.id = m.old
ORDER BY m.old
"""

# Their tags, each value encoded as the general path encodes it (temp.merge_values), in the
# order of the colleague's tag list.
_COPY_TAGS = f"""
INSERT INTO main.annotation_tags ({", ".join(f'"{c}"' for c in TAG_COLUMNS)})
SELECT m.new, v.local, v.fields_out, v.suggested_out
FROM temp.merge_ids AS m CROSS JOIN {SCHEMA}.annotation_tags AS t ON t.annotation_id = m.old
    CROSS JOIN temp.merge_values AS v
        ON v.tag_id = t.tag_id AND v.fields = t.fields AND v.suggested = t.suggested
ORDER BY m.old, v.rank
"""

_TEMP_TABLES = (
    "CREATE TEMP TABLE merge_ids (old INTEGER PRIMARY KEY, new INTEGER NOT NULL, "
    "doc INTEGER NOT NULL, author TEXT NOT NULL)",
    "CREATE TEMP TABLE merge_values (tag_id INTEGER, fields JSON, suggested JSON, "
    "local INTEGER NOT NULL, "
    "fields_out TEXT NOT NULL, suggested_out TEXT NOT NULL, rank INTEGER NOT NULL, "
    "PRIMARY KEY (tag_id, fields, suggested))",
)

_ANNOTATIONS = (
    'SELECT id, document_id, start, "end", author, created, modified, note, status, reviewer, '
    f"reviewed_at, review_comment FROM {SCHEMA}.annotations ORDER BY id"
)

# A tag value as the colleague stores it: (tag id, fields, suggested), JSON text.
Stored = tuple[int, object, object]
# An annotation to write: its colleague id, its row and review (as `merge._Writer` has them)
# and its tags.
Kept = tuple[int, tuple[Any, ...], tuple[Any, ...], list[DatasetTag]]
_TEXT = (str, type(None))
AnnotationRow = tuple[int, int, int, int, str, str, str, str]
Review = tuple[str, str | None, str | None, str]


class _Merge:
    def __init__(self, session: Session, path: Path) -> None:
        self.session = session
        self.path = path
        self.connection = session.connection()  # begins the transaction (BEGIN IMMEDIATE)
        driver = self.connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        self.driver = driver

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.driver.cursor()
        try:
            return cursor.execute(sql, parameters).fetchall()
        finally:
            cursor.close()

    @contextmanager
    def each(self, sql: str) -> Iterator[sqlite3.Cursor]:
        """The rows of `sql`, to be read one by one (not all held at once) in a `with`
        block: the statement ends with it (even on an error: the file is detached after)."""
        cursor = self.driver.cursor()
        try:
            yield cursor.execute(sql)
        finally:
            cursor.close()

    def run(self, add_differing: bool) -> ColleagueMergeReport:
        try:
            return self._run(add_differing)
        except (AnnotatorError, KeyError, ValueError, TypeError, AttributeError) as exc:
            # a refusal or a damaged value: the general path names it as it always has
            raise Irregular from exc

    def _run(self, add_differing: bool) -> ColleagueMergeReport:
        session, path = self.session, self.path
        documents, sha_of = read_documents(self.driver, SCHEMA)
        tag_rows = self.rows(f"SELECT id, name, colour, position FROM {SCHEMA}.tags")
        incoming = IncomingSet(
            source=path.name, format=DATABASE_FORMAT, documents=documents,
            tag_colours={name: colour for _id, name, colour, _position in tag_rows},
        )
        reported: tuple[NotMerged, ...] = ()
        differing = {} if add_differing else differing_documents(session, documents)
        if differing:
            counts: dict[str, int] = {}
            for doc_id, count in self.rows(
                f"SELECT document_id, count(*) FROM {SCHEMA}.annotations GROUP BY document_id"
            ):
                counts[sha_of[doc_id]] = counts.get(sha_of[doc_id], 0) + count
            reported = not_merged(documents, differing, counts)
            incoming.documents = [d for d in documents if d.sha256 not in differing]
        resolved, documents_added = merge._resolve_documents(session, incoming)
        document_ids = {sha: doc_id for sha, (doc_id, _text) in resolved.items()}
        lengths = {sha: len(text) for sha, (_id, text) in resolved.items()}
        local_of = {
            doc_id: (document_ids[sha], lengths[sha])
            for doc_id, sha in sha_of.items()
            if sha not in differing
        }
        tags, values = self.tags(tag_rows)
        present = merge._existing_keys(session, set(document_ids.values()))
        kept, used, skipped = self.annotations(sha_of, local_of, tags, present)
        new_tags = merge._ensure_tags(session, incoming, used)
        rank = {
            tag_id: index
            for index, (_position, tag_id) in enumerate(sorted((r[3], r[0]) for r in tag_rows))
        }
        history_rows = self.write(kept, values, tag_ids_by_name(session), rank)
        sources = merge_sources(
            self.driver, colleague_sources(self.driver, SCHEMA), _claim_names(kept)
        )
        added = [row[0] for _old, row, _review, _tags in kept]
        report = MergeReport(
            source=incoming.source,
            documents_added=documents_added,
            annotations_added=len(added),
            annotations_present=skipped,
            tags_added=tuple(new_tags),
            changes=Changes(
                documents=frozenset(document_ids.values()),
                annotations=frozenset(added),
                library=True,
                tags=bool(new_tags),
            ),
            history_rows=history_rows,
            sources=sources,
        )
        return ColleagueMergeReport(path.name, DATABASE_FORMAT, report, reported, ())

    def tags(
        self, tag_rows: list[tuple[Any, ...]]
    ) -> tuple[dict[int, list[DatasetTag]], dict[Stored, DatasetTag]]:
        """Each annotation's tags, in the order of the colleague's tag list, each distinct
        value decoded once and shared (as `colleague._read` reads them); the values."""
        names = {tag_id: name for tag_id, name, _colour, _position in tag_rows}
        order = {name: (position, tag_id) for tag_id, name, _colour, position in tag_rows}
        decoded: dict[Stored, DatasetTag] = {}
        tags: dict[int, list[DatasetTag]] = {}
        with self.each(
            f"SELECT annotation_id, tag_id, fields, suggested FROM {SCHEMA}.annotation_tags"
        ) as rows:
            for annotation_id, tag_id, fields, hints in rows:
                key = (tag_id, fields, hints)
                value = decoded.get(key)
                if value is None:
                    if fields is None or hints is None:
                        raise Irregular  # read as {} and [] by the general path: not by SQL
                    value = decoded[key] = tag_value(names[tag_id], fields, hints)
                listed = tags.get(annotation_id)
                if listed is None:
                    tags[annotation_id] = [value]
                else:
                    listed.append(value)
        for listed in tags.values():
            if len(listed) > 1:
                listed.sort(key=lambda tag: order[tag.name])
        return tags, decoded

    def annotations(
        self,
        sha_of: dict[int, str],
        local_of: dict[int, tuple[int, int]],
        tags: dict[int, list[DatasetTag]],
        present: set[merge.AnnotationKey],
    ) -> tuple[list[Kept], set[str], int]:
        """The annotations to write (colleague id, row, review, tags) under ids that follow
        on, the names of the tags of all (written or present), and how many are present."""
        next_id = next_annotation_id(self.session)
        kept: list[Kept] = []
        used: set[str] = set()
        checked: set[int] = set()
        valid: dict[str, str] = {}
        authors: dict[str, str] = {}
        skipped = 0
        no_tags: list[DatasetTag] = []
        with self.each(_ANNOTATIONS) as rows:
            for (old, doc_id, start, end, author, created, modified, note, status, reviewer,
                 reviewed_at, review_comment) in rows:
                local = local_of.get(doc_id)
                if local is None:
                    if doc_id not in sha_of:
                        raise Irregular  # an annotation of no document
                    continue  # of a document set aside
                document_id, length = local
                if not (
                    start.__class__ is int and end.__class__ is int and 0 <= start < end <= length
                    and author.__class__ is str and author.strip()
                ):
                    raise Irregular
                # each time checked once (the look-up inlined), equal ones held once
                created = valid.get(created) or _stored(created, valid)
                modified = created if modified == created else (
                    valid.get(modified) or _stored(modified, valid)
                )
                if reviewed_at is not None:
                    reviewed_at = valid.get(reviewed_at) or _stored(reviewed_at, valid)
                author = authors.setdefault(author, author)
                if not (
                    isinstance(note, _TEXT) and isinstance(status, _TEXT)
                    and isinstance(review_comment, _TEXT)
                ):
                    raise Irregular  # what `or ""` does to them, SQL would not
                listed = tags.get(old, no_tags)
                for tag in listed:
                    if id(tag) not in checked:
                        if tag.fields and field_problems(tag.name, tag.fields):
                            raise Irregular
                        checked.add(id(tag))
                        used.add(tag.name)
                if len(listed) > 1:
                    names = tuple(sorted(t.name for t in listed))
                    if len(set(names)) < len(names):
                        raise Irregular  # a tag listed twice (the general path writes it once)
                else:
                    names = (listed[0].name,) if listed else ()
                key = (document_id, start, end, author, created, names)
                if key in present:
                    skipped += 1
                    continue
                present.add(key)
                row = (next_id + len(kept), document_id, start, end, author, created, modified,
                       note or "")
                review = (status or "draft", reviewer, reviewed_at, review_comment or "")
                kept.append((old, row, review, listed))
        return kept, used, skipped

    def write(
        self,
        kept: list[Kept],
        values: dict[Stored, DatasetTag],
        tag_ids: dict[str, int],
        rank: dict[int, int],
    ) -> int:
        """Write the annotations, their tags and their history, batch by batch; the number of
        history rows written."""
        now = stored_time(dt.datetime.now(dt.UTC))
        snapshot: dict[int, tuple[str, str, tuple[str, ...]]] = {}  # by id() of the value
        encoded = []
        for (tag_id, fields, hints), tag in values.items():
            local = tag_ids.get(tag.name)
            if local is not None:  # else only on annotations of documents set aside
                fields_json = json.dumps(tag.fields)
                suggested = [name for name in tag.suggested if name in tag.fields]
                encoded.append((tag_id, fields, hints, local, fields_json,
                                json.dumps(suggested), rank[tag_id]))
                snapshot[id(tag)] = (tag.name, fields_json, tag.suggested)
        history_rows = 0
        with self.functions() as imports:
            cursor = self.driver.cursor()
            try:
                for statement in _TEMP_TABLES:
                    cursor.execute(statement)
                cursor.executemany(
                    "INSERT INTO temp.merge_values VALUES (?, ?, ?, ?, ?, ?, ?)", encoded
                )
                for first in range(0, len(kept), merge.BATCH):
                    ids = []
                    imports.clear()
                    for old, row, review, listed in kept[first : first + merge.BATCH]:
                        ids.append((old, row[0], row[1], row[4]))
                        imports[old] = cast(str, creation_row(
                            "import", row[4], now, cast(AnnotationRow, row),
                            [snapshot[id(tag)] for tag in listed], cast(Review, review),
                        )[6])
                    cursor.execute("DELETE FROM temp.merge_ids")
                    cursor.executemany("INSERT INTO temp.merge_ids VALUES (?, ?, ?, ?)", ids)
                    cursor.execute(_COPY_ANNOTATIONS)
                    cursor.execute(_COPY_TAGS)
                    cursor.execute(_HISTORY, {"now": now})
                    history_rows += cursor.rowcount
                cursor.execute("DROP TABLE temp.merge_ids")
                cursor.execute("DROP TABLE temp.merge_values")
            finally:
                cursor.close()
        return history_rows

    @contextmanager
    def functions(self) -> Iterator[dict[int, str]]:
        """The SQL functions the history copy calls, for the length of a `with` block: the
        "import" snapshots by colleague annotation id (the dict yielded, filled by the caller),
        the general path's conversions of times and snapshots SQL leaves to Python. A
        failure in them (a damaged value) makes the merge Irregular."""
        imports: dict[int, str] = {}
        functions: dict[str, tuple[int, Callable[..., Any]]] = {
            "merge_import": (1, imports.__getitem__),
            "merge_at": (1, _at),
            "merge_snapshot": (3, _snapshot),
        }
        for name, (arguments, function) in functions.items():
            self.driver.create_function(name, arguments, function)
        try:
            yield imports
        except sqlite3.OperationalError as exc:
            # what the sqlite3 module says of an exception in a function (its traceback is
            # not kept): a value the general path converts, or refuses as damaged
            if str(exc) == _FUNCTION_FAILED:
                raise Irregular from exc
            raise
        finally:
            for name, (arguments, _function) in functions.items():
                self.driver.create_function(name, arguments, None)


_FUNCTION_FAILED = "user-defined function raised exception"


def _claim_names(kept: list[Kept]) -> list[tuple[str, str]]:
    """(source name, author) of the written claims, each distinct tag value looked at once
    (as the general path's writer collects them)."""
    names: dict[str, str] = {}
    seen: set[int] = set()
    for _old, row, _review, listed in kept:
        for tag in listed:
            if id(tag) not in seen:
                seen.add(id(tag))
                named = tag.fields.get("attributed_to") if tag.name == "claim" else None
                if isinstance(named, str):
                    names.setdefault(named, row[4])
    return list(names.items())


def _snapshot(text: Any, annotation_id: int, document_id: int) -> str | None:
    """`merge._remapped` of a carried snapshot's stored text (SQL function)."""
    if text.__class__ is str:
        match = _SNAPSHOT_IDS.match(text)
        if match is not None:
            return f'{{"id": {annotation_id}, "document_id": {document_id}, ' + text[match.end():]
    return merge._remapped(None, text, annotation_id, document_id)
