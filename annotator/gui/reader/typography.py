"""How the reader looks for hours of reading: font, column width, selection colours."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette

from annotator.gui.theme import theme_of

# The first family installed wins; Qt falls back per script (Arabic, CJK...) on its own.
READING_FAMILIES = [
    "Source Serif 4", "Literata", "Charter", "Georgia", "Noto Serif", "DejaVu Serif"
]
BASE_POINT_SIZE = 12.0
ZOOM_STEP = 1.1
ZOOM_RANGE = (-6, 12)
COLUMN_CHARS = 72  # comfortable line length, in average characters
LINE_SPACING = 1.45  # multiple of the font's line height


def clamp_zoom(steps: int) -> int:
    low, high = ZOOM_RANGE
    return max(low, min(high, steps))


def reading_font(base: QFont, zoom_steps: int) -> QFont:
    font = QFont(base)
    font.setFamilies(READING_FAMILIES)
    font.setStyleHint(QFont.StyleHint.Serif)
    font.setPointSizeF(round(BASE_POINT_SIZE * ZOOM_STEP ** clamp_zoom(zoom_steps), 1))
    return font


def reading_palette(palette: QPalette) -> QPalette:
    """A translucent neutral selection and page-coloured margins.

    Translucent, so tag fills stay visible under the selection; neutral (the text colour, faded
    as much as the theme says) because the usual highlight blue is all but the claim blue.
    """
    result = QPalette(palette)
    text = palette.color(QPalette.ColorRole.Text)
    highlight = QColor(text)
    highlight.setAlpha(theme_of(palette).selection_alpha)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        result.setColor(group, QPalette.ColorRole.Highlight, highlight)
        result.setColor(group, QPalette.ColorRole.HighlightedText, text)
    result.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Base))
    return result


def dimmed_text(palette: QPalette) -> QColor:
    """The colour of boilerplate (skipped units): the theme's muted text, dimmer than the
    briefing's but still readable (4.5:1)."""
    return QColor(theme_of(palette).muted)


def column_margins(available: float, font: QFont, document_margin: float) -> tuple[int, int]:
    """Left and right margins that centre a column of about COLUMN_CHARS characters."""
    ideal = QFontMetricsF(font).averageCharWidth() * COLUMN_CHARS + 2 * document_margin
    spare = max(0.0, available - ideal)
    left = int(spare // 2)
    return left, int(spare) - left
