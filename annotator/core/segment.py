"""Sentence units of a briefing, found paragraph-first; all offsets are code points.

Line structure decides nothing by itself: a line break ends a unit only when the line is complete
(a sentence end, a colon before a new start) or is a standalone line (title, date, byline,
heading), and a blank line that falls mid-sentence is bridged. Inside a run of joined lines,
sentences end at . ! ? … (and ؟ ۔ 。) before a sentence start, except after abbreviations and
initials (`segment_ends`). Boilerplate (banners, navigation, captions, symbols, footers) becomes
SKIPPED units; what a standalone line is (furniture, date, byline, letter formula) lives in
`segment_rules`.
The rules are generic (patterns and word lists); see ../shared/corpus/README.md for the unit rules.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import NamedTuple

from annotator.core import abbreviations as lex
from annotator.core import segment_ends as ends
from annotator.core import segment_rules as rules
from annotator.core.segment_rules import CLOSERS as _CLOSERS
from annotator.core.segment_rules import TERMINATORS as _TERMINATORS
from annotator.core.segment_rules import UnitKind

__all__ = ["SegmentUnit", "UnitKind", "segment"]


class SegmentUnit(NamedTuple):
    """One unit: `text[start:end]` in code points, never empty, no outer whitespace.

    A named tuple (immutable, hashable) rather than a frozen dataclass: a briefing has
    thousands of units, and a frozen dataclass costs four times as much to build.
    """

    start: int
    end: int
    kind: UnitKind


# Enum members read through the class cost an attribute lookup each on Python 3.11.
_SENTENCE, _SKIPPED, _BULLET_KIND, _TITLE = (
    UnitKind.SENTENCE, UnitKind.SKIPPED, UnitKind.BULLET, UnitKind.TITLE
)
# A non-blank line: group 1 is its content without surrounding whitespace.
_LINE = re.compile(r"^[^\S\n]*(\S(?:[^\n]*\S)?)[^\S\n]*$", re.MULTILINE)
# A footnote marker glued to the end of a line's last sentence: "...route.12".
_TRAILING_MARK = re.compile(r"(?<=[^\W\d_])[.!?]+[\"'”’)\]]*" + rules.MARK + "$")
_TAIL_WORD = re.compile(r"[^\W\d_]{1,12}\Z")  # searched in a line's last 13 characters
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")
_OPENERS = ends.OPENERS
_QUOTES = "\"'“‘«‹„"
_LETTERS = ends.LETTERS
_SPACED_CLOSERS = ends.SPACED_CLOSERS
# Bullet glyphs; the ambiguous ones (dashes, numbers, letters, "o") are checked against
# context. Word's symbol-font bullets arrive as private-use characters ("\uf0b7").
_BULLET = re.compile(
    r"(?:(?P<sure>[•●○◦▪▫■□►▸‣⁃∙*\ue000-\uf8ff])|(?P<picto>" + ends.ONE_PICTOGRAPH + ")"
    r"|(?P<maybe>[-–—]|o(?=\s+[A-Z\d])|\d{1,3}[.)]|\((?:\d{1,3}|[A-Za-z]|[ivxlc]{1,5}|[IVXLC]{1,5})\)"
    r"|[a-z][.)]|[A-Z]\)|[ivx]{1,4}\.))(?:\s+|$)"
)
_HAS_ALNUM = re.compile(r"[^\W_]")


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
    fit_width: int = 0  # the block's wrap width, else the text's typical one
    units: int = 0  # on the first line of a run of joined lines: how many units the run holds
    run_end: int = 0  # on the first line of a run of joined lines: where the run ends


def segment(text: str) -> list[SegmentUnit]:
    """Split `text` (newlines already "\\n") into sorted units; code-point offsets; never raises."""
    lines = _scan_lines(text)
    # Each piece is (start, end, first line of its run of joined lines); the first line
    # stands for the run (bullet, separator, boilerplate) and counts its units.
    pieces: list[tuple[int, int, _Line]] = []
    current: _Line | None = None
    cursor = unit_line = 0  # where the unit in progress starts, and on which line
    last = len(lines) - 1
    for index, line in enumerate(lines):
        if line.lone_glyph:
            current = None
            continue
        if current is None:
            current = line
            cursor, unit_line = line.start, index
        for end, next_start in line.breaks:
            pieces.append((cursor, end, current))
            current.units += 1
            cursor, unit_line = next_start, index
        if (
            index == last
            or lines[index + 1].lone_glyph
            or not _joins(text, lines, index, cursor, lines[unit_line])
        ):
            pieces.append((cursor, line.end, current))
            current.units += 1
            current.run_end = line.end
            current = None
    return _classify(text, pieces)


def _scan_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    previous_end = -2
    for match in _LINE.finditer(text):
        begin, end = match.span(1)
        lines.append(_Line(begin, begin, end, match.start() != previous_end + 1))
        previous_end = match.end()
    candidates = ends.candidates(text)
    starts = [start for start, _end, _mark in candidates]
    block_start = 0
    widths: list[int] = []
    for index in range(1, len(lines) + 1):
        if index == len(lines) or lines[index].new_block:
            _prepare_block(text, lines, block_start, index, candidates, starts)
            if lines[block_start].wrap_width:
                widths.append(lines[block_start].wrap_width)
            block_start = index
    # A hard-wrapped text is wrapped at one width throughout: a block too short to show its
    # own wrap (a two-line title or paragraph) is measured against the others.
    typical = sorted(widths)[len(widths) // 2] if widths else 0
    for line in lines:
        line.fit_width = line.wrap_width or typical
    return lines


def _prepare_block(
    text: str,
    lines: list[_Line],
    first: int,
    stop: int,
    candidates: list[tuple[int, int, int]],
    starts: list[int],
) -> None:
    """Mark glyphs, separators and boilerplate, and find the sentence ends inside each line."""
    in_bullet = after_glyph = False
    for index in range(first, stop):
        line = lines[index]
        begin, end = line.begin, line.end
        head = text[begin]
        # Most lines open with a word: a glyph could then only be "a)", "b.", "iv.", "A)", "o".
        glyph = (
            _BULLET.match(text, begin, end)
            if not head.isalpha() or text[begin + 1 : begin + 2] in (".", ")") or head in "ivxo"
            else None
        )
        continued = False  # a glyph-like start goes on the sentence above: "7. Mr. Osei"
        if glyph is not None and index > first and glyph.group("sure") is None:
            glyph = _checked_glyph(text, lines[index - 1], glyph, in_bullet)
            continued = glyph is None
        if glyph is not None and glyph.end() >= end:
            line.lone_glyph = after_glyph = True  # PDF text often puts "•" on a line of its own
            in_bullet = False
            continue
        if not head.isalnum() and not _HAS_ALNUM.search(text, begin, end):
            line.separator = True
            in_bullet = False
        elif glyph is not None or after_glyph:
            line.bullet = in_bullet = True
            if glyph is not None:
                line.start = glyph.end()
        elif end - begin < 1000:
            content = text[begin:end]
            # "(16/9)." closes a sentence cut by a wrap; a date line stands bare.
            line.date = (
                end - begin <= 64
                and content[0] != "("
                and content[-1] != "."
                and rules.is_date(content.strip(" |"))
            )
            if not line.date and rules.is_boilerplate_line(content):
                line.boilerplate = True
                in_bullet = False
        start = line.start
        low = bisect_left(starts, start)
        high = bisect_left(starts, end, low)
        breaks = (
            ends.find_breaks(text, start, end, candidates[low:high], continued)
            if high > low
            else ()
        )
        last = text[end - 1]
        if last.isdigit() or last == "]":
            marker = _TRAILING_MARK.search(text, max(start, end - 24), end)
            if marker is not None and marker.start() > (breaks[-1][1] if breaks else start):
                breaks += ((marker.start("mark"), marker.start("mark")),)
        if breaks:
            line.breaks = breaks
            line.frag_start = breaks[-1][1]
        else:
            line.frag_start = start
        after_glyph = False
    if stop - first == 1:
        lines[first].max_width = lines[first].end - lines[first].begin
        return
    wrap_width = 0
    longest = second = 0
    for index in range(first, stop):
        length = lines[index].end - lines[index].begin
        if length > longest:
            longest, second = length, longest
        elif length > second:
            second = length
        if index + 1 < stop and _wraps_before(text, lines[index], lines[index + 1]):
            wrap_width = max(wrap_width, length)
    for index in range(first, stop):
        lines[index].wrap_width = wrap_width
        lines[index].second_width = second
        lines[index].max_width = longest


def _checked_glyph(
    text: str, above: _Line, glyph: re.Match[str], in_bullet: bool
) -> re.Match[str] | None:
    """A glyph that may be a word or a wrapped line's start, judged by the line above.

    Whatever follows an abbreviation that never ends a sentence goes on it ("(est." /
    "300) fighters", "Berth No." / "7. ..."). Outside a bullet list, a dash, number or letter
    after a lowercase word or a comma goes on that sentence, and so does a pictograph after a
    line left unfinished ("near the" / "⚠️ buoy").
    """
    tail = text[above.end - 1]
    if tail == "." and ends.ends_with_abbreviation(text, above.start, above.end - 1):
        return None
    if in_bullet:
        return glyph
    if glyph.group("maybe") is not None:
        return None if tail.islower() or tail in ",-" else glyph
    return None if _ends_incomplete(text, above.frag_start, above.end) else glyph


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
    """The line stops where no unit can stop: after a comma, a hyphen, a function word or a
    title before a name ("... et Mme" / "Martin à Paris.")."""
    last = text[end - 1]
    if last in ",;-–—(/&+[“‘«‹¿¡「『":
        return True  # also an opening bracket or quote: "touchés. «" / "Nous ne ..."
    word = _TAIL_WORD.search(text, max(begin, end - 13), end)
    if word is None:
        return False
    start = word.start()
    if start == begin or not text[start - 1].isalnum():
        found = word.group()
        return found.lower() in lex.FUNCTION_WORDS or (found in lex.HONORIFICS and start > begin)
    return False


def _wraps_before(text: str, line: _Line, nxt: _Line) -> bool:
    """Whether `line` shows the block's wrap width: the next line opens with a lowercase letter
    (or, after a line of 30 or more, with a letter of a script without case: Arabic), or a
    sentence ends inside the line and the next one runs past its end ("... Rikwanto. Pasukan
    AS (sekitar" / "200 orang) tiba ...", also "... Merah. Menteri bertemu Dr." / "Ahmad").
    Short caseless lines may be a header stack."""
    pos, end = nxt.begin, nxt.end
    while pos < end and text[pos] in _OPENERS:
        pos += 1
    head = text[pos] if pos < end else " "
    if head.islower() or (head.isalpha() and not head.isupper() and line.end - line.begin >= 30):
        return True
    if not line.breaks:
        return False
    last = text[line.end - 1]
    return last not in _TERMINATORS + _CLOSERS or (
        last == "." and ends.ends_with_abbreviation(text, line.frag_start, line.end - 1)
    )


def _starts_lower(text: str, pos: int, end: int) -> bool:
    while pos < end and text[pos] in _OPENERS:
        pos += 1
    return pos < end and text[pos].islower()


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


def _joins(text: str, lines: list[_Line], index: int, unit_start: int, first: _Line) -> bool:
    """Whether the unit in progress (from `unit_start`, on line `first`) goes on past line
    `index`."""
    line, nxt = lines[index], lines[index + 1]
    if nxt.bullet or nxt.separator or nxt.boilerplate or line.separator or line.boilerplate:
        return False
    lower = _starts_lower(text, nxt.start, nxt.end)
    term = _trailing_terminator(text, line.frag_start, line.end)
    if term is not None:
        if nxt.new_block and not lower:
            return False
        return not ends.is_boundary(text, term, line.end, nxt.start, line.frag_start)
    if lower and not nxt.new_block:
        return True  # the commonest hard wrap: a line goes on in lowercase
    if line.frag_start > line.start and ends.PICTOGRAPHS.fullmatch(text, line.frag_start, line.end):
        return not nxt.new_block  # "... rescued. ✅" / "All crew ...": the pictograph opens it
    last = text[line.end - 1]
    colon = last == ":"
    incomplete = not colon and _ends_incomplete(text, line.frag_start, line.end)
    own_line = unit_start == line.start
    if own_line and last in ",،" and not lower and _is_letter_line(text, line, nxt):
        return False
    starter = ends.opens_with_starter(text, nxt.start, nxt.end)
    fragment = text[line.frag_start : line.end]
    if nxt.new_block:
        return not colon and _bridges_blank_line(text, line, nxt, fragment, lower, starter)
    if incomplete or ends.inside_brackets(text, unit_start, line.end):
        return True
    if colon and text[nxt.start] in _QUOTES and (
        line.frag_start > line.start
        or unit_start < line.start
        or _is_paragraph_line(line)
        or (_is_wrap(line, False) and not _title_like(fragment))
    ):
        return True  # prose wrapped before a quotation: 'He said:' / '"We will not ..."'
    if starter:
        return False
    # A unit that began on an earlier line is judged as a whole: a wrapped line of prose
    # may be full of names ("the United States and the United") and may end before a year.
    if own_line and (nxt.date or line.date):
        return False
    if _is_wrapped_pair(text, lines, index):
        return True
    if _is_caps(fragment):
        # Case says nothing between two ALL CAPS lines; a switch to mixed case ends the unit.
        return _is_caps(text[nxt.start : min(nxt.end, nxt.start + 80)]) and (
            _is_wrap(line, None) or _next_word_overflows(text, line, nxt)
        )
    # A sentence that began mid-line (here or on an earlier line) is prose whatever its case,
    # and so is a long line below another line of a hard-wrapped paragraph (names make prose
    # look like Title Case); otherwise case decides.
    if (
        line.frag_start > line.start
        or _is_paragraph_line(line)
        or (unit_start < line.start and _began_mid_line(text, unit_start))
        or (unit_start < line.start and _is_paragraph_line(first))
    ):
        return (
            _is_wrap(line, False)
            or _wrapped_before_long_word(text, line, nxt)
            or (_title_like(fragment) is None and _is_wrap(line, None))
        )
    so_far = text[max(unit_start, line.end - 400) : line.end]
    title = _title_like(so_far)
    if title and _next_word_overflows(text, line, nxt):
        return True
    prose = False if title and _has_prose_word(so_far) else title
    return _is_wrap(line, prose) or (prose is False and _wrapped_before_long_word(text, line, nxt))


def _wrapped_before_long_word(text: str, line: _Line, nxt: _Line) -> bool:
    """A short line of prose that a long next word would have overfilled ("Office of the
    U.S. Trade" / "Representative by ..."): a wrap even where the line's length alone says no.

    Lines of a wrapped text, even in proportional type, fill at least four fifths of the width.
    """
    width = line.fit_width
    length = line.end - line.begin
    if not width or length < 0.3 * width:
        return False
    word_end = nxt.start
    while word_end < nxt.end and not text[word_end].isspace():
        word_end += 1
    return length + 1 + (word_end - nxt.start) >= 0.8 * width


def _is_paragraph_line(line: _Line) -> bool:
    """A long line right below another line of its block: a line of hard-wrapped prose."""
    return not line.new_block and line.end - line.begin >= 0.75 * line.fit_width > 0


def _began_mid_line(text: str, start: int) -> bool:
    """Whether something other than spaces (or a bullet glyph) precedes `start` on its line."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].strip()
    return bool(before) and _BULLET.fullmatch(before + " ") is None


def _has_prose_word(fragment: str) -> bool:
    """A lowercase word of four letters or more that is not a function word ("militaries").

    Title Case leaves only short function words in lowercase ("with", "from"); a line full of
    names ("the United States and the United") shows its prose by one such word.
    """
    words = _LONG_WORD.findall(fragment)
    return any(word[0].islower() and word not in lex.FUNCTION_WORDS for word in words)


def _is_letter_line(text: str, line: _Line, nxt: _Line) -> bool:
    """A letter's salutation or complimentary close: "Dear Ms. Carter,", "Sincerely,".

    Besides the known formulas, a short comma-ended line alone between blank lines is one:
    a stray blank line inside a sentence rarely follows so short a start. So is a short
    capitalised line far shorter than the text's wrapped lines ("Excellency,", "Warmly,"):
    a hard wrap never leaves so short a line before a word that would have fitted.
    """
    length = line.end - line.begin
    if length > 60:
        return False
    if line.new_block and nxt.new_block and length < 40:
        return True
    if rules.LETTER_FORMULA.match(text, line.start, line.end) is not None:
        return True
    return (
        length < 40
        and not text[line.start].islower()
        and not _is_wrap(line, False)
        and not _wrapped_before_long_word(text, line, nxt)
    )


def _next_word_overflows(text: str, line: _Line, nxt: _Line) -> bool:
    """A long line whose next line's first word would not have fitted is a hard wrap.

    Greedy wrapping (mail clients, PDF columns) breaks only when the next word does not fit;
    a heading or a name line is broken by hand and is shorter than the wrap width.
    """
    width = line.fit_width
    length = line.end - line.begin
    if not width or not 0.8 * width <= length <= width + 2:
        return False
    word_end = nxt.start
    while word_end < nxt.end and not text[word_end].isspace():
        word_end += 1
    return length + 1 + (word_end - nxt.start) > width


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
        and not ends.opens_with_starter(content, 0, len(content))
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
        # Caseless script: wraps are lines about as long as the block's wrapped lines, else
        # as its other long lines (short ones may be a header stack).
        width = max(line.wrap_width, line.second_width if line.second_width >= 30 else 0)
        return width >= 25 and length >= 0.6 * width
    if line.wrap_width:
        return length >= max(0.6 * line.wrap_width, 20)
    # No line of the block wraps before a lowercase word: very long lines are whole
    # paragraphs, and a line much shorter than the longest one is a heading.
    return 40 <= length < 160 and length >= 0.6 * line.max_width


def _classify(text: str, pieces: list[tuple[int, int, _Line]]) -> list[SegmentUnit]:
    units: list[SegmentUnit] = []
    rest_skipped = title_done = body_started = False
    half = len(text) // 2
    run: _Line | None = None
    run_hint = False  # the run of joined lines may hold a furniture sentence
    for start, end, seg in pieces:
        if rest_skipped:
            units.append(SegmentUnit(start, end, _SKIPPED))
            continue
        if seg is not run:
            run = seg
            run_hint = seg.units > 1 and _may_hold_furniture(text, seg)
        unit = text[start:end] if end - start < 600 else ""
        kind = _SENTENCE
        # An end mark ("###", "-30-", "* *** *") or a copyright line late in the text closes
        # the briefing: what follows is footer.
        closing = bool(unit) and (
            (unit[-1] in "#-*DN" and rules.END_MARK.fullmatch(unit) is not None)
            or (seg.boilerplate and rules.COPYRIGHT.search(unit) is not None)
        )
        if seg.separator or seg.boilerplate or closing:
            kind = _SKIPPED
            rest_skipped = closing and start >= half
        elif run_hint and unit and len(unit) < 300 and rules.is_furniture(unit, unit.lower()):
            kind = _SKIPPED
        elif seg.bullet:
            kind = _BULLET_KIND
        elif unit and len(unit) < 200 and (seg.units == 1 or rules.is_marker(unit)):
            kind = rules.line_kind(unit, not title_done and not body_started)
            title_done = title_done or kind is _TITLE
        body_started = body_started or kind is _SENTENCE or kind is _BULLET_KIND
        units.append(SegmentUnit(start, end, kind))
    return units


def _may_hold_furniture(text: str, run: _Line) -> bool:
    """Whether a run of joined lines holds a phrase that a furniture sentence needs."""
    return rules.may_hold_furniture(text[run.start : run.run_end].lower())
