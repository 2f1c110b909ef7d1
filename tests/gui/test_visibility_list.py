"""The annotation list beside the form leaves out the annotations of hidden tags and layers
(View > Show Tags / Show Layers, the legend) as the reader does: filtered, not deleted, and
back as soon as they are shown again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.gui.form.list_model import ID_ROLE
from annotator.gui.mainwindow import MainWindow
from annotator.gui.reader.legend import LAYER, TAG
from tests.gui.test_layers import db
from tests.gui.test_mainwindow import make_window, open_doc
from tests.gui.test_visibility import legend_click

__all__ = ["db"]  # fixture: Ana's and Ben's layers


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db, author="Ana")
    open_doc(win, "sample-briefing.txt")
    yield win
    win.ctx.store.close()


def listed(window: MainWindow) -> set[int]:
    proxy = window.annotation_list.proxy
    return {int(proxy.index(r, 0).data(ID_ROLE)) for r in range(proxy.rowCount())}


def test_list_leaves_out_hidden_layers_and_tags(qtbot: QtBot, window: MainWindow) -> None:
    views = window.workspace.annotations.values()
    everything = {v.id for v in views}
    bens = {v.id for v in views if v.author == "Ben"}
    claims_only = {v.id for v in views if set(v.tag_names) == {"claim"}}
    assert bens and claims_only and listed(window) == everything
    legend_click(qtbot, window, LAYER, "Ben")
    assert window.workspace.hidden_authors == {"Ben"}
    assert listed(window) == everything - bens
    total = window.annotation_list.model.rowCount()
    assert total == len(everything)  # filtered, not deleted
    shown = len(everything - bens)
    assert window.annotation_list.count_label.text() == f"{shown:,} of {total:,} annotations"
    # By keyboard in the legend: Space on the picked tag hides it; the list follows.
    legend = window.legend
    legend.setFocus()
    while legend.focused_entry() != (TAG, "claim"):
        qtbot.keyClick(legend, Qt.Key.Key_Right)
    qtbot.keyClick(legend, Qt.Key.Key_Space)
    assert window.workspace.hidden_tags == {"claim"}
    assert listed(window) == everything - bens - claims_only
    # The list's own filter still applies on top of what is hidden.
    window.annotation_list.set_filter(text="Ana")
    assert listed(window) == {
        v.id for v in views if v.author == "Ana" and v.id not in claims_only
    }
    window.annotation_list.set_filter()
    qtbot.keyClick(legend, Qt.Key.Key_Space)
    legend_click(qtbot, window, LAYER, "Ben")
    assert window.workspace.hidden_tags == set() and window.workspace.hidden_authors == set()
    assert listed(window) == everything


def test_count_follows_a_removed_annotation(qtbot: QtBot, window: MainWindow) -> None:
    """Toggling the only tag of a new annotation off deletes it: the count under the list says
    so, not "0 of 1" (the row left what is shown before it left the list)."""
    before = window.annotation_list.model.rowCount()
    covered = {(v.start, v.end) for v in window.workspace.annotations.values()}
    free = [(s, e) for s, e, kind in window.workspace.units if kind != "skipped"]
    start, end = next(span for span in free if span not in covered)
    window.reader.select_span(start, end)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    assert window.annotation_list.model.rowCount() == before + 1
    qtbot.keyClick(window.reader, Qt.Key.Key_1)  # the only tag off: the annotation is deleted
    assert window.annotation_list.model.rowCount() == before
    assert window.annotation_list.count_label.text() == f"{before:,} annotations"
