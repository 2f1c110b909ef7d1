"""The annotations table's filter and sort, as plain immutable values (issue 16): what the
table, its saved views and `annotator export` share. `annotation_table` runs them in SQL.

`AnnotationFilter` says which annotations (tags any-of, authors, review statuses, documents,
document date range, free text over the annotated text and the note, per-field conditions);
`SortKey`s say in which order. `condition` and `parse_condition` check a field condition
against `fields.TAG_FIELDS` (the field exists, the operator suits its kind, each value is valid
for it: an ordinal value on its scale, by code or label); `parse_sort` checks sort keys.

`fold` is what free text matches on: NFKD, combining marks (accents, Arabic harakat, the hamza
of a hamza carrier) and tatweel dropped, casefolded; both sides are folded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from annotator.core.errors import InvalidValue
from annotator.core.fields import TAG_FIELDS, FieldKind, FieldSpec, normalise_value
from annotator.core.review_terms import STATUSES


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


# --- building conditions -------------------------------------------------------------------


def field_column(key: str) -> FieldColumn:
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
    column = field_column(key)
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
    if op is Op.BETWEEN and scale_position(column, clean[0]) > scale_position(column, clean[1]):
        raise InvalidValue(f"{column.key}: the range {values[0]}..{values[1]} is empty")
    return Condition(column.key, op, clean)


def scale_position(column: FieldColumn, value: Any) -> Any:
    """An ordinal value's position on its scale (0 first); any other value as it is.
    InvalidValue for a code not on the scale."""
    if column.spec.kind is FieldKind.ORDINAL:
        codes = [c.code for c in column.spec.choices]
        if value not in codes:
            raise InvalidValue(f"{column.key}: {value!r} is not one of {', '.join(codes)}")
        return codes.index(value)
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
    column = field_column(key)
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


# --- folding: annotator.core.folding (imported above) -------------------------------------
