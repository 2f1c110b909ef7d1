"""What one line or unit of a briefing is: site furniture, a date, a byline, a letter formula.

Used by `annotator.core.segment`, which decides where units end; these rules only name what a
standalone line or finished unit is (and so whether it is skipped). Word lists live in
`annotator.core.abbreviations`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from annotator.core import abbreviations as lex


class UnitKind(StrEnum):
    """What a unit is; kinds are a best effort, boundaries are what matters."""

    SENTENCE = "sentence"
    HEADING = "heading"
    BULLET = "bullet"
    TITLE = "title"
    DATE = "date"
    BYLINE = "byline"
    SKIPPED = "skipped"


TERMINATORS = ".!?…؟۔。！？"
CLOSERS = "\"'”’»›)]」』"
# A footnote marker: "12", "¹²", "[3]", "[Footnote 3]".
MARK = r"(?P<mark>\d{1,3}|[¹²³⁰⁴-⁹]+|\[(?:Footnote )?\d{1,3}\])"
_MARK_ONLY = re.compile(MARK)
_LETTERS = re.compile(r"[^\W\d_]+")
END_MARK = re.compile(r"#\s*#\s*#|-\s*30\s*-|\*\s*\*{3}\s*\*|-*\s*(?:END|FIN)\s*-*")
_SYMBOL = re.compile(r"(?:[A-Z]{1,6}/)+[A-Z0-9][\w./-]*(?:\s*\(\d{4}\))?")
COPYRIGHT = re.compile(
    r"©|\([cC]\)\s*(?:19|20)\d\d|^Copyright\b(?=.*(?:19|20)\d\d)|[Aa]ll [Rr]ights [Rr]eserved"
)
# The .gov site banner, a fixed text on every US government site.
_BANNER = re.compile(
    r"official websites? (?:of|use)\b|\.gov website|secure \.gov\b|https?://\S*\s+means\b"
    r"|share sensitive information\b|here[’']s how you know\b"
)
_CAPTION = re.compile(
    r"(?i)\((?:foto|photo|photograph|image|gambar|ilustrasi|crédit photo|photo credit|credit)"
    r"\s*(?::|/|by\b)[^)]*\)\W*$|^(?:photo|foto|image|caption|credit|photo credit|crédit photo"
    r"|ilustrasi)\s*:|\(photo credit|\((?:AP|AFP|EPA|Reuters|Getty Images)\s+Photo\b"
)
_NAV_LINE_MAX = max(map(len, lex.NAV_LINES))
_BREADCRUMB = re.compile(r"\s[>›»]\s")
# A word said twice ("English English"); possessive, so a line costs one pass.
_DOUBLED = re.compile(r"(?<!\w)(\w++)\s++\1(?!\w)")
# A capital glued to a lowercase letter ("HomeHot"); found from the capitals, which are rare.
_GLUE = re.compile(r"[A-Z](?<=[a-z][A-Z])")
_NAV_GLUED_START = re.compile(r"(?:Home|HOME|Search|SEARCH|Menu|MENU|Skip)(?=[A-Z])")
_DIGIT = re.compile(r"\d")
_DATE_TOKEN = re.compile(r"[^\W\d_]+|\d+")
# A dateline's place: one to three capitalised words and a comma ("New York, ").
_PLACE_BEFORE_DATE = re.compile(r"[A-Z][^\W\d_]+(?:[ -][A-Z][^\W\d_]+){0,2},\s+(?=\S)")
_NUMERIC_DATE = re.compile(r"\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?")
_ISSUER = re.compile(
    r"(?i)(?:^|,\s+)(?:(?:the|la|le|u\.s\.|united states)\s+)?"
    r"(?:white house|maison[- ]blanche|gedung putih|department of|office of|ministry of"
    r"|bureau of|embassy of|bureau du|ministère|kementerian|kantor)\b"
    r"|\b(?:office|department|ministry|agency|embassy|secretariat)$"
    r"|^(?:البيت الأبيض|مكتب|وزارة|سفارة|للنشر|بيان)"
)
_RELEASE = re.compile(
    r"(?i)^(?:for\s+)?(?:immediate\s+)?(?:press\s+|media\s+)?"
    r"(?:release|statement|note|advisory|readout)$|^for (?:immediate )?release\b"
    r"|^pour diffusion\b|^untuk (?:segera )?disiarkan\b"
)
LETTER_FORMULA = re.compile(
    "(?i)(?:" + "|".join(sorted(map(re.escape, lex.LETTER_FORMULAS), key=len, reverse=True))
    + r")(?![^\W_])"
)
_BY = re.compile(r"(?:By|BY|Par|Oleh)\s*:?\s+[A-Z]")
_PLACE = re.compile(
    r"[A-Z][\w.'’ -]{1,30},\s+(?:[A-Z]{2}|D\.C\.|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)



def is_boilerplate_line(line: str) -> bool:
    """Site furniture that stands on its own line: navigation, banners, symbols, captions."""
    # Most lines are prose: each costly pattern runs only where a cheap test lets it match.
    bare = line.rstrip(" :")
    if len(bare) <= _NAV_LINE_MAX and bare.lower() in lex.NAV_LINES:
        return True
    if "/" in line and _SYMBOL.fullmatch(line):
        return True
    if line[0].islower():
        return False  # a wrapped line of a sentence
    size = len(line)
    low = line.lower()
    if size <= 160 and is_furniture(line, low):
        return True
    if ("(" in line or ":" in line) and _may_be_caption(low) and _CAPTION.search(line):
        return True
    if (">" in line or "›" in line or "»" in line) and len(_BREADCRUMB.findall(line)) >= 2:
        return True
    if line[-1] in TERMINATORS:
        return False
    if size < 160 and len(_DOUBLED.findall(line)) >= 2:
        return True  # language menus: "English English, Français Français"
    if "|" in line or _NAV_GLUED_START.match(line):
        return True
    glue = len(_GLUE.findall(line))
    return glue >= 3 or (glue > 0 and any(w in lex.NAV_WORDS for w in _LETTERS.findall(line)))


def _may_be_caption(low: str) -> bool:
    """Whether a lowercased line holds a word that every caption pattern needs."""
    return (
        "foto" in low
        or "photo" in low
        or "image" in low
        or "gambar" in low
        or "ilustrasi" in low
        or "credit" in low
        or "crédit" in low
        or "caption" in low
    )


def may_hold_furniture(low: str) -> bool:
    """Whether lowercased text holds a phrase that `is_furniture` needs (a cheap gate for a
    whole paragraph before its sentences are tested one by one)."""
    return (
        "©" in low
        or "(c" in low
        or "copyright" in low
        or "rights" in low
        or "website" in low
        or "how you know" in low
        or "sensitive information" in low
        or "official record" in low
        or "information media" in low
        or "privacy policy" in low
        or "terms of " in low
        or "unsubscribe" in low
    )


def is_furniture(text: str, low: str) -> bool:
    """Copyright lines, the .gov banner and footer phrases (`low` is `text.lower()`)."""
    if ("©" in text or "(c" in low or "copyright" in low or "rights" in low) and (
        COPYRIGHT.search(text)
    ):
        return True
    if ("website" in low or "how you know" in low or "sensitive information" in low) and (
        _BANNER.search(low)
    ):
        return True
    return (
        "not an official record" in low
        or "for information media" in low
        or "privacy policy" in low
        or "terms of use" in low
        or "terms of service" in low
        or "unsubscribe" in low
    )


def is_date(fragment: str) -> bool:
    """A line that is only a date: "08/10/2004", "Thursday, September 7, 2017", "Le 26 juin",
    or a dateline, a place and a date: "New York, 18 March 2024", "Paris, le 26 juin 2017"."""
    if len(fragment) > 60 or _DIGIT.search(fragment) is None:
        return False
    place = _PLACE_BEFORE_DATE.match(fragment)
    if place is not None and _bare_date(fragment[place.end() :]):
        return True
    return _bare_date(fragment)


def _bare_date(fragment: str) -> bool:
    has_digit = has_month = False
    for token in _DATE_TOKEN.findall(fragment):
        if token[0].isdigit():
            has_digit = True
            continue
        low = token.lower()
        if low not in lex.DATE_WORDS:
            return False
        has_month = has_month or low in lex.MONTHS
    if not has_digit:
        return False
    bare = fragment.strip(" :,.")
    return has_month or bool(_NUMERIC_DATE.search(bare)) or (len(bare) == 4 and bare.isdigit())


def is_byline(line: str) -> bool:
    """Issuer, release, "Name, Title" or place lines ("Richard Boucher, Spokesman")."""
    line = line.rstrip(" :")
    words = line.replace(",", " ").split()
    if len(line) > 90 or len(words) > 12:
        return False
    if _RELEASE.search(line) or _PLACE.fullmatch(line) or _BY.match(line):
        return True
    if len(words) <= 8 and _ISSUER.search(line):
        return True
    if words and words[0] in lex.JOB_TITLES:
        return True
    head, comma, tail = line.rpartition(",")
    return bool(comma) and any(word in lex.JOB_TITLES for word in tail.split())


def is_marker(unit: str) -> bool:
    return _LETTERS.search(unit) is None or _MARK_ONLY.fullmatch(unit) is not None


def line_kind(line: str, title_allowed: bool) -> UnitKind:
    if is_date(line):
        return UnitKind.DATE
    if is_marker(line):
        return UnitKind.SKIPPED  # a bare footnote marker or page number
    if is_byline(line):
        return UnitKind.BYLINE
    if title_allowed and line.isupper() and len(_LETTERS.findall(line)) >= 2:
        return UnitKind.TITLE
    if line[-1] in TERMINATORS or (line[-1] in CLOSERS and len(line) > 1 and line[-2] in "."):
        return UnitKind.SENTENCE
    if title_allowed and line[-1] not in ":,":
        return UnitKind.TITLE
    words = len(line.split())
    return UnitKind.HEADING if words <= (8 if line[-1] == ":" else 12) else UnitKind.SENTENCE
