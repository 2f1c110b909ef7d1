"""Finding a document's publication date without ever inventing one.

Candidates are found with patterns (ISO, numeric d/m/y, written dates with month names in
several languages), then each is read by python-dateutil twice with two different default
dates: a component that differs between the two readings was not in the text, so a date
without a year or a day is reported as partial instead of being completed.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from dateutil.parser import parser as DateParser

from annotator.core.importers.document import DateCertainty

_HEAD_CHARS = 3000
_HEAD_LINES = 40
_EVIDENCE_CHARS = 100_000

ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

# Month names as they look after _fold() (lower case, no accents, plain Arabic letters).
# Names that are written in lower case in their language may match in lower case; the others
# (English, German, Indonesian) must be capitalised in the text, so "may 12" is no date.
_LOWERCASE_MONTHS: dict[str, int] = {}
_CAPITALISED_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "janvier janv enero janeiro gennaio",
        "fevrier fevr febrero fevereiro febbraio",
        "mars marzo marco",
        "avril avr abril aprile",
        "mai mayo maio maggio",
        "juin junio junho giugno",
        "juillet juil julio julho luglio",
        "aout agosto",
        "septembre sept septiembre setiembre setembro settembre",
        "octobre oct octubre outubro ottobre",
        "novembre nov noviembre novembro",
        "decembre dec diciembre dezembro dicembre",
    ),
    start=1,
):
    _LOWERCASE_MONTHS.update(dict.fromkeys(_names.split(), _number))
for _number, _names in enumerate(
    (
        "january jan januar janner januari",
        "february feb februar februari",
        "march mar marz maerz maret",
        "april apr",
        "may mei",
        "june jun juni",
        "july jul juli",
        "august aug agustus agt",
        "september sep sept",
        "october oct oktober okt",
        "november nov",
        "december dec dezember desember des",
    ),
    start=1,
):
    _CAPITALISED_MONTHS.update(dict.fromkeys(_names.split(), _number))
# Arabic: Levantine/Iraqi names, Egyptian/Gulf names and Maghrebi names (no letter case).
for _number, _names in enumerate(
    (
        "كانون الثاني|يناير|جانفي",
        "شباط|فبراير|فيفري",
        "اذار|مارس",
        "نيسان|ابريل|افريل",
        "ايار|مايو|ماي",
        "حزيران|يونيو|يونيه|جوان",
        "تموز|يوليو|يوليه|جويليه",
        "اب|اغسطس|اوت",
        "ايلول|سبتمبر",
        "تشرين الاول|اكتوبر",
        "تشرين الثاني|نوفمبر",
        "كانون الاول|ديسمبر",
    ),
    start=1,
):
    _LOWERCASE_MONTHS.update(dict.fromkeys(_names.split("|"), _number))

_ALL_MONTHS = {**_LOWERCASE_MONTHS, **_CAPITALISED_MONTHS}
_MONTH = "|".join(
    re.escape(name).replace(r"\ ", r"\s+") for name in sorted(_ALL_MONTHS, key=len, reverse=True)
)
_PAIR = rf"(?:{_MONTH})(?:\s*/\s*(?:{_MONTH}))?"
_WRITTEN = re.compile(
    rf"(?<![^\W_])(?:"
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er|e)?\.?\s+(?:(?:de|of)\s+)?(?P<m1>{_PAIR})\.?"
    rf"(?:,?\s+(?:de\s+|del\s+)?(?P<y1>\d{{4}}))?"
    rf"|(?P<m2>{_PAIR})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<m3>{_PAIR})\.?,?\s+(?:de\s+|del\s+)?(?P<y3>\d{{4}})"
    rf")(?![^\W_])"
)
_ISO = re.compile(r"(?<![\d.\-/])(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)")
_NUMERIC = re.compile(
    r"(?<![\d/.\-])(?P<a>\d{1,2})(?P<s>[/.\-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})"
    r"(?![\d/\-]|\.\d)"
)
# Day/month without a year is only taken in parentheses ("Selasa (16/9)"): bare "24/7" or
# "9/11" are not dates.
_PARTIAL_NUMERIC = re.compile(r"\((?P<a>\d{1,2})/(?P<b>\d{1,2})\)")

_WEEKDAYS = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|"
    r"jeudi|vendredi|samedi|dimanche|lunes|martes|miercoles|jueves|viernes|sabado|domingo|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|senin|selasa|rabu|kamis|"
    r"jumat|sabtu|minggu|mon|tue|wed|thu|fri|sat|sun)\b"
)
_LABEL_BEFORE = re.compile(
    r"(?:published|publication date|release date|released|release|date|dated|posted|issued|"
    r"updated|publie le|publiee le|date de publication|fecha|publicado|datum|veroffentlicht|"
    r"tanggal|diterbitkan|تاريخ)\s*(?:on|le|:)?\s*[:\-–]?\s*$"
)
_RELEASED_BEFORE = re.compile(
    r"\b(?:released|published|issued|dated|publie|publiee|diterbitkan|dirilis)(?:\s+on)?\s*$"
)
_DOCUMENT_NOUNS = frozenset({
    "report", "statement", "release", "briefing", "brief", "testimony", "assessment", "memo",
    "memorandum", "bulletin", "communique", "declaration", "rapport", "informe", "laporan",
    "pernyataan", "bericht", "erklarung", "note", "study", "paper"
})  # fmt: skip
_EN_MONTH = "|".join(ENGLISH_MONTHS) + "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_EN_MDY = re.compile(rf"\b(?:{_EN_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,\s+\d{{4}}\b")
_EN_DMY = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_EN_MONTH})\.?,?\s+\d{{4}}\b")
_US_MARKERS = re.compile(
    r"\.gov\b|\bU\.S\. (?:Department|Government|Senate|Congress|Army|Navy|Air Force)|"
    r"\bUnited States Government\b|\bWashington, D\.?C\b"
)

_READER = DateParser()
# Two defaults that differ in every component: what differs between the readings was missing.
_DEFAULT_A = datetime.datetime(1, 1, 1)
_DEFAULT_B = datetime.datetime(2, 2, 15)


@dataclass(frozen=True)
class DateGuess:
    """The publication date found (or not), how sure it is, and why."""

    published: datetime.date | None
    certainty: DateCertainty
    note: str | None


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    shown: str  # as written in the document
    date: datetime.date | None  # None when a component is missing
    missing: str | None  # "year", "day" or "month" when partial
    ambiguity: str | None = None  # note for a numeric date that reads both ways


_ARABIC_FOLDS = {"ى": "ي", "ة": "ه"}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _ARABIC_FOLDS:
        return _ARABIC_FOLDS[ch]
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    base = unicodedata.normalize("NFKD", ch)[:1] or ch
    return base.lower()[:1] or base


def _fold(text: str) -> str:
    """Lower case, accents and Arabic hamza forms removed, digits made ASCII; same length."""
    return "".join(_fold_char(ch) for ch in text)


def read_components(
    text: str, *, dayfirst: bool = False
) -> tuple[datetime.date | None, str | None]:
    """Read a date string with dateutil; return (date, None) or (None, missing component).

    A component absent from `text` is never filled: the result is then (None, "year"/"month"/
    "day"), or (None, None) when `text` is no valid date at all.
    """
    try:
        first = _READER.parse(text, default=_DEFAULT_A, dayfirst=dayfirst, ignoretz=True)
        second = _READER.parse(text, default=_DEFAULT_B, dayfirst=dayfirst, ignoretz=True)
    except (ValueError, OverflowError):
        return None, None
    for component in ("year", "month", "day"):
        if getattr(first, component) != getattr(second, component):
            return None, component
    return first.date(), None


def _month_of(folded: str, original: str) -> int | None:
    names = [part.strip() for part in folded.split("/")]
    numbers = {_ALL_MONTHS.get(" ".join(name.split())) for name in names}
    if len(numbers) != 1 or None in numbers:
        return None  # "تشرين الأول/أكتوبر" must name one month twice
    name = " ".join(names[0].split())
    if name not in _LOWERCASE_MONTHS and not original[:1].isupper():
        return None
    return numbers.pop()


def _written(match: re.Match[str], original: str) -> _Candidate | None:
    branch = next(b for b in "123" if match.group(f"m{b}") is not None)
    month_text: str = match.group(f"m{branch}")
    offset = match.start(f"m{branch}") - match.start()
    month = _month_of(month_text, original[offset:])
    if month is None:
        return None
    day = match.group("d1") if branch == "1" else match.group("d2") if branch == "2" else None
    year = match.group(f"y{branch}")
    parts = [part for part in (day, ENGLISH_MONTHS[month - 1], year) if part]
    date, missing = read_components(" ".join(parts))
    if date is None and missing is None:
        return None
    return _Candidate(match.start(), match.end(), original.strip(), date, missing)


def _long(date: datetime.date) -> str:
    return f"{date.day} {ENGLISH_MONTHS[date.month - 1]} {date.year}"


def _numeric(match: re.Match[str], original: str, us_style: bool) -> _Candidate | None:
    first, second = int(match.group("a")), int(match.group("b"))
    text = match.group(0)
    if first > 12 and second > 12:
        return None
    if first > 12 or second > 12 or first == second:
        date, missing = read_components(text, dayfirst=first > 12)
        if date is None:
            return None
        return _Candidate(match.start(), match.end(), original, date, missing)
    # Both readings are valid dates; dotted dates are day-first wherever they are used.
    dayfirst = match.group("s") == "." or not us_style
    date, _ = read_components(text, dayfirst=dayfirst)
    other, _ = read_components(text, dayfirst=not dayfirst)
    if date is None or other is None:
        return None
    alternative = f"{other.day} {ENGLISH_MONTHS[other.month - 1]}"
    if dayfirst:
        note = f"{original} read day-first as {_long(date)} (could be {alternative})"
    else:
        note = (
            f"{original} read month-first (US-style document) as {_long(date)} "
            f"(could be {alternative})"
        )
    return _Candidate(match.start(), match.end(), original, date, None, note)


def looks_us_style(text: str, language: str | None) -> bool:
    """Whether numeric dates in `text` are probably month-first (an English US document)."""
    if language not in (None, "en"):
        return False
    sample = text[:_EVIDENCE_CHARS]
    score = len(_EN_MDY.findall(sample)) - len(_EN_DMY.findall(sample))
    if _US_MARKERS.search(sample):
        score += 1
    return score > 0


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in taken)


def _find_dates(text: str, *, us_style: bool) -> list[_Candidate]:
    """Every date-like phrase in `text`, complete or partial, in text order."""
    folded = _fold(text)
    found: list[_Candidate] = []
    taken: list[tuple[int, int]] = []

    def add(candidate: _Candidate | None) -> None:
        if candidate is not None and not _overlaps(candidate.start, candidate.end, taken):
            found.append(candidate)
            taken.append((candidate.start, candidate.end))

    for match in _ISO.finditer(folded):
        iso = f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"
        date, _ = read_components(iso)
        if date is not None:
            add(
                _Candidate(
                    match.start(), match.end(), text[match.start() : match.end()], date, None
                )
            )
    for match in _WRITTEN.finditer(folded):
        add(_written(match, text[match.start() : match.end()]))
    for match in _NUMERIC.finditer(folded):
        add(_numeric(match, text[match.start() : match.end()], us_style))
    for match in _PARTIAL_NUMERIC.finditer(folded):
        shown = f"{match['a']}/{match['b']}"
        date, missing = read_components(shown, dayfirst=True)
        if missing == "year":
            add(_Candidate(match.start(), match.end(), shown, None, "year"))
    return sorted(found, key=lambda candidate: candidate.start)


def _head(text: str) -> str:
    head = text[:_HEAD_CHARS]
    non_empty = 0
    for index, line in enumerate(head.split("\n")):
        if line.strip():
            non_empty += 1
            if non_empty > _HEAD_LINES:
                return "\n".join(head.split("\n")[:index])
    return head


def _rank(candidate: _Candidate, folded: str, line_starts: list[int]) -> int:
    """3: a date line or labelled date; 2: names a document ("the June 13 report"); 0: other."""
    line_index = bisect_right(line_starts, candidate.start) - 1
    line_start = line_starts[line_index]
    line_end = folded.find("\n", candidate.start)
    line_end = len(folded) if line_end < 0 else line_end
    before = folded[line_start : candidate.start]
    after = folded[candidate.end : line_end]
    rest = _WEEKDAYS.sub("", before + " " + after)
    if sum(ch.isalpha() for ch in rest) <= 15 and line_end - line_start <= 80:
        return 3
    if _LABEL_BEFORE.search(before[-40:]):
        return 3
    if _RELEASED_BEFORE.search(before[-40:]):
        return 2
    following = re.findall(r"[^\W\d_]+", after[:80])[:6]
    return 2 if any(word in _DOCUMENT_NOUNS for word in following) else 0


def _partial_note(candidate: _Candidate) -> str:
    return f"date '{candidate.shown}' has no {candidate.missing}; not filled"


def guess_date(text: str, language: str | None) -> DateGuess:
    """Guess the publication date from the first lines of `text` (never completed or invented)."""
    head = _head(text)
    folded = _fold(head)
    # The US-style evidence only matters for numeric dates; skip the scan when there are none.
    us_style = _NUMERIC.search(folded) is not None and looks_us_style(text, language)
    candidates = _find_dates(head, us_style=us_style)
    if not candidates:
        return DateGuess(None, DateCertainty.NONE, None)
    line_starts = [0] + [index + 1 for index, ch in enumerate(folded) if ch == "\n"]
    ranked = [(_rank(c, folded, line_starts), c) for c in candidates]
    complete = [(rank, c) for rank, c in ranked if c.date is not None and rank > 0]
    if complete:
        rank, best = max(complete, key=lambda item: (item[0], -item[1].start))
        if best.ambiguity is not None:
            return DateGuess(best.date, DateCertainty.AMBIGUOUS, best.ambiguity)
        note = None if rank == 3 else f"taken from the running text ('{best.shown}')"
        return DateGuess(best.date, DateCertainty.EXACT, note)
    partial_lines = [c for rank, c in ranked if c.missing and rank == 3]
    if partial_lines:
        return DateGuess(None, DateCertainty.NONE, _partial_note(partial_lines[0]))
    in_text = [c for c in candidates if c.date is not None]
    if in_text:
        note = f"'{in_text[0].shown}' in the running text is not taken as the publication date"
        return DateGuess(None, DateCertainty.NONE, note)
    return DateGuess(None, DateCertainty.NONE, _partial_note(candidates[0]))


def parse_date_value(value: str, language: str | None = None) -> DateGuess:
    """Read a date the document declares (HTML <meta>, front matter): ISO or written."""
    candidates = _find_dates(value[:200], us_style=looks_us_style(value, language))
    for candidate in candidates:
        if candidate.date is not None:
            certainty = DateCertainty.AMBIGUOUS if candidate.ambiguity else DateCertainty.EXACT
            return DateGuess(candidate.date, certainty, candidate.ambiguity)
    if candidates:
        return DateGuess(None, DateCertainty.NONE, _partial_note(candidates[0]))
    return DateGuess(None, DateCertainty.NONE, None)


def is_date_line(line: str) -> bool:
    """Whether `line` is essentially a date (complete or partial), e.g. 'Le 26 juin 2017'."""
    stripped = line.strip()
    if not stripped or len(stripped) > 80:
        return False
    folded = _fold(stripped)
    for candidate in _find_dates(stripped, us_style=False):
        rest = folded[: candidate.start] + " " + folded[candidate.end :]
        if sum(ch.isalpha() for ch in _WEEKDAYS.sub("", rest)) <= 15:
            return True
    return False
