"""Where sentences end inside a run of text: candidates, and the test of each one.

A candidate is a run of terminators (. ! ? … ؟ ۔ and CJK 。！？) with its closing quotes or
brackets, before whitespace or a footnote marker. It ends a sentence when a sentence can start
after it (a capital, a digit, a currency sign, possibly behind quotes, brackets or a
pictograph) and the word before the period is not an abbreviation, an initial, a section label
or shorthand inside an aside. Offsets are code points. Used by `annotator.core.segment`.
"""

from __future__ import annotations

import re

from annotator.core import abbreviations as lex
from annotator.core import segment_rules as rules

OPENERS = "\"'“‘«‹([¿¡「『"
_CURRENCY = "$€£¥"
SPACED_CLOSERS = "»›"
# Pictographs (emoji, dingbats, arrows, geometric shapes, and the few emoji scattered among
# punctuation and CJK symbols: ‼ ⁉ ℹ 〰 〽 ㊗ ㊙) and the marks that join them into one glyph
# (variation selectors, zero-width joiner, keycap). © ® ™ count only in emoji form, with U+FE0F.
_PICTO = (
    "\u203c\u2049\u2139\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u27f0-\u27ff"
    "\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
# One pictograph as drawn: a flag (two regional indicators), a keycap ("#️⃣", "1️⃣"), an emoji
# "©️", or a symbol with its modifiers (skin tone, variation selector, keycap, the tag
# characters of a subdivision flag) and zero-width-joined parts ("👍🏽", "⚠️", "👨‍👩‍👧").
ONE_PICTOGRAPH = (
    "(?:[\U0001f1e6-\U0001f1ff]{2}|[#*0-9]\ufe0f?\u20e3|[©®™]\ufe0f|[" + _PICTO + "]"
    "(?:[\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]|\u200d[" + _PICTO + "])*)"
)
# What may precede a sentence's first letter: pictographs with their spaces ("🔴 Houthi
# forces...", also across a line break), opening quotes and brackets (French guillemets with
# their space: "« Nous"), markdown emphasis and hashtags.
_SENTENCE_PREFIX = re.compile(
    f"(?:(?:{ONE_PICTOGRAPH})+\\s*|[«‹]\\s*|[{re.escape(OPENERS)}*#@]){{1,6}}"
)
_PICTOGRAPH = re.compile(ONE_PICTOGRAPH)
# Pictographs alone: "✅", "🚨 🚨".
PICTOGRAPHS = re.compile(f"(?:{ONE_PICTOGRAPH})+(?:\\s+(?:{ONE_PICTOGRAPH})+)*")
_LABEL = re.compile(r"[IVXLC]{1,5}|\d{1,3}|[^\W\d_]")
# A sentence-end candidate: terminators and closing quotes/brackets before whitespace (CJK
# terminators need no whitespace).
_CANDIDATE = re.compile(
    r"(?<![.!?…؟۔])[.!?…؟۔]++[\"'”’»›)\]]*+(?:(?=\s)|" + rules.MARK + r"(?=\s))"
    r"|(?<![。！？])[。！？]++[\"'”’»›)\]」』]*+"
)
# The same candidates found a terminator at a time: each pattern starts with its literal
# character, which the regex engine finds by a fast scan (a leading lookbehind or character
# class would make it try every position of the text).
_LATIN_RUN = (
    r"(?<![.!?…؟۔].)[.!?…؟۔]*+[\"'”’»›)\]]*+(?:(?=\s)|" + rules.MARK + r"(?=\s)"
    "|(?=" + ONE_PICTOGRAPH + "))"  # or a pictograph, unspaced: "closed.⚠️ Ships"
)
_CJK_RUN = r"(?<![。！？].)[。！？]*+[\"'”’»›)\]」』]*+(?P<mark>(?!))?"  # no marker after CJK
_CANDIDATE_BY_CHAR = tuple(
    (char, re.compile(re.escape(char) + (_CJK_RUN if char in "。！？" else _LATIN_RUN)))
    for char in ".!?…؟۔。！？"
)
_SPACES = re.compile(r"\s*")
LETTERS = re.compile(r"[^\W\d_]+")
_UP_TO_LAST_SPACE = re.compile(r"(?s).*\s")
_TOKEN_CHARS = re.compile(r"[^\s()\[\]]+")
_BRACKETS = (("(", ")"), ("[", "]"))
_INITIALISM = re.compile(r"(?:[^\W\d_]\.-?)+[^\W\d_]$")  # also "J.-P"
_ELISION = re.compile(r"(?:[cdjlmnstCDJLMNST]|[Qq]u)['’](?=[^\W\d_])")
_HAS_DIGIT = re.compile(r"[^\s\d]*\d")  # matched at a word: the word holds a digit


def candidates(text: str) -> list[tuple[int, int, int]]:
    """Sentence-end candidates of the whole text: (start, end, footnote mark start or -1)."""
    found: list[tuple[int, int, int]] = []
    kinds = 0
    for char, pattern in _CANDIDATE_BY_CHAR:
        if char in text:
            kinds += 1
            found += [(m.start(), m.end(), m.start("mark")) for m in pattern.finditer(text)]
    if kinds > 1:
        found.sort()
    return found


def find_breaks(
    text: str,
    start: int,
    end: int,
    candidates: list[tuple[int, int, int]],
    continued: bool = False,
) -> tuple[tuple[int, int], ...]:
    """Sentence ends inside text[start:end] as (end, next start); a footnote marker after a
    sentence end yields an empty end of its own, (mark, mark). A `continued` line goes on a
    sentence from the line above, so a number or letter opening it is no section label."""
    found: list[tuple[int, int]] = []
    floor = start
    labels = not continued
    for term_start, term_end, mark in candidates:
        if term_end >= end:
            continue  # a line's last sentence end is for _joins to judge
        if mark >= 0:
            # A footnote marker after a word's sentence end is a unit of its own.
            if term_start == start or not text[term_start - 1].isalpha():
                continue
            next_start = _skip_spaces(text, term_end, end)
            if next_start < end and is_boundary(text, term_start, mark, next_start, floor):
                found += [(mark, mark), (term_end, next_start)]
                floor = next_start
            continue
        next_start = _skip_spaces(text, term_end, end)
        if next_start < end and text[next_start] in SPACED_CLOSERS:  # French: « Fin. » Il
            term_end = next_start
            while term_end < end and text[term_end] in SPACED_CLOSERS:
                term_end += 1
            next_start = _skip_spaces(text, term_end, end)
        if next_start >= end or (
            next_start == term_end and _PICTOGRAPH.match(text, term_end) is None
        ):
            continue
        if is_boundary(text, term_start, term_end, next_start, floor, labels):
            found.append((term_end, next_start))
            floor = next_start
            labels = True
    return tuple(found)


def _skip_spaces(text: str, pos: int, end: int) -> int:
    match = _SPACES.match(text, pos, end)
    return match.end() if match else pos


def is_boundary(
    text: str, term_start: int, term_end: int, nxt: int, floor: int, labels: bool = True
) -> bool:
    """Whether a sentence ends with text[term_start:term_end] and the next starts at `nxt`;
    with `labels`, a number or letter opening the unit at `floor` is a section label."""
    if nxt >= len(text):
        return False
    first = text[nxt]
    if not first.isalnum():
        prefix = _SENTENCE_PREFIX.match(text, nxt)
        pos = prefix.end() if prefix is not None else nxt
        if pos >= len(text):
            return False
        first = text[pos]
    else:
        pos = nxt
    if not (first.isdigit() or (first.isalpha() and not first.islower()) or first in _CURRENCY):
        return False
    mark = text[term_start]
    run = text[term_start + 1] if term_start + 1 < term_end else ""
    if (mark == "…" or (mark == "." and run == ".")) and (
        term_start == 0 or text[term_start - 1] in "[( \t\n"
    ):
        return False  # an elision mark: "the attacks [...] Iran", "... Iran"
    if mark != "." or (run != "" and run in "!?…."):
        return True
    token, at_floor = _token_before(text, term_start, floor)
    if not token:
        return True
    if _in_parenthetical(text, term_start, term_end, floor):
        return False
    if at_floor and labels and _LABEL.fullmatch(token):
        return False  # a section label opening the unit: "IV. Findings", "2. Costs"
    if token in lex.NEVER_END:
        return False
    if token in lex.BEFORE_NUMBER:
        return not first.isdigit() and _HAS_DIGIT.match(text, pos) is None
    if len(token) == 1:
        return not token.isupper()  # a capital initial ("Carla E. Humud") never ends a sentence
    if token in lex.MAYBE_END or ("." in token and _INITIALISM.search(token)):
        if pos > nxt and _PICTOGRAPH.match(text, nxt) is not None:
            return True  # a pictograph opens a sentence: "at the U.S. 🔴 Houthi forces ..."
        word = LETTERS.match(text, pos)
        return word is not None and word.group() in lex.SENTENCE_STARTERS
    return True


def opens_with_starter(text: str, pos: int, end: int) -> bool:
    """Whether a line opens with a typical sentence starter ("The", "However").

    A starter with a period is an abbreviation instead: "No. 14 of 2019" goes on a sentence
    that a hard wrap cut after "under Law".
    """
    while pos < end and text[pos] in OPENERS:
        pos += 1
    word = LETTERS.match(text, pos, end)
    if word is None or word.group() not in lex.SENTENCE_STARTERS:
        return False
    return text[word.end() : word.end() + 1] != "."


def inside_brackets(text: str, unit_start: int, end: int) -> bool:
    """Whether the unit so far leaves a bracket open: "(see Annex" / "I and Annex II)."."""
    start = max(unit_start, end - 300)
    return text.rfind("(", start, end) > text.rfind(")", start, end) or text.rfind(
        "[", start, end
    ) > text.rfind("]", start, end)


def ends_with_abbreviation(text: str, begin: int, period: int) -> bool:
    """Whether the word before the period at `period` is an abbreviation that never ends a
    sentence or stands before a number ("approx.", "Gen.", "No.")."""
    token, _at_floor = _token_before(text, period, begin)
    return token in lex.NEVER_END or token in lex.BEFORE_NUMBER


def _in_parenthetical(text: str, term_start: int, term_end: int, floor: int) -> bool:
    """A period inside a short aside: "(alt. Ansar al-Bayt)", "[est. 2019]", "(Ret.)".

    Only a complete sentence ends inside brackets, and then the aside goes on to another
    sentence end before it closes; a period right after the opening bracket is shorthand.
    """
    window = max(floor, term_start - 200)
    for opener, closer in _BRACKETS:
        opening = text.rfind(opener, window, term_start)
        if opening < 0 or text.find(closer, opening, term_start) >= 0:
            continue
        one_word = _TOKEN_CHARS.fullmatch(text, opening + 1, term_start) is not None
        if text.find(closer, term_start, term_end) >= 0:
            # The aside closes at the period: a sentence, unless it is one short word
            # ("(Ret.)", where "(Applause.)" is a sentence).
            return one_word and term_start - opening <= 5
        if one_word:
            return True
        closing = text.find(closer, term_end, term_end + 100)
        return closing >= 0 and _CANDIDATE.search(text, term_end, closing + 2) is None
    return False


def _token_before(text: str, pos: int, floor: int) -> tuple[str, bool]:
    """The word before a period (opening quotes stripped), and whether it opens the unit."""
    limit = max(floor, pos - 40)
    start = text.rfind(" ", limit, pos) + 1 or limit
    token = text[start:pos]
    if not token.isprintable():  # another kind of space (tab, no-break space) is nearer
        space = _UP_TO_LAST_SPACE.match(text, start, pos)
        if space is not None:
            start = space.end()
            token = text[start:pos]
    token = token.lstrip(OPENERS)
    if "'" in token or "’" in token:
        elision = _ELISION.match(token)
        if elision is not None:
            token = token[elision.end() :]  # French "l'art." is "art."
    return token, start <= floor

