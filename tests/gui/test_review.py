"""Review mode driven through the real window: two authors' tags on one briefing compared,
disagreements stepped through by key, adjudicated by buttons and keys, the adjudicated layer
exported; agreement dialog numbers; history restores a deleted annotation; filters; merging.

Every check of what was saved goes through a fresh database connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.agreement_data import compute_agreement
from annotator.core.dataset import DatasetFilter, load_dataset
from annotator.core.importing import import_files
from annotator.core.queries import document_detail, list_documents
from annotator.core.store import open_store
from annotator.gui.mainwindow import MainWindow
from annotator.gui.reader.lanes import GAP, MARKER, PAD
from annotator.gui.review.agreement_dialog import stat_text
from annotator.gui.review.history import HistoryDialog
from annotator.gui.review.merge import merge_files
from tests.gui.test_mainwindow import MIXED, SAMPLE, click_unit, make_window, open_doc

A = "assessment"
# (words of the unit, Ana's tags and fields, Ben's tags and fields), in text order
WORK = (
    ("Attacks on commercial convoys", {"claim": {}, "figure": {}}, {"claim": {}, "figure": {}}),
    ("We assess that the Free Valley Front", {A: {"likelihood": "likely"}},
     {A: {"likelihood": "very_likely"}}),
    ("Transit insurers raised premiums", {"claim": {}, "figure": {}}, {"figure": {}}),
    ("Local authorities reported", {"claim": {}}, {"claim": {}}),
    ("The Ministry of Transport said", {"claim": {}}, {}),
    ("Its fighters appear to have acquired", {A: {}}, {"claim": {}}),
)
DISAGREEMENTS = [
    "We assess that the Free Valley Front",  # fields differ
    "Transit insurers raised premiums",  # tags differ
    "The Ministry of Transport said",  # only Ana
    "Its fighters appear to have acquired",  # tags differ
]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def seed(db: Path, authors: tuple[str, ...] = ("Ana", "Ben")) -> None:
    with open_store(db) as store:
        assert all(o.ok for o in import_files(store, [SAMPLE]))
        doc = next(d.id for d in list_documents(store) if d.source_name == "sample-briefing.txt")
        units = document_detail(store, doc).units
        for needle, ana, ben in WORK:
            unit = next(u for u in units if needle in u.text)
            for author, tags in (("Ana", ana), ("Ben", ben)):
                if tags and author in authors:
                    ops.create_annotation(store, doc, unit.start, unit.end, author, list(tags),
                                          fields=tags)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "review.sqlite3"
    seed(path)
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(MIXED, encoding="utf-8")
    with open_store(path) as store:
        assert all(o.ok for o in import_files(store, [mixed]))
    return path


@pytest.fixture
def window(qtbot: QtBot, db: Path) -> Iterator[MainWindow]:
    win = make_window(qtbot, db, author="Ana")
    open_doc(win, "sample-briefing.txt")
    yield win
    win.ctx.store.close()


def span_of(window: MainWindow, needle: str) -> tuple[int, int]:
    text = window.workspace.text
    return next((s, e) for s, e, _k in window.workspace.units if needle in text[s:e])


def rows(db: Path, where: str = "1") -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            'SELECT a.id, a.start, a."end", a.author, a.modified, a.note, a.status, a.reviewer, '
            "a.review_comment, group_concat(t.name) FROM annotations a "
            "LEFT JOIN annotation_tags x ON x.annotation_id = a.id "
            f"LEFT JOIN tags t ON t.id = x.tag_id WHERE {where} GROUP BY a.id ORDER BY a.id"
        ).fetchall()
    finally:
        conn.close()


def layer(db: Path) -> dict[tuple[int, int], tuple]:
    return {(r[1], r[2]): r for r in rows(db, "a.author = 'adjudicated by Ana'")}


def enter_review(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window.reader, Qt.Key.Key_R, CTRL_SHIFT)
    assert window.actions_by_name["review_mode"].isChecked()


def test_review_mode_shows_states_lanes_and_steps_by_key(
    qtbot: QtBot, window: MainWindow
) -> None:
    enter_review(qtbot, window)
    panel = window.review.panel
    assert panel.isVisible() and not window.annotation_list.isVisible()
    assert panel.chosen == ["Ana", "Ben"]
    texts = [panel.units_list.item(i).text() for i in range(panel.units_list.count())]
    assert [t.split(": ", 1)[1] for t in texts] == [
        "fields differ", "tags differ", "only some tagged it", "tags differ"
    ]
    # the reader's lanes: one per author, a state per tagged unit
    gutter = window.reader.review_gutter
    assert gutter is not None and gutter.isVisible() and gutter.authors == ("Ana", "Ben")
    assert gutter.geometry().right() < window.reader.viewport().geometry().left()
    states = {(u.start, u.end): u for u in gutter.units}
    first = states[span_of(window, "Attacks on commercial convoys")]
    assert first.state == "agree" and first.tags == (("claim", "figure"), ("claim", "figure"))
    # its lanes are painted in the tag colours (claim, then figure, side by side)
    window.reader.scroll_to(first.start, 0.3)
    qtbot.wait(20)
    ((top, bottom),) = window.reader._unit_extents([(first.start, first.end)])  # noqa: SLF001
    image = gutter.grab().toImage()
    claim = window.tag_actions["claim"].icon().pixmap(4, 4).toImage().pixelColor(1, 1)
    assert image.pixelColor(PAD + MARKER + GAP + 1, int((top + bottom) / 2)) == claim
    # ] / [ and F6 / Shift+F6 step through the disagreements, selecting each unit
    for needle in DISAGREEMENTS[:3]:
        qtbot.keyClick(window.reader, Qt.Key.Key_BracketRight)
        assert window.reader.current_span() == span_of(window, needle)
    qtbot.keyClick(window.reader, Qt.Key.Key_BracketLeft)
    assert window.reader.current_span() == span_of(window, DISAGREEMENTS[1])
    qtbot.keyClick(window.reader, Qt.Key.Key_F6)
    qtbot.keyClick(window.reader, Qt.Key.Key_F6)
    assert window.reader.current_span() == span_of(window, DISAGREEMENTS[3])
    qtbot.keyClick(window.reader, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert panel.current_review().span == span_of(window, DISAGREEMENTS[2])
    # with one author ticked there is nothing to compare
    panel.authors.item(1).setCheckState(Qt.CheckState.Unchecked)
    assert panel.chosen == ["Ana"] and panel.units_list.count() == 0
    assert "two or more" in panel.summary.text()
    assert window.reader.review_gutter.authors == ("Ana",)
    panel.authors.item(1).setCheckState(Qt.CheckState.Checked)
    assert panel.units_list.count() == 4 and "Ben" in panel.author_buttons
    # leaving review mode puts the list back and drops the lanes
    qtbot.keyClick(window.reader, Qt.Key.Key_R, CTRL_SHIFT)
    assert not panel.isVisible() and window.annotation_list.isVisible()
    assert window.reader.review_gutter is None


def test_field_disagreement_and_edit_in_the_form(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    enter_review(qtbot, window)
    panel = window.review.panel
    qtbot.keyClick(window.reader, Qt.Key.Key_BracketRight)
    review = panel.current_review()
    assert review.state == "field"
    (difference,) = review.field_differences
    assert difference.values == {"Ana": "likely", "Ben": "very_likely"}
    # Labels with their ranges, never the storage codes.
    assert "Likelihood: likely (55-80%)" in panel.detail.text()
    assert "Likelihood: very likely (80-95%)" in panel.detail.text()
    assert "very_likely" not in panel.detail.text()
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    (decided,) = layer(db).values()
    assert decided[9] == "assessment" and decided[6] == "accepted"
    assert window.workspace.current_id == decided[0]  # the form shows the adjudication
    qtbot.keyClick(window.reader, Qt.Key.Key_3)  # tag keys now edit the adjudicated layer
    (decided,) = layer(db).values()
    assert decided[9] == "assessment,figure"
    with sqlite3.connect(db) as conn:
        (fields,) = conn.execute(
            "SELECT x.fields FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
            "WHERE x.annotation_id = ? AND t.name = 'assessment'", (decided[0],)
        ).fetchone()
    assert json.loads(fields) == {"likelihood": "likely"}  # a tie goes to the first lane


def test_adjudicating_writes_a_layer_of_its_own_that_exports(
    qtbot: QtBot, window: MainWindow, db: Path, tmp_path: Path
) -> None:
    originals = rows(db)
    enter_review(qtbot, window)
    panel = window.review.panel
    reader = window.reader
    qtbot.keyClick(reader, Qt.Key.Key_BracketRight)
    qtbot.keyClick(reader, Qt.Key.Key_BracketRight)  # Transit insurers: claim+figure vs figure
    qtbot.keyClicks(panel.comment, "only the figure is reported")
    qtbot.mouseClick(panel.author_buttons["Ben"], Qt.MouseButton.LeftButton)
    decided = layer(db)[span_of(window, DISAGREEMENTS[1])]
    assert decided[6:] == ("accepted", "Ana", "only the figure is reported", "figure")
    assert decided[5] == "Adjudicated: accepted Ben's tags — only the figure is reported"
    assert panel.comment.text() == ""
    # it moved on to the next disagreement by itself: reject all there
    assert reader.current_span() == span_of(window, DISAGREEMENTS[2])
    qtbot.mouseClick(panel.reject_button, Qt.MouseButton.LeftButton)
    rejected = layer(db)[span_of(window, DISAGREEMENTS[2])]
    assert rejected[6] == "rejected" and rejected[9] is None
    # keys: union (Ctrl+Shift+U) on the last one, then lane 1 (Alt+1) on the first
    assert reader.current_span() == span_of(window, DISAGREEMENTS[3])
    qtbot.keyClick(reader, Qt.Key.Key_U, CTRL_SHIFT)
    assert layer(db)[span_of(window, DISAGREEMENTS[3])][9] == "claim,assessment"
    click_unit(qtbot, window, DISAGREEMENTS[0])
    assert panel.current_review().span == span_of(window, DISAGREEMENTS[0])
    qtbot.keyClick(reader, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert layer(db)[span_of(window, DISAGREEMENTS[0])][9] == "assessment"
    assert "✔ accepted Ana's tags" in panel.units_list.item(0).text()
    assert "✖ rejected all tags" in panel.units_list.item(2).text()
    # the colleagues' annotations are exactly as they were
    assert rows(db, "a.author IN ('Ana', 'Ben')") == originals
    # the layer exports like any author's work
    registry = pytest.importorskip("annotator.core.exporters.registry")
    out = tmp_path / "adjudicated.jsonl"
    wanted = DatasetFilter(authors=frozenset({"adjudicated by Ana"}))
    dataset = load_dataset(window.ctx.store, wanted)
    registry.export(dataset, "jsonl-spans", out)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line["author"] for line in lines} == {"adjudicated by Ana"}
    assert [[t["name"] for t in line["tags"]] for line in lines] == [
        ["assessment"], ["figure"], [], ["claim", "assessment"]
    ]
    assert lines[2]["note"].startswith("Adjudicated: rejected all tags")
    # undo takes the last decision back
    qtbot.keyClick(reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert span_of(window, DISAGREEMENTS[0]) not in layer(db)


def test_accept_all_agreed_units(qtbot: QtBot, window: MainWindow, db: Path) -> None:
    enter_review(qtbot, window)
    qtbot.mouseClick(window.review.panel.agreed_button, Qt.MouseButton.LeftButton)
    assert set(layer(db)) == {span_of(window, "Attacks on commercial convoys"),
                              span_of(window, "Local authorities reported")}
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert layer(db) == {}


def test_agreement_dialog_shows_compute_agreement_numbers(
    qtbot: QtBot, window: MainWindow
) -> None:
    enter_review(qtbot, window)
    window.actions_by_name["agreement"].trigger()
    dialog = window.review.dialog
    assert dialog is not None and dialog.isVisible()
    store, document_id = window.ctx.store, window.workspace.document_id
    for scope in (document_id, None):
        dialog.scope.setCurrentIndex(dialog.scope.findData(scope))
        wanted = DatasetFilter(
            document_ids=frozenset({document_id}) if scope is not None else None,
            authors=frozenset({"Ana", "Ben"}),
        )
        expected = compute_agreement(load_dataset(store, wanted), ["Ana", "Ben"], scope)
        table = dialog.table
        for row, found in enumerate([*expected.tags, expected.overall]):
            assert table.item(row, 0).text() == found.tag
            assert table.item(row, 1).text() == stat_text(found.percent, percent=True)
            assert table.item(row, 2).text() == stat_text(found.kappa)
            assert table.item(row, 3).text() == stat_text(found.alpha)
        likelihood = expected.for_field("assessment", "likelihood")
        cells = {dialog.fields.item(r, 0).text(): r for r in range(dialog.fields.rowCount())}
        row = cells["assessment: Likelihood"]
        assert "assessment.likelihood" not in cells
        assert dialog.fields.item(row, 3).text() == stat_text(likelihood.alpha)
        assert dialog.chart.rows[-1][0] == "overall"
        _chart_draws_its_bars(dialog.chart)
    # one tick fewer: fewer than two authors, no numbers
    dialog.authors.item(1).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.report is None and dialog.table.rowCount() == 0


def _chart_draws_its_bars(chart: QWidget) -> None:
    """The bar chart paints a kappa and an alpha bar (or "n/a") for each row."""
    from annotator.gui.theme import theme_of

    kappa_colour, alpha_colour = (QColor(c) for c in theme_of(chart.palette()).chart)
    image = chart.grab().toImage()
    colours = {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    }
    rows = chart.rows  # type: ignore[attr-defined]
    assert rows
    for position, colour in ((1, kappa_colour), (2, alpha_colour)):
        drawn = any(row[position].value for row in rows)  # a zero-width bar shows nothing
        assert (colour.name() in colours) == drawn


def test_history_panel_restores_a_deleted_annotation(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    start, end = span_of(window, "The Ministry of Transport said")
    (victim,) = rows(db, f"a.start = {start} AND a.author = 'Ana'")
    click_unit(qtbot, window, "The Ministry of Transport said")
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert rows(db, f"a.id = {victim[0]}") == []
    window.actions_by_name["deleted"].trigger()
    dialog = window.review.dialog
    assert isinstance(dialog, HistoryDialog) and dialog.tabs.currentIndex() == 1
    assert dialog.deleted_table.rowCount() == 1
    assert "Ministry of Transport" in dialog.deleted_table.item(0, 4).text()
    dialog.deleted_table.selectRow(0)
    qtbot.mouseClick(dialog.restore_deleted, Qt.MouseButton.LeftButton)
    assert rows(db, f"a.id = {victim[0]}") == [victim]  # same id, same everything
    assert dialog.deleted_table.rowCount() == 0
    actions = [dialog.history_table.item(r, 2).text()
               for r in range(dialog.history_table.rowCount())]
    assert actions == ["create", "delete", "restore"]
    # the restore is one undoable step like any edit
    qtbot.keyClick(window.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(db, f"a.id = {victim[0]}") == []
    # the history of an annotation, opened from the Edit menu for the one in the form
    click_unit(qtbot, window, "Local authorities reported")
    window.actions_by_name["history"].trigger()
    dialog = window.review.dialog
    assert isinstance(dialog, HistoryDialog) and dialog.tabs.currentIndex() == 0
    assert dialog.history_table.item(0, 2).text() == "create"


def test_status_and_author_filters_for_reader_and_library(
    qtbot: QtBot, window: MainWindow, db: Path
) -> None:
    click_unit(qtbot, window, "Local authorities reported")
    shown = window.workspace.current_id
    window.actions_by_name["status_accepted"].trigger()
    assert rows(db, f"a.id = {shown}")[0][6:8] == ("accepted", "Ana")
    bar = window.filter_bar
    bar.set_value("accepted", None)
    assert [a.id for a in window.reader.annotations()] == [shown]
    library = window.review.library_filter
    sample = window.workspace.document_id
    assert library.visible_ids() == [sample]  # the mixed-script briefing has none
    bar.set_value(None, "Ben")
    assert {window.workspace.annotations[a.id].author for a in window.reader.annotations()} == {
        "Ben"
    }
    bar.set_value(None, None)
    assert len(window.reader.annotations()) == len(window.workspace.annotations)
    assert sorted(library.visible_ids()) == sorted(d.id for d in list_documents(window.ctx.store))


def test_merge_a_colleagues_database_from_the_window(
    qtbot: QtBot, tmp_path: Path
) -> None:
    ours, theirs = tmp_path / "ana.sqlite3", tmp_path / "ben.sqlite3"
    seed(ours, ("Ana",))
    seed(theirs, ("Ben",))
    window = make_window(qtbot, ours, author="Ana")
    try:
        (report,) = merge_files(window, [theirs])
        assert not isinstance(report, str) and report.merge.annotations_added == 5
        box = window.findChild(QMessageBox, "mergeReport")
        assert box is not None and "5 annotation(s) added" in box.text()
        assert {r[3] for r in rows(ours)} == {"Ana", "Ben"}
        assert {a.author for a in window.workspace.annotations.values()} == {"Ana", "Ben"}
        (again,) = merge_files(window, [theirs])
        assert again.merge.annotations_added == 0 and again.merge.annotations_present == 5
        (refused,) = merge_files(window, [tmp_path / "nothing.sqlite3"])
        assert isinstance(refused, str) and "no such file" in refused
        # Ben's corrected version of the briefing: same file name, other text
        corrected = tmp_path / "v2" / SAMPLE.name
        corrected.parent.mkdir()
        corrected.write_text(SAMPLE.read_text(encoding="utf-8").replace("37", "38"), "utf-8")
        version = tmp_path / "ben-v2.sqlite3"
        with open_store(version) as store:
            (outcome,) = import_files(store, [corrected])
            ops.create_annotation(store, outcome.document_id, 0, 10, "Ben", ["claim"])
        (report,) = merge_files(window, [version])
        assert report.merge.annotations_added == 0 and len(report.not_merged) == 1
        box = next(b for b in window.findChildren(QMessageBox, "mergeReport") if b.isVisible()
                   and "not merged" in b.text())
        qtbot.mouseClick(box.findChild(QPushButton, "addDiffering"), Qt.MouseButton.LeftButton)
        assert len(list_documents(window.ctx.store)) == 2
        assert len(rows(ours)) == 6 + 5 + 1
    finally:
        window.ctx.store.close()


def test_history_descriptions_say_what_each_change_did(tmp_path: Path) -> None:
    """The history panel's "change" column, for every kind of change an analyst makes."""
    from annotator.core.history import annotation_history
    from annotator.core.review import set_review_status
    from annotator.gui.review.history import describe

    with open_store(tmp_path / "h.sqlite3") as store:
        (outcome,) = import_files(store, [SAMPLE])
        assert outcome.document_id is not None
        created = ops.create_annotation(store, outcome.document_id, 0, 30, "Ana", ["claim"])
        annotation_id = created.created_id
        assert annotation_id is not None
        ops.set_fields(store, annotation_id, "claim", {"source_reliability": "B"})
        ops.set_fields(store, annotation_id, "claim", {"source_reliability": "C"})
        ops.set_span(store, annotation_id, 5, 40)
        ops.set_note(store, annotation_id, "check the ministry's figure")
        ops.set_note(store, annotation_id, "A long note\nover lines, " + "x" * 60)
        ops.set_note(store, annotation_id, "")
        ops.set_tag(store, annotation_id, "figure", True)
        set_review_status(store, annotation_id, "accepted", "Rev")
        words = [describe(entry) for entry in annotation_history(store, annotation_id)]
    assert words == [
        "created: claim",
        "claim, Source reliability: — → B - Usually reliable",
        "claim, Source reliability: B - Usually reliable → C - Fairly reliable",
        "span [0, 30) → [5, 40)",
        "note: “check the ministry's figure”",
        "note: “A long note over lines, " + "x" * 36 + "…”",
        "note removed",
        "tags claim → claim, figure",
        "status draft → accepted",
    ]


def test_review_keys_with_nothing_to_act_on_say_so_in_the_status_bar(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Accept with no disagreement selected, or a review status with no annotation shown: a
    status-bar hint, no dialog, and the status bar never says "Not saved"."""
    from PySide6.QtWidgets import QApplication, QDialog

    enter_review(qtbot, window)
    window.review.panel.decide("union")
    assert "Select a disagreement first" in window.statusBar().currentMessage()
    window.workspace.current_id = None
    window.workspace.last_annotation_id = None
    window.actions_by_name["status_accepted"].trigger()
    assert "then set its status" in window.statusBar().currentMessage()
    qtbot.wait(10)
    assert not any(
        w.isVisible() for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)
    )
    assert window.saved_label.text() != "Not saved"
