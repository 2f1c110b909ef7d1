"""Scoring of sentence-unit boundaries against gold units (the corpus README's rules).

A boundary is the end offset of a unit after its trailing whitespace is stripped. A gold end that
a predicted unit also ends at is a true positive; a gold end no predicted unit ends at is a false
negative; a predicted end strictly inside a gold unit is a false positive. Predicted ends in text
the gold leaves out (banners, captions, footers...) are ignored. Offsets are code points.
"""

from __future__ import annotations

import textwrap
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["BoundaryScore", "hard_wrap", "score_boundaries"]


class BoundaryScore(NamedTuple):
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int


def _stripped_spans(spans: Iterable[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    out = []
    for start, end in spans:
        while end > start and text[end - 1].isspace():
            end -= 1
        out.append((start, end))
    return out


def score_boundaries(
    gold: list[tuple[int, int]], predicted: list[tuple[int, int]], text: str
) -> BoundaryScore:
    """Precision, recall, F1, TP, FP, FN of predicted unit ends; spans are code-point offsets.

    An empty side counts as perfect precision (no predictions) or perfect recall (no gold);
    F1 is 0.0 when both precision and recall are 0.
    """
    gold_spans = sorted(_stripped_spans(gold, text))
    gold_ends = {end for _start, end in gold_spans}
    predicted_ends = {end for _start, end in _stripped_spans(predicted, text)}
    starts = [start for start, _end in gold_spans]
    tp = len(gold_ends & predicted_ends)
    fn = len(gold_ends - predicted_ends)
    fp = 0
    for end in predicted_ends - gold_ends:
        index = bisect_right(starts, end - 1) - 1  # the last gold unit starting before `end`
        if index >= 0 and gold_spans[index][0] < end < gold_spans[index][1]:
            fp += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BoundaryScore(precision, recall, f1, tp, fp, fn)


def hard_wrap(
    text: str, width: int, spans: list[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """`text` with every line longer than `width` wrapped, and `spans` moved onto it.

    Offsets are code points. Only whitespace changes, so each span keeps its characters: its
    start moves onto its first character and its end (trailing whitespace stripped) to just
    after its last. Used to check that line breaks decide nothing by themselves.
    """
    wrapped = "\n".join(
        textwrap.fill(line, width) if len(line) > width else line for line in text.split("\n")
    )
    moved = [0] * (len(text) + 1)
    new = 0
    for old, char in enumerate(text):
        if not char.isspace():
            new = wrapped.index(char, new)
            moved[old] = new
            new += 1
        else:
            moved[old] = new
    moved[len(text)] = len(wrapped)
    moved_spans = [
        (moved[start], moved[end - 1] + 1 if end > start else moved[start])
        for start, end in _stripped_spans(spans, text)
    ]
    return wrapped, moved_spans
