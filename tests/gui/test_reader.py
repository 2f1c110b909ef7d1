"""The briefing reader, driven through the real widget: mouse, keys, painting, offsets."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPaintEvent, QPalette, QTextCursor
from PySide6.QtWidgets import QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from annotator.gui.reader import OverviewStrip, ReaderPane, ReaderView, TagLegend
from annotator.gui.reader.painting import merged_boxes
from annotator.gui.reader.spans import (
    AnnotationIndex,
    PaintedAnnotation,
    UnitIndex,
    next_word_edge,
    snap_to_words,
)
from annotator.gui.theme import TagLook, tag_looks
from tests.gui.settling import wait_settled

COLOURS = {"claim": QColor("#0072B2"), "assessment": QColor("#E69F00"), "figure": QColor("#009E73")}

TITLE = "Briefing on shipping 🙂 attacks — مرحبا"
ARABIC = "مرحبا بالعالم."
MINISTER = "The minister said that 42% of ships were hit."
OFFICIALS = "Officials assessed it likely that more attacks will follow."
BOILERPLATE = "Subscribe to our newsletter."
THIRD = "Third paragraph here."
FOURTH = "Another sentence follows."
ARABIC_PARAGRAPH = "هذا نص عربي للاختبار. وهذه جملة ثانية."
TEXT = (
    f"{TITLE}\n\n{MINISTER} {ARABIC} {OFFICIALS}\n\n{BOILERPLATE}\n\n{THIRD} {FOURTH}\n\n"
    f"{ARABIC_PARAGRAPH}\n"
)
PIECES = [
    (TITLE, "title"),
    (MINISTER, "sentence"),
    (ARABIC, "sentence"),
    (OFFICIALS, "sentence"),
    (BOILERPLATE, "skipped"),
    (THIRD, "sentence"),
    (FOURTH, "sentence"),
    ("هذا نص عربي للاختبار.", "sentence"),
    ("وهذه جملة ثانية.", "sentence"),
]


def units_of(text: str, pieces: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    found, position = [], 0
    for piece, kind in pieces:
        start = text.index(piece, position)
        found.append((start, start + len(piece), kind))
        position = start + len(piece)
    return found


UNITS = units_of(TEXT, PIECES)


def span_of(piece: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[ReaderView]:
    reader = ReaderView()
    qtbot.addWidget(reader)
    reader.resize(900, 600)
    reader.set_tag_styles(COLOURS)
    reader.load(TEXT, UNITS, [])
    reader.show()
    qtbot.waitExposed(reader)
    yield reader


def caret_rect(view: ReaderView, cp: int) -> QRect:
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_qt(cp))
    return view.cursorRect(cursor)


def point_of(view: ReaderView, cp: int) -> QPoint:
    """The middle of the character at code point `cp`, in viewport coordinates."""
    here, after = caret_rect(view, cp), caret_rect(view, cp + 1)
    x = (here.x() + after.x()) // 2 if here.top() == after.top() else here.x() + 2
    return QPoint(x, here.center().y())


def click(qtbot: QtBot, view: ReaderView, cp: int, shift: bool = False) -> None:
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, point_of(view, cp))


def selected_by(qtbot: QtBot, view: ReaderView, action: object) -> tuple[int, int]:
    with qtbot.waitSignal(view.spanSelected, timeout=1000) as blocker:
        action() if callable(action) else None
    start, end = blocker.args
    assert (start, end) == view.current_span()
    return start, end


def grab(view: ReaderView) -> QImage:
    view.viewport().repaint()
    return view.viewport().grab().toImage()


def look(widget: QWidget, tag: str, colours: dict[str, QColor] = COLOURS) -> TagLook:
    """How the theme of `widget` paints `tag` (the stored colours are not painted as such)."""
    return tag_looks(colours, widget.palette())[tag]


def blend(base: QColor, colour: QColor) -> tuple[int, int, int]:
    a = colour.alphaF()
    return tuple(
        round(b * (1 - a) + c * a)
        for b, c in zip(base.getRgb()[:3], colour.getRgb()[:3], strict=True)
    )


def rgb_at(image: QImage, point: QPoint) -> tuple[int, int, int]:
    colour = image.pixelColor(point)
    return colour.red(), colour.green(), colour.blue()


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 4) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# ----------------------------------------------------------------------------- selection by mouse
def test_click_selects_the_unit_in_code_points_after_emoji_and_arabic(
    qtbot: QtBot, view: ReaderView
) -> None:
    # "🙂" (two UTF-16 units) and "مرحبا" come before the clicked sentence.
    start, end = selected_by(qtbot, view, lambda: click(qtbot, view, TEXT.index("minister")))
    assert TEXT[start:end] == MINISTER
    assert view.offsets.to_qt(start) == start + 1  # Qt counts the emoji twice
    assert view.unit_at(start) == 1
    # ... and right after an Arabic sentence inside an English paragraph.
    start, end = selected_by(qtbot, view, lambda: click(qtbot, view, TEXT.index("likely")))
    assert TEXT[start:end] == OFFICIALS


def test_click_on_an_arabic_unit_selects_it(qtbot: QtBot, view: ReaderView) -> None:
    start, end = selected_by(qtbot, view, lambda: click(qtbot, view, TEXT.index("بالعالم") + 2))
    assert TEXT[start:end] == ARABIC


def test_shift_click_extends_over_whole_units(qtbot: QtBot, view: ReaderView) -> None:
    click(qtbot, view, TEXT.index("minister"))
    start, end = selected_by(qtbot, view, lambda: click(qtbot, view, TEXT.index("Another"), True))
    assert TEXT[start:end].startswith(MINISTER) and TEXT[start:end].endswith(FOURTH)
    # Backwards: from the selection back to (and including) the title.
    start, end = selected_by(qtbot, view, lambda: click(qtbot, view, TEXT.index("shipping"), True))
    assert (start, end) == (0, span_of(FOURTH)[1])


def test_drag_selects_a_span_snapped_to_word_edges(qtbot: QtBot, view: ReaderView) -> None:
    viewport = view.viewport()
    press = point_of(view, TEXT.index("minister") + 3)  # mid-word
    release = point_of(view, TEXT.index("ships") + 2)  # mid-word
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=press)
    qtbot.mouseMove(viewport, point_of(view, TEXT.index("42%")))
    qtbot.mouseMove(viewport, release)
    with qtbot.waitSignal(view.spanSelected, timeout=1000) as blocker:
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=release)
    start, end = blocker.args
    assert TEXT[start:end] == "minister said that 42% of ships"


def test_drag_never_keeps_edge_whitespace(qtbot: QtBot, view: ReaderView) -> None:
    viewport = view.viewport()
    gap = TEXT.index(" said")  # the space after "minister"
    press, release = point_of(view, gap), point_of(view, TEXT.index(" of ships"))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=press)
    qtbot.mouseMove(viewport, release)
    with qtbot.waitSignal(view.spanSelected, timeout=1000) as blocker:
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=release)
    start, end = blocker.args
    assert TEXT[start:end] == "said that 42%"


def test_skipped_units_are_never_selected(qtbot: QtBot, view: ReaderView) -> None:
    click(qtbot, view, TEXT.index("minister"))
    with qtbot.waitSignal(view.spanSelected, timeout=1000) as blocker:
        click(qtbot, view, TEXT.index("newsletter"))
    assert blocker.args == [-1, -1]
    assert view.current_span() is None
    # Keys step over it: from the last unit before it straight to the one after.
    view.select_span(*span_of(OFFICIALS))
    assert TEXT.__getitem__(slice(*selected_by(qtbot, view, view.next_unit))) == THIRD
    assert TEXT.__getitem__(slice(*selected_by(qtbot, view, view.previous_unit))) == OFFICIALS


def test_click_on_an_annotation_activates_the_innermost(qtbot: QtBot, view: ReaderView) -> None:
    outer = PaintedAnnotation(1, *span_of(MINISTER), ("claim",))
    inner = PaintedAnnotation(2, *span_of("42%"), ("figure",))
    view.update_annotations([outer, inner])
    with (
        qtbot.waitSignal(view.annotationActivated, timeout=1000) as activated,
        qtbot.waitSignal(view.spanSelected, timeout=1000) as selected,
    ):
        click(qtbot, view, TEXT.index("42%") + 1)
    assert activated.args == [2]
    assert TEXT.__getitem__(slice(*selected.args)) == "42%"
    with qtbot.waitSignal(view.annotationActivated, timeout=1000) as activated:
        click(qtbot, view, TEXT.index("ships"))
    assert activated.args == [1]
    assert [a.id for a in view.annotations_at(TEXT.index("42%"))] == [2, 1]


def test_double_click_selects_a_word(qtbot: QtBot, view: ReaderView) -> None:
    with qtbot.waitSignal(view.spanSelected, timeout=1000):
        qtbot.mouseDClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=point_of(view, TEXT.index("ships") + 1)
        )
    start, end = view.current_span() or (0, 0)
    assert TEXT[start:end] == "ships"


# ----------------------------------------------------------------------------- keyboard
def test_keys_move_between_units(qtbot: QtBot, view: ReaderView) -> None:
    view.setFocus()

    def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> str:
        start, end = selected_by(qtbot, view, lambda: qtbot.keyClick(view, key, modifier))
        return TEXT[start:end]

    shift, control = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
    assert press(Qt.Key.Key_J) == TITLE  # nothing selected: the first unit on screen
    assert press(Qt.Key.Key_J) == MINISTER
    assert press(Qt.Key.Key_Down) == ARABIC
    assert press(Qt.Key.Key_K) == MINISTER
    assert press(Qt.Key.Key_Up) == TITLE
    assert press(Qt.Key.Key_End) == "وهذه جملة ثانية."
    assert press(Qt.Key.Key_Home) == TITLE
    assert press(Qt.Key.Key_J) == MINISTER
    assert press(Qt.Key.Key_Down, shift) == f"{MINISTER} {ARABIC}"
    assert press(Qt.Key.Key_Right, shift) == f"{MINISTER} {ARABIC} Officials"
    assert press(Qt.Key.Key_Left, shift) == f"{MINISTER} {ARABIC}"
    assert press(Qt.Key.Key_Right, shift | control) == f"{MINISTER[4:]} {ARABIC}"
    assert press(Qt.Key.Key_Up, shift) == f"{TITLE}\n\n{MINISTER} {ARABIC}"


def test_n_goes_to_the_next_unit_no_annotation_covers(qtbot: QtBot, view: ReaderView) -> None:
    view.update_annotations(
        [
            PaintedAnnotation(1, *span_of(MINISTER), ("claim",)),
            PaintedAnnotation(2, span_of(ARABIC)[0], span_of(OFFICIALS)[1], ("assessment",)),
            PaintedAnnotation(3, *span_of("minister"), ("figure",)),
            PaintedAnnotation(4, *span_of("Third"), ("figure",)),  # partial: still untagged
        ]
    )
    view.select_span(*span_of(TITLE))
    view.setFocus()
    start, end = selected_by(qtbot, view, lambda: qtbot.keyClick(view, Qt.Key.Key_N))
    assert TEXT[start:end] == THIRD
    # After the last untagged unit, N goes on from the top.
    view.select_span(*span_of(ARABIC_PARAGRAPH.split(". ")[1]))
    start, end = selected_by(qtbot, view, lambda: qtbot.keyClick(view, Qt.Key.Key_N))
    assert TEXT[start:end] == TITLE
    # With every unit tagged, N says so and leaves the selection alone.
    everything = [
        PaintedAnnotation(10 + i, s, e, ("claim",))
        for i, (s, e, kind) in enumerate(UNITS) if kind != "skipped"
    ]
    view.update_annotations(everything)
    with qtbot.waitSignal(view.allTagged, timeout=1000):
        qtbot.keyClick(view, Qt.Key.Key_N)
    assert view.current_span() == span_of(TITLE)


def test_digits_and_delete_reach_the_windows_actions(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    reader = ReaderView()
    reader.load(TEXT, UNITS, [])
    window.setCentralWidget(reader)
    fired: list[str] = []
    for name, shortcut in (("claim", "1"), ("figure", "3"), ("delete", "Del"), ("next", "J")):
        action = QAction(name, window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False, n=name: fired.append(n))
        window.addAction(action)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    reader.setFocus()
    qtbot.waitUntil(reader.hasFocus)
    qtbot.keyClick(reader, Qt.Key.Key_1)
    qtbot.keyClick(reader, Qt.Key.Key_3)
    qtbot.keyClick(reader, Qt.Key.Key_Delete)
    assert fired == ["claim", "figure", "delete"]
    # The reader's own keys stay the reader's, even when the window binds the same key.
    qtbot.keyClick(reader, Qt.Key.Key_J)
    assert fired == ["claim", "figure", "delete"]
    assert reader.current_span() == span_of(TITLE)


# ----------------------------------------------------------------------------- layout
def test_arabic_paragraph_lays_out_right_to_left(view: ReaderView) -> None:
    start = TEXT.index(ARABIC_PARAGRAPH)
    block = view.document().findBlock(view.offsets.to_qt(start))
    assert block.text() == ARABIC_PARAGRAPH
    view.blockBoundingRect(block)  # laid out
    assert block.textDirection() == Qt.LayoutDirection.RightToLeft
    assert block.layout().textOption().textDirection() == Qt.LayoutDirection.RightToLeft
    line = block.layout().lineAt(0)
    first_x = line.cursorToX(0)[0]
    last_x = line.cursorToX(len(ARABIC_PARAGRAPH))[0]
    assert first_x > last_x
    assert first_x > line.x() + line.width() * 0.9  # starts at the right edge of the column
    latin = view.document().findBlock(view.offsets.to_qt(TEXT.index(THIRD)))
    assert latin.layout().lineAt(0).cursorToX(0)[0] < line.x() + 1  # LTR starts at the left


def test_text_column_is_limited_and_centred(view: ReaderView) -> None:
    view.resize(1600, 600)
    view.show()
    viewport = view.viewport().geometry()
    assert viewport.width() < 900
    left, right = viewport.left(), view.width() - viewport.right()
    assert abs(left - right) < 40
    view.resize(500, 600)
    assert view.viewport().width() >= 480


def test_zoom_changes_font_size(view: ReaderView) -> None:
    size = view.font().pointSizeF()
    view.zoom_in()
    assert view.font().pointSizeF() > size
    view.zoom_out()
    view.zoom_out()
    assert view.font().pointSizeF() < size
    view.reset_zoom()
    assert view.font().pointSizeF() == size


# ----------------------------------------------------------------------------- painting
def space_point(view: ReaderView, piece: str, word: str) -> QPoint:
    """The middle of the space before `word` inside `piece` (no glyph is drawn there)."""
    return point_of(view, TEXT.index(piece) + piece.index(f" {word}"))


class RecordingReader(ReaderView):
    def __init__(self) -> None:
        super().__init__()
        self.painted: list[QRect] = []

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        self.painted.append(event.rect())
        super().paintEvent(event)


def test_update_annotations_paints_only_the_changed_span(qtbot: QtBot) -> None:
    view = RecordingReader()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.set_tag_styles(COLOURS)
    view.load(TEXT, UNITS, [])
    view.show()
    qtbot.waitExposed(view)
    base = view.palette().color(QPalette.ColorRole.Base)
    inside = space_point(view, MINISTER, "said")
    outside = space_point(view, THIRD, "here.")
    before = grab(view)
    assert close_to(rgb_at(before, inside), base.getRgb()[:3])

    qtbot.wait(50)
    view.painted.clear()
    view.update_annotations([PaintedAnnotation(7, *span_of(MINISTER), ("figure", "claim"))])
    qtbot.waitUntil(lambda: bool(view.painted))
    assert all(rect.height() < view.viewport().height() / 3 for rect in view.painted)
    image = view.viewport().grab().toImage()
    # claim comes first in style order: it fills; figure draws a line under the text.
    assert close_to(rgb_at(image, inside), blend(base, look(view, "claim").fill))
    assert close_to(rgb_at(image, outside), base.getRgb()[:3])
    column = [rgb_at(image, QPoint(inside.x(), y)) for y in range(inside.y(), inside.y() + 30)]
    assert look(view, "figure").line.getRgb()[:3] in column

    view.update_annotations([], removed=[7])
    assert close_to(rgb_at(grab(view), inside), base.getRgb()[:3])


def test_overlapping_annotations_both_paint_and_current_one_is_outlined(
    qtbot: QtBot, view: ReaderView
) -> None:
    base = view.palette().color(QPalette.ColorRole.Base)
    inside = space_point(view, MINISTER, "of")
    view.update_annotations(
        [
            PaintedAnnotation(1, *span_of(MINISTER), ("claim",)),
            PaintedAnnotation(2, *span_of("42% of ships"), ("assessment",)),
        ]
    )
    image = grab(view)
    one = blend(base, look(view, "claim").fill)
    both = blend(QColor(*one), look(view, "assessment").fill)
    assert close_to(rgb_at(image, inside), both, tolerance=6)
    plain = grab(view)
    view.set_current_annotation(2)
    outlined = grab(view)
    assert outlined != plain
    assert view.current_annotation == 2


def test_spans_tagged_alike_by_several_analysts_fill_once(
    qtbot: QtBot, view: ReaderView
) -> None:
    """Three analysts' claims on one sentence read as one claim fill: translucent layers of
    one colour would darken the text's background past readable."""
    base = view.palette().color(QPalette.ColorRole.Base)
    inside = space_point(view, MINISTER, "said")
    view.update_annotations([
        PaintedAnnotation(1, *span_of(MINISTER), ("claim",)),
        PaintedAnnotation(2, *span_of(MINISTER), ("claim",)),
        PaintedAnnotation(3, span_of(MINISTER)[0], span_of(MINISTER)[1] - 3, ("claim",)),
    ])
    image = grab(view)
    assert close_to(rgb_at(image, inside), blend(base, look(view, "claim").fill))


def test_arabic_quotation_inside_english_is_painted_where_it_shows(
    qtbot: QtBot, view: ReaderView
) -> None:
    base = view.palette().color(QPalette.ColorRole.Base)
    arabic_space = point_of(view, TEXT.index(ARABIC) + ARABIC.index(" "))
    english_space = space_point(view, OFFICIALS, "likely")
    view.update_annotations([PaintedAnnotation(3, *span_of(ARABIC), ("assessment",))])
    image = grab(view)
    assert close_to(rgb_at(image, arabic_space), blend(base, look(view, "assessment").fill))
    assert close_to(rgb_at(image, english_space), base.getRgb()[:3])


def test_hover_shades_the_unit_under_the_mouse(qtbot: QtBot, view: ReaderView) -> None:
    base = view.palette().color(QPalette.ColorRole.Base)
    inside = space_point(view, OFFICIALS, "likely")
    qtbot.mouseMove(view.viewport(), point_of(view, TEXT.index("likely")))
    qtbot.waitUntil(lambda: not close_to(rgb_at(grab(view), inside), base.getRgb()[:3], 1))
    qtbot.mouseMove(view.viewport(), point_of(view, TEXT.index("newsletter")))  # skipped
    qtbot.waitUntil(lambda: close_to(rgb_at(grab(view), inside), base.getRgb()[:3], 1))


def test_legend_shows_each_tag(qtbot: QtBot) -> None:
    legend = TagLegend()
    qtbot.addWidget(legend)
    legend.set_tag_styles(COLOURS)
    legend.resize(legend.sizeHint())
    image = legend.grab().toImage()
    found = {
        rgb_at(image, QPoint(x, y)) for x in range(image.width()) for y in range(image.height())
    }
    page = legend.palette().color(QPalette.ColorRole.Base)
    for name in COLOURS:
        assert look(legend, name).line.getRgb()[:3] in found  # the underline sample, opaque
        # The fill sample is the fill on the page: the colour the reader shows.
        assert any(close_to(blend(page, look(legend, name).fill), rgb, 1) for rgb in found)
    assert "line under it" in legend.accessibleDescription()


def test_legend_wraps_many_tags_and_shows_every_one(qtbot: QtBot) -> None:
    """A codebook of 15 tags in a narrow reader: rows, each sample painted, tooltips placed."""
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442"]
    colours = {f"code number {i}": QColor(palette[i % 7]).darker(100 + 10 * i)
               for i in range(15)}
    legend = TagLegend()
    qtbot.addWidget(legend)
    legend.set_tag_styles(colours)
    one_row = legend.sizeHint().height()
    width = 420
    height = legend.heightForWidth(width)
    assert height >= 4 * one_row
    legend.resize(width, height)
    image = legend.grab().toImage()
    found = {
        rgb_at(image, QPoint(x, y)) for x in range(image.width()) for y in range(image.height())
    }
    for name in colours:
        assert look(legend, name, colours).line.getRgb()[:3] in found
    items, caption = legend._layout_items(width)  # noqa: SLF001
    assert all(rect.right() < width for rect, _name in items) and caption.right() < width


# ----------------------------------------------------------------------------- overview
def long_briefing(paragraphs: int = 300) -> tuple[str, list[tuple[int, int, str]]]:
    sentence = "The assessment notes a likely rise in attacks on shipping lanes this year."
    text = "\n\n".join(f"{sentence} {sentence}" for _ in range(paragraphs))
    units, position = [], 0
    while (start := text.find(sentence, position)) >= 0:
        units.append((start, start + len(sentence), "sentence"))
        position = start + len(sentence)
    return text, units


def test_overview_strip_click_scrolls_the_reader(qtbot: QtBot) -> None:
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.set_tag_styles(COLOURS)
    text, units = long_briefing()
    annotations = [PaintedAnnotation(i, s, e, ("claim",)) for i, (s, e, _k) in enumerate(units)]
    pane.view.load(text, units, annotations[::7])
    pane.show()
    qtbot.waitExposed(pane)
    wait_settled(pane)  # the strip's ticks are counted after the first paint
    strip: OverviewStrip = pane.overview
    assert strip.reader is pane.view
    bar = pane.view.verticalScrollBar()
    assert bar.value() == 0
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(7, strip.height() * 3 // 4))
    assert bar.value() > bar.maximum() // 2
    start, _end = pane.view.visible_span()
    assert 0.5 < start / len(text) < 0.85
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(7, 1))
    assert bar.value() < bar.maximum() // 10
    image = strip.grab().toImage()
    assert any(
        close_to(rgb_at(image, QPoint(7, y)), look(pane, "claim").line.getRgb()[:3], 1)
        for y in range(image.height())
    )


# ----------------------------------------------------------------------------- a 1 MB briefing
def megabyte_briefing() -> tuple[str, list[tuple[int, int, str]], list[PaintedAnnotation]]:
    rng = random.Random(7)
    words = [
        "the", "of", "and", "shipping", "attacks", "assessed", "likely", "ministry", "figure",
        "percent", "🙂", "مرحبا",
    ]
    parts, units, position = [], [], 0
    while len(units) < 10_000:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(12, 20))) + "."
        sentence = sentence[0].upper() + sentence[1:]
        parts.append(sentence)
        units.append((position, position + len(sentence), "sentence"))
        separator = "\n\n" if len(units) % 6 == 0 else " "
        parts.append(separator)
        position += len(sentence) + len(separator)
    text = "".join(parts)
    tags = [("claim",), ("assessment",), ("figure",), ("claim", "figure"), ("assessment", "claim")]
    annotations = [
        PaintedAnnotation(i, start, end, tags[i % len(tags)])
        for i, (start, end, _kind) in enumerate(units)
    ]
    return text, units, annotations


def test_loads_a_megabyte_briefing_with_ten_thousand_annotations(qtbot: QtBot) -> None:
    text, units, annotations = megabyte_briefing()
    assert len(text) > 900_000
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.resize(1000, 700)
    pane.set_tag_styles(COLOURS)
    pane.show()
    qtbot.waitExposed(pane)
    pane.view.load(text, units, annotations)
    assert len(pane.view.annotations()) == 10_000
    pane.view.scroll_to(len(text) // 2)
    pane.view.viewport().repaint()
    middle = pane.view.visible_span()[0]
    assert 0.4 < middle / len(text) < 0.6
    changed = PaintedAnnotation(5000, *units[5000][:2], ("figure",))
    pane.view.update_annotations([changed])
    pane.view.last_unit()
    start, end = pane.view.current_span() or (0, 0)
    assert (start, end) == units[-1][:2]
    shown = caret_rect(pane.view, start)
    assert 0 <= shown.top() < pane.view.viewport().height()  # scrolled to it
    pane.view.first_unit()
    assert pane.view.current_span() == units[0][:2]
    assert pane.view.verticalScrollBar().value() == 0


# ----------------------------------------------------------------------------- pure indexes
def test_snap_to_words() -> None:
    text = "The minister said 42.5% of ships, don't   panic."
    assert snap_to_words(text, 6, 15) == (4, 17)  # "minister said"
    assert snap_to_words(text, 3, 4) is None  # only a space
    assert snap_to_words(text, 19, 21) == (18, 22)  # "42.5" (the "%" is not a word character)
    start, end = snap_to_words(text, 35, 37) or (0, 0)
    assert text[start:end] == "don't"
    assert next_word_edge(text, 12, forward=True, word_end=True) == 17
    assert next_word_edge(text, 17, forward=False, word_end=True) == 12
    assert next_word_edge(text, 4, forward=False, word_end=False) == 0


def test_unit_index() -> None:
    units = UnitIndex([(0, 5, "title"), (7, 12, "skipped"), (13, 20, "sentence")])
    assert units.at(3) == 0 and units.at(6) is None and units.at(13) == 2
    assert units.next_after(5) == 2  # the skipped one is stepped over
    assert units.previous_before(13) == 0
    assert units.first_selectable() == 0 and units.last_selectable() == 2


_SPANS = st.lists(
    st.tuples(st.integers(0, 5000), st.integers(1, 3000), st.integers(0, 3)), max_size=40
)


@given(_SPANS, st.integers(0, 8000), st.integers(1, 600))
def test_annotation_index_matches_brute_force(
    spans: list[tuple[int, int, int]], start: int, width: int
) -> None:
    annotations = [
        PaintedAnnotation(i, s, s + length, ("claim",) * tag)
        for i, (s, length, tag) in enumerate(spans)
    ]
    index = AnnotationIndex(annotations[: len(annotations) // 2])
    for annotation in annotations[len(annotations) // 2 :]:
        index.upsert(annotation)
    if annotations:
        index.remove(annotations[0].id)
        annotations = annotations[1:]
    end = start + width
    expected = {a.id for a in annotations if a.start < end and a.end > start}
    assert {a.id for a in index.overlapping(start, end)} == expected
    covering = any(a.start <= start and a.end >= end for a in annotations)
    assert index.covers(start, end) == covering


def test_overview_redrawn_in_part_shows_what_a_full_drawing_shows(qtbot: QtBot) -> None:
    """Ticks are redrawn only around the rows that changed; after many adds and removals the
    strip looks exactly as when it is drawn from scratch."""
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.set_tag_styles(COLOURS)
    text, units = long_briefing()
    tags = [("claim",), ("assessment",), ("figure",), ("figure", "claim")]
    every = [
        PaintedAnnotation(i, s, e, tags[i % 4]) for i, (s, e, _k) in enumerate(units)
    ]
    pane.view.load(text, units, every[::3])
    pane.show()
    qtbot.waitExposed(pane)
    wait_settled(pane)  # the strip's ticks are counted after the first paint
    strip: OverviewStrip = pane.overview
    strip.grab()  # the first, full drawing
    rng = random.Random(3)
    shown = set(range(0, len(every), 3))
    for _step in range(60):
        index = rng.randrange(len(every))
        if index in shown:
            shown.discard(index)
        else:
            shown.add(index)
        pane.view.update_annotations([every[i] for i in sorted(shown)])
        if _step % 10 == 0:
            strip.grab()  # paint now and then, as the screen would
    partly = strip.grab().toImage()
    strip._rows = None  # noqa: SLF001 - force a drawing from scratch
    assert strip.grab().toImage() == partly


def test_fill_boxes_of_one_line_that_overlap_are_joined_into_their_union() -> None:
    """Each fill colour's boxes are filled one by one (a winding path holding them all costs
    five times as much), so those that overlap must first become one, or their overlap would
    be filled twice; boxes of other lines, or apart on the line, stay as they are."""
    line_a = [QRectF(10, 0, 50, 20), QRectF(40, 0, 40, 20), QRectF(70, 0, 5, 20)]
    apart = QRectF(100, 0, 10, 20)
    line_b = QRectF(30, 20, 60, 20)  # touches line a's boxes from below: another line
    merged = merged_boxes([line_b, *line_a, apart])
    assert sorted((b.left(), b.top(), b.width(), b.height()) for b in merged) == [
        (10, 0, 70, 20), (30, 20, 60, 20), (100, 0, 10, 20),
    ]
    assert merged_boxes([]) == []


def test_overview_counting_in_idle_time_takes_in_changes_rather_than_starting_over(
    qtbot: QtBot,
) -> None:
    """A change while the strip counts its ticks in idle time is counted into them: the count
    did start over at every change, so tagging faster than it finished kept the strip blank
    and cost a pass over all the annotations per toggle. The ticks it ends with are those of
    a count from scratch, removals of annotations it had not counted yet included."""
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.set_tag_styles(COLOURS)
    text, units = long_briefing()
    tags = [("claim",), ("assessment",), ("figure",), ("figure", "claim")]
    every = [PaintedAnnotation(i, s, e, tags[i % 4]) for i, (s, e, _k) in enumerate(units)]
    pane.show()
    qtbot.waitExposed(pane)
    pane.view.load(text, units, every[::2])
    strip: OverviewStrip = pane.overview
    idle = pane.view.idle
    strip.STEP = 20  # many slices
    idle.SLICE = 0.0  # one step per round of idle work
    assert idle.pending(OverviewStrip.JOB)
    rng = random.Random(5)
    shown = set(range(0, len(every), 2))
    rounds = 0
    while idle.pending(OverviewStrip.JOB):
        rounds += 1
        assert rounds < 200, "the count never finishes while annotations change"
        index = rng.randrange(len(every))
        if index in shown:
            shown.discard(index)
            pane.view.update_annotations([], [index])
        else:
            shown.add(index)
            pane.view.update_annotations([every[index]])
        idle._run()  # noqa: SLF001 - one step, as between two key presses
    counted = strip._rows  # noqa: SLF001
    image = strip.grab().toImage()
    strip._rows = None  # noqa: SLF001 - force a count and a drawing from scratch
    fresh = strip.grab().toImage()
    assert counted == strip._rows  # noqa: SLF001
    assert image == fresh


def test_annotation_index_steps_in_text_order_long_spans_included() -> None:
    """next / previous annotation: (start, end, id) order, the long spans (kept apart) too."""
    spans = [(0, 10, 1), (0, 5000, 2), (3, 8, 3), (3, 8, 4), (20, 30, 5), (4000, 4100, 6)]
    index = AnnotationIndex(PaintedAnnotation(i, s, e, ("claim",)) for s, e, i in spans)
    order = sorted(spans)
    stepped, key = [], (-1,)
    while (found := index.step(key, forward=True)) is not None:
        key = (found.start, found.end, found.id)
        stepped.append(key)
    assert stepped == order
    backwards, key = [], (10**9,)
    while (found := index.step(key, forward=False)) is not None:
        key = (found.start, found.end, found.id)
        backwards.append(key)
    assert backwards == order[::-1]
    assert index.step((3,), forward=True).id == 3  # type: ignore[union-attr]
    assert index.step((20, -1), forward=False).id == 4  # type: ignore[union-attr]


def foreground_at(view: ReaderView, cp: int) -> QColor | None:
    """The text colour of the character at code point `cp` (None: the palette's own)."""
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_qt(cp) + 1)  # the format of the character before
    brush = cursor.charFormat().foreground()
    return None if brush.style() == Qt.BrushStyle.NoBrush else brush.color()


def test_boilerplate_is_grey_and_the_rest_is_not(qtbot: QtBot, view: ReaderView) -> None:
    """Skipped units are drawn in the theme's muted colour, after a load and after a palette
    change; a briefing with none (or the empty reader) gets no text colour of its own."""
    from annotator.gui.reader.typography import dimmed_text

    start, end = span_of(BOILERPLATE)
    grey = dimmed_text(view.palette())
    assert all(foreground_at(view, cp) == grey for cp in (start, (start + end) // 2, end - 1))
    assert foreground_at(view, span_of(MINISTER)[0]) is None
    assert foreground_at(view, span_of(THIRD)[0]) is None

    view.setPalette(QPalette(view.palette()))  # a palette change greys them again
    assert foreground_at(view, start) == dimmed_text(view.palette())

    plain = [(s, e, "sentence" if kind == "skipped" else kind) for s, e, kind in UNITS]
    view.load(TEXT, plain, [])
    assert foreground_at(view, start) is None
    empty = ReaderView()
    qtbot.addWidget(empty)
    empty.setPalette(QPalette(empty.palette()))  # nothing to grey: nothing happens
    assert empty.document().isEmpty()


def test_right_to_left_paragraphs_are_told_from_the_others(view: ReaderView) -> None:
    """A paragraph is bidirectional when it holds a right-to-left letter (Arabic, Hebrew...);
    other non-ASCII text (accents, emoji) is not, nor is plain ASCII."""
    text = "Café déjà vu 🙂\n\nשלום עולם and more\n\nplain ascii\n\nمرحبا\n"
    view.load(text, [], [])
    document = view.document()
    found = [view._is_bidi(document.findBlockByNumber(n)) for n in range(0, 8, 2)]
    assert found == [False, True, False, True]
