"""The annotations table's query layer: every annotation of the library, filtered and sorted in
SQL (issue 16). No Qt: the window's table model and `annotator export` both use it.

The filter and sort are the plain values of `annotation_filter` (re-exported here):
`count`, `page` and `ids` run one query each over indexed columns; only the rows of a page
become Python objects.

Form fields are read from `annotation_tags.fields` with SQLite's JSON functions. Ordinal fields
compare and sort by their position in `fields.TAG_FIELDS` (a CASE expression generated from the
choices): "likelihood at least likely" keeps likely, very likely and almost certain; "source
reliability at most B" keeps A and B ("B or better"). Numbers compare numerically, dates as ISO
text (a partial date such as "2023" counts as the start of its period for a lower bound, takes
in the whole period for an upper bound, and equals any date within it). Missing values sort
last in either direction; rows that compare equal keep the order of their ids. A text field
equals a value whatever its case and accents (`folding.fold` of both), so that
"attributed_to=Reuters" keeps every spelling of one claim source (sources.py).

Free text matches case- and accent-insensitively (`folding.fold` of the annotated
text and of the note contains the folded needle): the folded text of every annotation is kept
in the trigram index `search_annotations` (migration 0004), so the match is an index lookup;
a needle under three characters scans that table's folded text, and rows still queued in
`search_pending` (a bulk write's backlog or another client's edit, not yet folded:
search_index.py) are folded here.
Sorting by annotated text reads the stored copy `search_sort_text` (migration 0004, written
with the indexes by search_index.refresh) through its index instead of cutting every
annotation's text out of its document; while rows are queued, their text is cut here.

On PostgreSQL (a team database) the same queries are written in its SQL (table_sql.py), over
the same folded copies and sort text (migration 0007, folded by the application as on SQLite):
the free-text filter scans the folded copies (no trigram index there), so it finds what it
finds on SQLite.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from annotator.core.annotation_filter import (
    BASE_COLUMNS,
    DEFAULT_SORT,
    FIELD_COLUMNS,
    AnnotationFilter,
    Condition,
    FieldColumn,
    Op,
    SortKey,
    check_statuses,
    condition,
    field_column,
    parse_condition,
    parse_date,
    parse_sort,
    scale_position,
)
from annotator.core.fields import FieldKind
from annotator.core.folding import fold
from annotator.core.review_terms import STATUSES
from annotator.core.store import Store, driver_sql
from annotator.core.table_sql import like_pattern, table_sql

__all__ = [
    "BASE_COLUMNS",
    "DEFAULT_SORT",
    "FIELD_COLUMNS",
    "AnnotationFilter",
    "Condition",
    "FieldColumn",
    "Op",
    "Row",
    "SortKey",
    "check_statuses",
    "condition",
    "count",
    "count_in",
    "fold",
    "ids",
    "ids_in",
    "page",
    "parse_condition",
    "parse_date",
    "parse_sort",
    "rows_in",
]


@dataclass(frozen=True, slots=True)
class Row:
    """One annotation as the table shows it. `fields` holds one stored value (or None) per
    FIELD_COLUMNS entry, in that order."""

    id: int
    document_id: int
    document: str
    date: dt.date | None
    issuer: str | None
    start: int
    end: int
    text: str
    tags: tuple[str, ...]
    author: str
    status: str
    note: str
    fields: tuple[Any, ...] = field(default=())

    def field(self, key: str) -> Any:
        """The value of the form field `key` (a FIELD_COLUMNS key), None when empty."""
        return self.fields[FIELD_COLUMNS.index(field_column(key))]


# --- SQL -------------------------------------------------------------------------------------

_TEXT_SQL = 'substr(d.text, a.start + 1, a."end" - a.start)'
_READS_DOCUMENT = re.compile(r"\bd\.")


class _Query:
    """The FROM, WHERE and ORDER BY of one filter and sort, with their parameters."""

    def __init__(
        self, connection: Connection, wanted: AnnotationFilter, sort: Sequence[SortKey]
    ) -> None:
        self.params: dict[str, Any] = {}
        self.sql = table_sql(connection)
        self.connection = connection
        self.tag_ids = {
            name: tag_id for tag_id, name in _run(connection, "SELECT id, name FROM tags", ())
        }
        self.joins: dict[str, str] = {}  # alias -> join clause, for the tags whose fields are used
        # A condition on a field needs its tag: those tags are joined (inner), so that SQLite
        # can start from the tag's rows (its index) instead of every annotation.
        self.required = {field_column(c.key).tag for c in wanted.conditions}
        # annotations not yet copied into the indexes (a bulk write's, another client's)
        # (search_index.py): sorting by text then cuts their text from the document
        self.sort_text_pending = bool(
            any(key.column == "text" for key in sort)
            and _run(
                connection,
                "SELECT EXISTS (SELECT 1 FROM search_pending WHERE kind = 'a')",
                (),
            )[0][0]
        )
        self.where = self._where(wanted)
        self.order = self._order(sort)

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return self.sql.mark(name)

    def _tag_alias(self, tag: str) -> str:
        tag_id = self.tag_ids.get(tag)
        alias = f"t_{tag}"
        if alias not in self.joins:
            kind = "JOIN" if tag in self.required else "LEFT JOIN"
            self.joins[alias] = (
                f"{kind} annotation_tags {alias} ON {alias}.annotation_id = a.id "
                f"AND {alias}.tag_id = {int(tag_id) if tag_id is not None else -1}"
            )
        return alias

    def field_sql(self, column: FieldColumn) -> str:
        """The SQL value of a field: its ordinal position, a number, or text; NULL if empty or
        of the wrong type."""
        alias = self._tag_alias(column.tag)
        path = self.param(self.sql.field_path(column.spec.name))
        kind = column.spec.kind
        if kind is FieldKind.ORDINAL:
            cases = " ".join(
                f"WHEN {self.param(c.code)} THEN {index}"
                for index, c in enumerate(column.spec.choices)
            )
            return f"(CASE {self.sql.field(alias, path, 'text')} {cases} END)"
        if kind is FieldKind.NUMBER:
            return self.sql.field(alias, path, "number")
        return self.sql.field(alias, path, "text")

    def _sql_value(self, column: FieldColumn, value: Any, upper: bool = False) -> str:
        if column.spec.kind is FieldKind.ORDINAL:
            return str(scale_position(column, value))
        if column.spec.kind is FieldKind.DATE and upper:
            return self.param(f"{value}~")  # "~" sorts after "-" and digits: the whole period
        return self.param(value)

    def _condition(self, cond: Condition) -> str:
        column = field_column(cond.key)
        value = self.field_sql(column)
        if cond.op is Op.EQUALS and column.spec.kind is FieldKind.DATE:
            # a date equals a period it lies in: "2023" takes in 2023-05 and 2023-05-01
            low = self._sql_value(column, cond.values[0])
            high = self._sql_value(column, cond.values[0], upper=True)
            return f"{value} BETWEEN {low} AND {high}"
        if column.spec.kind is FieldKind.TEXT and cond.op in (Op.EQUALS, Op.ONE_OF):
            # text equals whatever its case and accents: every spelling of a claim's source
            if self.sql.folds_in_python:  # SQLite: the application's own fold, both sides
                listed = ", ".join(self.param(fold(str(v))) for v in cond.values)
            else:  # PostgreSQL's fold (table_sql.py) of both sides: the same on each
                listed = ", ".join(self.sql.folded(self.param(str(v))) for v in cond.values)
            return f"{self.sql.folded(value)} IN ({listed})"
        if cond.op is Op.EQUALS:
            return f"{value} = {self._sql_value(column, cond.values[0])}"
        if cond.op is Op.ONE_OF:
            listed = ", ".join(self._sql_value(column, v) for v in cond.values)
            return f"{value} IN ({listed})"
        if cond.op is Op.AT_LEAST:
            return f"{value} >= {self._sql_value(column, cond.values[0])}"
        if cond.op is Op.AT_MOST:
            return f"{value} <= {self._sql_value(column, cond.values[0], upper=True)}"
        low = self._sql_value(column, cond.values[0])
        high = self._sql_value(column, cond.values[1], upper=True)
        return f"{value} BETWEEN {low} AND {high}"

    def _in(self, values: Iterable[Any]) -> str:
        return ", ".join(self.param(v) for v in sorted(values))

    def _where(self, wanted: AnnotationFilter) -> str:
        parts: list[str] = []
        if wanted.tags:
            ids = sorted(self.tag_ids[t] for t in wanted.tags if t in self.tag_ids)
            listed = ", ".join(str(int(i)) for i in ids) or "-1"
            parts.append(
                "EXISTS (SELECT 1 FROM annotation_tags x WHERE x.annotation_id = a.id "
                f"AND x.tag_id IN ({listed}))"
            )
        if wanted.authors:
            parts.append(f"a.author IN ({self._in(wanted.authors)})")
        if wanted.statuses:
            parts.append(f"coalesce(a.status, 'draft') IN ({self._in(wanted.statuses)})")
        if wanted.document_ids:
            parts.append(f"a.document_id IN ({self._in(wanted.document_ids)})")
        if wanted.date_from is not None:
            parts.append(f"d.published >= {self.param(wanted.date_from.isoformat())}")
        if wanted.date_to is not None:
            parts.append(f"d.published <= {self.param(wanted.date_to.isoformat())}")
        needle = fold(wanted.text.strip())
        if needle:
            parts.append(self._text(needle))
        parts.extend(self._condition(c) for c in wanted.conditions)
        return " AND ".join(parts) or self.sql.true

    def _text(self, needle: str) -> str:
        marker = self.param(needle)
        if self.sql.trigram_index and len(needle) >= 3:
            # a trigram index lookup: the quoted needle is a substring match
            quoted = self.param('"' + needle.replace('"', '""') + '"')
            indexed = (
                f"SELECT rowid FROM search_annotations WHERE search_annotations MATCH {quoted}"
            )
        else:  # the folded copies, scanned (no trigram index on a team database)
            pattern = self.param(like_pattern(needle))
            indexed = (
                f"SELECT {self.sql.index_id} FROM search_annotations WHERE "
                f"{self.sql.holds('text', marker, pattern)} OR "
                f"{self.sql.holds('note', marker, pattern)}"
            )
        pending = _pending_text_matches(self.connection, needle)
        if not pending:
            return f"a.id IN ({indexed})"
        ids = self.param(json.dumps(pending))
        return f"(a.id IN ({indexed}) OR a.id IN ({self.sql.id_list(ids)}))"

    def _order(self, sort: Sequence[SortKey]) -> str:
        terms: list[str] = []
        for key in sort:
            direction = " DESC" if key.descending else ""
            if key.column == "position":
                terms.extend(f"{c}{direction}" for c in ("a.document_id", "a.start", 'a."end"'))
                continue
            expression, nullable = self._sort_sql(key.column)
            if nullable:
                terms.append(f"({expression}) IS NULL")
            terms.append(f"{expression}{direction}")
        terms.append("a.id")
        return ", ".join(terms)

    def _sort_sql(self, column: str) -> tuple[str, bool]:
        if column == "document":
            return self.sql.nocase("d.title"), False
        if column == "date":
            return "d.published", True
        if column == "issuer":
            return self.sql.nocase("nullif(d.issuer, '')"), True
        if column == "text":
            # the stored copy (migration 0004) and its index: no substring cut per row
            if self.sort_text_pending:
                self.joins["st"] = "LEFT JOIN search_sort_text st ON st.annotation_id = a.id"
                return 'coalesce(st.text, substr(d.text, a.start + 1, a."end" - a.start))', False
            self.joins["st"] = "JOIN search_sort_text st ON st.annotation_id = a.id"
            return "st.text", False
        if column == "author":
            return self.sql.nocase("a.author"), False
        if column == "id":
            return "a.id", False
        if column == "status":
            cases = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUSES))
            return f"(CASE coalesce(a.status, 'draft') {cases} ELSE {len(STATUSES)} END)", False
        if column == "tags":
            return self.sql.tag_names(), True
        return self.field_sql(field_column(column)), True

    def from_sql(self) -> str:
        joins = " ".join(self.joins.values())
        # The documents only when a condition or the sort reads them: without that join,
        # SQLite sorts a field of 100,000 annotations in about half the time.
        if _READS_DOCUMENT.search(self.where) or _READS_DOCUMENT.search(self.order):
            joins = f"JOIN documents d ON d.id = a.document_id {joins}"
        return f"FROM annotations a {joins}"


def _prepare(
    connection: Connection, wanted: AnnotationFilter | None, sort: Sequence[SortKey] | None
) -> _Query:
    return _Query(connection, wanted or AnnotationFilter(), tuple(sort or DEFAULT_SORT))


def _pending_text_matches(connection: Connection, needle: str) -> list[int]:
    """The ids of the annotations still queued for the indexes (search_index.py: a bulk
    write's backlog) whose folded text or note contains `needle`: each document read once and
    each distinct span folded once, here, rather than an SQL substr per row (which reads the
    whole document text every time)."""
    rows = _run(
        connection,
        'SELECT a.id, a.document_id, a.start, a."end", a.note FROM search_pending p '
        "JOIN annotations a ON a.id = p.id WHERE p.kind = 'a'",
        (),
    )
    if not rows:
        return []
    texts: dict[int, str] = {}
    folded: dict[tuple[int, int, int], str] = {}
    found: list[int] = []
    for annotation_id, document_id, start, end, note in rows:
        key = (document_id, start, end)
        span = folded.get(key)
        if span is None:
            text = texts.get(document_id)
            if text is None:
                stored = _run(
                    connection,
                    driver_sql(connection, "SELECT text FROM documents WHERE id = ?"),
                    (document_id,),
                )
                text = texts[document_id] = stored[0][0] if stored else ""
            span = folded[key] = fold(text[start:end])
        if needle in span or (note and needle in fold(note)):
            found.append(annotation_id)
    return found


def _run(connection: Connection, sql: str, params: Mapping[str, Any] | Sequence[Any]) -> Any:
    """All rows of `sql` straight from the DB-API cursor (no per-row processing)."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def count_in(connection: Connection, wanted: AnnotationFilter | None = None) -> int:
    """`count` inside the caller's transaction."""
    query = _prepare(connection, wanted, ())
    return int(
        _run(connection, f"SELECT count(*) {query.from_sql()} WHERE {query.where}", query.params)[
            0
        ][0]
    )


def ids_in(
    connection: Connection,
    wanted: AnnotationFilter | None = None,
    sort: Sequence[SortKey] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[int]:
    """The ids of the annotations `wanted` selects, in `sort` order, inside the caller's
    transaction."""
    query = _prepare(connection, wanted, sort)
    sql = f"SELECT a.id {query.from_sql()} WHERE {query.where} ORDER BY {query.order}"
    if limit is not None or offset:
        shown = int(limit) if limit is not None else query.sql.no_limit
        sql += f" LIMIT {shown} OFFSET {max(0, int(offset))}"
    return [row[0] for row in _run(connection, sql, query.params)]


def rows_in(connection: Connection, annotation_ids: Sequence[int]) -> list[Row]:
    """The table rows of these annotations, in the order given."""
    if not annotation_ids:
        return []
    marks = ", ".join("?" for _ in annotation_ids)
    base = _run(
        connection,
        driver_sql(
            connection,
            f'SELECT a.id, a.document_id, d.title, d.published, d.issuer, a.start, a."end", '
            f"{_TEXT_SQL}, a.author, coalesce(a.status, 'draft'), a.note FROM annotations a "
            f"JOIN documents d ON d.id = a.document_id WHERE a.id IN ({marks})",
        ),
        tuple(annotation_ids),
    )
    tag_rows = _run(
        connection,
        driver_sql(
            connection,
            f"SELECT y.annotation_id, g.name, {table_sql(connection).all_fields('y')} "
            f"FROM annotation_tags y JOIN tags g ON g.id = y.tag_id "
            f"WHERE y.annotation_id IN ({marks}) ORDER BY y.annotation_id, g.position, g.id",
        ),
        tuple(annotation_ids),
    )
    tags: dict[int, list[str]] = {}
    values: dict[int, list[Any]] = {}
    position = {(c.tag, c.spec.name): i for i, c in enumerate(FIELD_COLUMNS)}
    for annotation_id, name, fields_text in tag_rows:
        tags.setdefault(annotation_id, []).append(name)
        try:
            stored = json.loads(fields_text) if fields_text else {}
        except ValueError:
            stored = {}
        if not isinstance(stored, dict):
            continue
        row_values = values.setdefault(annotation_id, [None] * len(FIELD_COLUMNS))
        for field_name, value in stored.items():
            index = position.get((name, field_name))
            if index is not None:
                row_values[index] = value
    made = {}
    empty = (None,) * len(FIELD_COLUMNS)
    for (
        annotation_id,
        document_id,
        title,
        published,
        issuer,
        start,
        end,
        text,
        author,
        status,
        note,
    ) in base:
        made[annotation_id] = Row(
            annotation_id,
            document_id,
            title or "",
            _date(published),
            issuer,
            start,
            end,
            text or "",
            tuple(tags.get(annotation_id, ())),
            author,
            status,
            note or "",
            tuple(values[annotation_id]) if annotation_id in values else empty,
        )
    return [made[i] for i in annotation_ids if i in made]


def _date(stored: object) -> dt.date | None:
    if stored is None:
        return None
    try:
        return dt.date.fromisoformat(str(stored))
    except ValueError:
        return None


# --- the public calls --------------------------------------------------------------------------


def count(store: Store, wanted: AnnotationFilter | None = None) -> int:
    """How many annotations `wanted` selects."""
    with store.read() as session:
        return count_in(session.connection(), wanted)


def page(
    store: Store,
    wanted: AnnotationFilter | None = None,
    sort: Sequence[SortKey] | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Row]:
    """The rows `offset` to `offset + limit` of the table `wanted` and `sort` make."""
    with store.read() as session:
        connection = session.connection()
        return rows_in(connection, ids_in(connection, wanted, sort, offset, limit))


def ids(
    store: Store, wanted: AnnotationFilter | None = None, sort: Sequence[SortKey] | None = None
) -> list[int]:
    """Every id the table `wanted` and `sort` make, in order (bulk edits, export)."""
    with store.read() as session:
        return ids_in(session.connection(), wanted, sort)
