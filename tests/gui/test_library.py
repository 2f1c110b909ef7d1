"""The library table: sorting by each column on typed values, filtering, tooltips."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.store import Store, open_store
from annotator.gui.library.panel import LibraryPanel

# (title, issuer, date, certainty, units, units to tag)
DOCUMENTS = (
    ("beta report", "Ministry", dt.date(2024, 3, 1), "exact", 4, 1),
    ("Alpha brief", "Agency", dt.date(2025, 1, 9), "exact", 10, 9),
    ("Gamma note", None, None, "none", 5, 0),
    ("delta estimate", "Cell", dt.date(2024, 11, 2), "ambiguous", 8, 4),
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "library.sqlite3") as opened:
        for title, issuer, published, certainty, units, tagged in DOCUMENTS:
            text = "".join(f"Sentence {i} of {title}. " for i in range(units))
            spans, position = [], 0
            for i in range(units):
                length = len(f"Sentence {i} of {title}.")
                spans.append((position, position + length, "sentence"))
                position += length + 1
            document_id = ops.add_document(
                opened,
                ops.NewDocument(
                    text=text, title=title, issuer=issuer, published=published,
                    date_certainty=certainty, date_note="day or month?" if certainty ==
                    "ambiguous" else None, language="en", source_name=f"{title}.txt",
                    source_format="txt", units=spans,
                ),
            ).created_id
            assert document_id is not None
            for start, end, _kind in spans[:tagged]:
                ops.create_annotation(opened, document_id, start, end, "Ana", ["claim"])
        yield opened


@pytest.fixture
def panel(qtbot: QtBot, store: Store) -> LibraryPanel:
    library = LibraryPanel()
    qtbot.addWidget(library)
    library.reload(store)
    return library


def column(panel: LibraryPanel, number: int) -> list[str]:
    proxy = panel.proxy
    return [str(proxy.index(row, number).data()) for row in range(proxy.rowCount())]


def titles(panel: LibraryPanel) -> list[str]:
    return column(panel, 0)


def test_newest_first_by_default_and_undated_last(panel: LibraryPanel) -> None:
    assert titles(panel) == ["Alpha brief", "delta estimate", "beta report", "Gamma note"]
    # An ambiguous day/month is marked in the date column.
    assert column(panel, 1) == ["2025-01-09", "2024-11-02?", "2024-03-01", ""]


def test_each_column_sorts_on_its_value(panel: LibraryPanel) -> None:
    table = panel.table
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # titles, ignoring case
    assert titles(panel) == ["Alpha brief", "beta report", "delta estimate", "Gamma note"]
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # progress as a fraction, not text
    assert column(panel, 3) == ["9 / 10", "4 / 8", "1 / 4", "0 / 5"]
    table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert column(panel, 2) == ["", "Agency", "Cell", "Ministry"]


def test_the_filter_matches_title_issuer_and_date(qtbot: QtBot, panel: LibraryPanel) -> None:
    qtbot.keyClicks(panel.filter_box, "ALPHA")
    assert titles(panel) == ["Alpha brief"]
    panel.filter_box.setText("ministry")
    assert titles(panel) == ["beta report"]
    panel.filter_box.setText("2024-")
    assert titles(panel) == ["delta estimate", "beta report"]
    panel.filter_box.clear()
    assert len(titles(panel)) == 4


def test_the_tooltip_says_where_the_document_came_from_and_how_far_it_is(
    panel: LibraryPanel,
) -> None:
    row = titles(panel).index("delta estimate")
    tip = str(panel.proxy.index(row, 0).data(Qt.ItemDataRole.ToolTipRole))
    assert tip.splitlines() == [
        "delta estimate",
        "Issuer: Cell",  # the issuer column is hidden in a narrow library
        "Source: delta estimate.txt",
        "Date: day or month?",
        "4 of 8 units tagged, 4 annotations",
    ]
