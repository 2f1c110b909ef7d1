"""Keys and focus in the real window (issue 14): where the keyboard goes, what a key changes.

The analyst's keyboard walk: the reader has the focus from the start, J/N/1 act on it and never
type into a filter box; Tab walks the form in order; a digit in a form control belongs to that
control; a key with nothing to act on says so in the status bar, never in a dialog.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from annotator.core.importing import import_files
from annotator.core.store import open_store
from annotator.gui.form.editors import ChoiceField
from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import MIXED, SAMPLE, make_window


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "focus.sqlite3"
    doc = tmp_path / "mixed.txt"
    doc.write_text(MIXED, encoding="utf-8")
    with open_store(path) as store:
        assert all(o.ok for o in import_files(store, [SAMPLE, doc]))
    return path


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    win.ctx.store.close()


def saved_tags(db: Path) -> list[tuple[int, int, str]]:
    """(start, end, tag) of every saved annotation tag, through a fresh connection."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT a.start, a.\"end\", t.name FROM annotations a "
            "JOIN annotation_tags x ON x.annotation_id = a.id JOIN tags t ON t.id = x.tag_id "
            "ORDER BY a.start, t.position"
        ).fetchall()
    finally:
        conn.close()


def saved_credibility(db: Path) -> list[object]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT json_extract(x.fields, '$.information_credibility') FROM annotation_tags x "
            "JOIN tags t ON t.id = x.tag_id WHERE t.name = 'claim'"
        ).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


def focus() -> QWidget | None:
    return QApplication.focusWidget()


def dialogs_shown() -> list[QWidget]:
    return [
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, (QDialog, QMessageBox)) and w.isVisible()
    ]


def tag_first_unit(qtbot: QtBot, window: MainWindow, key: Qt.Key = Qt.Key.Key_1) -> None:
    qtbot.keyClick(window.reader, Qt.Key.Key_J)
    assert window.workspace.selection is not None
    qtbot.keyClick(window.reader, key)


# -- the reader has the focus ------------------------------------------------------------


def test_the_reader_has_the_focus_at_start(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    assert focus() is window.reader
    qtbot.keyClick(focus(), Qt.Key.Key_J)
    first = window.workspace.selection
    assert first is not None
    qtbot.keyClick(focus(), Qt.Key.Key_N)
    assert window.workspace.selection is not None and window.workspace.selection != first
    qtbot.keyClick(focus(), Qt.Key.Key_1)
    assert [tag for *_span, tag in saved_tags(db)] == ["claim"]
    assert window.library.filter_box.text() == ""


def test_opening_a_document_from_the_library_gives_the_reader_the_focus(
    qtbot: QtBot, window: MainWindow
) -> None:
    table = window.library.table
    window.library.filter_box.setFocus()
    other = next(
        row for row in range(window.library.proxy.rowCount())
        if window.library.document_at(row) != window.workspace.document_id
    )
    rect = table.visualRect(window.library.proxy.index(other, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.workspace.document_id == window.library.document_at(other)
    assert focus() is window.reader
    qtbot.keyClick(focus(), Qt.Key.Key_J)
    assert window.workspace.selection is not None
    assert window.library.filter_box.text() == ""


def test_typing_a_filter_keeps_the_focus_in_the_filter_box(
    qtbot: QtBot, window: MainWindow
) -> None:
    box = window.library.filter_box
    box.setFocus()
    qtbot.keyClicks(box, "mixed")
    assert box.text() == "mixed"
    assert focus() is box


def test_arrow_keys_in_the_library_browse_and_enter_goes_to_the_reader(
    qtbot: QtBot, window: MainWindow
) -> None:
    table = window.library.table
    table.setFocus()
    opened = window.workspace.document_id
    qtbot.keyClick(table, Qt.Key.Key_Down if table.currentIndex().row() == 0 else Qt.Key.Key_Up)
    assert window.workspace.document_id != opened
    assert focus() is table  # still browsing
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert focus() is window.reader


def test_the_focused_reader_draws_a_frame_in_the_highlight_colour(
    qtbot: QtBot, window: MainWindow
) -> None:
    reader = window.reader
    # The window's highlight colour: the reader's own Highlight is its faded selection shade.
    highlight = window.palette().color(QPalette.ColorRole.Highlight)

    def frame_pixels() -> int:
        image = reader.grab().toImage()
        return sum(
            1 for y in range(0, image.height(), 7)
            if image.pixelColor(0, y) == highlight
        )

    assert focus() is reader
    assert frame_pixels() > 10
    window.library.filter_box.setFocus()
    assert frame_pixels() == 0


# -- Tab through the form ----------------------------------------------------------------


def test_tab_walks_the_tag_buttons_the_fields_the_note_and_delete(
    qtbot: QtBot, window: MainWindow
) -> None:
    tag_first_unit(qtbot, window)
    form = window.form
    listed = window.annotation_list
    # From the reader, as the keyboard walk goes: J, 1, then Tab into the form.
    expected: list[QWidget] = [
        window.reader, *form.tag_buttons.values(), *form.boxes["claim"].editors.values(),
        form.note, form.delete_button, listed.search, listed.tag_filter, listed.table,
        window.library.filter_box,  # the table hands Tab on, round to the library
    ]
    walked: list[QWidget | None] = [focus()]
    for _ in expected[1:]:
        qtbot.keyClick(focus(), Qt.Key.Key_Tab)
        walked.append(focus())
    assert walked == expected
    back: list[QWidget | None] = [focus()]
    for _ in expected[1:]:
        qtbot.keyClick(focus(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        back.append(focus())
    assert back == expected[::-1]


def test_a_second_tag_box_joins_the_walk_in_place(qtbot: QtBot, window: MainWindow) -> None:
    tag_first_unit(qtbot, window, Qt.Key.Key_3)  # the figure box is built only now
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    form = window.form
    fields = [*form.boxes["claim"].editors.values(), *form.boxes["figure"].editors.values()]
    form.tag_buttons["figure"].setFocus()
    walked: list[QWidget | None] = []
    for _ in [*fields, form.note]:
        qtbot.keyClick(focus(), Qt.Key.Key_Tab)
        walked.append(focus())
    assert walked == [*fields, form.note]


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#2f2f2f"),
        (QPalette.ColorRole.Text, "#e6e6e6"), (QPalette.ColorRole.Button, "#3a3a3a"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"), (QPalette.ColorRole.Highlight, "#3d8ee6"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.Mid, "#555555"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def ring_pixels(focused: QImage, unfocused: QImage, highlight: QColor) -> int:
    """Pixels that take the Highlight hue when the control has the focus."""
    hue = highlight.hslHue()
    count = 0
    for y in range(focused.height()):
        for x in range(focused.width()):
            colour = focused.pixelColor(x, y)
            if colour == unfocused.pixelColor(x, y) or colour.hslSaturationF() < 0.3:
                continue
            if min(abs(colour.hslHue() - hue), 360 - abs(colour.hslHue() - hue)) <= 12:
                count += 1
    return count


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_control_tab_reaches_shows_a_ring_in_the_highlight_colour(
    qtbot: QtBot, window: MainWindow, theme: str
) -> None:
    assert QApplication.style().name().lower() == "fusion"
    if theme == "dark":
        window.setPalette(dark_palette())
    tag_first_unit(qtbot, window)  # the claim button is checked (tinted) now
    form = window.form
    controls: list[QWidget] = [
        *form.tag_buttons.values(), *form.boxes["claim"].editors.values(), form.note,
        form.delete_button,
    ]
    highlight = window.palette().color(QPalette.ColorRole.Highlight)
    # Walk with Tab as the analyst does (Qt draws most rings only for keyboard focus):
    # each control's surroundings with the focus on it, then after Tab moved it on.
    controls[1].setFocus()
    qtbot.keyClick(controls[1], Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    for control in controls:
        assert focus() is control
        form.scroll.ensureWidgetVisible(control)
        parent = control.parentWidget()
        assert parent is not None
        area = control.geometry().adjusted(-3, -3, 3, 3)
        focused = parent.grab(area).toImage()
        qtbot.keyClick(control, Qt.Key.Key_Tab)
        unfocused = parent.grab(area).toImage()
        size = control.width() + control.height()
        assert ring_pixels(focused, unfocused, highlight) >= size, control.objectName()


def test_an_invalid_field_still_shows_its_focus_ring(qtbot: QtBot, window: MainWindow) -> None:
    tag_first_unit(qtbot, window)
    box = window.form.boxes["claim"]
    date = box.editors["event_date"]
    date.setFocus()
    qtbot.keyClicks(date, "2025-13-45")
    qtbot.keyClick(date, Qt.Key.Key_Return)
    assert "event_date" in box.errors  # marked invalid (red), nothing saved
    highlight = window.palette().color(QPalette.ColorRole.Highlight)
    parent = date.parentWidget()
    assert parent is not None
    area = date.geometry().adjusted(-3, -3, 3, 3)
    focused = parent.grab(area).toImage()
    qtbot.keyClick(date, Qt.Key.Key_Tab)
    assert not date.hasFocus()
    unfocused = parent.grab(area).toImage()
    assert ring_pixels(focused, unfocused, highlight) >= date.width() + date.height()


def test_a_click_on_a_tag_button_leaves_the_keyboard_in_the_reader(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    qtbot.keyClick(window.reader, Qt.Key.Key_J)
    first = window.workspace.selection
    button = window.form.tag_buttons["assessment"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert [tag for *_s, tag in saved_tags(db)] == ["assessment"]
    assert focus() is window.reader
    qtbot.keyClick(focus(), Qt.Key.Key_J)
    assert window.workspace.selection not in (None, first)


# -- keys belong to the focused control ----------------------------------------------------


def test_a_digit_in_the_credibility_field_chooses_it_and_toggles_no_tag(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    tag_first_unit(qtbot, window)
    assert [tag for *_s, tag in saved_tags(db)] == ["claim"]
    combo = window.form.boxes["claim"].editors["information_credibility"]
    assert isinstance(combo, ChoiceField)
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_3)
    assert combo.currentData() == "3"
    assert [tag for *_s, tag in saved_tags(db)] == ["claim"]  # no assessment, no figure
    assert saved_credibility(db) == ["3"]
    qtbot.keyClick(combo, Qt.Key.Key_1)  # 1 would remove the claim tag
    assert [tag for *_s, tag in saved_tags(db)] == ["claim"]
    assert saved_credibility(db) == ["1"]


def wheel_over(widget: QWidget, delta: int) -> QWheelEvent:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre, QPointF(widget.mapToGlobal(widget.rect().center())), QPoint(), QPoint(0, delta),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
    return event


def test_the_wheel_over_an_unfocused_combo_leaves_its_value(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    tag_first_unit(qtbot, window)
    combo = window.form.boxes["claim"].editors["information_credibility"]
    assert isinstance(combo, ChoiceField)
    assert not combo.hasFocus()
    for delta in (-120, -120, 120):
        # Left to the form, which scrolls (a real wheel event goes on to the parents).
        assert not wheel_over(combo, delta).isAccepted()
    assert combo.currentIndex() == 0
    assert saved_credibility(db) == [None]
    # Once the analyst has put the focus in it, the wheel is the combo's.
    combo.setFocus()
    wheel_over(combo, -120)
    assert combo.currentIndex() == 1
    assert saved_credibility(db) == ["1"]


# -- keys with nothing to act on -------------------------------------------------------------


def test_a_tag_key_with_nothing_selected_hints_in_the_status_bar(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    assert window.workspace.selection is None
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    qtbot.wait(20)  # a dialog would be opened from the event loop
    assert "Select" in window.statusBar().currentMessage()
    assert dialogs_shown() == []
    assert window.saved_label.text() != "Not saved"
    assert saved_tags(db) == []
    tag_first_unit(qtbot, window)
    assert len(saved_tags(db)) == 1
    assert window.statusBar().currentMessage() == ""  # the hint no longer applies


def test_a_digit_no_tag_has_says_so(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    qtbot.keyClick(window.reader, Qt.Key.Key_J)
    qtbot.keyClick(window.reader, Qt.Key.Key_7)
    assert "No tag has the key 7" in window.statusBar().currentMessage()
    assert saved_tags(db) == []
    assert dialogs_shown() == []


def test_delete_annotation_is_off_until_an_annotation_of_yours_is_selected(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    delete = window.actions_by_name["delete"]
    assert not delete.isEnabled()
    qtbot.keyClick(window.reader, Qt.Key.Key_J)
    assert not delete.isEnabled()  # a unit, no annotation yet
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert delete.isEnabled()
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert saved_tags(db) == []
    assert not delete.isEnabled()


def test_delete_with_nothing_selected_hints_in_the_status_bar(
    qtbot: QtBot, window: MainWindow
) -> None:
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    qtbot.wait(20)
    assert "delete" in window.statusBar().currentMessage().lower()
    assert dialogs_shown() == []
    assert window.saved_label.text() != "Not saved"
