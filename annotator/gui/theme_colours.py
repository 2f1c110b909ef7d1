"""The colours of the Light and Dark themes, as plain data (Qt-free; `theme.py` applies them).

Every colour the window draws is named here: the palette of the widgets, the reader's page,
selection and hover shading, the tag fills and lines, the review markers and the semantic
colours (saved, not saved, suggestion, notices, invalid fields, charts).

Tags. The reader paints a span's first tag as a translucent fill (translucent, so that two
overlapping spans both show) and each further tag as a line under the text; the lines are also
the review lanes, the overview ticks and the swatches. A tag's colour stored in the database is
its identity (exports keep it); on screen each theme gives the first TAG_SLOTS tags colours that
tests/gui/test_theme_colours.py checks under simulated protanopia, deuteranopia and tritanopia
(Machado et al. 2009) and normal vision:

- fills differ from each other, from the page and from the selection and hover shading by at
  least MIN_DIFFERENCE (CIEDE2000), and so do the lines from each other and the review markers;
- text on a fill, on two overlapping fills and on a selected fill has WCAG contrast >= 4.5;
- lines and markers reach WCAG's 3:1 for graphics against the page.

Why ΔE00 >= 10: about 2 is a just-noticeable difference between two patches side by side; a
reader compares a span with one a paragraph away or with the legend, from memory, where several
noticeable steps are needed before two colours read as two categories at a glance. 10 is also
about the most the dark theme's fills reach for five tags (a search of many palettes found none
above 11): light text needs fills darker than about L* 40, which leaves little room for colour,
and a dichromat sees only two of its three axes. The light theme's fills reach 11.7, its lines
and both themes' markers about 13.
A seeded tag keeps its slot by its stored colour (claim blue, assessment orange, figure green);
a tag beyond the slots gets its stored colour, pushed to the contrasts above but not checked
against the others (the legend and the tooltips name it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from annotator.gui.colour_maths import (
    Rgb,
    contrast,
    luminance,
    over,
    parse_hex,
    to_hex,
    with_contrast,
)

MIN_DIFFERENCE = 10.0  # CIEDE2000, under normal vision and each simulated deficiency
MIN_TEXT_CONTRAST = 4.5  # WCAG 1.4.3 (text)
MIN_GRAPHIC_CONTRAST = 3.0  # WCAG 1.4.11 (non-text: lines, markers, bars)

# Stored colours that own a slot: the seeded tags', then those given to imported tags
# (core.model.SEED_TAGS, core.interchange.merge.EXTRA_TAG_COLOURS), in slot order.
SLOT_KEYS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00")
UNLISTED = "#888888"  # stands in for a tag with no (readable) colour of its own
BRIGHT_TEXT = "#ffffff"  # QPalette.BrightText: text on strongly coloured buttons
REVIEW_STATES = ("agree", "partial", "differ", "field")


class TagSlot(NamedTuple):
    """One tag's colours in a theme: `fill` is painted at the theme's fill_alpha over the page;
    `line` (opaque) underlines, lanes, ticks and swatches."""

    fill: str
    line: str


class ThemeColours(NamedTuple):
    name: str
    dark: bool
    # Widget palette (QPalette roles).
    window: str
    window_text: str
    base: str
    alternate_base: str
    text: str
    button: str
    button_text: str
    highlight: str
    highlighted_text: str
    placeholder: str
    link: str
    tooltip_base: str
    tooltip_text: str
    light: str
    midlight: str
    mid: str
    dark_role: str  # QPalette.Dark
    shadow: str
    disabled_text: str
    # The reader: its page is `base`, its text `text`. Opacities are 0-255, as QColor has them:
    # the selection and hover shading are the text colour at that opacity, a fill the tag's.
    selection_alpha: int
    hover_alpha: int
    fill_alpha: int
    tags: tuple[TagSlot, ...]
    # Review state markers (a square with a symbol), in REVIEW_STATES order.
    states: tuple[str, ...]
    state_symbol: str
    # Semantic text colours, on `window` (and on `base` for the form's fields).
    saved: str
    error: str
    suggestion: str
    attention: str  # "filtered", a reviewer's differing value
    muted: str
    # A notice bar (read-only database, a colleague's annotation).
    notice_background: str
    notice_text: str
    notice_border: str
    # A field whose value is refused.
    invalid_background: str
    invalid_text: str
    invalid_border: str
    # The agreement chart's two bars.
    chart: tuple[str, str]

    def state_colour(self, state: str) -> str | None:
        """The marker colour of a review state (None for "untagged" and unknown states)."""
        try:
            return self.states[REVIEW_STATES.index(state)]
        except ValueError:
            return None

    def shade(self, alpha: int, under: Rgb | None = None) -> Rgb:
        """The text colour at opacity `alpha` (0-255) over `under` (the page when None), as the
        reader paints its selection and hover shading."""
        page = parse_hex(self.base) if under is None else under
        return over(parse_hex(self.text), alpha / 255, page)

    def filled(self, slot: TagSlot, under: Rgb | None = None) -> Rgb:
        """A tag's fill as painted over `under` (the page when None)."""
        page = parse_hex(self.base) if under is None else under
        return over(parse_hex(slot.fill), self.fill_alpha / 255, page)

    def adapted(self, base: str, window: str, text: str, window_text: str) -> ThemeColours:
        """This theme's colours for a platform palette with these page and window colours:
        each text colour pushed to 4.5:1 and each line and marker to 3:1 where needed."""
        if (base, window, text, window_text) == (
            self.base, self.window, self.text, self.window_text
        ):
            return self
        page, frame = parse_hex(base), parse_hex(window)

        def readable(colour: str, background: Rgb = frame) -> str:
            return to_hex(with_contrast(parse_hex(colour), background, MIN_TEXT_CONTRAST))

        def visible(colour: str) -> str:
            return to_hex(with_contrast(parse_hex(colour), page, MIN_GRAPHIC_CONTRAST))

        return self._replace(
            base=base,
            window=window,
            text=text,
            window_text=window_text,
            tags=tuple(TagSlot(slot.fill, visible(slot.line)) for slot in self.tags),
            states=tuple(visible(colour) for colour in self.states),
            saved=readable(self.saved),
            error=readable(self.error),
            suggestion=readable(readable(self.suggestion), page),
            attention=readable(self.attention),
            muted=readable(self.muted),
            chart=(visible(self.chart[0]), visible(self.chart[1])),
        )


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour` (either reaches 4.58:1 on any)."""
    rgb = parse_hex(colour)
    return "#000000" if contrast(rgb, (0.0, 0.0, 0.0)) >= contrast(rgb, (255.0,) * 3) else "#ffffff"


def slot_of_tags(tags: Sequence[tuple[str, str]], slots: int) -> dict[str, int | None]:
    """Tag name -> palette slot, for tags (name, stored colour) in tag order.

    A tag whose stored colour is a slot's key gets that slot (claim keeps blue whatever tags
    come before it); the other tags take the free slots in order; the rest get None.
    """
    keys = {key.lower(): index for index, key in enumerate(SLOT_KEYS[:slots])}
    found: dict[str, int | None] = {}
    taken: set[int] = set()
    for name, colour in tags:
        index = keys.get(colour.strip().lower())
        if index is not None and index not in taken:
            found[name] = index
            taken.add(index)
    free = iter(i for i in range(slots) if i not in taken)
    for name, _colour in tags:
        if name not in found:
            found[name] = next(free, None)
    return {name: found[name] for name, _colour in tags}


def derived_slot(colour: str, theme: ThemeColours) -> TagSlot:
    """Colours for a tag beyond the palette: its stored colour, made to meet the contrasts."""
    try:
        rgb = parse_hex(colour)
    except ValueError:
        rgb = parse_hex(UNLISTED)
    page, ink = parse_hex(theme.base), parse_hex(theme.text)
    line = with_contrast(rgb, page, MIN_GRAPHIC_CONTRAST)
    # The fill is the line colour, faded into the page until text on two such fills reads.
    alpha, selection = theme.fill_alpha / 255, theme.selection_alpha / 255
    fill = line
    for _ in range(20):
        once = over(fill, alpha, page)
        if min(
            contrast(ink, over(fill, alpha, once)), contrast(ink, over(ink, selection, once))
        ) >= MIN_TEXT_CONTRAST:
            break
        fill = over(page, 0.15, fill)
    return TagSlot(to_hex(fill), to_hex(line))


def tag_slots(tags: Iterable[tuple[str, str]], theme: ThemeColours) -> dict[str, TagSlot]:
    """Tag name -> its colours in `theme`, for tags (name, stored colour) in tag order."""
    ordered = list(tags)
    slots = slot_of_tags(ordered, len(theme.tags))
    colours = dict(ordered)
    return {
        name: theme.tags[index] if index is not None else derived_slot(colours[name], theme)
        for name, index in slots.items()
    }


def is_dark(base: str, text: str) -> bool:
    """Whether a palette with this page and text colour is a dark one (light text)."""
    return luminance(parse_hex(text)) > luminance(parse_hex(base))


LIGHT = ThemeColours(
    name="light",
    dark=False,
    window="#f3f3f3",
    window_text="#1f1f1f",
    base="#ffffff",
    alternate_base="#f5f5f5",
    text="#1f1f1f",
    button="#ececec",
    button_text="#1f1f1f",
    highlight="#2f65ca",
    highlighted_text="#ffffff",
    placeholder="#666666",
    link="#1a5fb4",
    tooltip_base="#ffffe1",
    tooltip_text="#1f1f1f",
    light="#ffffff",
    midlight="#e3e3e3",
    mid="#b4b4b4",
    dark_role="#9a9a9a",
    shadow="#6e6e6e",
    disabled_text="#8c8c8c",
    selection_alpha=64,
    hover_alpha=20,
    fill_alpha=128,
    tags=(
        TagSlot("#0462fd", "#2261d0"),  # blue: claim
        TagSlot("#d76406", "#c25c12"),  # orange: assessment
        TagSlot("#9fef91", "#2b8c59"),  # green: figure
        TagSlot("#fd97f7", "#a42882"),  # pink
        TagSlot("#f3dd04", "#5c4a00"),  # yellow
    ),
    states=("#1e6848", "#7b3fa0", "#c7315a", "#8a5a01"),
    state_symbol="#ffffff",
    saved="#1b6e35",
    error="#b3261e",
    suggestion="#6639ba",
    attention="#8a5a00",
    muted="#5f5f5f",
    notice_background="#fff4ce",
    notice_text="#3d2e00",
    notice_border="#c9a227",
    invalid_background="#ffebe9",
    invalid_text="#1f2328",
    invalid_border="#d1242f",
    chart=("#3b5b8c", "#b86a1e"),
)

DARK = ThemeColours(
    name="dark",
    dark=True,
    window="#2b2b2b",
    window_text="#ececec",
    base="#1e1e1e",
    alternate_base="#262626",
    text="#f0f0f0",
    button="#353535",
    button_text="#ececec",
    highlight="#3d6fc4",
    highlighted_text="#ffffff",
    placeholder="#a6a6a6",
    link="#8ab4f8",
    tooltip_base="#3a3a3a",
    tooltip_text="#ececec",
    light="#505050",
    midlight="#424242",
    mid="#5a5a5a",
    dark_role="#1a1a1a",
    shadow="#0c0c0c",
    disabled_text="#7c7c7c",
    selection_alpha=51,
    hover_alpha=18,
    fill_alpha=128,
    tags=(
        TagSlot("#2870f5", "#83a7fa"),  # blue: claim
        TagSlot("#c71e00", "#f49347"),  # rust (orange line): assessment
        TagSlot("#56864c", "#51d68f"),  # green: figure
        TagSlot("#124c70", "#b5e2ff"),  # teal
        TagSlot("#120090", "#7d71e0"),  # indigo
    ),
    states=("#91e8a7", "#caa0ff", "#ec796d", "#f1c14e"),
    state_symbol="#1e1e1e",
    saved="#7bd88f",
    error="#ff8a80",
    suggestion="#c8a8ff",
    attention="#f2c14e",
    muted="#a8a8a8",
    notice_background="#3d3417",
    notice_text="#f5e6b3",
    notice_border="#8a7430",
    invalid_background="#4a1e1e",
    invalid_text="#ffdcdc",
    invalid_border="#ff6b6b",
    chart=("#9db8e8", "#e0a060"),
)
THEMES = (LIGHT, DARK)
