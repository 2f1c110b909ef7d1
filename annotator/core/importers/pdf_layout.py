"""Rebuilding clean paragraphs from the positioned text runs of a PDF (no pypdf, no I/O here).

Rules, in order:
- Furniture: a line among the top or bottom 3 lines of a page is dropped when it is a bare
  page number ("3", "- 3 -", "Page 3 of 10", "iv"), or, in documents of 3+ pages with text,
  when its text with digits ignored ("Page 3" = "Page 4") recurs at the same height (within
  half a line) and size among the top or bottom lines of at least half of the pages, or of 3
  pages, whichever is fewer: running heads may alternate between odd and even pages or change
  with each chapter. The same text elsewhere (a title on page 1) stays.
- Headings: lines at least 15% larger than the body text, or bold (when the body is not)
  after a finished line, stay on a line of their own; a heading wrapped over full-width lines
  of the same style is joined.
- Bullets: a line starting with a bullet glyph becomes a "- " item ("1." numbers are kept);
  a dash or a number counts only after a finished line or inside a list, since a wrapped line
  can start with "12." Consecutive items have no blank line between them; their wrapped lines
  are joined.
- Paragraph breaks (a blank line): a vertical gap clearly wider than the usual line pitch,
  a short line (under 60% of a full line, the last line of a paragraph), a first-line indent
  after a finished sentence, a short capitalised line without final punctuation after a
  finished sentence (an unstyled heading), and table of contents entries ("Outlook .... 4").
- A paragraph continues across a page or column break only when it stops mid-sentence and
  the next line starts in lower case.
- Joining lines: with a space. A line ending in a lower-case letter + "-" before a line
  starting in lower case loses the hyphen ("inter-" + "national"), unless the document spells
  the hyphenated word elsewhere ("well-known") or the part before already holds a hyphen;
  other line-end hyphens stay, without a space ("U.S.-" + "led"). A soft hyphen is dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median

from annotator.core.importers.document import join_blocks

_EDGE_LINES = 3
_RECURRING_PAGES = 3  # a running head recurring on this many pages is one, whatever the length
_HEADING_SCALE = 1.15
_SHORT_LINE = 0.6
_PAGE_NUMBER = re.compile(
    r"(?:(?i:page|p\.|pg\.?|seite|p[áa]gina|halaman)\s*)?(?:[-–—]\s*)?"
    r"(?:\d{1,4}|(?=[ivxlc])(?:x[cl]|l?x{0,3})(?:i[xv]|v?i{0,3}))(?:\s*[-–—])?"
    r"(?:\s*(?i:of|/|de|von|dari|sur)\s*\d{1,4})?"
)
_SURE_BULLET = re.compile(r"[•●○◦▪▫■□►▸‣⁃∙·*❖➢➤✓]\s*(?=\S)")
_MAYBE_BULLET = re.compile(r"(?:[-–—]|\d{1,3}[.)]|\(\d{1,3}\)|\(?[a-z]\)|\([ivx]{1,4}\))\s+(?=\S)")
_GLYPH_ONLY = re.compile(r"[•●○◦▪▫■□►▸‣⁃∙·*❖➢➤✓]")
_LEADERS = re.compile(r"(?:\.\s?){3,}\s*\S{0,12}\d$")  # a table of contents entry
_CLOSERS = "\"'”’»)]"
_FINISHED = (".", "!", "?", ":", ";", "…")
_HYPHENS = ("-", "\u2010")
# Starting only at a word start and never backtracking keeps a huge "word" linear.
_HYPHENATED_WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]++(?:[-\u2010][^\W\d_]++)+")
_WORD = re.compile(r"[^\W\d_]+")
_LEFT_PART = re.compile(r"[^\W\d_](?:[\w\u2010-]*[^\W\d_])?$")
_CHARACTERS = str.maketrans(
    {
        "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
        "\uf0b7": "•", "\uf0a7": "▪", "\uf0a8": "□", "\uf0d8": "►", "\uf076": "❖", "\uf0fc": "✓",
    }
)  # fmt: skip
# Controls, zero-width marks and lone surrogates (pypdf decodes some fonts with
# "surrogatepass"; a surrogate cannot be stored as UTF-8).
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\ufffe\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


@dataclass
class Run:
    """A piece of text drawn in one go, in page coordinates turned to its reading direction."""

    text: str
    x: float
    y: float  # baseline height; grows upwards
    size: float  # effective font size, points
    bold: bool
    turn: int  # quarter turns of the baseline; -1 for any other angle
    line_start: bool  # the PDF moved to a new line before this run


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float
    bold: bool
    page: int


@dataclass
class _Block:
    kind: str  # "body" | "heading" | "bullet"
    parts: list[str]  # joined at the end: a long paragraph is not copied once per line
    x: float  # where its first line starts


def _clean(text: str) -> str:
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text.translate(_CHARACTERS))).strip()
    # A soft hyphen shows only at a line end, where `_Assembler.join` needs it.
    return text[:-1].replace("\xad", "") + text[-1:] if "\xad" in text else text


def _make_line(runs: list[Run], page: int) -> _Line:
    main = max(runs, key=lambda run: len(run.text.strip()))
    bold = all(run.bold for run in runs if any(ch.isalpha() for ch in run.text))
    text = _clean("".join(run.text for run in runs))
    return _Line(text, min(run.x for run in runs), main.y, main.size, bold, page)


def _page_lines(runs: list[Run], page: int) -> list[_Line]:
    """Lines in drawing order, keeping only text at the page's main angle."""
    weights: Counter[int] = Counter()
    for run in runs:
        if run.turn >= 0:
            weights[run.turn] += len(run.text.strip())
    if not weights:
        return []
    turn = weights.most_common(1)[0][0]
    lines: list[_Line] = []
    current: list[Run] = []
    for run in runs:
        if run.turn != turn:
            continue
        if current and (
            run.line_start or abs(run.y - current[0].y) > 0.5 * max(run.size, current[0].size)
        ):
            lines.append(_make_line(current, page))
            current = []
        current.append(run)
    if current:
        lines.append(_make_line(current, page))
    return [line for line in lines if line.text]


def _edge_indexes(lines: list[_Line]) -> list[int]:
    order = sorted(range(len(lines)), key=lambda index: -lines[index].y)
    return sorted(set(order[:_EDGE_LINES]) | set(order[-_EDGE_LINES:]))


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def _repeated(pages: list[list[_Line]], edges: list[list[int]]) -> set[tuple[int, int]]:
    """(page, line) of the header and footer lines that recur (see the module docstring)."""
    with_text = sum(1 for lines in pages if lines)
    needed = min(max(2, math.ceil(with_text / 2)), _RECURRING_PAGES)
    places: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    for page, lines in enumerate(pages):
        for index in edges[page]:
            places[_furniture_key(lines[index].text)].append((page, index))
    dropped: set[tuple[int, int]] = set()
    for where in places.values():
        if len({page for page, _ in where}) < needed:
            continue
        usual_y = median(pages[page][index].y for page, index in where)
        usual_size = median(pages[page][index].size for page, index in where)
        same_place = [
            (page, index)
            for page, index in where
            if abs(pages[page][index].y - usual_y) <= 0.5 * usual_size
            and abs(pages[page][index].size - usual_size) <= 0.2 * usual_size
        ]
        if len({page for page, _ in same_place}) >= needed:
            dropped.update(same_place)
    return dropped


def _drop_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    edges = [_edge_indexes(lines) for lines in pages]
    dropped = {
        (page, index)
        for page, lines in enumerate(pages)
        for index in edges[page]
        if _PAGE_NUMBER.fullmatch(lines[index].text)
    }
    if sum(1 for lines in pages if lines) >= 3:
        dropped |= _repeated(pages, edges)
    return [
        [line for index, line in enumerate(lines) if (page, index) not in dropped]
        for page, lines in enumerate(pages)
    ]


def _finished(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith(_FINISHED)


def _starts_lower(text: str) -> bool:
    return text[:1].islower()


def _starts_lower_or_digit(text: str) -> bool:
    return text[:1].islower() or text[:1].isdigit()


class _Assembler:
    """Measures the body text of a document, then turns its lines into blocks."""

    def __init__(self, lines: list[_Line]) -> None:
        sizes: Counter[float] = Counter()
        bold_chars = 0
        for line in lines:
            sizes[round(line.size, 1)] += len(line.text)
            bold_chars += len(line.text) if line.bold else 0
        self.body_size = sizes.most_common(1)[0][0]
        body = [line for line in lines if self._is_body_size(line)]
        self.body_bold = bold_chars * 2 > sum(sizes.values())
        gaps = [
            prev.y - line.y
            for prev, line in zip(body, body[1:], strict=False)
            if prev.page == line.page and 0 < prev.y - line.y < 3 * self.body_size
        ]
        self.pitch = median(gaps) if gaps else 1.2 * self.body_size
        lengths = sorted(len(line.text) for line in body)
        self.full_length = lengths[len(lengths) * 3 // 4] if len(lengths) >= 6 else None
        self.margins: dict[int, float] = {}
        for page in {line.page for line in body}:
            xs = Counter(round(line.x) for line in body if line.page == page)
            self.margins[page] = float(xs.most_common(1)[0][0])
        self.hyphenated: set[str] = set()
        self.words: set[str] = set()
        for line in lines:
            folded = line.text.casefold()
            found = _HYPHENATED_WORD.findall(folded)
            self.hyphenated.update(word.replace("\u2010", "-") for word in found)
            self.words.update(_WORD.findall(folded))

    def _is_body_size(self, line: _Line) -> bool:
        return abs(line.size - self.body_size) <= 0.1 * self.body_size

    def _short(self, line: _Line) -> bool:
        return self.full_length is not None and len(line.text) < _SHORT_LINE * self.full_length

    def _wide(self, line: _Line) -> bool:
        """Whether a line of any size fills the width, judged by characters times size."""
        if self.full_length is None:
            return True
        width = len(line.text) * line.size
        return width >= _SHORT_LINE * self.full_length * self.body_size

    def _paragraph_gap(self, prev: _Line, line: _Line) -> bool:
        return prev.y - line.y > 1.4 * self.pitch + 1

    def _moved_on(self, prev: _Line, line: _Line) -> bool:
        """A new page or column: the next line is not below the previous one."""
        return line.page != prev.page or prev.y - line.y < -0.5 * self.body_size

    def kind(self, line: _Line, prev: _Line | None, block: _Block | None) -> str:
        """The kind of `line`: "heading", "bullet" or "body" (see the module docstring)."""
        after_break = (
            prev is None
            or block is None
            or block.kind == "heading"
            or _finished(prev.text)
            or self._paragraph_gap(prev, line)
            or self._moved_on(prev, line)
        )
        if line.size >= _HEADING_SCALE * self.body_size:
            return "heading"
        if after_break and line.bold and not self.body_bold and not line.text.endswith((",", ";")):
            return "heading"
        in_list = after_break or (block is not None and block.kind == "bullet")
        if _SURE_BULLET.match(line.text) or (in_list and _MAYBE_BULLET.match(line.text)):
            return "bullet"
        return "body"

    def continues(
        self, prev: _Line, line: _Line, kind: str, block: _Block, after: _Line | None
    ) -> bool:
        """Whether `line` (of `kind`) carries on `block`, which `prev` ended."""
        gap = prev.y - line.y
        if kind != "body" or block.kind == "heading":
            same_style = abs(prev.size - line.size) <= 0.05 * line.size and prev.bold == line.bold
            return (
                kind == block.kind == "heading"
                and same_style
                and line.page == prev.page
                and 0 < gap <= 1.6 * line.size
                and (self._wide(prev) or _starts_lower(line.text))
            )
        if self._moved_on(prev, line):
            return not _finished(block.parts[-1]) and _starts_lower_or_digit(line.text)
        if self._paragraph_gap(prev, line) or _LEADERS.search(prev.text[-200:]):
            return False
        if self._short(prev) and (_finished(prev.text) or not _starts_lower(line.text)):
            return False
        if block.kind == "bullet":  # a wrapped item line hangs right of the bullet, or goes on
            hangs = line.x > block.x + 0.5 * self.body_size
            if not hangs:
                return not _finished(prev.text) and _starts_lower(line.text)
            return not _finished(prev.text) or not self._standalone(line, after)
        if not _finished(prev.text):
            return True
        return not self._indented(line) and not self._standalone(line, after)

    def _indented(self, line: _Line) -> bool:
        margin = self.margins.get(line.page)
        return margin is not None and 0.8 * self.body_size < line.x - margin < 8 * self.body_size

    def _standalone(self, line: _Line, after: _Line | None) -> bool:
        """A short capitalised line without final punctuation before a capitalised one."""
        if not self._short(line) or _finished(line.text) or line.text.endswith(","):
            return False
        starts = line.text[:1]
        follows = after is None or after.page != line.page or not _starts_lower(after.text)
        return (starts.isupper() or starts.isdigit()) and follows

    def join(self, before: str, after: str) -> tuple[str, str]:
        """How two lines of one paragraph meet: (`before` trimmed, what follows it)."""
        if before.endswith("\xad"):
            return before[:-1], after
        if before.endswith(_HYPHENS) and len(before) >= 2 and not before[-2].isspace():
            broken_word = before[-2].islower() and _starts_lower(after)
            if broken_word and not self._keeps_hyphen(before, after):
                return before[:-1], after
            return before, after
        if before.endswith(("—", "/")) and not before[-2:-1].isspace():
            return before, after
        return before, " " + after

    def _keeps_hyphen(self, before: str, after: str) -> bool:
        left_match = _LEFT_PART.search(before[-100:-1])  # words are short; lines may not be
        right_match = _WORD.match(after)
        if left_match is None or right_match is None:
            return True
        left, right = left_match.group().casefold(), right_match.group().casefold()
        if "-" in left or "\u2010" in left:
            return True  # already a compound: "state-of-the-" + "art"
        return f"{left}-{right}" in self.hyphenated and left + right not in self.words


def _start_block(kind: str, line: _Line) -> _Block:
    text = line.text
    if kind == "bullet" and (match := _SURE_BULLET.match(text) or re.match(r"[-–—]\s+", text)):
        text = "- " + text[match.end() :]
    return _Block(kind, [text], line.x)


def build_text(pages: list[list[Run]]) -> str:
    """The clean text of a document given the runs of each page; "" when there is none."""
    page_lines = _drop_furniture([_page_lines(runs, number) for number, runs in enumerate(pages)])
    lines = [line for page in page_lines for line in page]
    if not lines:
        return ""
    assembler = _Assembler(lines)
    blocks: list[_Block] = []
    prev: _Line | None = None
    glyph = ""
    for index, line in enumerate(lines):
        if _GLYPH_ONLY.fullmatch(line.text):
            glyph = line.text  # a bullet drawn apart from its text
            continue
        text = f"{glyph} {line.text}" if glyph else line.text
        line = _Line(text, line.x, line.y, line.size, line.bold, line.page)
        after = lines[index + 1] if index + 1 < len(lines) else None
        block = blocks[-1] if blocks else None
        kind = assembler.kind(line, prev, block)
        if (
            glyph == ""
            and prev is not None
            and block is not None
            and assembler.continues(prev, line, kind, block, after)
        ):
            block.parts[-1], joined = assembler.join(block.parts[-1], line.text)
            block.parts.append(joined)
        else:
            blocks.append(_start_block(kind, line))
        glyph = ""
        prev = line
    return join_blocks((b.kind, "".join(b.parts)) for b in blocks)


