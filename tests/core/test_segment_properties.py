"""Property tests: whatever the text, units are sorted, disjoint, stripped and cover the text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.segment import UnitKind, segment

PIECES = [
    "The", "group", "U.S.", "Mr.", "E.O.", "p.m.", "Carla E. Humud", "3.5", "etc.", "No. 5",
    ".", ". ", "!", "?", "…", "...", ":", ",", ";", " ", "  ", "\n", "\n\n", "\t", "\u00a0",
    "- ", "• ", "* ", "1. ", "(a) ", "* *** *", "###", '"', "“", "”", "«", "»", "(", ")", "[",
    "]", "مرحبا", "؟", "،", "🙂", "👍🏽", "日本。", "Ünïcödé", "SC/8215", "Skip Links", "©",
    "08/10/2004", "November 2, 2001", "in", "of", "the", "July", "Press Statement", "A", "a",
    "🚨 ", "⚠️", "🇾🇪", "(alt. ", "(est. 2019)", "(Ret.)", "Dear Sir,", "Sincerely,", "#", "**",
]

texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.text(max_size=200),
    st.text(alphabet=" \n\t.!?-•*:ABab1\u00a0\u2028»”\"(", max_size=120),
)


def _check(text: str) -> None:
    units = segment(text)
    previous_end = 0
    covered = bytearray(len(text))
    for unit in units:
        assert isinstance(unit.kind, UnitKind)
        assert previous_end <= unit.start < unit.end <= len(text)
        assert not text[unit.start].isspace() and not text[unit.end - 1].isspace()
        covered[unit.start : unit.end] = b"\1" * (unit.end - unit.start)
        previous_end = unit.end
    # What no unit covers is whitespace or a bullet glyph opening its line.
    for line in re.finditer(r"[^\n]+", text):
        content = line.group()
        lead = len(content) - len(content.lstrip())
        glyph_end = line.start() + lead + 5
        for index in range(line.start(), line.end()):
            if not covered[index] and not text[index].isspace():
                assert index < glyph_end, (text, index)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_units_are_sorted_disjoint_stripped_and_cover_the_text(text: str) -> None:
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
def test_trailing_spaces_on_lines_do_not_change_the_units(text: str) -> None:
    padded = re.sub(r"\n", " \t \n", text)
    plain = [text[u.start : u.end] for u in segment(text)]
    with_spaces = [
        re.sub(r"[ \t]+\n", "\n", padded[u.start : u.end]) for u in segment(padded)
    ]
    assert with_spaces == [re.sub(r"[ \t]+\n", "\n", part) for part in plain]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_segmentation_is_deterministic(text: str) -> None:
    assert segment(text) == segment(text)
