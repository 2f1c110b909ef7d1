"""Opening a document: the first screen at once, the rest in idle slices (issue 15).

The reader is painted from one pass over plain rows; the annotations' full views, the list and
the overview strip's ticks follow (annotator/gui/idle.py). These tests make each idle slice one
step (SLICE = 0), so that what is done before what never depends on the machine's speed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.queries import (
    AnnotationView,
    document_annotations,
    document_detail,
    list_documents,
)
from annotator.core.store import open_store
from annotator.gui import loading as opening_module
from annotator.gui.idle import IdleWork
from annotator.gui.mainwindow import MainWindow
from annotator.gui.reader.canvas import ReaderCanvas
from tests.gui.settling import wait_settled
from tests.gui.test_mainwindow import click_unit, db, make_window, saved_rows, unit_containing

__all__ = ["db"]  # the fixture, imported for these tests

TAG_SETS = (["claim"], ["assessment"], ["figure"], ["claim", "figure"])
MANY = 1_500  # annotations per document: several idle steps of views and of list rows


def _fill(store_path: Path) -> dict[str, int]:
    """Many annotations (several authors, notes, fields) on both documents; name -> id."""
    with open_store(store_path) as store:
        ids = {d.source_name: d.id for d in list_documents(store)}
        for name, doc_id in ids.items():
            units = [(u.start, u.end) for u in document_detail(store, doc_id).units]
            ops.bulk_add_annotations(
                store,
                doc_id,
                [
                    ops.NewAnnotation(
                        *units[i % len(units)],
                        ("Ana", "Ben", "Chloe")[i % 3],
                        TAG_SETS[i % len(TAG_SETS)],
                        note=f"{name} note {i}" if i % 5 == 0 else "",
                    )
                    for i in range(MANY)
                ],
            )
    return ids


@pytest.fixture
def busy(db: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> Iterator[MainWindow]:
    """A window over two documents of MANY annotations each, one idle step per slice."""
    monkeypatch.setattr(IdleWork, "SLICE", 0.0)
    # The sample briefing is 2,449 characters, about three screens: its first screen's
    # annotations are read before the first paint, the others in idle time.
    monkeypatch.setattr(opening_module, "FIRST_SCREEN", 1_200)
    monkeypatch.setattr(ReaderCanvas, "REST_STEP", 300)  # the rest in several idle steps
    _fill(db)
    window = make_window(qtbot, db)
    wait_settled(window)  # the document the window opened by itself
    yield window
    window.ctx.store.close()


def doc_ids(window: MainWindow) -> dict[str, int]:
    return {d.source_name: d.id for d in list_documents(window.ctx.store)}


def reader_image(window: MainWindow) -> QImage:
    return window.reader.viewport().grab().toImage()


Row = tuple[int, int, int, str, tuple[str, ...], str]


def row_of(view: AnnotationView) -> Row:
    return (view.id, view.start, view.end, view.author, view.tag_names, view.note)


def list_rows(window: MainWindow) -> list[Row]:
    model = window.annotation_list.model
    return [row_of(model.view_at(row)) for row in range(model.rowCount())]


def test_first_screen_is_painted_before_the_rest_and_the_rest_follows(
    busy: MainWindow,
) -> None:
    window = busy
    doc = doc_ids(window)["sample-briefing.txt"]
    window.open_document(doc)
    # Nothing deferred has run yet: the reader shows the text with every tag painted.
    assert not window.workspace.is_settled()
    assert window.annotation_list.model.rowCount() == 0
    assert window.annotation_list.count_label.text() == "Listing annotations…"
    first = reader_image(window)
    assert len(window.reader.annotations()) == MANY

    wait_settled(window)
    assert reader_image(window) == first  # the first screen was already the final one
    expected = document_annotations(window.ctx.store, doc)
    assert list_rows(window) == [row_of(v) for v in expected]
    assert window.workspace.annotations == {v.id: v for v in expected}
    assert window.annotation_list.count_label.text() == f"{MANY:,} annotations"
    strip = window.overview
    ticks = strip.grab().toImage()
    strip._rows = None  # noqa: SLF001 - a drawing from scratch, counted at once
    assert strip.grab().toImage() == ticks
    assert strip._rows  # noqa: SLF001 - the ticks are there
    window.reader.replace_annotations([])
    assert reader_image(window) != first  # the first screen had the tags painted


def test_a_newer_open_cancels_what_the_older_left(busy: MainWindow) -> None:
    window = busy
    ids = doc_ids(window)
    first, second = ids["sample-briefing.txt"], ids["mixed.txt"]
    window.open_document(first)
    # Run idle steps until the first document's list is partly filled.
    while window.annotation_list.model.rowCount() == 0:
        QApplication.processEvents()
    assert not window.workspace.is_settled()
    assert 0 < window.annotation_list.model.rowCount() < MANY

    window.open_document(second)
    assert window.annotation_list.model.rowCount() == 0  # no row of the older document
    wait_settled(window)
    expected = document_annotations(window.ctx.store, second)
    assert list_rows(window) == [row_of(v) for v in expected]
    assert {v.document_id for v in window.workspace.annotations.values()} == {second}
    assert {a.id for a in window.reader.annotations()} == {v.id for v in expected}


def test_a_key_pressed_before_the_rest_is_read_acts_at_once(busy: MainWindow, qtbot: QtBot) -> None:
    """A tag key right after the open finds every annotation (read on demand), and the list
    that fills afterwards holds the change once."""
    window = busy
    doc = doc_ids(window)["mixed.txt"]
    window.open_document(doc)
    assert not window.workspace.is_settled()
    click_unit(qtbot, window, "Officials reported")
    start, end = unit_containing(window, "Officials reported")
    before = [r for r in saved_rows(window.ctx.store.path) if r[:3] == (start, end, "Ana")]
    qtbot.keyClick(window.reader, Qt.Key.Key_2)  # assessment, on Ana's own annotation
    after = [r for r in saved_rows(window.ctx.store.path) if r[:3] == (start, end, "Ana")]
    assert after != before
    wait_settled(window)
    expected = document_annotations(window.ctx.store, doc)
    assert list_rows(window) == [row_of(v) for v in expected]


def test_past_the_first_screen_before_idle_time_every_annotation_counts(
    busy: MainWindow,
) -> None:
    """Scrolling to the end, or N (next untagged), before the annotations past the first
    screen were read in idle time, reads them at once: the same tags, the same answer."""
    window = busy
    doc = doc_ids(window)["sample-briefing.txt"]
    reader = window.reader
    end = len(window.workspace.text) - 1
    window.open_document(doc)
    assert reader.idle.pending(reader.REST_JOB)
    reader.scroll_to(end)
    early = reader_image(window)
    assert not reader.idle.pending(reader.REST_JOB)  # the paint read them
    wait_settled(window)
    reader.scroll_to(end)
    assert reader_image(window) == early

    window.open_document(doc)
    assert reader.idle.pending(reader.REST_JOB)
    # Every unit is covered by an annotation, most of them past the first screen.
    assert not reader.next_untagged_unit()
