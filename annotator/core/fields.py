"""The form fields of each tag: their specs, validation and normalisation.

Field values are stored per (annotation, tag) as a JSON object (`AnnotationTag.fields`). Values
are plain JSON: strings for text, choice codes and dates (ISO `YYYY`, `YYYY-MM` or `YYYY-MM-DD`,
never completed with invented parts), numbers for numeric fields. Empty values are omitted.

The form, the imports (`interchange.merge`) and `annotator check` (`stored_checks`) all judge
values with `field_errors`: what one accepts, the others accept. `field_problems` words the same
verdicts for a line that already names the tag and the field.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

from annotator.core.errors import InvalidValue


class FieldKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # nominal: codes with labels
    ORDINAL = "ordinal"  # ordered choices (scales): agreement statistics use the order
    NUMBER = "number"
    DATE = "date"  # ISO date, possibly partial (year or year-month)


class Choice(NamedTuple):
    code: str
    label: str
    detail: str = ""  # e.g. the probability range of a likelihood term


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: FieldKind
    choices: tuple[Choice, ...] = ()
    help: str = ""

    def choice(self, code: str) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)

    @cached_property
    def codes(self) -> frozenset[str]:
        """The choices' codes (a set: `normalise_value` runs for every imported value)."""
        return frozenset(c.code for c in self.choices)


# A claim's source (core/sources.py): the tag, the field naming the source and the field grading
# it. Here, beside the fields' specs, so that the window's modules name them without importing
# core.sources before their first use (issue 15).
CLAIM = "claim"
NAME_FIELD = "attributed_to"
GRADE_FIELD = "source_reliability"
CREDIBILITY_FIELD = "information_credibility"

SOURCE_RELIABILITY = (
    Choice("A", "A - Completely reliable"),
    Choice("B", "B - Usually reliable"),
    Choice("C", "C - Fairly reliable"),
    Choice("D", "D - Not usually reliable"),
    Choice("E", "E - Unreliable"),
    Choice("F", "F - Reliability cannot be judged"),
)
INFORMATION_CREDIBILITY = (
    Choice("1", "1 - Confirmed by other sources"),
    Choice("2", "2 - Probably true"),
    Choice("3", "3 - Possibly true"),
    Choice("4", "4 - Doubtful"),
    Choice("5", "5 - Improbable"),
    Choice("6", "6 - Truth cannot be judged"),
)
# ICD 203 expressions of likelihood, with their probability ranges.
LIKELIHOOD = (
    Choice("almost_no_chance", "almost no chance", "1-5%"),
    Choice("very_unlikely", "very unlikely", "5-20%"),
    Choice("unlikely", "unlikely", "20-45%"),
    Choice("roughly_even_chance", "roughly even chance", "45-55%"),
    Choice("likely", "likely", "55-80%"),
    Choice("very_likely", "very likely", "80-95%"),
    Choice("almost_certain", "almost certain", "95-99%"),
)
CONFIDENCE = (
    Choice("low", "low"),
    Choice("moderate", "moderate"),
    Choice("high", "high"),
)
FIGURE_KINDS = tuple(
    Choice(code, code)
    for code in ("count", "money", "percentage", "distance", "duration", "date", "other")
)
QUALIFIERS = (
    Choice("exact", "exact"),
    Choice("approximately", "approximately"),
    Choice("at_least", "at least"),
    Choice("at_most", "at most"),
    Choice("range", "range"),
)

TAG_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "claim": (
        FieldSpec("attributed_to", "Attributed to", FieldKind.TEXT, help="Who says it"),
        FieldSpec("source_description", "Source description", FieldKind.TEXT),
        FieldSpec("event_date", "Event date", FieldKind.DATE, help="YYYY-MM-DD, YYYY-MM or YYYY"),
        FieldSpec(
            "source_reliability",
            "Source reliability",
            FieldKind.ORDINAL,
            SOURCE_RELIABILITY,
            "Admiralty scale A-F",
        ),
        FieldSpec(
            "information_credibility",
            "Information credibility",
            FieldKind.ORDINAL,
            INFORMATION_CREDIBILITY,
            "Admiralty scale 1-6",
        ),
    ),
    "assessment": (
        FieldSpec("judgment_holder", "Judgment holder", FieldKind.TEXT, help='e.g. "we assess"'),
        FieldSpec("likelihood", "Likelihood", FieldKind.ORDINAL, LIKELIHOOD, "ICD 203 scale"),
        FieldSpec("confidence", "Analytic confidence", FieldKind.ORDINAL, CONFIDENCE),
    ),
    "figure": (
        FieldSpec("value", "Value", FieldKind.NUMBER),
        FieldSpec("unit", "Unit", FieldKind.TEXT, help="e.g. USD, %, km, people"),
        FieldSpec("figure_kind", "Kind", FieldKind.CHOICE, FIGURE_KINDS),
        FieldSpec("qualifier", "Qualifier", FieldKind.CHOICE, QUALIFIERS),
        FieldSpec("range_low", "Range low", FieldKind.NUMBER),
        FieldSpec("range_high", "Range high", FieldKind.NUMBER),
        FieldSpec("as_of", "As of (date or period)", FieldKind.TEXT),
    ),
}


def field_specs(tag: str) -> tuple[FieldSpec, ...]:
    """The fields of a tag (none for a tag without a form, e.g. an imported extra tag)."""
    return TAG_FIELDS.get(tag, ())


def field_spec(tag: str, name: str) -> FieldSpec:
    for spec in field_specs(tag):
        if spec.name == name:
            return spec
    raise InvalidValue(f"tag {tag!r} has no field {name!r}")


def choice_text(choice: Choice) -> str:
    """A choice as a person reads it: "very likely (80-95%)", "B - Usually reliable"."""
    return f"{choice.label} ({choice.detail})" if choice.detail else choice.label


def field_label(tag: str, name: str) -> str:
    """A field's label ("Information credibility"); the name itself for a field without a spec
    (an imported extra tag's, or one the form no longer has)."""
    spec = _SPECS_BY_NAME.get(tag, {}).get(name)
    return spec.label if spec is not None else name


def value_text(tag: str, name: str, value: object) -> str:
    """A stored value as a person reads it: a choice code as its label with its range
    ("very_likely" -> "very likely (80-95%)"), anything else as written; "" for None.

    For tables, reports and dialogs that people read; machine formats keep the codes."""
    if value is None:
        return ""
    spec = _SPECS_BY_NAME.get(tag, {}).get(name)
    if spec is not None and isinstance(value, str):
        choice = spec.choice(value)
        if choice is not None:
            return choice_text(choice)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@functools.cache
def _partial_date() -> re.Pattern[str]:
    # Compiled at the first value checked, not at import (issue 15: the window's start).
    return re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@functools.cache
def _number_text() -> re.Pattern[str]:
    return re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def parse_number(raw: object) -> float | int:
    """A number from a JSON number or text such as "1,000,000" or "-2.5"; InvalidValue if not."""
    if isinstance(raw, bool):
        raise InvalidValue("expected a number, not true/false")
    if isinstance(raw, int | float):
        value: float | int = raw
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if not _number_text().match(text):
            raise InvalidValue(f"{raw!r} is not a number")
        plain = text.replace(",", "")
        value = float(plain) if "." in plain else int(plain)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue("a number must be finite")
    return value


def normalise_date(raw: object) -> str:
    """An ISO date `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, checked to exist; InvalidValue if not."""
    text = str(raw).strip()
    match = _partial_date().match(text)
    if not match:
        raise InvalidValue(f"{text!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = match.groups()
    import datetime as dt  # here: the window's first paint imports this module, not datetime

    if int(year) < 1:
        raise InvalidValue(f"{text!r} is not a real date")
    try:
        if day is not None:
            dt.date(int(year), int(month), int(day))
        elif month is not None and not 1 <= int(month) <= 12:
            raise ValueError("month")
    except ValueError as exc:
        raise InvalidValue(f"{text!r} is not a real date") from exc
    return text


def normalise_value(spec: FieldSpec, raw: object) -> Any:
    """The stored form of one field value (None means empty); raises InvalidValue."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if spec.kind is FieldKind.TEXT:
        return str(raw).strip()
    if spec.kind in (FieldKind.CHOICE, FieldKind.ORDINAL):
        code = str(raw).strip()
        if code not in spec.codes:
            by_label = next(
                (c for c in spec.choices if c.label.casefold() == code.casefold()), None
            )
            if by_label is None:
                allowed = ", ".join(c.code for c in spec.choices)
                raise InvalidValue(f"{spec.label}: {code!r} is not one of {allowed}")
            code = by_label.code
        return code
    if spec.kind is FieldKind.NUMBER:
        try:
            return parse_number(raw)
        except InvalidValue as exc:
            raise InvalidValue(f"{spec.label}: {exc}") from exc
    try:
        return normalise_date(raw)
    except InvalidValue as exc:
        raise InvalidValue(f"{spec.label}: {exc}") from exc


# Each tag's specs by field name, built once (field_errors runs for every tag of every imported
# annotation).
_SPECS_BY_NAME: dict[str, dict[str, FieldSpec]] = {
    tag: {spec.name: spec for spec in specs} for tag, specs in TAG_FIELDS.items()
}


def field_errors(tag: str, values: Mapping[str, object]) -> dict[str, str]:
    """Every problem in a tag's field values, by field name (empty when all is valid)."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    known = _SPECS_BY_NAME.get(tag, {})
    for name, raw in values.items():
        spec = known.get(name)
        if spec is None:
            errors[name] = f"tag {tag!r} has no field {name!r}"
            continue
        try:
            clean[name] = normalise_value(spec, raw)
        except InvalidValue as exc:
            errors[name] = str(exc)
    low, high = clean.get("range_low"), clean.get("range_high")
    if tag == "figure" and low is not None and high is not None and low > high:
        errors["range_high"] = "Range high must not be below range low"
    return errors


def validate_fields(tag: str, values: Mapping[str, object]) -> dict[str, Any]:
    """Normalised values with empty ones dropped; raises InvalidValue naming the first problem."""
    errors = field_errors(tag, values)
    if errors:
        raise InvalidValue("; ".join(errors.values()))
    known = {spec.name: spec for spec in field_specs(tag)}
    clean = {name: normalise_value(known[name], raw) for name, raw in values.items()}
    return {name: value for name, value in clean.items() if value is not None}


# What a JSON field value may be (parse_fields in the readers allows the same): the form never
# holds a list or an object, though `str()` would make text of one.
_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)
_MAX_REASON = 160


def field_problems(tag: str, values: Mapping[str, object]) -> dict[str, str]:
    """`field_errors`' verdicts, worded for a line that names the tag and the field itself.

    The same fields fail as in `field_errors` (it is called here), plus any value that is a list
    or an object (no form holds one). Each reason is one short line without the field's label:
    "'abc' is not a number", "'2023-02-30' is not a real date", "'9' is not one of 1, 2, 3, 4,
    5, 6", "no such field (figure has value, unit, ...)". A tag without a form (an imported
    extra tag) has no problems: its fields are kept as they are.
    """
    known = _SPECS_BY_NAME.get(tag)
    if not known:
        return {}
    errors = field_errors(tag, values)
    if not errors and all(type(raw) in _SCALAR_TYPES for raw in values.values()):
        return {}  # the usual case, first
    problems: dict[str, str] = {}
    for name, message in errors.items():
        spec = known.get(name)
        if spec is None:
            reason = f"no such field ({tag} has {', '.join(known)})"
        else:
            reason = message.removeprefix(f"{spec.label}: ")
        problems[name] = _one_line(reason)
    for name, raw in values.items():
        if name not in problems and not isinstance(raw, _SCALARS):
            kind = "a list" if isinstance(raw, list | tuple) else "an object"
            problems[name] = f"must be text or a number, found {kind}"
    return problems


def _one_line(reason: str) -> str:
    """`reason` on one line and at most _MAX_REASON characters (values are quoted with repr,
    which escapes line breaks, but a value may be long)."""
    reason = " ".join(reason.splitlines())
    return reason if len(reason) <= _MAX_REASON else reason[: _MAX_REASON - 1] + "\u2026"
