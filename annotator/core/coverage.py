"""Which units a span covers: the one rule behind unit tags, progress counts, datasets and review.

A span covers a unit when it contains the whole unit: span.start <= unit.start and
unit.end <= span.end (offsets in code points, end exclusive). A document's units are sorted and
never overlap, so the units one span covers are consecutive and `UnitIndex.covered` finds them
with two binary searches. Units of kind "skipped" (boilerplate) are covered like any other unit
but never count as read.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

SKIPPED = "skipped"  # the kind of a boilerplate unit (segment.UnitKind.SKIPPED)


class UnitIndex:
    """A document's units (sorted, not overlapping), searchable by span."""

    __slots__ = ("ends", "starts")

    def __init__(self, units: Iterable[Sequence[object]]) -> None:
        """`units`: (start, end, ...) tuples in document order."""
        self.starts: list[int] = []
        self.ends: list[int] = []
        for unit in units:
            start, end = unit[0], unit[1]
            assert isinstance(start, int) and isinstance(end, int)
            self.starts.append(start)
            self.ends.append(end)

    def __len__(self) -> int:
        return len(self.starts)

    def covered(self, start: int, end: int) -> range:
        """The indices of the units that the span start..end covers entirely."""
        first = bisect_left(self.starts, start)
        return range(first, max(first, bisect_right(self.ends, end)))


def count_covered(
    units: Sequence[tuple[int, int, str]], spans: Iterable[tuple[int, int]]
) -> int:
    """How many units that are read (not skipped) at least one of `spans` covers."""
    index = UnitIndex(units)
    covered = bytearray(len(units))
    for start, end in spans:
        for position in index.covered(start, end):
            covered[position] = 1
    return sum(1 for position, flag in enumerate(covered) if flag and units[position][2] != SKIPPED)


class Coverage:
    """How many spans cover each unit, kept up to date span by span (the open document's
    progress: units tagged out of units read, without a query per keystroke)."""

    def __init__(self, units: Sequence[tuple[int, int, str]]) -> None:
        self.units = units
        self.index = UnitIndex(units)
        self.counts = [0] * len(units)
        self.total = sum(1 for _start, _end, kind in units if kind != SKIPPED)
        self.tagged = 0

    def add(self, start: int, end: int, delta: int) -> None:
        """Count the span start..end once more (delta +1) or once less (delta -1)."""
        counts = self.counts
        for position in self.index.covered(start, end):
            before = counts[position]
            counts[position] = before + delta
            if self.units[position][2] != SKIPPED:
                if before == 0 and delta > 0:
                    self.tagged += 1
                elif before + delta == 0 and delta < 0:
                    self.tagged -= 1
