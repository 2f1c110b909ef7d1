"""Plain-Python indexes behind the reader: units, painted annotations, word edges.

All offsets are Python `str` code points, end exclusive. No Qt here, so that the lookups the
reader makes on every paint and every mouse move can be tested and timed on their own.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from annotator.core.coverage import SKIPPED


class PaintedAnnotation(NamedTuple):
    """What the reader needs to paint one annotation (offsets in code points)."""

    id: int
    start: int
    end: int
    tags: tuple[str, ...]
    author: str = ""

    @property
    def length(self) -> int:
        return self.end - self.start


class AnnotationChange(NamedTuple):
    """What one update_annotations call did: old versions out, new versions in."""

    removed: tuple[PaintedAnnotation, ...]
    added: tuple[PaintedAnnotation, ...]


class AnnotationIndex:
    """Annotations sorted by start, answering "which overlap [a, b)?" in O(log n + k).

    Spans up to `LONG` code points sit in one sorted list searched from `a - LONG`; the few
    longer ones (a whole section, say) sit apart and are checked one by one.
    """

    LONG = 2048

    def __init__(self, annotations: Iterable[PaintedAnnotation] = ()) -> None:
        self._by_id: dict[int, PaintedAnnotation] = {}
        self._keys: list[tuple[int, int, int]] = []  # (start, end, id) of the short ones
        self._long: dict[int, PaintedAnnotation] = {}
        self.replace_all(annotations)

    def replace_all(self, annotations: Iterable[PaintedAnnotation]) -> None:
        self._by_id = {a.id: a for a in annotations}
        self._long = {i: a for i, a in self._by_id.items() if a.length > self.LONG}
        self._keys = sorted(
            (a.start, a.end, a.id) for a in self._by_id.values() if a.length <= self.LONG
        )

    def extend(self, annotations: Sequence[PaintedAnnotation]) -> None:
        """Add many annotations not indexed yet (those after the first screen): appended when
        they all sort after the indexed ones, else merged in one sort."""
        keys = sorted((a.start, a.end, a.id) for a in annotations if a.length <= self.LONG)
        for annotation in annotations:
            self._by_id[annotation.id] = annotation
            if annotation.length > self.LONG:
                self._long[annotation.id] = annotation
        if keys and self._keys and keys[0] < self._keys[-1]:
            self._keys = sorted(self._keys + keys)
        else:
            self._keys.extend(keys)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[PaintedAnnotation]:
        """Every annotation, by start then end."""
        return iter(sorted(self._by_id.values(), key=lambda a: (a.start, a.end, a.id)))

    def unordered(self) -> Iterator[PaintedAnnotation]:
        return iter(self._by_id.values())

    def get(self, annotation_id: int) -> PaintedAnnotation | None:
        return self._by_id.get(annotation_id)

    def upsert(self, annotation: PaintedAnnotation) -> PaintedAnnotation | None:
        """Add or replace `annotation`; returns the version it replaced, if any."""
        old = self.remove(annotation.id)
        self._by_id[annotation.id] = annotation
        if annotation.length > self.LONG:
            self._long[annotation.id] = annotation
        else:
            insort(self._keys, (annotation.start, annotation.end, annotation.id))
        return old

    def remove(self, annotation_id: int) -> PaintedAnnotation | None:
        old = self._by_id.pop(annotation_id, None)
        if old is None:
            return None
        if self._long.pop(annotation_id, None) is None:
            key = (old.start, old.end, old.id)
            index = bisect_left(self._keys, key)
            if index < len(self._keys) and self._keys[index] == key:
                del self._keys[index]
        return old

    def overlapping(self, start: int, end: int) -> list[PaintedAnnotation]:
        """Annotations sharing at least one code point with [start, end), by start then end."""
        keys = self._keys
        first = bisect_left(keys, (start - self.LONG,))
        last = bisect_left(keys, (end,))
        found = [self._by_id[k[2]] for k in keys[first:last] if k[1] > start]
        if self._long:
            found.extend(a for a in self._long.values() if a.start < end and a.end > start)
            found.sort(key=lambda a: (a.start, -a.end, a.id))
        return found

    def step(self, key: tuple[int, ...], *, forward: bool) -> PaintedAnnotation | None:
        """The annotation whose (start, end, id) comes first after `key` (forward) or last
        before it, in O(log n) (plus the few long ones); None past either end. `key` may be
        shorter, (start,) say: tuples compare item by item."""
        keys = self._keys
        if forward:
            index = bisect_right(keys, key)
            found = keys[index] if index < len(keys) else None
        else:
            index = bisect_left(keys, key) - 1
            found = keys[index] if index >= 0 else None
        for annotation in self._long.values():
            candidate = (annotation.start, annotation.end, annotation.id)
            after, before = (candidate, key) if forward else (key, candidate)
            if after > before and (found is None or (candidate < found) == forward):
                found = candidate
        return self._by_id[found[2]] if found is not None else None

    def at(self, cp: int) -> list[PaintedAnnotation]:
        """Annotations containing code point `cp`, innermost (shortest) first."""
        return sorted(self.overlapping(cp, cp + 1), key=lambda a: (a.length, -a.start, -a.id))

    def covers(self, start: int, end: int) -> bool:
        """True when one annotation spans all of [start, end)."""
        keys = self._keys
        index = bisect_right(keys, (start, 1 << 62, 1 << 62))
        while index > 0:
            index -= 1
            a_start, a_end, _id = keys[index]
            if a_start < start - self.LONG:
                break
            if a_end >= end:
                return True
        return any(a.start <= start and a.end >= end for a in self._long.values())


class UnitIndex:
    """Sentence units sorted by start; `skipped` (boilerplate) ones are never selected."""

    def __init__(self, units: Sequence[tuple[int, int, str]] = ()) -> None:
        ordered = sorted(units, key=lambda u: (u[0], u[1]))
        self.starts = [u[0] for u in ordered]
        self.ends = [u[1] for u in ordered]
        self.kinds = [u[2] for u in ordered]

    def __len__(self) -> int:
        return len(self.starts)

    def span(self, index: int) -> tuple[int, int]:
        return self.starts[index], self.ends[index]

    def selectable(self, index: int) -> bool:
        return self.kinds[index] != SKIPPED

    def at(self, cp: int) -> int | None:
        """The unit containing code point `cp`."""
        index = bisect_right(self.starts, cp) - 1
        if index >= 0 and cp < self.ends[index]:
            return index
        return None

    def first_selectable(self, begin: int = 0) -> int | None:
        """The first selectable unit at index >= begin."""
        for index in range(max(begin, 0), len(self.starts)):
            if self.kinds[index] != SKIPPED:
                return index
        return None

    def last_selectable(self, begin: int | None = None) -> int | None:
        """The last selectable unit at index <= begin (default: the last unit)."""
        index = len(self.starts) - 1 if begin is None else min(begin, len(self.starts) - 1)
        while index >= 0:
            if self.kinds[index] != SKIPPED:
                return index
            index -= 1
        return None

    def next_after(self, cp: int) -> int | None:
        """The first selectable unit starting at or after `cp`."""
        return self.first_selectable(bisect_left(self.starts, cp))

    def previous_before(self, cp: int) -> int | None:
        """The last selectable unit ending at or before `cp`."""
        return self.last_selectable(bisect_right(self.ends, cp) - 1)


_JOINERS = frozenset("'\u2019.,-\u2010\u2011")  # inside "don't", "3.5", "1,000", "well-known"


def _is_word_char(ch: str) -> bool:
    if ch.isalnum() or ch in "_\u200c\u200d":
        return True
    # Combining marks (Arabic harakat, accents) and emoji modifiers belong to their base.
    return unicodedata.category(ch)[0] == "M" or "\U0001f3fb" <= ch <= "\U0001f3ff"


def _inside_word(text: str, boundary: int) -> bool:
    """True when `boundary` (between text[boundary-1] and text[boundary]) cuts a word."""
    if boundary <= 0 or boundary >= len(text):
        return False
    before, after = text[boundary - 1], text[boundary]
    if _is_word_char(before) and _is_word_char(after):
        return True
    if after in _JOINERS:
        return (
            _is_word_char(before) and boundary + 1 < len(text)
            and _is_word_char(text[boundary + 1])
        )
    if before in _JOINERS:
        return _is_word_char(after) and boundary >= 2 and _is_word_char(text[boundary - 2])
    return False


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Widen [start, end) to whole words, then trim whitespace; None if nothing is left."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    while start > 0 and _inside_word(text, start):
        start -= 1
    while end < len(text) and _inside_word(text, end):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def word_at(text: str, cp: int) -> tuple[int, int] | None:
    """The word (or single non-space character) containing code point `cp`."""
    if not 0 <= cp < len(text) or text[cp].isspace():
        return None
    return snap_to_words(text, cp, cp + 1)


def _word_end_at(text: str, boundary: int) -> bool:
    return 0 < boundary <= len(text) and _is_word_char(text[boundary - 1]) and not _inside_word(
        text, boundary
    )


def _word_start_at(text: str, boundary: int) -> bool:
    return 0 <= boundary < len(text) and _is_word_char(text[boundary]) and not _inside_word(
        text, boundary
    )


_CLOSING = frozenset(".,;:!?%)]}\"'\u2019\u201d\u00bb\u2026\u060c\u061b\u061f")
_OPENING = frozenset("([{\"'\u2018\u201c\u00ab$\u00a3\u20ac")


def _with_punctuation(text: str, boundary: int, word_end: bool) -> int:
    """Move a word edge over the punctuation stuck to the word ("hit." "42%," "(UN")."""
    if word_end:
        while boundary < len(text) and text[boundary] in _CLOSING:
            boundary += 1
    else:
        while boundary > 0 and text[boundary - 1] in _OPENING:
            boundary -= 1
    return boundary


def next_word_edge(text: str, cp: int, *, forward: bool, word_end: bool) -> int | None:
    """The nearest word end (or start) strictly after (or before) `cp`, if any.

    Punctuation attached to the word comes with it, so keyboard selections grow and shrink by
    whole words such as "hit." or "42%," and never stop mid-word.
    """
    at_edge = _word_end_at if word_end else _word_start_at
    step = 1 if forward else -1
    boundary = cp + step
    while 0 <= boundary <= len(text):
        if at_edge(text, boundary):
            edge = _with_punctuation(text, boundary, word_end)
            if (edge > cp) if forward else (edge < cp):
                return edge
        boundary += step
    return None
