"""The annotations table's query layer: every annotation of the library, filtered and sorted in
SQL (issue 16). No Qt: the window's table model and `annotator export` both use it.

`AnnotationFilter` says which annotations (tags any-of, authors, review statuses, documents,
document date range, free text over the annotated text and the note, per-field conditions);
`SortKey`s say in which order. `count`, `page` and `ids` run one query each over indexed
columns; only the rows of a page become Python objects.

Form fields are read from `annotation_tags.fields` with SQLite's JSON functions. Ordinal fields
compare and sort by their position in `fields.TAG_FIELDS` (a CASE expression generated from the
choices): "likelihood at least likely" keeps likely, very likely and almost certain; "source
reliability at most B" keeps A and B ("B or better"). Numbers compare numerically, dates as ISO
text (a partial date such as "2023" counts as the start of its period for a lower bound and
takes in the whole period for an upper bound). Missing values sort last in either direction;
rows that compare equal keep the order of their ids.

Free text matches case- and accent-insensitively: both sides are folded by `fold` (NFKD,
combining marks such as accents and Arabic harakat dropped, tatweel dropped, casefolded),
registered on the connection as an SQL function.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from annotator.core.errors import InvalidValue
from annotator.core.fields import (
    TAG_FIELDS,
    FieldKind,
    FieldSpec,
    normalise_value,
)
from annotator.core.review_terms import STATUSES
from annotator.core.store import Store

__all__ = [
    "AnnotationFilter",
    "Condition",
    "FIELD_COLUMNS",
    "FieldColumn",
    "Op",
    "Row",
    "SortKey",
    "BASE_COLUMNS",
    "DEFAULT_SORT",
    "condition",
    "count",
    "fold",
    "ids",
    "ids_in",
    "page",
    "parse_condition",
    "parse_sort",
]


@dataclass(frozen=True, slots=True)
class FieldColumn:
    """One form field as a table column: its key (the field name, or "tag.name" where two
    tags share a name), its tag and its spec."""

    key: str
    tag: str
    spec: FieldSpec


def _field_columns() -> tuple[FieldColumn, ...]:
    names = [spec.name for specs in TAG_FIELDS.values() for spec in specs]
    return tuple(
        FieldColumn(spec.name if names.count(spec.name) == 1 else f"{tag}.{spec.name}", tag, spec)
        for tag, specs in TAG_FIELDS.items()
        for spec in specs
    )


# One column per form field, in the forms' order (claim, assessment, figure).
FIELD_COLUMNS: tuple[FieldColumn, ...] = _field_columns()
_FIELD_BY_KEY: dict[str, FieldColumn] = {c.key: c for c in FIELD_COLUMNS} | {
    f"{c.tag}.{c.spec.name}": c for c in FIELD_COLUMNS
}
# The columns that are not form fields; "position" is document, then start, end (export order).
BASE_COLUMNS = (
    "position",
    "document",
    "date",
    "issuer",
    "text",
    "tags",
    "author",
    "status",
    "id",
)


class Op(StrEnum):
    EQUALS = "equals"
    ONE_OF = "one_of"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    BETWEEN = "between"


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition on one form field. `values` are normalised stored values: one for equals,
    at least and at most, two (low, high) for between, one or more for one of."""

    key: str
    op: Op
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class AnnotationFilter:
    """Which annotations; an empty part means no restriction. Immutable (hashable)."""

    tags: frozenset[str] = frozenset()  # any of
    authors: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    document_ids: frozenset[int] = frozenset()
    date_from: dt.date | None = None  # the document's publication date, inclusive
    date_to: dt.date | None = None
    text: str = ""  # in the annotated text or the note
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class SortKey:
    column: str  # one of BASE_COLUMNS or a FIELD_COLUMNS key
    descending: bool = False


DEFAULT_SORT: tuple[SortKey, ...] = (SortKey("position"),)


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
        return self.fields[FIELD_COLUMNS.index(_column(key))]


# --- building conditions -------------------------------------------------------------------


def _column(key: str) -> FieldColumn:
    found = _FIELD_BY_KEY.get(key)
    if found is None:
        raise InvalidValue(f"no field {key!r} (fields: {', '.join(c.key for c in FIELD_COLUMNS)})")
    return found


def _value(column: FieldColumn, raw: object) -> Any:
    spec = column.spec
    try:
        value = normalise_value(spec, raw)
    except InvalidValue as exc:
        message = str(exc).removeprefix(f"{spec.label}: ")
        raise InvalidValue(f"{column.key}: {message}") from exc
    if value is None:
        raise InvalidValue(f"{column.key}: a value is needed")
    return value


def condition(key: str, op: Op | str, *values: object) -> Condition:
    """A checked condition: the field exists, the operator suits its kind, the values are
    valid for it (an ordinal value on its scale, by code or label). InvalidValue if not."""
    column = _column(key)
    op = Op(op)
    kind = column.spec.kind
    ordered = kind in (FieldKind.ORDINAL, FieldKind.NUMBER, FieldKind.DATE)
    if op in (Op.AT_LEAST, Op.AT_MOST, Op.BETWEEN) and not ordered:
        raise InvalidValue(
            f"{column.key} is a {kind.value} field: it has no order (use = or one of)"
        )
    wanted = {Op.EQUALS: 1, Op.AT_LEAST: 1, Op.AT_MOST: 1, Op.BETWEEN: 2}.get(op)
    if wanted is not None and len(values) != wanted:
        raise InvalidValue(f"{column.key}: {op.value} takes {wanted} value(s)")
    if not values:
        raise InvalidValue(f"{column.key}: one of takes at least one value")
    clean = tuple(_value(column, raw) for raw in values)
    if op is Op.BETWEEN and _order(column, clean[0]) > _order(column, clean[1]):
        raise InvalidValue(f"{column.key}: the range {values[0]}..{values[1]} is empty")
    return Condition(column.key, op, clean)


def _order(column: FieldColumn, value: Any) -> Any:
    if column.spec.kind is FieldKind.ORDINAL:
        return [c.code for c in column.spec.choices].index(value)
    return value


def parse_condition(text: str) -> Condition:
    """A condition as `annotator export --field` writes it: `likelihood>=likely`,
    `source_reliability<=B`, `value=1..10000000` (between), `confidence=low,moderate` (one of,
    for choice and ordinal fields), `unit=USD` (equals). InvalidValue with what is wrong."""
    found = next(
        (
            (symbol, op)
            for symbol, op in ((">=", Op.AT_LEAST), ("<=", Op.AT_MOST), ("=", Op.EQUALS))
            if symbol in text
        ),
        None,
    )
    if found is None:
        raise InvalidValue(
            f"{text!r}: write FIELD=VALUE, FIELD>=VALUE, FIELD<=VALUE, FIELD=LOW..HIGH or FIELD=A,B"
        )
    symbol, op = found
    key, _, raw = text.partition(symbol)
    key, raw = key.strip(), raw.strip()
    if key.endswith((">", "<", "!")):
        raise InvalidValue(f"{text!r}: use >=, <= or = (no strict comparisons)")
    column = _column(key)
    if not raw:
        raise InvalidValue(f"{text!r}: no value after {symbol!r}")
    if op is Op.EQUALS and ".." in raw:
        low, _, high = raw.partition("..")
        if not low.strip() or not high.strip():
            raise InvalidValue(f"{text!r}: a range is LOW..HIGH, both given")
        return condition(column.key, Op.BETWEEN, low.strip(), high.strip())
    if (
        op is Op.EQUALS
        and "," in raw
        and column.spec.kind
        in (
            FieldKind.CHOICE,
            FieldKind.ORDINAL,
        )
    ):
        return condition(column.key, Op.ONE_OF, *(part.strip() for part in raw.split(",")))
    return condition(column.key, op, raw)


def parse_sort(text: str) -> tuple[SortKey, ...]:
    """Sort keys from `likelihood`, `-date,author` or `date:desc,author` ("-" or ":desc" for
    descending); InvalidValue if a column is unknown."""
    keys = []
    for part in text.split(","):
        part = part.strip()
        name, _, direction = part.partition(":")
        if direction.strip().lower() not in ("", "asc", "desc"):
            raise InvalidValue(f"{part!r}: the direction is asc or desc")
        descending = name.startswith("-") or direction.strip().lower() == "desc"
        name = name.removeprefix("-").removeprefix("+").strip()
        if name not in BASE_COLUMNS and name not in _FIELD_BY_KEY:
            choices = ", ".join((*BASE_COLUMNS, *(c.key for c in FIELD_COLUMNS)))
            raise InvalidValue(f"cannot sort by {name!r} (columns: {choices})")
        keys.append(SortKey(_FIELD_BY_KEY[name].key if name in _FIELD_BY_KEY else name, descending))
    return tuple(keys)


def check_statuses(statuses: Iterable[str]) -> frozenset[str]:
    """The review statuses given, checked; InvalidValue naming the allowed ones."""
    given = frozenset(statuses)
    unknown = sorted(given - set(STATUSES))
    if unknown:
        raise InvalidValue(f"no review status {unknown[0]!r} (statuses: {', '.join(STATUSES)})")
    return given


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD date; InvalidValue if it is not one."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidValue(f"{text!r} is not a date (use YYYY-MM-DD)") from exc


# --- folding ---------------------------------------------------------------------------------

_TATWEEL = "\u0640"


def fold(text: str | None) -> str:
    """`text` for case- and accent-insensitive matching: compatibility-decomposed, combining
    marks (accents, Arabic harakat) and tatweel dropped, casefolded."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch != _TATWEEL)
    return kept.casefold()


_FOLD = "annotator_fold"


def _register_fold(connection: Connection) -> None:
    driver = connection.connection.driver_connection
    driver.create_function(_FOLD, 1, fold, deterministic=True)  # type: ignore[union-attr]


# --- SQL -------------------------------------------------------------------------------------

_TEXT_SQL = 'substr(d.text, a.start + 1, a."end" - a.start)'
_READS_DOCUMENT = re.compile(r"\bd\.")


class _Query:
    """The FROM, WHERE and ORDER BY of one filter and sort, with their parameters."""

    def __init__(
        self, connection: Connection, wanted: AnnotationFilter, sort: Sequence[SortKey]
    ) -> None:
        self.params: dict[str, Any] = {}
        self.tag_ids = {
            name: tag_id for tag_id, name in _run(connection, "SELECT id, name FROM tags", ())
        }
        self.joins: dict[str, str] = {}  # alias -> join clause, for the tags whose fields are used
        # A condition on a field needs its tag: those tags are joined (inner), so that SQLite
        # can start from the tag's rows (its index) instead of every annotation.
        self.required = {_column(c.key).tag for c in wanted.conditions}
        self.where = self._where(wanted)
        self.order = self._order(sort)

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

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
        path = self.param(f"$.{column.spec.name}")
        raw = f"json_extract({alias}.fields, {path})"
        kind = column.spec.kind
        if kind is FieldKind.ORDINAL:
            cases = " ".join(
                f"WHEN {self.param(c.code)} THEN {index}"
                for index, c in enumerate(column.spec.choices)
            )
            return f"(CASE {raw} {cases} END)"
        if kind is FieldKind.NUMBER:
            return f"(CASE WHEN typeof({raw}) IN ('integer', 'real') THEN {raw} END)"
        return f"(CASE WHEN typeof({raw}) = 'text' THEN {raw} END)"

    def _sql_value(self, column: FieldColumn, value: Any, upper: bool = False) -> str:
        if column.spec.kind is FieldKind.ORDINAL:
            return str(_order(column, value))
        if column.spec.kind is FieldKind.DATE and upper:
            return self.param(f"{value}~")  # "~" sorts after "-" and digits: the whole period
        return self.param(value)

    def _condition(self, cond: Condition) -> str:
        column = _column(cond.key)
        value = self.field_sql(column)
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
            marker = self.param(needle)
            parts.append(
                f"(instr({_FOLD}({_TEXT_SQL}), {marker}) > 0 "
                f"OR (a.note != '' AND instr({_FOLD}(a.note), {marker}) > 0))"
            )
        parts.extend(self._condition(c) for c in wanted.conditions)
        return " AND ".join(parts) or "1"

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
            return "d.title COLLATE NOCASE", False
        if column == "date":
            return "d.published", True
        if column == "issuer":
            return "nullif(d.issuer, '') COLLATE NOCASE", True
        if column == "text":
            return _TEXT_SQL, False
        if column == "author":
            return "a.author COLLATE NOCASE", False
        if column == "id":
            return "a.id", False
        if column == "status":
            cases = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUSES))
            return f"(CASE coalesce(a.status, 'draft') {cases} ELSE {len(STATUSES)} END)", False
        if column == "tags":
            return (
                "(SELECT group_concat(name, ', ') FROM (SELECT g.name FROM annotation_tags y "
                "JOIN tags g ON g.id = y.tag_id WHERE y.annotation_id = a.id "
                "ORDER BY g.position, g.id))"
            ), True
        return self.field_sql(_column(column)), True

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
    if wanted is not None and wanted.text.strip():
        _register_fold(connection)
    return _Query(connection, wanted or AnnotationFilter(), tuple(sort or DEFAULT_SORT))


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
        sql += f" LIMIT {int(limit) if limit is not None else -1} OFFSET {max(0, int(offset))}"
    return [row[0] for row in _run(connection, sql, query.params)]


def rows_in(connection: Connection, annotation_ids: Sequence[int]) -> list[Row]:
    """The table rows of these annotations, in the order given."""
    if not annotation_ids:
        return []
    marks = ", ".join("?" for _ in annotation_ids)
    base = _run(
        connection,
        f'SELECT a.id, a.document_id, d.title, d.published, d.issuer, a.start, a."end", '
        f"{_TEXT_SQL}, a.author, coalesce(a.status, 'draft'), a.note "
        f"FROM annotations a JOIN documents d ON d.id = a.document_id WHERE a.id IN ({marks})",
        tuple(annotation_ids),
    )
    tag_rows = _run(
        connection,
        "SELECT y.annotation_id, g.name, json_extract(y.fields, '$') FROM annotation_tags y "
        f"JOIN tags g ON g.id = y.tag_id WHERE y.annotation_id IN ({marks}) "
        "ORDER BY y.annotation_id, g.position, g.id",
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
