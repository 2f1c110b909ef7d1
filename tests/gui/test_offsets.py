"""OffsetMap: Python code points <-> Qt UTF-16 positions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.gui.offsets import OffsetMap


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_matches_utf16(text: str) -> None:
    offsets = OffsetMap(text)
    for cp in range(len(text) + 1):
        qt = utf16_length(text[:cp])
        assert offsets.to_qt(cp) == qt, (text, cp)
        assert offsets.to_cp(qt) == cp, (text, cp)
    assert offsets.qt_length == utf16_length(text)
    assert offsets.cp_length == len(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain ascii",
        "🙂",
        "a🙂b",
        "🙂🙂🙂",
        "thumbs 👍🏽 up",  # base + skin-tone modifier: two astral code points
        "flags 🇫🇷🇩🇪 end",  # regional indicator pairs
        "family 👨‍👩‍👧 zwj",  # astral code points joined by BMP ZWJ
        "مرحبا بالعالم",  # Arabic: BMP, identity
        "שלום עולם",  # Hebrew
        "mixed 🙂 مرحبا 𝔸𝔹 done\nnext line 😀",
        "\n\n🙂\n",
        "𝄞",  # U+1D11E at the very start and end
    ],
)
def test_matches_utf16_everywhere(text: str) -> None:
    assert_matches_utf16(text)


def test_identity_fast_path() -> None:
    offsets = OffsetMap("no astral here: مرحبا, é, ☃")
    assert offsets.identity
    assert offsets.to_qt(7) == 7
    assert offsets.to_cp(7) == 7
    assert not OffsetMap("x🙂").identity


def test_position_inside_a_surrogate_pair_snaps_to_its_code_point() -> None:
    text = "ab🙂cd👍🏽e"
    offsets = OffsetMap(text)
    # "🙂" is code point 2 at Qt positions 2-3; Qt position 3 is its second half.
    assert offsets.to_cp(3) == 2
    assert offsets.to_cp(4) == 3
    # "👍" is code point 5 at Qt 6-7, "🏽" code point 6 at Qt 8-9.
    assert [offsets.to_cp(q) for q in range(6, 11)] == [5, 5, 6, 6, 7]


def test_boundaries_and_spans() -> None:
    text = "🙂 start and end 🙂"
    offsets = OffsetMap(text)
    assert offsets.to_qt(0) == 0
    assert offsets.to_qt(1) == 2
    assert offsets.to_qt(len(text)) == utf16_length(text)
    assert offsets.span_to_qt(2, 7) == (3, 8)
    assert offsets.span_to_cp(3, 8) == (2, 7)
    start, end = offsets.span_to_cp(*offsets.span_to_qt(2, 7))
    assert text[start:end] == "start"


def test_a_megabyte_with_many_emoji() -> None:
    text = ("An intelligence briefing sentence with a figure of 42%. 🙂 " * 18_000)[:1_000_000]
    offsets = OffsetMap(text)
    assert offsets.qt_length == utf16_length(text)
    cp = len(text) - 3
    assert offsets.to_qt(cp) == utf16_length(text[:cp])
    assert offsets.to_cp(offsets.to_qt(cp)) == cp
    assert OffsetMap("x" * 1_000_000).identity


_TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["🙂", "👍🏽", "🇫🇷", "مرحبا", "\n", " ", "𝔸"]),
    ),
    max_size=40,
).map("".join)


@given(_TEXT)
def test_round_trip_property(text: str) -> None:
    offsets = OffsetMap(text)
    qt_positions = [offsets.to_qt(cp) for cp in range(len(text) + 1)]
    assert qt_positions == sorted(set(qt_positions))  # strictly increasing
    for cp, qt in enumerate(qt_positions):
        assert offsets.to_cp(qt) == cp
        assert qt == utf16_length(text[:cp])
    for qt in range(offsets.qt_length + 1):
        cp = offsets.to_cp(qt)
        assert offsets.to_qt(cp) <= qt < offsets.to_qt(cp) + 2
