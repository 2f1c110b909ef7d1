"""Prefill a tag's form from what the sentence plainly states.

Suggestions are marked as such (the analyst confirms or overwrites them). Nothing is invented:
a date without a year or a day stays partial (`2024-06`, `2024`) or is not suggested at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from dateutil import parser as date_parser

# Longest phrases first so that "very unlikely" wins over "unlikely".
_LIKELIHOOD_PHRASES: tuple[tuple[str, str], ...] = (
    (r"almost no chance|remote(?:ly)?", "almost_no_chance"),
    (r"very unlikely|highly unlikely|highly improbable", "very_unlikely"),
    (r"almost certain(?:ly)?|nearly certain(?:ly)?", "almost_certain"),
    (r"very likely|highly likely|highly probable", "very_likely"),
    (r"roughly even chance|roughly even odds|even chance", "roughly_even_chance"),
    (r"unlikely|improbable|probably not", "unlikely"),
    (r"likely|probabl[ey]", "likely"),
)
_LIKELIHOOD = [
    (re.compile(rf"\b(?:{p})\b", re.IGNORECASE), code) for p, code in _LIKELIHOOD_PHRASES
]
_CONFIDENCE = re.compile(r"\b(low|moderate|medium|high)[- ]confidence\b", re.IGNORECASE)
_CONFIDENCE_WITH = re.compile(r"\bwith (low|moderate|medium|high) confidence\b", re.IGNORECASE)
_JUDGMENT = re.compile(
    r"\b((?:we|the (?:intelligence )?community|analysts?|officials?|[A-Z][\w.]*(?: [A-Z][\w.]*)*)"
    r" (?:assess(?:es)?|judge[sd]?|estimates?|believes?|calculates?|anticipates?))\b"
)
_ATTRIBUTION = re.compile(
    r"(?:^|[,;]\s*|\.\s+)((?:the |The )?[A-Z][\w’'.-]*(?:\s+(?:of |the |for |and )?"
    r"[A-Z][\w’'.-]*){0,6})\s+(?:said|says|reported|reports|stated|states|announced|"
    r"claimed|claims|told|confirmed|condemned|warned|noted|added|alleged)\b"
)
_SUBJECT_AT_START = re.compile(
    r"^((?:[A-Z][\w’'.-]*)(?:\s+[\w’'.-]+){0,4}?)\s+(?:said|says|reported|stated|announced|"
    r"claimed|told|confirmed|condemned|warned|noted|alleged)\b"
)
_ACCORDING = re.compile(r"\b[Aa]ccording to ((?:the )?[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,6})")

_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "bn": 1e9,
    "tn": 1e12,
    "b": 1e9,
}
_CURRENCY = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_QUALIFIER_WORDS = (
    (
        r"approximately|about|around|roughly|nearly|almost|some|an estimated|circa|~",
        "approximately",
    ),
    (r"at least|more than|over|upwards of|no fewer than|in excess of", "at_least"),
    (r"at most|up to|less than|fewer than|under|no more than", "at_most"),
)
_QUALIFIER = [
    (re.compile(rf"(?:^|\W)(?:{p})\s*$", re.IGNORECASE), code) for p, code in _QUALIFIER_WORDS
]
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?P<cur>US\$|\$|€|£|¥)\s?(?P<num>{_NUM})(?:\s*(?P<scale>thousand|million|billion|"
    rf"trillion|bn|mn|tn|[kmb])\b)?",
    re.IGNORECASE,
)
_PERCENT_RANGE = re.compile(
    rf"(?P<low>{_NUM})\s*(?:%|percent)?\s*(?:-|–|—|to)\s*(?P<high>{_NUM})\s*(?:%|percent\b)"
)
_PERCENT = re.compile(rf"(?P<num>{_NUM})\s*(?:%|percent\b|per cent\b)")
_RANGE = re.compile(
    rf"(?:\bbetween\s+)?(?P<low>{_NUM})\s*(?:-|–|—|\bto\b|\band\b)\s*(?P<high>{_NUM})\s+(?P<unit>[a-z]+)"
)
_DISTANCE_UNITS = {
    "km",
    "kilometres",
    "kilometers",
    "miles",
    "nautical",
    "metres",
    "meters",
    "kilometre",
    "kilometer",
    "mile",
}
_DURATION_UNITS = {
    "days",
    "weeks",
    "months",
    "years",
    "hours",
    "day",
    "week",
    "month",
    "year",
    "hour",
    "minutes",
}
_COUNT = re.compile(
    rf"(?P<num>{_NUM})(?:\s*(?P<scale>thousand|million|billion))?[\s-]+"
    r"(?:(?:additional|more|new|other|further|extra|separate|armed|civilian|foreign|known|"
    r"commercial|local|military|total|major|main)\s+)?(?P<unit>[a-z][a-z-]+)"
)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:(?:early|mid|late)-?\s*)?(?:(?P<md>(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
    rf"|(?P<dm>\d{{1,2}}\s+(?:{_MONTHS})\.?\s+\d{{4}})"
    rf"|(?P<my>(?:{_MONTHS})\.?\s+\d{{4}})"
    rf"|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))\b"
)
_YEAR_EVENT = re.compile(r"\b(?:in|since|during|by|from|until)\s+(?P<year>(?:19|20)\d{2})\b")


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _tidy(value: float) -> int | float:
    return int(value) if value.is_integer() else round(value, 6)


def _qualifier_before(sentence: str, start: int) -> str:
    before = sentence[max(0, start - 30) : start]
    for pattern, code in _QUALIFIER:
        if pattern.search(before):
            return code
    return "exact"


def suggest_assessment(sentence: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for pattern, code in _LIKELIHOOD:
        if pattern.search(sentence):
            found["likelihood"] = code
            break
    match = _CONFIDENCE_WITH.search(sentence) or _CONFIDENCE.search(sentence)
    if match:
        level = match.group(1).lower()
        found["confidence"] = "moderate" if level == "medium" else level
    holder = _JUDGMENT.search(sentence)
    if holder:
        found["judgment_holder"] = holder.group(1)
    return found


def _event_date(sentence: str) -> str | None:
    match = _DATE.search(sentence)
    if match:
        text = match.group(0)
        if re.match(r"(?i)(early|mid|late)", text):
            return None if not match.group("my") else _month_year(match.group("my"))
        if match.group("iso"):
            return match.group("iso")
        if match.group("my"):
            return _month_year(match.group("my"))
        parsed = _parse_full(match.group("md") or match.group("dm"))
        return parsed.isoformat() if parsed else None
    year = _YEAR_EVENT.search(sentence)
    return year.group("year") if year else None


def _parse_full(text: str) -> dt.date | None:
    try:
        return date_parser.parse(text, default=dt.datetime(1, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def _month_year(text: str) -> str | None:
    parsed = _parse_full(f"1 {text}")
    return f"{parsed.year:04d}-{parsed.month:02d}" if parsed else None


def suggest_claim(sentence: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    match = (
        _ATTRIBUTION.search(sentence)
        or _ACCORDING.search(sentence)
        or _SUBJECT_AT_START.search(sentence)
    )
    if match:
        found["attributed_to"] = match.group(1).strip()
    date = _event_date(sentence)
    if date:
        found["event_date"] = date
    return found


def suggest_figure(sentence: str) -> dict[str, Any]:
    money = _MONEY.search(sentence)
    if money:
        scale = _SCALE.get((money.group("scale") or "").lower(), 1.0)
        value = _number(money.group("num")) * scale
        return {
            "value": _tidy(value),
            "unit": _CURRENCY.get(money.group("cur").lower(), money.group("cur")),
            "figure_kind": "money",
            "qualifier": _qualifier_before(sentence, money.start()),
        }
    percent_range = _PERCENT_RANGE.search(sentence)
    if percent_range:
        low, high = _number(percent_range.group("low")), _number(percent_range.group("high"))
        if low <= high:
            return {
                "unit": "%",
                "figure_kind": "percentage",
                "qualifier": "range",
                "range_low": _tidy(low),
                "range_high": _tidy(high),
            }
    percent = _PERCENT.search(sentence)
    if percent:
        return {
            "value": _tidy(_number(percent.group("num"))),
            "unit": "%",
            "figure_kind": "percentage",
            "qualifier": _qualifier_before(sentence, percent.start()),
        }
    return _suggest_range_or_count(sentence)


_NOT_UNITS = frozenset(
    [
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "to",
        "the",
        "a",
        "an",
        "per",
        "has",
        "have",
        "had",
        "will",
        "would",
        "by",
        "for",
        "from",
        "with",
        "that",
        "this",
        "these",
        "those",
        "as",
        "than",
    ]
)


def _is_year(text: str) -> bool:
    return re.fullmatch(r"(?:19|20)\d{2}", text) is not None


def _kind_for_unit(unit: str) -> str:
    if unit in _DISTANCE_UNITS:
        return "distance"
    if unit in _DURATION_UNITS:
        return "duration"
    return "count"


def _suggest_range_or_count(sentence: str) -> dict[str, Any]:
    ranged = _RANGE.search(sentence)
    if ranged and _is_year(ranged.group("low")) and _is_year(ranged.group("high")):
        ranged = None  # "the 2024-2025 budget" names a period, not a quantity
    if ranged and _number(ranged.group("low")) <= _number(ranged.group("high")):
        unit = ranged.group("unit")
        return {
            "range_low": _tidy(_number(ranged.group("low"))),
            "range_high": _tidy(_number(ranged.group("high"))),
            "unit": unit,
            "figure_kind": _kind_for_unit(unit),
            "qualifier": "range",
        }
    for count in _COUNT.finditer(sentence):
        before = sentence[: count.start()]
        if re.search(r"(?:19|20)\d{2}$", count.group("num")) and len(count.group("num")) == 4:
            continue  # a year, not a count
        if re.search(rf"(?:{_MONTHS})\.?\s*$", before):
            continue  # the day of a date
        unit = count.group("unit")
        if unit in _NOT_UNITS:
            continue
        scale = _SCALE.get((count.group("scale") or "").lower(), 1.0)
        return {
            "value": _tidy(_number(count.group("num")) * scale),
            "unit": unit,
            "figure_kind": _kind_for_unit(unit),
            "qualifier": _qualifier_before(sentence, count.start()),
        }
    date = _event_date(sentence)
    if date:
        return {"figure_kind": "date", "as_of": date}
    return {}


SUGGESTERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "claim": suggest_claim,
    "assessment": suggest_assessment,
    "figure": suggest_figure,
}


def suggest_fields(tag: str, sentence: str) -> dict[str, Any]:
    """Field values that `sentence` plainly states for `tag` (empty if none or unknown tag)."""
    suggester = SUGGESTERS.get(tag)
    return suggester(" ".join(sentence.split())) if suggester else {}
