"""Next / previous annotation (. and ,), and showing or hiding each tag and each author's layer
(View > Show Tags / Show Layers, the legend): what is hidden is not painted, not stepped to,
not clicked, is kept per database, and is never edited unseen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.queries import document_detail, list_documents
from annotator.core.settings import load_settings
from annotator.core.store import open_store
from annotator.gui.app import build_window
from annotator.gui.idle import IdleWork
from annotator.gui.mainwindow import MainWindow
from annotator.gui.reader.legend import LAYER, TAG
from tests.gui.settling import wait_settled
from tests.gui.test_layers import ADJUDICATED, ONLY_BEN, SHARED, db, layer_rows, tags_at
from tests.gui.test_mainwindow import (
    MIXED,
    click_unit,
    make_window,
    open_doc,
    unit_containing,
)
from tests.gui.test_mainwindow import db as mixed_db
from tests.gui.test_reader import blend, close_to, rgb_at

__all__ = ["db", "mixed_db"]  # fixtures


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db, author="Ana")
    open_doc(win, "sample-briefing.txt")
    yield win
    win.ctx.store.close()


def shown_order(window: MainWindow) -> list[int]:
    """Ids of the annotations the reader shows, in text order (start, end, id)."""
    painted = sorted(window.reader.iter_annotations(), key=lambda a: (a.start, a.end, a.id))
    return [a.id for a in painted]


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> None:
    window.reader.setFocus()
    qtbot.keyClick(window.reader, key)


def menu_entry(window: MainWindow, menu: QMenu, text: str) -> QAction:
    menu.aboutToShow.emit()  # filled as it opens
    def plain(label: str) -> str:  # without its mnemonic "&" ("&&" is a real "&")
        return label.replace("&&", "\0").replace("&", "").replace("\0", "&")

    return next(a for a in menu.actions() if plain(a.text()) == text)


def legend_click(qtbot: QtBot, window: MainWindow, kind: str, name: str) -> None:
    legend = window.legend
    rect = legend.entry_rect((kind, name))
    assert not rect.isEmpty(), (kind, name)
    qtbot.mouseClick(legend, Qt.MouseButton.LeftButton, pos=rect.center())


# ------------------------------------------------------------------ next / previous annotation
def test_period_and_comma_step_through_annotations_in_text_order_and_wrap(
    qtbot: QtBot, window: MainWindow
) -> None:
    order = shown_order(window)
    assert len(order) == 6
    views = window.workspace.annotations
    for expected in order:
        press(qtbot, window, Qt.Key.Key_Period)
        assert window.workspace.current_id == expected
        view = views[expected]
        assert window.reader.current_span() == (view.start, view.end)
        assert window.form.author_label.text() == view.author  # the form shows it
    press(qtbot, window, Qt.Key.Key_Period)
    assert window.workspace.current_id == order[0]
    assert "back to the first" in window.statusBar().currentMessage()
    press(qtbot, window, Qt.Key.Key_Comma)
    assert window.workspace.current_id == order[-1]
    assert "on to the last" in window.statusBar().currentMessage()
    press(qtbot, window, Qt.Key.Key_Comma)
    assert window.workspace.current_id == order[-2]


def test_the_view_menu_items_step_and_scroll_the_annotation_into_view(
    qtbot: QtBot, window: MainWindow
) -> None:
    a = window.actions_by_name
    view_menu = next(m.menu() for m in window.menuBar().actions() if m.text() == "&View")
    assert {a["next_annotation"], a["previous_annotation"]} <= set(view_menu.actions())
    window.resize(900, 420)  # the text runs past the screen
    QApplication.processEvents()
    a["previous_annotation"].trigger()  # from the top: the last one, far down
    last = window.workspace.annotations[shown_order(window)[-1]]
    assert window.workspace.current_id == last.id
    shown = window.reader.visible_span()
    assert shown[0] <= last.start < shown[1]
    a["next_annotation"].trigger()
    assert window.workspace.current_id == shown_order(window)[0]


def test_from_a_selected_unit_the_next_annotation_is_the_next_in_the_text(
    qtbot: QtBot, window: MainWindow
) -> None:
    order = shown_order(window)
    views = window.workspace.annotations
    click_unit(qtbot, window, "Since October 2024, armed groups")  # Ana's adjudicated one
    clicked = window.workspace.current_id
    assert clicked in order
    press(qtbot, window, Qt.Key.Key_Period)
    assert window.workspace.current_id == order[order.index(clicked) + 1]
    # From a unit no annotation covers: the first annotation starting after it.
    for needle, key in (("We assess that the Free", Qt.Key.Key_Period),
                        ("The Free Valley Front claimed", Qt.Key.Key_Comma)):
        start, _end = unit_containing(window, needle)
        assert not window.reader.annotations_at(start)
        click_unit(qtbot, window, needle)
        assert window.workspace.current_id is None
        press(qtbot, window, key)
        if key == Qt.Key.Key_Period:
            expected = next(i for i in order if views[i].start >= start)
        else:
            expected = [i for i in order if views[i].start < start][-1]
        assert window.workspace.current_id == expected
        assert "annotation" not in window.statusBar().currentMessage()  # no wrap


# ------------------------------------------------------------------ hiding layers and tags
def test_hidden_layer_is_not_painted_stepped_to_or_clicked(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    before_ana, before_ben = layer_rows(db, "Ana"), layer_rows(db, "Ben")
    bens = {v.id for v in window.workspace.annotations.values() if v.author == "Ben"}
    start, end = unit_containing(window, ONLY_BEN)
    fill = window.reader.tag_looks()["claim"].fill
    page = window.reader.palette().color(QPalette.ColorRole.Base)

    def claim_fill_at_only_ben() -> bool:
        window.reader.scroll_to(start)
        QApplication.processEvents()
        image = window.reader.viewport().grab().toImage()
        boxes = window.reader._boxes(start, end, window.reader._blocks_on_screen())  # noqa: SLF001
        assert boxes
        box = boxes[0].toAlignedRect()
        return any(
            close_to(rgb_at(image, QPoint(x, box.top() + 1)), blend(page, fill), 6)
            for x in range(box.left() + 1, box.right() - 1)
        )

    assert claim_fill_at_only_ben()
    entry = menu_entry(window, window.visibility.layers_menu, "Ben")
    labels = [a.text() for a in window.visibility.layers_menu.actions() if a.isCheckable()]
    assert labels[0] == "Mine" and "Ben" in labels
    entry.trigger()  # unchecks: hidden
    assert window.workspace.hidden_authors == {"Ben"}
    assert not bens & set(shown_order(window))
    assert not claim_fill_at_only_ben()
    assert all(a.author != "Ben" for a in window.reader.iter_annotations())  # overview's source
    wait_settled(window)
    rows = window.overview._rebuild()  # noqa: SLF001
    assert sum(sum(tags.values()) for tags in rows.values()) == len(shown_order(window))
    # Stepping skips Ben's annotations.
    seen = set()
    for _ in range(len(shown_order(window))):
        press(qtbot, window, Qt.Key.Key_Period)
        seen.add(window.workspace.current_id)
    assert seen == set(shown_order(window))
    # A click on Ben's (hidden) annotation selects the unit, not Ben's annotation.
    click_unit(qtbot, window, ONLY_BEN)
    assert window.workspace.current_id not in bens
    assert window.workspace.selection == (start, end)
    # The legend says so.
    assert window.legend.is_hidden(LAYER, "Ben")
    assert "Layer Ben, hidden" in window.legend.accessibleDescription()
    # Hiding changed no data.
    assert layer_rows(db, "Ana") == before_ana and layer_rows(db, "Ben") == before_ben
    entry = menu_entry(window, window.visibility.layers_menu, "Ben")
    assert not entry.isChecked()
    entry.trigger()
    assert window.workspace.hidden_authors == set()
    assert bens <= set(shown_order(window))


def test_hidden_tag_is_not_painted_and_the_other_tags_still_are(
    qtbot: QtBot, window: MainWindow
) -> None:
    menu_entry(window, window.visibility.tags_menu, "claim").trigger()
    assert window.workspace.hidden_tags == {"claim"}
    painted = list(window.reader.iter_annotations())
    assert painted and all("claim" not in a.tags for a in painted)
    assert {a.tags for a in painted} == {("assessment",), ("figure",)}
    assert window.legend.is_hidden(TAG, "claim")
    menu_entry(window, window.visibility.tags_menu, "Show All").trigger()
    assert window.workspace.hidden_tags == set()
    assert any("claim" in a.tags for a in window.reader.iter_annotations())


def test_legend_toggles_by_mouse_and_by_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    legend = window.legend
    assert legend.entries()[:3] == [(TAG, "claim"), (TAG, "assessment"), (TAG, "figure")]
    assert (LAYER, "Ana") in legend.entries() and legend.focusPolicy() & Qt.FocusPolicy.TabFocus
    legend_click(qtbot, window, TAG, "figure")
    assert window.workspace.hidden_tags == {"figure"}
    assert "Tag figure, hidden" in legend.accessibleDescription()
    legend_click(qtbot, window, TAG, "figure")
    assert window.workspace.hidden_tags == set()
    # Keyboard: the legend takes the focus; Right picks the next entry, Space toggles it.
    legend.setFocus()
    qtbot.keyClick(legend, Qt.Key.Key_Home)  # not a legend key: nothing happens
    while legend.focused_entry() != (LAYER, "Ana"):
        qtbot.keyClick(legend, Qt.Key.Key_Right)
    qtbot.keyClick(legend, Qt.Key.Key_Space)
    assert window.workspace.hidden_authors == {"Ana"}
    assert "Layer Mine, hidden" in legend.accessibleName()
    qtbot.keyClick(legend, Qt.Key.Key_Return)
    assert window.workspace.hidden_authors == set()
    assert "Layer Mine, shown" in legend.accessibleName()


def test_hidden_legend_entry_is_painted_dimmed(qtbot: QtBot, window: MainWindow) -> None:
    legend = window.legend
    rect = legend.entry_rect((TAG, "claim"))

    def darkest_text() -> int:
        image = legend.grab().toImage()
        label = rect.adjusted(legend.SWATCH.width() + 6, 0, 0, 0)
        return min(
            QColor(image.pixel(x, y)).lightness()
            for x in range(label.left(), label.right())
            for y in range(label.top(), label.bottom())
        )

    shown = darkest_text()
    legend_click(qtbot, window, TAG, "claim")
    assert darkest_text() > shown + 20  # muted, not the text colour


def test_hiding_persists_per_database_and_new_names_are_shown(
    qtbot: QtBot, window: MainWindow, db: Path, tmp_path: Path
) -> None:
    legend_click(qtbot, window, TAG, "assessment")
    menu_entry(window, window.visibility.layers_menu, "Ben").trigger()
    window.close()
    window.ctx.store.close()
    settings = load_settings()
    assert settings.hidden_in(db) == ({"assessment"}, {"Ben"})
    with open_store(db) as store:  # a new author arrives (a merge, say)
        doc = next(d.id for d in list_documents(store) if d.source_name == "sample-briefing.txt")
        unit = document_detail(store, doc).units[3]
        ops.create_annotation(store, doc, unit.start, unit.end, "Chloe", ["figure"])
    second = build_window(db, settings)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    wait_settled(second)
    assert second.workspace.hidden_tags == {"assessment"}
    assert second.workspace.hidden_authors == {"Ben"}
    painted = list(second.reader.iter_annotations())
    assert all(a.author != "Ben" and "assessment" not in a.tags for a in painted)
    assert any(a.author == "Chloe" for a in painted)  # new: shown
    assert second.legend.is_hidden(LAYER, "Ben") and not second.legend.is_hidden(LAYER, "Chloe")
    # Another database starts with everything shown.
    assert load_settings().hidden_in(tmp_path / "other.sqlite3") == (set(), set())
    second.ctx.store.close()


def test_a_tag_key_on_a_hidden_own_layer_shows_it_again_and_says_so(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    menu_entry(window, window.visibility.layers_menu, "Mine").trigger()
    assert window.workspace.hidden_authors == {"Ana"}
    span = unit_containing(window, SHARED)  # Ana's assessment (hidden), Ben's claim
    click_unit(qtbot, window, SHARED)
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    assert tags_at(db, "Ana", span) == ["assessment", "figure"]  # Ana's own, not a new one
    assert tags_at(db, "Ben", span) == ["claim"]
    assert window.workspace.hidden_authors == set()
    assert "Shown again: your layer" in window.statusBar().currentMessage()
    assert any(a.author == "Ana" and a.start == span[0] for a in window.reader.iter_annotations())


def test_a_tag_key_with_that_tag_hidden_shows_the_tag_again(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    legend_click(qtbot, window, TAG, "figure")
    span = unit_containing(window, ONLY_BEN)
    click_unit(qtbot, window, ONLY_BEN)
    qtbot.keyClick(window.reader, Qt.Key.Key_3)
    assert tags_at(db, "Ana", span) == ["figure"]
    assert window.workspace.hidden_tags == set()
    assert "the tag figure" in window.statusBar().currentMessage()


# ------------------------------------------------------------------ offsets, settling
def test_stepping_selects_the_right_text_after_emoji_and_arabic(
    qtbot: QtBot, mixed_db: Path
) -> None:
    window = make_window(qtbot, mixed_db)
    try:
        open_doc(window, "mixed.txt")
        for needle in ("مرحبا بكم", "Officials reported 14 attacks"):
            click_unit(qtbot, window, needle)
            qtbot.keyClick(window.reader, Qt.Key.Key_1)
        window.reader.select_span(0, 0)
        window.workspace.current_id = None
        window.reader.set_current_annotation(None)
        window.reader.scroll_to(0, 0.0)
        texts = []
        for _ in range(2):
            press(qtbot, window, Qt.Key.Key_Period)
            start, end = window.reader.current_span()  # type: ignore[misc]
            texts.append(MIXED[start:end])
        assert texts == ["مرحبا بكم في التقرير.", "Officials reported 14 attacks in 2024."]
    finally:
        window.ctx.store.close()


def test_next_annotation_works_before_the_document_has_settled(
    qtbot: QtBot, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(IdleWork, "SLICE", 0.0)  # one idle step per slice
    from annotator.gui import loading

    monkeypatch.setattr(loading, "FIRST_SCREEN", 100)  # most annotations come later
    window = make_window(qtbot, db)
    try:
        wait_settled(window)
        doc = next(
            d.id for d in list_documents(window.ctx.store)
            if d.source_name == "sample-briefing.txt"
        )
        window.open_document(doc)
        assert not window.workspace.is_settled()
        press(qtbot, window, Qt.Key.Key_Comma)  # the last annotation: past the first screen
        wait_settled(window)
        assert window.workspace.current_id == shown_order(window)[-1]
    finally:
        window.ctx.store.close()


def test_hidden_tags_and_layers_are_not_painted_in_the_review_lanes(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.actions_by_name["review_mode"].trigger()
    QApplication.processEvents()
    gutter = window.reader.review_gutter
    assert gutter is not None
    authors = list(gutter.authors)
    assert "Ben" in authors and "Ana" in authors

    def lane_tags(author: str) -> set[str]:
        lane = authors.index(author)
        return {tag for unit in gutter.units for tag in unit.tags[lane]}

    assert lane_tags("Ben") and "assessment" in lane_tags("Ana")
    menu_entry(window, window.visibility.layers_menu, "Ben").trigger()
    legend_click(qtbot, window, TAG, "assessment")
    assert list(gutter.authors) == authors  # the lanes keep their places (Alt+1…4)
    assert lane_tags("Ben") == set()
    assert "assessment" not in lane_tags("Ana") and lane_tags("Ana")


def test_delete_never_removes_a_hidden_annotation(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    """Ana's adjudicated layer is hers to delete from, but not while she has hidden it."""
    span = unit_containing(window, ADJUDICATED)
    layer = "adjudicated by Ana"
    assert tags_at(db, layer, span) == ["claim"]
    menu_entry(window, window.visibility.layers_menu, layer).trigger()
    window.reader.select_span(*span)  # (its first words are inside Ana's longer claim too)
    assert window.workspace.selection == span and window.workspace.current_id is None
    assert not window.actions_by_name["delete"].isEnabled()
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert tags_at(db, layer, span) == ["claim"]
    menu_entry(window, window.visibility.layers_menu, layer).trigger()  # shown again
    window.reader.select_span(0, 1)
    window.reader.select_span(*span)
    assert window.actions_by_name["delete"].isEnabled()  # (the control: now it would)
