"""Sentence units of a briefing, found paragraph-first; all offsets are code points.

Line structure decides nothing by itself: a line break ends a unit only when the line is complete
(a sentence end, a colon before a new start) or is a standalone line (title, date, byline,
heading), and a blank line that falls mid-sentence is bridged. Inside a run of joined lines,
sentences end at . ! ? … (and ؟ ۔ 。) before a sentence start, except after abbreviations and
initials. Boilerplate (banners, navigation, captions, symbols, footers) becomes SKIPPED units.
The rules are generic (patterns and word lists); see ../shared/corpus/README.md for the unit rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from annotator.core import abbreviations as lex

__all__ = ["SegmentUnit", "UnitKind", "segment"]


class UnitKind(StrEnum):
    """What a unit is; kinds are a best effort, boundaries are what matters."""

    SENTENCE = "sentence"
    HEADING = "heading"
    BULLET = "bullet"
    TITLE = "title"
    DATE = "date"
    BYLINE = "byline"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class SegmentUnit:
    """One unit: `text[start:end]` in code points, never empty, no outer whitespace."""

    start: int
    end: int
    kind: UnitKind


# A non-blank line: group 1 is its content without surrounding whitespace.
_LINE = re.compile(r"^[^\S\n]*(\S(?:[^\n]*\S)?)[^\S\n]*$", re.MULTILINE)
_CLOSERS = "\"'”’»›)]」』"
_OPENERS = "\"'“‘«‹([¿¡「『"
_TERMINATORS = ".!?…؟۔。！？"
_CURRENCY = "$€£¥"
_SPACED_CLOSERS = "»›"
_LABEL = re.compile(r"[IVXLC]{1,5}|\d{1,3}|[^\W\d_]")
# A sentence-end candidate: terminators and closing quotes/brackets before whitespace (CJK
# terminators need no whitespace).
_MARK = r"(?P<mark>\d{1,3}|[¹²³⁰⁴-⁹]+|\[(?:Footnote )?\d{1,3}\])"
_CANDIDATE = re.compile(
    r"(?<![.!?…؟۔])[.!?…؟۔]++[\"'”’»›)\]]*+(?:(?=\s)|" + _MARK + r"(?=\s))"
    r"|(?<![。！？])[。！？]++[\"'”’»›)\]」』]*+"
)
_MARK_ONLY = re.compile(_MARK)
# A footnote marker glued to the end of a line's last sentence: "...route.12".
_TRAILING_MARK = re.compile(r"(?<=[^\W\d_])[.!?]+[\"'”’)\]]*" + _MARK + "$")
_SPACES = re.compile(r"\s*")
_LETTERS = re.compile(r"[^\W\d_]+")
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")
_INITIALISM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]$")
# Bullet glyphs; the ambiguous ones (dashes, numbers, letters) are checked against context.
_BULLET = re.compile(
    r"(?:(?P<sure>[•●○◦▪▫■□►▸‣⁃∙*])"
    r"|(?P<maybe>[-–—]|\d{1,3}[.)]|\((?:\d{1,3}|[A-Za-z]|[ivxlc]{1,5}|[IVXLC]{1,5})\)"
    r"|[a-z][.)]|[A-Z]\)|[ivx]{1,4}\.))(?:\s+|$)"
)
_HAS_ALNUM = re.compile(r"[^\W_]")
_END_MARK = re.compile(r"#\s*#\s*#|-\s*30\s*-|\*\s*\*{3}\s*\*|-*\s*(?:END|FIN)\s*-*")
_SYMBOL = re.compile(r"(?:[A-Z]{1,6}/)+[A-Z0-9][\w./-]*(?:\s*\(\d{4}\))?")
_COPYRIGHT = re.compile(
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
_FOOTER = re.compile(
    "not an official record|for information media|privacy policy|terms of (?:use|service)"
    "|unsubscribe"
)
_BREADCRUMB = re.compile(r"\s[>›»]\s")
_DOUBLED = re.compile(r"\b(\w+)\s+\1\b")
_GLUE = re.compile(r"[a-z][A-Z]")
_NAV_GLUED_START = re.compile(r"(?:Home|HOME|Search|SEARCH|Menu|MENU|Skip)(?=[A-Z])")
_DATE_TOKEN = re.compile(r"[^\W\d_]+|\d+")
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
_BY = re.compile(r"(?:By|BY|Par|Oleh)\s*:?\s+[A-Z]")
_PLACE = re.compile(
    r"[A-Z][\w.'’ -]{1,30},\s+(?:[A-Z]{2}|D\.C\.|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)


@dataclass(slots=True)
class _Line:
    begin: int  # first non-space character of the line (the glyph of a bullet)
    start: int  # first character of the unit text (after any bullet glyph)
    end: int  # end of the content, trailing whitespace excluded
    new_block: bool  # a blank line (or the start of the text) comes before it
    bullet: bool = False
    lone_glyph: bool = False
    separator: bool = False
    boilerplate: bool = False
    date: bool = False  # the whole line is a date
    breaks: tuple[tuple[int, int], ...] = ()  # sentence ends inside the line: (end, next start)
    frag_start: int = 0  # where the line's last (unfinished) sentence starts
    wrap_width: int = 0  # longest line of the block that is followed by a lowercase line
    second_width: int = 0  # second longest line of the block (wrap width of caseless text)
    max_width: int = 0  # longest line of the block


@dataclass(slots=True)
class _Segment:
    """A run of joined lines: one paragraph, bullet item or standalone line."""

    bullet: bool
    separator: bool
    boilerplate: bool
    pieces: int = 0


def segment(text: str) -> list[SegmentUnit]:
    """Split `text` (newlines already "\\n") into sorted units; code-point offsets; never raises."""
    lines = _scan_lines(text)
    pieces: list[tuple[int, int, _Segment]] = []
    current: _Segment | None = None
    cursor = 0
    for index, line in enumerate(lines):
        if line.lone_glyph:
            current = None
            continue
        if current is None:
            current = _Segment(line.bullet, line.separator, line.boilerplate)
            cursor = line.start
        for end, next_start in line.breaks:
            pieces.append((cursor, end, current))
            current.pieces += 1
            cursor = next_start
        nxt = lines[index + 1] if index + 1 < len(lines) else None
        if nxt is None or nxt.lone_glyph or not _joins(text, lines, index):
            pieces.append((cursor, line.end, current))
            current.pieces += 1
            current = None
    return _classify(text, pieces)


def _scan_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    previous_end = -2
    for match in _LINE.finditer(text):
        begin, end = match.span(1)
        lines.append(_Line(begin, begin, end, match.start() != previous_end + 1))
        previous_end = match.end()
    block_start = 0
    for index in range(1, len(lines) + 1):
        if index == len(lines) or lines[index].new_block:
            _prepare_block(text, lines, block_start, index)
            block_start = index
    return lines


def _prepare_block(text: str, lines: list[_Line], first: int, stop: int) -> None:
    """Mark glyphs, separators and boilerplate, and find the sentence ends inside each line."""
    in_bullet = after_glyph = False
    for index in range(first, stop):
        line = lines[index]
        glyph = _BULLET.match(text, line.begin, line.end)
        if glyph is not None and glyph.group("maybe") is not None and index > first:
            previous = lines[index - 1]
            tail = text[previous.end - 1]
            if not in_bullet and (tail.islower() or tail in ",-"):
                glyph = None
        if glyph is not None and glyph.end() >= line.end:
            line.lone_glyph = after_glyph = True  # PDF text often puts "•" on a line of its own
            in_bullet = False
            continue
        if not _HAS_ALNUM.search(text, line.begin, line.end):
            line.separator = True
        elif glyph is not None or after_glyph:
            line.bullet = in_bullet = True
            line.start = glyph.end() if glyph is not None else line.start
        else:
            content = text[line.start : line.end] if line.end - line.begin < 1000 else ""
            line.date = len(content) <= 64 and _is_date(content.strip(" |"))
            line.boilerplate = bool(content) and not line.date and _is_boilerplate_line(content)
        line.breaks = _find_breaks(text, line.start, line.end)
        marker = _TRAILING_MARK.search(text, max(line.start, line.end - 24), line.end)
        if marker is not None and marker.start() > (
            line.breaks[-1][1] if line.breaks else line.start
        ):
            line.breaks += ((marker.start("mark"), marker.start("mark")),)
        line.frag_start = line.breaks[-1][1] if line.breaks else line.start
        if line.separator or line.boilerplate:
            in_bullet = False
        after_glyph = False
    wrap_width = 0
    longest = second = 0
    for index in range(first, stop):
        length = lines[index].end - lines[index].begin
        if length > longest:
            longest, second = length, longest
        elif length > second:
            second = length
        if index + 1 < stop and _starts_lower(text, lines[index + 1].begin, lines[index + 1].end):
            wrap_width = max(wrap_width, length)
    for index in range(first, stop):
        lines[index].wrap_width = wrap_width
        lines[index].second_width = second
        lines[index].max_width = longest


def _find_breaks(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    found: list[tuple[int, int]] = []
    floor = start
    for match in _CANDIDATE.finditer(text, start, end):
        term_end = match.end()
        mark = match.start("mark")
        if mark >= 0:
            # A footnote marker after a word's sentence end is a unit of its own.
            if match.start() == start or not text[match.start() - 1].isalpha():
                continue
            next_start = _skip_spaces(text, term_end, end)
            if next_start < end and _is_boundary(text, match.start(), mark, next_start, floor):
                found += [(mark, mark), (term_end, next_start)]
                floor = next_start
            continue
        next_start = _skip_spaces(text, term_end, end)
        if next_start < end and text[next_start] in _SPACED_CLOSERS:  # French: « Fin. » Il
            term_end = next_start
            while term_end < end and text[term_end] in _SPACED_CLOSERS:
                term_end += 1
            next_start = _skip_spaces(text, term_end, end)
        if next_start >= end or next_start == term_end:
            continue
        if _is_boundary(text, match.start(), term_end, next_start, floor):
            found.append((term_end, next_start))
            floor = next_start
    return tuple(found)


def _skip_spaces(text: str, pos: int, end: int) -> int:
    match = _SPACES.match(text, pos, end)
    return match.end() if match else pos


def _is_boundary(text: str, term_start: int, term_end: int, nxt: int, floor: int) -> bool:
    """Whether a sentence ends with text[term_start:term_end] and the next starts at `nxt`."""
    pos = nxt
    while pos < len(text) and pos < nxt + 4 and text[pos] in _OPENERS:
        pos += 1
    if pos >= len(text):
        return False
    first = text[pos]
    if not (first.isdigit() or (first.isalpha() and not first.islower()) or first in _CURRENCY):
        return False
    ellipsis = text[term_start] == "…" or text.startswith("..", term_start)
    if ellipsis and (term_start == 0 or text[term_start - 1] in "[( \t\n"):
        return False  # an elision mark: "the attacks [...] Iran", "... Iran"
    if text[term_start] != "." or (term_start + 1 < term_end and text[term_start + 1] in "!?…."):
        return True
    token, at_floor = _token_before(text, term_start, floor)
    if not token:
        return True
    if at_floor and _LABEL.fullmatch(token):
        return False  # a section label opening the unit: "IV. Findings", "2. Costs"
    if token in lex.NEVER_END:
        return False
    if token in lex.BEFORE_NUMBER:
        return not first.isdigit()
    if len(token) == 1:
        return not token.isupper()  # a capital initial ("Carla E. Humud") never ends a sentence
    if token in lex.MAYBE_END or _INITIALISM.search(token):
        word = _LETTERS.match(text, pos)
        return word is not None and word.group() in lex.SENTENCE_STARTERS
    return True


def _token_before(text: str, pos: int, floor: int) -> tuple[str, bool]:
    """The word before a period (opening quotes stripped), and whether it opens the unit."""
    start = pos
    limit = max(floor, pos - 40)
    while start > limit and not text[start - 1].isspace():
        start -= 1
    return text[start:pos].lstrip(_OPENERS), start <= floor


def _trailing_terminator(text: str, begin: int, end: int) -> int | None:
    """Start of the terminator run that ends text[begin:end] (closers allowed after it)."""
    pos = end
    while pos > begin and text[pos - 1] in _CLOSERS:
        pos -= 1
    if pos < end and text[end - 1] in _SPACED_CLOSERS:
        while pos > begin and text[pos - 1] in " \u00a0\u202f":
            pos -= 1
    term = pos
    while term > begin and text[term - 1] in _TERMINATORS:
        term -= 1
    return term if term < pos else None


def _ends_incomplete(text: str, begin: int, end: int) -> bool:
    """The line stops where no unit can stop: after a comma, a hyphen or a function word."""
    last = text[end - 1]
    if last in ",;-–—(/&+":
        return True
    start = end
    while start > begin and start > end - 12 and text[start - 1].isalpha():
        start -= 1
    if start < end and (start == begin or not text[start - 1].isalnum()):
        return text[start:end].lower() in lex.FUNCTION_WORDS
    return False


def _starts_lower(text: str, pos: int, end: int) -> bool:
    while pos < end and text[pos] in _OPENERS:
        pos += 1
    return pos < end and text[pos].islower()


def _first_word(text: str, pos: int, end: int) -> str:
    while pos < end and text[pos] in _OPENERS:
        pos += 1
    word = _LETTERS.match(text, pos, end)
    return word.group() if word else ""


def _is_caps(fragment: str) -> bool:
    head = fragment[:400]
    return head.upper() == head and head.lower() != head


def _title_like(fragment: str) -> bool | None:
    """True for Title Case or ALL CAPS, False for prose, None when case says nothing."""
    words = _LONG_WORD.findall(fragment[:400])
    upper = sum(1 for word in words if word[0].isupper())
    lower = sum(1 for word in words if word[0].islower())
    if upper + lower == 0:
        return None
    return upper >= 0.6 * (upper + lower)


def _joins(text: str, lines: list[_Line], index: int) -> bool:
    """Whether the unit in progress at the end of line `index` continues on the next line."""
    line, nxt = lines[index], lines[index + 1]
    if nxt.bullet or nxt.separator or nxt.boilerplate or line.separator or line.boilerplate:
        return False
    lower = _starts_lower(text, nxt.start, nxt.end)
    term = _trailing_terminator(text, line.frag_start, line.end)
    if term is not None:
        return not _is_boundary(text, term, line.end, nxt.start, line.frag_start) and (
            lower or not nxt.new_block
        )
    colon = text[line.end - 1] == ":"
    incomplete = not colon and _ends_incomplete(text, line.frag_start, line.end)
    starter = _first_word(text, nxt.start, nxt.end) in lex.SENTENCE_STARTERS
    fragment = text[line.frag_start : line.end]
    if nxt.new_block:
        return not colon and _bridges_blank_line(text, line, nxt, fragment, lower, starter)
    if lower or incomplete:
        return True
    if starter or nxt.date or (line.date if line.frag_start == line.start else _is_date(fragment)):
        return False
    if _is_wrapped_pair(text, lines, index):
        return True
    if _is_caps(fragment):
        # Case says nothing between two ALL CAPS lines; a switch to mixed case ends the unit.
        return _is_caps(text[nxt.start : min(nxt.end, nxt.start + 80)]) and _is_wrap(line, None)
    # A sentence that began mid-line is prose whatever its case; otherwise case decides.
    return _is_wrap(line, False if line.frag_start > line.start else _title_like(fragment))


def _is_wrapped_pair(text: str, lines: list[_Line], index: int) -> bool:
    """Two short Title Case lines alone amid hard-wrapped prose are one wrapped phrase.

    PDF text wraps a sidebar or heading too long for its column ("Specialist in Middle" /
    "Eastern Affairs"); a stack of three or more such lines is a header, kept line by line.
    """
    if not lines[index].wrap_width or lines[index].frag_start != lines[index].start:
        return False
    if not (_short_title_line(text, lines[index]) and _short_title_line(text, lines[index + 1])):
        return False
    before = index - 1 if not lines[index].new_block else None
    after = index + 2 if index + 2 < len(lines) and not lines[index + 2].new_block else None
    return not any(
        other is not None and _short_title_line(text, lines[other]) for other in (before, after)
    )


def _short_title_line(text: str, line: _Line) -> bool:
    if line.bullet or line.date or line.end - line.begin >= 0.6 * line.wrap_width:
        return False
    content = text[line.start : line.end]
    return (
        content[-1] not in _TERMINATORS
        and "," not in content
        and bool(_title_like(content))
        and _first_word(content, 0, len(content)) not in lex.SENTENCE_STARTERS
    )


def _bridges_blank_line(
    text: str, line: _Line, nxt: _Line, fragment: str, lower: bool, starter: bool
) -> bool:
    """Whether a sentence left unfinished before a blank line goes on after it."""
    if _ends_incomplete(text, line.frag_start, line.end):
        return lower or not starter
    if starter:
        return False
    paragraph = bool(line.breaks)  # the block already holds a finished sentence
    if not paragraph and (line.end - line.begin < 40 or _title_like(fragment) is not False):
        return False
    if lower:
        return True
    # A paragraph that stops mid-sentence, then prose goes on after the blank line.
    return (
        paragraph
        and nxt.end - nxt.begin >= 40
        and _title_like(text[nxt.start : min(nxt.end, nxt.start + 200)]) is False
    )


def _is_wrap(line: _Line, title: bool | None) -> bool:
    """Whether a line before a capitalised (or caseless) line is a hard wrap, by its length."""
    if title:
        return False
    length = line.end - line.begin
    if title is None:
        # Caseless script: wraps are lines about as long as the block's other long lines.
        return line.second_width >= 40 and length >= 0.6 * line.second_width
    if line.wrap_width:
        return length >= max(0.6 * line.wrap_width, 25)
    # No line of the block wraps before a lowercase word: very long lines are whole
    # paragraphs, and a line much shorter than the longest one is a heading.
    return 40 <= length < 160 and length >= 0.6 * line.max_width


def _is_boilerplate_line(line: str) -> bool:
    """Site furniture that stands on its own line: navigation, banners, symbols, captions."""
    if line.lower().rstrip(" :") in lex.NAV_LINES or _SYMBOL.fullmatch(line):
        return True
    if line[0].islower():
        return False  # a wrapped line of a sentence
    if len(line) <= 160 and _is_furniture(line, line.lower()):
        return True
    if ("(" in line or ":" in line) and _CAPTION.search(line):
        return True
    if len(_BREADCRUMB.findall(line)) >= 2:
        return True
    if len(line) < 160 and len(_DOUBLED.findall(line)) >= 2:
        return True  # language menus: "English English, Français Français"
    if line[-1] in _TERMINATORS:
        return False
    if "|" in line or _NAV_GLUED_START.match(line):
        return True
    glue = len(_GLUE.findall(line))
    return glue >= 3 or (glue > 0 and any(w in lex.NAV_WORDS for w in _LETTERS.findall(line)))


def _is_furniture(text: str, low: str) -> bool:
    """Copyright lines, the .gov banner and footer phrases (`low` is `text.lower()`)."""
    if _COPYRIGHT.search(text):
        return True
    if ("website" in low or "how you know" in low or "sensitive information" in low) and (
        _BANNER.search(low)
    ):
        return True
    return _FOOTER.search(low) is not None


def _is_date(fragment: str) -> bool:
    """A line that is only a date: "08/10/2004", "Thursday, September 7, 2017", "Le 26 juin"."""
    if len(fragment) > 60:
        return False
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


def _is_byline(line: str) -> bool:
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


def _classify(text: str, pieces: list[tuple[int, int, _Segment]]) -> list[SegmentUnit]:
    units: list[SegmentUnit] = []
    rest_skipped = title_done = body_started = False
    half = len(text) // 2
    for start, end, seg in pieces:
        unit = text[start:end] if end - start < 600 else ""
        kind = UnitKind.SENTENCE
        # An end mark ("###", "-30-", "* *** *") or a copyright line late in the text closes
        # the briefing: what follows is footer.
        closing = bool(unit) and (
            _END_MARK.fullmatch(unit) is not None
            or (seg.boilerplate and _COPYRIGHT.search(unit) is not None)
        )
        if rest_skipped or seg.separator or seg.boilerplate or closing:
            kind = UnitKind.SKIPPED
            rest_skipped = rest_skipped or (closing and start >= half)
        elif seg.pieces > 1 and unit and len(unit) < 300 and _is_furniture(unit, unit.lower()):
            kind = UnitKind.SKIPPED
        elif seg.bullet:
            kind = UnitKind.BULLET
        elif unit and len(unit) < 200 and (seg.pieces == 1 or _is_marker(unit)):
            kind = _line_kind(unit, not title_done and not body_started)
            title_done = title_done or kind is UnitKind.TITLE
        body_started = body_started or kind in (UnitKind.SENTENCE, UnitKind.BULLET)
        units.append(SegmentUnit(start, end, kind))
    return units


def _is_marker(unit: str) -> bool:
    return _LETTERS.search(unit) is None or _MARK_ONLY.fullmatch(unit) is not None


def _line_kind(line: str, title_allowed: bool) -> UnitKind:
    if _is_date(line):
        return UnitKind.DATE
    if _is_marker(line):
        return UnitKind.SKIPPED  # a bare footnote marker or page number
    if _is_byline(line):
        return UnitKind.BYLINE
    if title_allowed and line.isupper() and len(_LETTERS.findall(line)) >= 2:
        return UnitKind.TITLE
    if line[-1] in _TERMINATORS or (line[-1] in _CLOSERS and len(line) > 1 and line[-2] in "."):
        return UnitKind.SENTENCE
    if title_allowed and line[-1] != ":":
        return UnitKind.TITLE
    words = len(line.split())
    return UnitKind.HEADING if words <= (8 if line[-1] == ":" else 12) else UnitKind.SENTENCE
