"""The coverage rule (core.coverage) against its definition, for any units and spans."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.coverage import SKIPPED, Coverage, UnitIndex, count_covered
from annotator.core.segment import UnitKind


@st.composite
def units_and_spans(
    draw: st.DrawFn,
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """Sorted, non-overlapping units (some skipped) with gaps, and spans anywhere over them."""
    units: list[tuple[int, int, str]] = []
    position = draw(st.integers(0, 3))
    for _ in range(draw(st.integers(0, 12))):
        length = draw(st.integers(1, 6))
        kind = draw(st.sampled_from(["sentence", "heading", SKIPPED]))
        units.append((position, position + length, kind))
        position += length + draw(st.integers(0, 3))
    spans = draw(
        st.lists(
            st.tuples(st.integers(0, position + 2), st.integers(1, 30)).map(
                lambda pair: (pair[0], pair[0] + pair[1])
            ),
            max_size=10,
        )
    )
    return units, spans


def covers(span: tuple[int, int], unit: tuple[int, int, str]) -> bool:
    return span[0] <= unit[0] and unit[1] <= span[1]


def test_skipped_is_the_segmenter_kind() -> None:
    assert SKIPPED == UnitKind.SKIPPED


@settings(max_examples=300, deadline=None)
@given(units_and_spans())
def test_covered_is_the_definition(
    case: tuple[list[tuple[int, int, str]], list[tuple[int, int]]],
) -> None:
    units, spans = case
    index = UnitIndex(units)
    assert len(index) == len(units)
    for span in spans:
        expected = [i for i, unit in enumerate(units) if covers(span, unit)]
        assert list(index.covered(*span)) == expected


@settings(max_examples=300, deadline=None)
@given(units_and_spans(), st.data())
def test_counts_agree_with_the_definition(
    case: tuple[list[tuple[int, int, str]], list[tuple[int, int]]], data: st.DataObject
) -> None:
    units, spans = case

    def expected(current: list[tuple[int, int]]) -> int:
        return sum(
            1 for unit in units if unit[2] != SKIPPED and any(covers(s, unit) for s in current)
        )

    assert count_covered(units, spans) == expected(spans)
    coverage = Coverage(units)
    assert coverage.total == sum(1 for unit in units if unit[2] != SKIPPED)
    for span in spans:
        coverage.add(*span, +1)
    assert coverage.tagged == expected(spans)
    # Take spans away again, in any order: the count follows.
    remaining = list(spans)
    for position in data.draw(st.permutations(range(len(spans)))):
        coverage.add(*spans[position], -1)
        remaining.remove(spans[position])
        assert coverage.tagged == expected(remaining)
    assert coverage.counts == [0] * len(units)
