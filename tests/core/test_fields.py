"""Form field specs, validation and normalisation."""

from __future__ import annotations

import pytest

from annotator.core.errors import InvalidValue
from annotator.core.fields import (
    FieldKind,
    field_errors,
    field_label,
    field_spec,
    field_specs,
    normalise_date,
    parse_number,
    validate_fields,
    value_text,
)


def test_each_seeded_tag_has_its_fields() -> None:
    assert [s.name for s in field_specs("claim")] == [
        "attributed_to", "source_description", "event_date", "source_reliability",
        "information_credibility",
    ]
    assert [s.name for s in field_specs("assessment")] == [
        "judgment_holder", "likelihood", "confidence",
    ]
    assert [s.name for s in field_specs("figure")] == [
        "value", "unit", "figure_kind", "qualifier", "range_low", "range_high", "as_of",
    ]
    assert field_specs("imported-extra-tag") == ()


def test_scales_are_ordered_with_their_ranges() -> None:
    likelihood = field_spec("assessment", "likelihood")
    assert likelihood.kind is FieldKind.ORDINAL
    assert [(c.label, c.detail) for c in likelihood.choices] == [
        ("almost no chance", "1-5%"), ("very unlikely", "5-20%"), ("unlikely", "20-45%"),
        ("roughly even chance", "45-55%"), ("likely", "55-80%"), ("very likely", "80-95%"),
        ("almost certain", "95-99%"),
    ]
    assert [c.code for c in field_spec("claim", "source_reliability").choices] == list("ABCDEF")
    assert [c.code for c in field_spec("claim", "information_credibility").choices] == list(
        "123456"
    )
    assert [c.code for c in field_spec("assessment", "confidence").choices] == [
        "low", "moderate", "high",
    ]


def test_validate_normalises_and_drops_empty_values() -> None:
    assert validate_fields(
        "figure",
        {"value": "1,000,000", "unit": " USD ", "qualifier": "approximately", "as_of": ""},
    ) == {"value": 1_000_000, "unit": "USD", "qualifier": "approximately"}
    assert validate_fields("assessment", {"likelihood": "very likely"}) == {
        "likelihood": "very_likely"
    }
    assert validate_fields("claim", {"event_date": "2024-02-29"}) == {"event_date": "2024-02-29"}
    assert validate_fields("claim", {"event_date": "2024-06"}) == {"event_date": "2024-06"}


@pytest.mark.parametrize(
    ("tag", "values", "bad_field"),
    [
        ("figure", {"value": "twelve"}, "value"),
        ("figure", {"value": "1.2.3"}, "value"),
        ("figure", {"range_low": 15, "range_high": 10}, "range_high"),
        ("claim", {"event_date": "2023-02-29"}, "event_date"),
        ("claim", {"event_date": "2024-13"}, "event_date"),
        ("claim", {"event_date": "yesterday"}, "event_date"),
        ("claim", {"source_reliability": "G"}, "source_reliability"),
        ("assessment", {"likelihood": "probable-ish"}, "likelihood"),
        ("assessment", {"no_such_field": "x"}, "no_such_field"),
        ("figure", {"value": True}, "value"),
        ("figure", {"value": float("nan")}, "value"),
    ],
)
def test_invalid_values_are_named_and_never_saved(
    tag: str, values: dict[str, object], bad_field: str
) -> None:
    assert bad_field in field_errors(tag, values)
    with pytest.raises(InvalidValue):
        validate_fields(tag, values)


def test_number_and_date_helpers() -> None:
    assert parse_number("-2.5") == -2.5
    assert parse_number("12,345") == 12345
    assert parse_number(7) == 7
    assert normalise_date(" 2001 ") == "2001"
    with pytest.raises(InvalidValue):
        parse_number("1,00")


def test_values_and_fields_read_as_labels_not_codes() -> None:
    assert value_text("assessment", "likelihood", "very_likely") == "very likely (80-95%)"
    assert value_text("claim", "information_credibility", "2") == "2 - Probably true"
    assert value_text("figure", "qualifier", "at_least") == "at least"
    assert value_text("figure", "value", 1200) == "1200"
    assert value_text("assessment", "likelihood", "not_a_code") == "not_a_code"
    assert value_text("speech", "tone", "angry") == "angry"  # an imported tag's field
    assert value_text("claim", "attributed_to", None) == ""
    assert field_label("claim", "information_credibility") == "Information credibility"
    assert field_label("speech", "tone") == "tone"
