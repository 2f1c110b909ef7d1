"""The theme colours hold up for colour-blind readers and for contrast (Qt-free).

Every check runs under normal vision and simulated protanopia, deuteranopia and tritanopia
(Machado et al. 2009, severity 1). Colours are compared as painted: fills and shading
composited over the page with the opacities the reader uses.
"""

from __future__ import annotations

import itertools

import pytest

from annotator.gui.colour_maths import (
    DEFICIENCIES,
    VISIONS,
    Rgb,
    ciede2000,
    contrast,
    difference,
    luminance,
    over,
    parse_hex,
    simulate,
    to_hex,
    to_lab,
    with_contrast,
)
from annotator.gui.theme_colours import (
    DARK,
    LIGHT,
    MIN_DIFFERENCE,
    MIN_GRAPHIC_CONTRAST,
    MIN_TEXT_CONTRAST,
    SLOT_KEYS,
    THEMES,
    ThemeColours,
    derived_slot,
    slot_of_tags,
    tag_slots,
    text_on,
)

# Sharma, Wu and Dalal (2005), table 1: L1 a1 b1, L2 a2 b2, ΔE00 (all 34 pairs).
SHARMA_PAIRS = [
    (50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425),
    (50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615),
    (50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412),
    (50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669),
    (50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461),
    (50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065),
    (50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492),
    (50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977),
    (50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030),
    (50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000),
    (60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644),
    (63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630),
    (61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731),
    (35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645),
    (22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373),
    (36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146),
    (90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441),
    (90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381),
    (6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377),
    (2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082),
]


# ----------------------------------------------------------------------------- the formulas
@pytest.mark.parametrize("pair", SHARMA_PAIRS)
def test_ciede2000_matches_sharmas_test_data(pair: tuple[float, ...]) -> None:
    first, second, expected = pair[:3], pair[3:6], pair[6]
    assert ciede2000(first, second) == pytest.approx(expected, abs=5e-5)
    assert ciede2000(second, first) == pytest.approx(expected, abs=5e-5)


def test_wcag_luminance_and_contrast() -> None:
    white, black = parse_hex("#ffffff"), parse_hex("#000000")
    assert luminance(white) == pytest.approx(1.0) and luminance(black) == 0.0
    assert contrast(white, black) == pytest.approx(21.0)
    # The classic borderline pair: #777 on white just misses 4.5:1.
    assert contrast(parse_hex("#777777"), white) == pytest.approx(4.48, abs=0.005)
    assert contrast(parse_hex("#767676"), white) >= 4.5


def test_simulations_keep_greys_and_confuse_what_they_should() -> None:
    for deficiency in DEFICIENCIES:
        for grey in ("#000000", "#777777", "#ffffff"):
            assert to_hex(simulate(parse_hex(grey), deficiency)) == grey
    red, green = parse_hex("#d62728"), parse_hex("#2ca02c")
    assert difference(red, green) > 50  # far apart to most readers...
    assert difference(red, green, "deuteranopia") < 20  # ...much closer without M cones
    blue, teal = parse_hex("#0072b2"), parse_hex("#009e73")
    assert difference(blue, teal, "tritanopia") < difference(blue, teal, "deuteranopia")


def test_with_contrast_reaches_the_ratio_without_overshooting() -> None:
    page = parse_hex("#ffffff")
    yellow = with_contrast(parse_hex("#f0e442"), page, 3.0)
    assert 3.0 <= contrast(yellow, page) < 3.1
    dark_page = parse_hex("#1e1e1e")
    navy = with_contrast(parse_hex("#000080"), dark_page, 3.0)
    assert 3.0 <= contrast(navy, dark_page) < 3.1
    assert with_contrast(parse_hex("#000000"), page, 3.0) == parse_hex("#000000")


# ----------------------------------------------------------------------------- the themes
def far_apart(named: list[tuple[str, Rgb]], limit: float = MIN_DIFFERENCE) -> list[str]:
    """Every pair closer than `limit` under some vision, worded for the failure message."""
    found = []
    for (name_a, a), (name_b, b) in itertools.combinations(named, 2):
        for vision in VISIONS:
            found_difference = difference(a, b, vision)
            if found_difference < limit:
                found.append(f"{name_a} vs {name_b} ({vision or 'normal'}): {found_difference:.1f}")
    return found


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_tag_fills_stay_apart_and_from_the_page_selection_and_hover(theme: ThemeColours) -> None:
    fills = [(f"fill {i}", theme.filled(slot)) for i, slot in enumerate(theme.tags)]
    fixed = [
        ("page", parse_hex(theme.base)),
        ("selection", theme.shade(theme.selection_alpha)),
        ("hover", theme.shade(theme.hover_alpha)),
    ]
    problems = far_apart(fills)
    for name, fill in fills:
        for other in fixed:
            problems += far_apart([(name, fill), other])
        # A selected span still shows that it is selected.
        problems += far_apart([(name, fill), (f"{name} selected",
                                              theme.shade(theme.selection_alpha, fill))])
    assert not problems
    assert len(theme.tags) == len(SLOT_KEYS) == 5


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_text_reads_on_fills_overlaps_and_selection(theme: ThemeColours) -> None:
    ink = parse_hex(theme.text)
    problems = []
    for (i, first), (j, second) in itertools.product(enumerate(theme.tags), repeat=2):
        once = theme.filled(first)
        for name, background in (
            (f"fill {i}", once),
            (f"fill {j} over fill {i}", theme.filled(second, once)),
            (f"selected fill {i}", theme.shade(theme.selection_alpha, once)),
        ):
            if contrast(ink, background) < MIN_TEXT_CONTRAST:
                problems.append(f"{name}: {contrast(ink, background):.2f}")
    assert not problems
    assert contrast(ink, theme.shade(theme.selection_alpha)) >= MIN_TEXT_CONTRAST


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_lines_and_markers_reach_three_to_one_and_stay_apart(theme: ThemeColours) -> None:
    page, stripe = parse_hex(theme.base), parse_hex(theme.alternate_base)
    lines = [(f"line {i}", parse_hex(slot.line)) for i, slot in enumerate(theme.tags)]
    for name, line in lines:
        # Underlines and lanes sit on the page; overview ticks on the alternate base.
        assert contrast(line, page) >= MIN_GRAPHIC_CONTRAST, name
        assert contrast(line, stripe) >= MIN_GRAPHIC_CONTRAST, name
        # A chip of the line colour (form list, review panel) carries readable text.
        assert contrast(parse_hex(text_on(to_hex(line))), line) >= MIN_TEXT_CONTRAST
    assert not far_apart(lines)
    markers = [(f"marker {i}", parse_hex(colour)) for i, colour in enumerate(theme.states)]
    symbol, window = parse_hex(theme.state_symbol), parse_hex(theme.window)
    for name, marker in markers:
        assert contrast(marker, page) >= MIN_GRAPHIC_CONTRAST, name
        assert contrast(symbol, marker) >= MIN_TEXT_CONTRAST, name
        assert contrast(marker, window) >= MIN_TEXT_CONTRAST, name  # a state's name as text
    assert not far_apart(markers)
    bars = [(f"bar {i}", parse_hex(colour)) for i, colour in enumerate(theme.chart)]
    assert all(contrast(bar, window) >= MIN_GRAPHIC_CONTRAST for _name, bar in bars)
    assert not far_apart(bars)


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_semantic_and_widget_text_reads_in_both_themes(theme: ThemeColours) -> None:
    window, base = theme.window, theme.base
    pairs = {
        "window text": (theme.window_text, window),
        "text": (theme.text, base),
        "button": (theme.button_text, theme.button),
        "list selection": (theme.highlighted_text, theme.highlight),
        "placeholder on page": (theme.placeholder, base),
        "placeholder on window": (theme.placeholder, window),
        "link": (theme.link, base),
        "tooltip": (theme.tooltip_text, theme.tooltip_base),
        "Saved": (theme.saved, window),
        "Not saved": (theme.error, window),
        "error in a field": (theme.error, base),
        "suggestion in a field": (theme.suggestion, base),
        "suggestion hint": (theme.suggestion, window),
        "filtered": (theme.attention, window),
        "n/a": (theme.muted, window),
        "read-only notice": (theme.notice_text, theme.notice_background),
        "refused value": (theme.invalid_text, theme.invalid_background),
        "disabled text": (theme.disabled_text, window),
    }
    low = {
        name: round(contrast(parse_hex(a), parse_hex(b)), 2)
        for name, (a, b) in pairs.items()
        if contrast(parse_hex(a), parse_hex(b)) < (3.0 if name == "disabled text" else 4.5)
    }
    assert not low
    assert contrast(parse_hex(theme.invalid_border), parse_hex(base)) >= MIN_GRAPHIC_CONTRAST
    assert theme.dark == (luminance(parse_hex(theme.text)) > luminance(parse_hex(base)))


def test_the_dark_theme_fixes_what_was_nearly_invisible_on_dark() -> None:
    dark_window = parse_hex(DARK.window)
    # The old hard-coded suggestion purple and "Saved" green on the dark window.
    assert contrast(parse_hex("#6639ba"), dark_window) < 3
    assert contrast(parse_hex("#1b7a3a"), dark_window) < 3
    assert contrast(parse_hex(DARK.suggestion), dark_window) >= MIN_TEXT_CONTRAST
    assert contrast(parse_hex(DARK.saved), dark_window) >= MIN_TEXT_CONTRAST


# ----------------------------------------------------------------------------- tags to slots
def test_seeded_tags_keep_their_slot_and_others_take_free_ones() -> None:
    tags = [("figure", "#009E73"), ("speech", "#123456"), ("claim", "#0072b2"),
            ("assessment", "#E69F00"), ("place", "#654321"), ("person", "#111111")]
    assert slot_of_tags(tags, 5) == {
        "figure": 2, "speech": 3, "claim": 0, "assessment": 1, "place": 4, "person": None,
    }
    # Two tags with the same stored colour: the first keeps the slot.
    assert slot_of_tags([("a", "#0072B2"), ("b", "#0072B2")], 5) == {"a": 0, "b": 1}


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_tags_beyond_the_palette_still_meet_the_contrasts(theme: ThemeColours) -> None:
    page, ink = parse_hex(theme.base), parse_hex(theme.text)
    for stored in ("#F0E442", "#000000", "#999999", "#56B4E9", "not a colour"):
        slot = derived_slot(stored, theme)
        assert contrast(parse_hex(slot.line), page) >= MIN_GRAPHIC_CONTRAST
        once = theme.filled(slot)
        assert contrast(ink, theme.filled(slot, once)) >= MIN_TEXT_CONTRAST
        assert contrast(ink, theme.shade(theme.selection_alpha, once)) >= MIN_TEXT_CONTRAST
    looks = tag_slots([(f"tag {i}", "#F0E442") for i in range(7)], theme)
    assert list(looks.values())[:5] == list(theme.tags)


@pytest.mark.parametrize(
    ("base", "window", "text"),
    [("#ffffff", "#efefef", "#000000"), ("#fafafa", "#dcdcdc", "#232627"),
     ("#2a2a2a", "#353535", "#ffffff"), ("#31363b", "#31363b", "#eff0f1")],
    ids=["fusion", "light-grey", "fusion-dark", "breeze-dark"],
)
def test_a_platform_palette_gets_readable_semantic_colours(
    base: str, window: str, text: str
) -> None:
    source = DARK if luminance(parse_hex(text)) > luminance(parse_hex(base)) else LIGHT
    theme = source.adapted(base, window, text, text)
    for colour in (theme.saved, theme.error, theme.attention, theme.muted, theme.suggestion):
        assert contrast(parse_hex(colour), parse_hex(window)) >= MIN_TEXT_CONTRAST
    assert contrast(parse_hex(theme.suggestion), parse_hex(base)) >= MIN_TEXT_CONTRAST
    for slot in theme.tags:
        assert contrast(parse_hex(slot.line), parse_hex(base)) >= MIN_GRAPHIC_CONTRAST
    for marker in theme.states:
        assert contrast(parse_hex(marker), parse_hex(base)) >= MIN_GRAPHIC_CONTRAST


def test_lab_of_white_and_black() -> None:
    assert to_lab(parse_hex("#ffffff")) == pytest.approx((100.0, 0.0, 0.0), abs=1e-3)
    assert to_lab(parse_hex("#000000")) == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)
    assert over(parse_hex("#000000"), 0.5, parse_hex("#ffffff")) == (127.5, 127.5, 127.5)
