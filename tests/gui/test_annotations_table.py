"""View > Annotations (issue 16): the lazily fetching table, its sort and filters, the jump to
the reader, "Export this view…" and the refresh after a change, driven with real key events."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from annotator.core import annotation_table as table
from annotator.core import ops
from annotator.core.annotation_table import AnnotationFilter, SortKey
from annotator.core.store import open_store
from annotator.gui.mainwindow import MainWindow
from annotator.gui.reader.legend import LAYER
from annotator.gui.table import model as table_model
from annotator.gui.table.model import COLUMNS, ID_ROLE, PAGE
from annotator.gui.table.window import AnnotationsWindow
from tests.gui.settling import wait_settled
from tests.gui.test_mainwindow import make_window

LIKELIHOOD = ("unlikely", "roughly_even_chance", "likely", "very_likely", "almost_certain")
TEXT = "Officials said exports rose. قال المسؤولون إن الصادرات ارتفعت 🙂. We assess it is likely. "


def _document(index: int) -> ops.NewDocument:
    text = TEXT * 8
    return ops.NewDocument(
        text=text,
        title=f"Briefing {index}",
        issuer="MoD",
        published=dt.date(2023, 1, 1) + dt.timedelta(days=100 * index),
        date_certainty="exact",
        date_note=None,
        language="en",
        source_name=f"b{index}.txt",
        source_format="txt",
        units=[(0, len(text), "sentence")],
    )


def _annotations(count: int, shift: int) -> list[ops.NewAnnotation]:
    made = []
    for i in range(count):
        start = (i * 7) % (len(TEXT) * 7)
        tags = ["assessment"] if i % 2 else ["claim", "figure"]
        fields = {
            "assessment": {"likelihood": LIKELIHOOD[(i + shift) % 5], "confidence": "low"},
            "claim": {"source_reliability": "ABCDEF"[i % 6]},
            "figure": {"value": i * 1000, "unit": "USD"},
        }
        made.append(
            ops.NewAnnotation(
                start=start,
                end=start + 12,
                author=("Ana", "Ben")[i % 2],
                tags=tags,
                note="café" if i % 5 == 0 else "",
                fields={t: fields[t] for t in tags},
            )
        )
    return made


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "table.sqlite3"
    with open_store(path, create=True) as store:
        for index, count in enumerate((300, 230, 20)):
            new = _document(index)
            document_id = ops.add_document(store, new, allow_duplicate=True).created_id
            assert document_id is not None
            ops.bulk_add_annotations(store, document_id, _annotations(count, index))
    return path


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db, author="Ana")
    wait_settled(win)
    yield win
    win.ctx.store.close()


def open_table(qtbot: QtBot, window: MainWindow) -> AnnotationsWindow:
    window.activateWindow()
    window.reader.setFocus()
    qtbot.keyClick(
        window.reader,
        Qt.Key.Key_T,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    found: AnnotationsWindow = window.annotations_window  # type: ignore[attr-defined]
    qtbot.waitExposed(found)
    qtbot.waitUntil(lambda: found.filters.author.count() > 1)  # filled after the first paint
    return found


def shown_ids(view: AnnotationsWindow) -> list[int]:
    model = view.model
    return [int(model.index(r, 0).data(ID_ROLE)) for r in range(model.rowCount())]


def type_filter(qtbot: QtBot, view: AnnotationsWindow, widget: object, text: str) -> None:
    widget.setFocus()  # type: ignore[attr-defined]
    widget.selectAll()  # type: ignore[attr-defined]
    if text:
        qtbot.keyClicks(widget, text)
    else:
        qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not view.filters.timer.isActive())


def test_opens_by_key_lazily_and_holds_few_rows(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    assert view.model.total == 550
    assert view.model.rowCount() < 550  # fetched in pages as the view scrolls
    assert view.count_label.text() == "550 annotations"
    assert view.table.horizontalHeader().count() == len(COLUMNS)
    view.table.setFocus()
    for _ in range(12):  # Ctrl+End again and again: the view fetches more, page by page
        qtbot.keyClick(view.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(1)
    assert view.model.rowCount() == 550
    assert view.model.materialised() <= table_model.KEPT_PAGES * PAGE
    assert shown_ids(view) == table.ids(window.ctx.store)
    assert view.model.materialised() <= table_model.KEPT_PAGES * PAGE


def test_sort_by_ordinal_column_in_scale_order(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    header = view.table.horizontalHeader()
    column = COLUMNS.index("likelihood")
    at = QPoint(header.sectionViewportPosition(column) + 5, 5)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)
    wanted = (SortKey("likelihood", header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder),)
    assert view.model.sort_keys == wanted
    while view.model.canFetchMore():
        view.model.fetchMore()
    assert shown_ids(view) == table.ids(window.ctx.store, None, wanted)
    labels = [view.model.index(r, column).data() for r in range(view.model.rowCount())]
    firsts = [label for i, label in enumerate(labels) if label and label not in labels[:i]]
    assert len(firsts) == 5 and firsts != sorted(firsts)  # the scale's order, not the alphabet


@pytest.mark.parametrize(
    ("setup", "wanted"),
    [
        (
            lambda v: v.filters.tag.setCurrentIndex(v.filters.tag.findData("claim")),
            AnnotationFilter(tags=frozenset({"claim"})),
        ),
        (
            lambda v: v.filters.author.setCurrentIndex(v.filters.author.findData("Ben")),
            AnnotationFilter(authors=frozenset({"Ben"})),
        ),
        (
            lambda v: v.filters.status.setCurrentIndex(v.filters.status.findData("draft")),
            AnnotationFilter(statuses=frozenset({"draft"})),
        ),
    ],
)
def test_choice_filters(
    qtbot: QtBot, window: MainWindow, setup: object, wanted: AnnotationFilter
) -> None:
    view = open_table(qtbot, window)
    setup(view)  # type: ignore[operator]
    qtbot.waitUntil(lambda: view.model.wanted == wanted)
    assert view.model.total == table.count(window.ctx.store, wanted) > 0
    assert shown_ids(view) == table.ids(window.ctx.store, wanted)[: view.model.rowCount()]
    assert view.count_label.text() == f"{view.model.total:,} annotations"


def test_document_date_text_and_field_filters(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    store = window.ctx.store
    bar = view.filters
    bar.document.setCurrentIndex(3)  # the first document after All, the library's and the ticked
    qtbot.waitUntil(lambda: len(view.model.wanted.document_ids) == 1)
    assert view.model.total == 300
    bar.document.setCurrentIndex(0)
    type_filter(qtbot, view, bar.date_from, "2023-03-01")
    assert view.model.total == 250  # the two later documents
    type_filter(qtbot, view, bar.date_to, "2023-06-30")
    assert view.model.total == 230
    type_filter(qtbot, view, bar.date_from, "")
    type_filter(qtbot, view, bar.date_to, "")
    type_filter(qtbot, view, bar.text, "CAFE")
    assert view.model.total == table.count(store, AnnotationFilter(text="cafe")) == 110
    type_filter(qtbot, view, bar.text, "")
    type_filter(qtbot, view, bar.fields, "likelihood>=very_likely; confidence=low")
    wanted = AnnotationFilter(
        conditions=(
            table.parse_condition("likelihood>=very_likely"),
            table.parse_condition("confidence=low"),
        )
    )
    assert view.model.wanted == wanted
    assert view.model.total == table.count(store, wanted) > 0
    type_filter(qtbot, view, bar.fields, "value=1000..5000")
    assert view.model.total == table.count(
        store, AnnotationFilter(conditions=(table.parse_condition("value=1000..5000"),))
    )


def test_invalid_input_is_said_inline(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    type_filter(qtbot, view, view.filters.fields, "likelihood>=fairly")
    assert view.filters.error.isVisible()
    assert "likelihood" in view.filters.error.text()
    assert view.model.total == 550  # the last valid filter stays
    type_filter(qtbot, view, view.filters.fields, "")
    type_filter(qtbot, view, view.filters.date_from, "March")
    assert "not a date" in view.filters.error.text()
    type_filter(qtbot, view, view.filters.date_from, "")
    assert not view.filters.error.isVisible()


def test_enter_jumps_to_the_annotation(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    type_filter(qtbot, view, view.filters.fields, "value=4000")
    assert view.model.total == 3  # one per document
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    row = view.model.row_at(view.model.rowCount() - 1)
    assert row is not None
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.workspace.document_id == row.document_id
    assert window.workspace.current_id == row.id
    assert window.form.isVisible()
    assert window.workspace.selection == (row.start, row.end)


def test_export_this_view_writes_exactly_its_ids(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    view = open_table(qtbot, window)
    view.filters.author.setCurrentIndex(view.filters.author.findData("Ana"))
    qtbot.waitUntil(lambda: bool(view.model.wanted.authors))
    header = view.table.horizontalHeader()
    header.setSortIndicator(COLUMNS.index("value"), Qt.SortOrder.DescendingOrder)
    view.export_button.click()
    dialog = view.export_dialog
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    out = tmp_path / "view.csv"
    dialog.path.setText(str(out))
    dialog._named = True  # noqa: SLF001 - typed by the analyst
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10000)
    with out.open(encoding="utf-8-sig") as handle:
        rows = [int(r["annotation_id"]) for r in csv.DictReader(handle)]
    # one CSV row per tag of an annotation, the tags of one annotation together
    exported = [i for n, i in enumerate(rows) if n == 0 or rows[n - 1] != i]
    wanted = (view.model.wanted, view.model.sort_keys)
    assert view.model.sort_keys == (SortKey("value", True),)
    assert exported == table.ids(window.ctx.store, *wanted)


def test_follows_a_toggle_in_the_reader(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    before = view.model.total
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.reader.setFocus()
    window.reader.select_span(0, 9)
    window.workspace.on_span_selected(0, 9)
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: view.model.total == before + 1)
    assert view.count_label.text() == f"{before + 1:,} annotations"


def test_arabic_cells_align_right_and_double_click_jumps(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    column = COLUMNS.index("text")
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    rows = [r for r in range(view.model.rowCount()) if view.model.row_at(r) is not None]
    arabic = [r for r in rows if table_model.right_to_left(view.model.index(r, column).data())]
    assert arabic and len(arabic) < len(rows)
    for r in rows[:60]:
        aligned = view.model.index(r, column).data(Qt.ItemDataRole.TextAlignmentRole)
        assert (aligned == right) == (r in arabic)
    index = view.model.index(arabic[0], column)
    view.table.scrollTo(index)
    at = view.table.visualRect(index).center()
    # QTest's double-click is the second click only: the first one comes before it
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    row = view.model.row_at(arabic[0])
    assert row is not None and window.workspace.current_id == row.id


def test_jump_shows_a_hidden_layer_again(qtbot: QtBot, window: MainWindow) -> None:
    window.visibility.set_shown(LAYER, "Ben", False)
    view = open_table(qtbot, window)
    view.filters.author.setCurrentIndex(view.filters.author.findData("Ben"))
    qtbot.waitUntil(lambda: bool(view.model.wanted.authors))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    row = view.model.row_at(view.table.currentIndex().row())
    assert row is not None and row.author == "Ben"
    qtbot.keyClick(view.table, Qt.Key.Key_Enter)
    assert window.workspace.current_id == row.id
    assert "Ben" not in window.workspace.hidden_authors
    assert "Shown again" in window.statusBar().currentMessage()


def test_follows_changes_saved_by_another_window(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    view = open_table(qtbot, window)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    with open_store(db) as other:  # another process adds two annotations
        ops.bulk_add_annotations(other, 3, _annotations(2, 0))
    assert window.check_external_changes()
    assert view.model.total == 552
    assert view.count_label.text() == "552 annotations"
    assert view.table.currentIndex().row() == 1  # the view kept its place


def test_rows_selected_by_keys_for_bulk_actions(qtbot: QtBot, window: MainWindow) -> None:
    view = open_table(qtbot, window)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert view.selected_ids() == table.ids(window.ctx.store)[1:4]
    # Alt+E (the Text label's mnemonic) puts the keyboard in the text filter
    qtbot.keyClick(view.table, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    assert view.filters.text.hasFocus()
