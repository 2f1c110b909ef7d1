"""The HTML report's text: each line a paragraph, each annotated stretch a highlight.

The text is cut at every annotation boundary and line break into segments. A segment that
annotations cover is a <mark> whose title lists their numbers ("#3, #5", in number order),
underlined (class "multi") when there are several, and coloured by a CSS class (`Palette`): one
tag colour as a plain background, several as horizontal bands in the order of the tag list, so
that the same tags always look the same. A superscript number marks where each annotation
starts; it links to the annotation's row in the table and its title says what the annotation is
("#number tags — author"). An empty annotation gets its number and covers nothing.

Each annotation's details are written once (its number's title, its table row), not in the
title of every highlight it covers: at about a dozen annotations over each stretch of a densely
annotated text, those titles were nearly half of the report (issue 15).

This is the report's hot loop (one turn per segment, about two per annotation), so the state of
the covering annotations is kept up to date as they start and end rather than recomputed: their
numbers in a dict in number order, and a count per "kind" (the colours of an annotation's tags)
from which the colour class follows.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from html import escape
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

from annotator.core.dataset import AnnotationRow, TagRow

NO_COLOUR = "#999999"
ALPHA = "59"  # about 35% opacity: the text stays readable under the highlight
_BLANK = b'<p class="blank"></p>'
_OPEN = b'<p dir="auto">'
_NEXT_BLANK = b"\n" + _BLANK
_NEXT_OPEN = b"\n" + _OPEN
# What html.escape changes; and that or a line break (which ends a paragraph).
_ESCAPED = re.compile("[&<>\"']")
_SPECIAL = re.compile("[&<>\"'\n]")
_PIECES = 8192  # pieces of HTML per chunk


def special_positions(text: str, breaks: bool = True) -> list[int]:
    """Where `text` has a character that html.escape changes (or, with `breaks`, a line
    break), then len(text) + 1 (an end marker): text[p:q] needs escaping only when one of
    these lies in range(p, q)."""
    pattern = _SPECIAL if breaks else _ESCAPED
    return [m.start() for m in pattern.finditer(text)] + [len(text) + 1]


class Palette:
    """The report's colours as CSS classes, shared by its documents.

    "c<i>": the i-th distinct tag colour (tag list order, then the colour of tags without one),
    for the legend, the table and highlights of one colour; defined in the head (`rules`).
    "g<i>": a set of several colours as bands, made when a highlight first needs it and defined
    after the text of that document (`take_pending`).
    """

    def __init__(self, colours: dict[str, str]) -> None:
        self.colours = colours  # tag name -> "#RRGGBB"
        self.index: dict[str, int] = {}
        for colour in (*colours.values(), NO_COLOUR):
            self.index.setdefault(colour, len(self.index))
        self._of_mask: dict[int, str] = {}
        self._gradients = 0
        self._pending: list[str] = []

    def rules(self) -> str:
        return "\n".join(
            f".c{index} {{ background-color: {colour}{ALPHA}; }}"
            for colour, index in self.index.items()
        )

    def of_tag(self, name: str) -> str:
        """The class of a tag's colour."""
        return f"c{self.index[self.colours.get(name, NO_COLOUR)]}"

    def mask(self, names: tuple[str, ...]) -> int:
        """The set of the colours of these tags, bit i for colour i."""
        mask = 0
        for name in names:
            mask |= 1 << self.index[self.colours.get(name, NO_COLOUR)]
        return mask

    def of_mask(self, mask: int) -> str:
        """The class of a highlight showing the colours in `mask`; none shows as NO_COLOUR."""
        found = self._of_mask.get(mask)
        if found is None:
            if not mask:
                found = self.of_mask(1 << self.index[NO_COLOUR])
            else:
                colours = [c for c, i in self.index.items() if mask >> i & 1]
                if len(colours) == 1:
                    found = f"c{self.index[colours[0]]}"
                else:
                    found = f"g{self._gradients}"
                    self._gradients += 1
                    step = 100 / len(colours)
                    bands = ", ".join(
                        f"{c}{ALPHA} {i * step:.4g}% {(i + 1) * step:.4g}%"
                        for i, c in enumerate(colours)
                    )
                    self._pending.append(
                        f".{found} {{ background-image: linear-gradient(180deg, {bands}); }}"
                    )
            self._of_mask[mask] = found
        return found

    def take_pending(self) -> str:
        """A <style> element defining the classes made since the last call ("" if none)."""
        if not self._pending:
            return ""
        rules, self._pending = self._pending, []
        return "<style>\n" + "\n".join(rules) + "\n</style>\n"


def _boundaries(text: str, *positions: list[int]) -> list[int]:
    """0, the end of `text`, each line break's start and end, and the given positions within
    the text: sorted, each once (marked in a table of the text's positions, then read back)."""
    size = len(text)
    marked = bytearray(size + 2)  # one past the end: the lists' end markers land there
    mark = marked.__setitem__
    for found in positions:
        deque(map(mark, found, repeat(1)), maxlen=0)
    breaks = [m.start() for m in re.finditer("\n", text)]
    deque(map(mark, breaks, repeat(1)), maxlen=0)
    deque(map(mark, map((1).__add__, breaks), repeat(1)), maxlen=0)
    marked[0] = marked[size] = 1
    return list(compress(range(size + 1), marked))


class Highlighter:
    """One document's text as paragraphs with highlights, in UTF-8, a chunk at a time.

    Its annotations are read once, here, for the table too: each one's tags cell (made by
    `tag_cell`) and author cell, and how many times each tag is used (for the legend).
    """

    def __init__(
        self,
        palette: Palette,
        annotations: list[AnnotationRow],
        tag_cell: Callable[[tuple[TagRow, ...]], bytes],
    ) -> None:
        # Annotations are known by their number ("#" in the table, from 1), in the given order.
        self.palette = palette
        self.in_order = True  # numbered in the order of their starts (set by `_sweep_lists`)
        self.starts = [-1]
        self.starts += map(itemgetter(1), annotations)
        self.ends = [-1]
        self.ends += map(itemgetter(2), annotations)
        self.ids = [-1]  # each annotation's id: its table row is "a-<id>"
        self.ids += map(itemgetter(3), annotations)
        self.kind_masks: list[int] = []  # the colours of each kind of annotation
        self._kind_of_mask: dict[int, int] = {}
        self._lines: dict[tuple[str, ...], dict[str, tuple[bytes, bytes]]] = {}
        # Each distinct set of tags: [its cell, its kind, its tag names, the line of the title
        # and author cell for each author, how many annotations have it].
        groups: dict[tuple[TagRow, ...], list[Any]] = {}
        # Per annotation: (its part of a title after its number, its kind, its tags cell, its
        # author cell), one tuple for each distinct set of tags and author.
        made: list[tuple[bytes, int, bytes, bytes]] = [(b"", 0, b"", b"")]
        add = made.append
        for tags, author in zip(
            map(itemgetter(12), annotations), map(itemgetter(4), annotations), strict=True
        ):
            group = groups.get(tags)
            if group is None:
                group = groups[tags] = self._group(tags, tag_cell)
            group[4] += 1
            found = group[3].get(author)
            if found is None:
                found = group[3][author] = self._made(group, author)
            add(found)
        self.suffixes = list(map(itemgetter(0), made))
        self.kinds = list(map(itemgetter(1), made))
        self.tag_cells = list(map(itemgetter(2), made))
        self.author_cells = list(map(itemgetter(3), made))
        self.tag_counts: dict[str, int] = {}
        for tags, group in groups.items():
            for name, _fields, _suggested in tags:
                self.tag_counts[name] = self.tag_counts.get(name, 0) + group[4]

    def _group(
        self, tags: tuple[TagRow, ...], tag_cell: Callable[[tuple[TagRow, ...]], bytes]
    ) -> list[Any]:
        names = tuple(tag[0] for tag in tags)
        mask = self.palette.mask(names)
        kind = self._kind_of_mask.setdefault(mask, len(self._kind_of_mask))
        if kind == len(self.kind_masks):
            self.kind_masks.append(mask)
        return [tag_cell(tags), kind, names, {}, 0]

    def _made(self, group: list[Any], author: str) -> tuple[bytes, int, bytes, bytes]:
        lines = self._lines.setdefault(group[2], {})
        line = lines.get(author)
        if line is None:
            text = f" {', '.join(group[2]) or '(no tag)'} — {author}"
            line = lines[author] = (
                escape(" ".join(text.splitlines())).encode(),  # one line of the title
                escape(author).encode(),
            )
        return line[0], group[1], group[0], line[1]

    def _sweep_lists(self, size: int) -> tuple[list[int], list[int], list[int], list[int]]:
        """The numbers of the annotations that start within the text, by start (then number),
        and their starts; those that end within it, by end, and their ends. Each list of
        positions ends with a marker past the text."""
        starts, ends = self.starts, self.ends
        numbers = range(1, len(starts))
        self.in_order = starts == sorted(starts)
        by_start: list[int] = (
            list(numbers) if self.in_order else sorted(numbers, key=starts.__getitem__)
        )
        by_end = sorted(numbers, key=ends.__getitem__)
        if not by_start or starts[by_start[0]] < 0 or starts[by_start[-1]] > size:
            by_start = [n for n in by_start if 0 <= starts[n] <= size]
        if not by_end or ends[by_end[0]] < 0 or ends[by_end[-1]] > size:
            by_end = [n for n in by_end if 0 <= ends[n] <= size]
        past = size + 1
        if len(by_start) == len(numbers) and self.in_order:
            start_at = starts[1:]
            start_at.append(past)
        else:
            start_at = [*map(starts.__getitem__, by_start), past]
        return by_start, start_at, by_end, [*map(ends.__getitem__, by_end), past]

    def _classes(self, kinds_on: int) -> tuple[bytes, bytes]:
        """The class attribute of a highlight covered by annotations of these kinds (bit k:
        kind k), when one annotation covers it and when several do."""
        mask = 0
        for kind, kind_mask in enumerate(self.kind_masks):
            if kinds_on >> kind & 1:
                mask |= kind_mask
        css = self.palette.of_mask(mask).encode()
        return css, css + b" multi"

    def chunks(self, text: str, specials: list[int]) -> Iterator[tuple[bytes, int]]:
        """The paragraphs as UTF-8 HTML in pieces, each with the number of annotations started
        so far; `specials` is `special_positions(text)`."""
        size = len(text)
        start_numbers, start_at, end_numbers, end_at = self._sweep_lists(size)
        ordered = _boundaries(text, start_at, end_at)
        ends, suffixes, kinds, ids = self.ends, self.suffixes, self.kinds, self.ids
        kind_bits = [1 << kind for kind in range(len(self.kind_masks))]
        counts = [0] * len(kind_bits)
        classes: dict[int, tuple[bytes, bytes]] = {}  # kinds_on -> `_classes(kinds_on)`

        # Numbered in start order (the usual case), an annotation that starts comes after those
        # already covering, and the title only grows until one ends.
        in_order = self.in_order
        active: dict[int, bytes] = {}  # number -> its part of the title, in number order
        kinds_on = 0  # bit k: an active annotation is of kind k
        title = b""
        title_known = True  # title lists `active`
        changed = True  # `active` changed since css was set
        css = b""
        si = ei = 0
        next_start, next_end = start_at[0], end_at[0]
        # The HTML so far, in pieces. buf[opening] is where the current paragraph starts: its
        # <p> (after a line break, unless it is the first) or, if it stays empty, a blank one;
        # -1 once it is sent, because a chunk was sent before its end.
        buf: list[bytes] = [b""]
        append = buf.append
        opening, first = 0, True
        breaks = special = 0
        join = b", ".join
        next_special = specials[0]
        pieces, open_first, open_next = _PIECES, _OPEN, _NEXT_OPEN
        p = 0
        for q in ordered[1:]:
            while next_end == p:
                number = end_numbers[ei]
                ei += 1
                next_end = end_at[ei]
                entry = active.pop(number, None)
                if entry is not None:
                    kind = kinds[number]
                    left = counts[kind] - 1
                    counts[kind] = left
                    if not left:
                        kinds_on ^= kind_bits[kind]
                    if title_known and in_order:  # take its number out of the title
                        if title == entry:
                            title = b""
                        elif title.startswith(entry + b", "):
                            title = title[len(entry) + 2 :]
                        elif title.endswith(b", " + entry):
                            title = title[: -len(entry) - 2]
                        else:  # "#n" is followed by ", " or the end: never part of another
                            title = title.replace(b", %s, " % entry, b", ", 1)
                    else:
                        title_known = False
                    changed = True
            while next_start == p:
                number = start_numbers[si]
                si += 1
                next_start = start_at[si]
                append(
                    b'<sup class="ref"><a href="#a-%d" title="#%d%s">%d</a></sup>'
                    % (ids[number], number, suffixes[number], number)
                )
                if ends[number] > p:  # an empty annotation covers nothing
                    entry = active[number] = b"#%d" % number
                    kind = kinds[number]
                    had = counts[kind]
                    counts[kind] = had + 1
                    if not had:
                        kinds_on |= kind_bits[kind]
                    if title_known and in_order:
                        title = b"%s, %s" % (title, entry) if title else entry
                    else:
                        title_known = False
                    changed = True
            segment = text[p:q]
            while next_special < p:
                special += 1
                next_special = specials[special]
            if next_special < q:
                if segment == "\n":
                    if opening < 0:
                        append(b"</p>")
                    elif len(buf) > opening + 1:
                        buf[opening] = open_first if first else open_next
                        append(b"</p>")
                    else:
                        buf[opening] = _BLANK if first else _NEXT_BLANK
                    first = False
                    breaks += 1
                    if len(buf) >= pieces:
                        yield b"".join(buf), si
                        buf = []
                        append = buf.append
                    opening = len(buf)
                    append(b"")
                    p = q
                    continue
                segment = escape(segment)
            if active:
                if changed:
                    if not title_known:
                        title = join(
                            active.values() if in_order else map(active.__getitem__, sorted(active))
                        )
                        title_known = True
                    pair = classes.get(kinds_on)
                    if pair is None:
                        pair = classes[kinds_on] = self._classes(kinds_on)
                    css = pair[len(active) > 1]
                    changed = False
                append(b'<mark class="%s" title="%s">%s</mark>' % (css, title, segment.encode()))
            else:
                append(segment.encode())
            if len(buf) >= pieces:  # a paragraph longer than a chunk
                if opening >= 0:
                    buf[opening] = open_first if first else open_next
                    opening = -1
                yield b"".join(buf), si
                buf = []
                append = buf.append
            p = q
        if opening < 0:
            append(b"</p>")
        elif len(buf) > opening + 1:
            buf[opening] = _OPEN if first else _NEXT_OPEN
            append(b"</p>")
        elif not breaks:
            buf[opening] = _BLANK
        # else: the text's final line break opens no new line
        yield b"".join(buf), si
