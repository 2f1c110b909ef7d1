"""Prefilled suggestions: what the sentence plainly states, nothing invented."""

from __future__ import annotations

import pytest

from annotator.core.fields import field_errors
from annotator.core.suggest import suggest_fields


@pytest.mark.parametrize(
    ("tag", "sentence", "expected"),
    [
        (
            "figure",
            "Alternate routes add approximately $1 million in fuel costs for each voyage.",
            {"value": 1_000_000, "unit": "USD", "figure_kind": "money",
             "qualifier": "approximately"},
        ),
        (
            "figure",
            "Shipping via the Red Sea accounts for approximately 10-15% of maritime trade.",
            {"unit": "%", "figure_kind": "percentage", "qualifier": "range",
             "range_low": 10, "range_high": 15},
        ),
        (
            "figure",
            "Container shipping had declined by approximately 90% since December 2023.",
            {"value": 90, "unit": "%", "figure_kind": "percentage", "qualifier": "approximately"},
        ),
        (
            "figure",
            "Armed groups have conducted at least 37 attacks on convoys.",
            {"value": 37, "unit": "attacks", "figure_kind": "count", "qualifier": "at_least"},
        ),
        (
            "figure",
            "Regional forces have deployed 1,200 additional personnel to checkpoints.",
            {"value": 1200, "unit": "personnel", "figure_kind": "count", "qualifier": "exact"},
        ),
        (
            "figure",
            "The coalition raised more than $440 million in stabilization pledges.",
            {"value": 440_000_000, "unit": "USD", "figure_kind": "money",
             "qualifier": "at_least"},
        ),
        (
            "assessment",
            "We judge with moderate confidence that force levels are insufficient.",
            {"confidence": "moderate", "judgment_holder": "We judge"},
        ),
        (
            "assessment",
            "An attack on the port itself remains very unlikely in the next three months.",
            {"likelihood": "very_unlikely"},
        ),
        (
            "assessment",
            "We assess that the Front will likely expand its operations.",
            {"likelihood": "likely", "judgment_holder": "We assess"},
        ),
        (
            "assessment",
            "The Front will almost certainly continue to target convoys.",
            {"likelihood": "almost_certain"},
        ),
        (
            "claim",
            "The Ministry of Transport said on January 9, 2025, that night convoys stopped.",
            {"attributed_to": "The Ministry of Transport", "event_date": "2025-01-09"},
        ),
        (
            "claim",
            "Local authorities reported that 14 drivers were killed.",
            {"attributed_to": "Local authorities"},
        ),
    ],
)
def test_suggestions(tag: str, sentence: str, expected: dict[str, object]) -> None:
    found = suggest_fields(tag, sentence)
    assert found == expected
    assert field_errors(tag, found) == {}


@pytest.mark.parametrize(
    ("sentence", "event_date"),
    [
        ("Since mid-December 2023, the group threatened ships.", "2023-12"),
        ("On September 5, forces broke the siege.", None),  # no year: never invented
        ("Forces broke the siege in 2017.", "2017"),
        ("The strike on 2024-01-12 hit radars.", "2024-01-12"),
    ],
)
def test_dates_are_never_completed(sentence: str, event_date: str | None) -> None:
    assert suggest_fields("claim", sentence).get("event_date") == event_date


def test_nothing_for_unknown_tags_or_plain_sentences() -> None:
    assert suggest_fields("other", "Anything at 50%.") == {}
    assert suggest_fields("figure", "The group is reluctant to negotiate.") == {}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Between 10 and 20 km of road were closed.",
         {"range_low": 10, "range_high": 20, "unit": "km", "figure_kind": "distance",
          "qualifier": "range"}),
        ("The 2024-2025 budget rose.", {}),
        ("Moreover 500 troops arrived.",
         {"value": 500, "unit": "troops", "figure_kind": "count", "qualifier": "exact"}),
        ("They lost $5b in revenue.",
         {"value": 5_000_000_000, "unit": "USD", "figure_kind": "money", "qualifier": "exact"}),
        ("Thunder 3 was launched.", {}),
    ],
)
def test_figure_edge_cases(sentence: str, expected: dict[str, object]) -> None:
    assert suggest_fields("figure", sentence) == expected
