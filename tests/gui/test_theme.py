"""View > Theme in the real window: System, Light and Dark switch live, are kept in the
settings, and what is painted meets the contrasts in both themes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRectF
from PySide6.QtGui import QAction, QColor, QImage, QPainter, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from annotator.core.settings import Settings, load_settings
from annotator.gui import theme
from annotator.gui.app import build_window
from annotator.gui.colour_maths import contrast, parse_hex
from annotator.gui.mainwindow import MainWindow
from annotator.gui.reader.lanes import paint_state_marker
from annotator.gui.theme_colours import (
    DARK,
    LIGHT,
    MIN_GRAPHIC_CONTRAST,
    MIN_TEXT_CONTRAST,
    REVIEW_STATES,
    ThemeColours,
)
from tests.conftest import REPO_ROOT
from tests.gui.test_mainwindow import click_unit, db, make_window, open_doc, unit_containing

__all__ = ["db"]  # the main window tests' database fixture

Base = QPalette.ColorRole.Base


@pytest.fixture(autouse=True)
def _platform_colours_afterwards() -> Iterator[None]:
    """Whatever a test chose, the next one starts with the platform's colours."""
    yield
    theme.apply_theme("system")


def choice(window: MainWindow, name: str) -> QAction:
    action = window.findChild(QAction, f"action_theme_{name}")
    assert isinstance(action, QAction)
    return action


def rgb(colour: QColor) -> tuple[float, float, float]:
    return float(colour.red()), float(colour.green()), float(colour.blue())


def strongest_contrast(widget: QWidget, background: QColor) -> float:
    """The highest contrast of any pixel of `widget` against `background`: its text's colour
    where a glyph is solid (antialiased edges only come closer to the background)."""
    image = widget.grab().toImage()
    return max(
        contrast(rgb(image.pixelColor(x, y)), rgb(background))
        for x in range(image.width())
        for y in range(image.height())
    )


def colours_in_column(image: QImage, x: int, top: int, bottom: int) -> list[str]:
    return [image.pixelColor(x, y).name() for y in range(max(0, top), min(image.height(), bottom))]


def test_view_theme_switches_live_and_is_kept(qtbot: QtBot, db: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    platform_style, platform_base = app.style().name(), app.palette().color(Base).name()
    window = make_window(qtbot, db)
    open_doc(window, "sample-briefing.txt")
    assert choice(window, "system").isChecked()
    for name, colours in (("dark", DARK), ("light", LIGHT)):
        choice(window, name).trigger()
        qtbot.wait(10)
        assert choice(window, name).isChecked()
        assert app.style().name().lower() == "fusion"
        assert app.palette().color(Base).name() == colours.base
        assert load_settings().theme == name
        # Each part follows at once: the reader's page and selection, its tag colours, the
        # form's stylesheet, the toolbar's tag swatches, the status bar.
        reader = window.reader.palette()
        assert reader.color(Base).name() == colours.base
        assert reader.color(QPalette.ColorRole.Highlight).alpha() == colours.selection_alpha
        assert window.reader.tag_looks()["claim"].line.name() == colours.tags[0].line
        assert colours.suggestion in window.form.styleSheet()
        icon = window.tag_actions["claim"].icon().pixmap(4, 4).toImage().pixelColor(1, 1)
        assert icon.name() == colours.tags[0].line
    choice(window, "system").trigger()
    qtbot.wait(10)
    assert (app.style().name(), app.palette().color(Base).name()) == (platform_style,
                                                                     platform_base)
    assert load_settings().theme == "system"
    window.ctx.store.close()


def test_a_kept_theme_applies_at_start(qtbot: QtBot, db: Path) -> None:
    window = build_window(db, Settings(author="Ana", theme="dark"))
    qtbot.addWidget(window)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.palette().color(Base).name() == DARK.base
    assert choice(window, "dark").isChecked()
    assert window.reader.palette().color(Base).name() == DARK.base
    window.ctx.store.close()


@pytest.mark.parametrize("colours", [LIGHT, DARK], ids=lambda c: c.name)
def test_what_the_window_paints_meets_the_contrasts(
    qtbot: QtBot, db: Path, colours: ThemeColours
) -> None:
    window = make_window(qtbot, db)
    window.set_theme(colours.name)
    qtbot.wait(10)  # the new palette reaches the widgets through the event loop
    open_doc(window, "sample-briefing.txt")
    needle = "Local authorities reported"
    click_unit(qtbot, window, needle)
    window.tag_actions["claim"].trigger()  # the fill
    window.tag_actions["figure"].trigger()  # a line under the text
    reader = window.reader
    reader.set_current_annotation(None)
    reader.clear_review_lanes()
    # Click elsewhere, so that neither the selection nor the hover shades the span.
    click_unit(qtbot, window, "The economic cost is mounting")
    start, _end = unit_containing(window, needle)
    reader.scroll_to(start)
    reader.viewport().repaint()
    image = reader.viewport().grab().toImage()

    cursor = QTextCursor(reader.document())
    cursor.setPosition(reader.offsets.to_qt(start + needle.index(" ")))  # a space: no glyph
    box = reader.cursorRect(cursor)
    space = QPoint(box.x() + 2, box.center().y())
    fill = image.pixelColor(space)
    expected = colours.filled(colours.tags[0])
    assert all(abs(a - b) <= 3 for a, b in zip(rgb(fill), expected, strict=True)), fill.name()
    assert contrast(parse_hex(colours.text), rgb(fill)) >= MIN_TEXT_CONTRAST
    below = colours_in_column(image, space.x(), box.top(), box.bottom() + 12)
    assert colours.tags[2].line in below  # figure's underline
    page = parse_hex(colours.base)
    assert contrast(parse_hex(colours.tags[2].line), page) >= MIN_GRAPHIC_CONTRAST

    # "Saved" in the status bar, in the theme's colour, readable on the window.
    window.ctx.saved.emit()
    label = window.saved_label
    assert label.text().startswith("Saved")
    assert colours.saved in label.styleSheet()
    window_colour = label.palette().color(QPalette.ColorRole.Window)
    assert strongest_contrast(label, window_colour) >= MIN_TEXT_CONTRAST
    window.ctx.store.close()


@pytest.mark.parametrize("colours", [LIGHT, DARK], ids=lambda c: c.name)
def test_review_markers_are_painted_in_the_theme(qtbot: QtBot, colours: ThemeColours) -> None:
    palette = theme.palette_of(colours)
    for state in REVIEW_STATES:
        image = QImage(40, 40, QImage.Format.Format_RGB32)
        image.fill(QColor(colours.base))
        painter = QPainter(image)
        paint_state_marker(painter, QRectF(4, 4, 32, 32), state, palette)
        painter.end()
        corner = image.pixelColor(8, 8)  # inside the square, clear of its symbol
        assert corner.name() == colours.state_colour(state)
        assert contrast(rgb(corner), parse_hex(colours.base)) >= MIN_GRAPHIC_CONTRAST
        drawn = {image.pixelColor(x, y).name() for x in range(8, 32) for y in range(8, 32)}
        assert colours.state_symbol in drawn


def test_no_colour_is_written_outside_the_theme() -> None:
    """Every colour the window draws comes from theme_colours.py: no literal elsewhere."""
    literal = re.compile(r"[\"']#[0-9a-fA-F]{3,8}\b|QColor\(\d|GlobalColor\.(?!transparent)\w+")
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in sorted((REPO_ROOT / "annotator" / "gui").rglob("*.py"))
        if path.name != "theme_colours.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert not found
