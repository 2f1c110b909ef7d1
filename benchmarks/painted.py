"""Waiting for a widget's next paint, for the GUI benchmarks (search_gui_bench.py,
table_gui_bench.py): install a `Painted` filter on the widget, note its count, act, then
`until_painted` runs the event loop until another paint event arrives (30 s at most)."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


class Painted(QObject):
    """Counts the paint events of the widgets it filters."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def until_painted(app: QApplication, painted: Painted, before: int) -> None:
    """Process events until `painted` has counted more than `before` paints."""
    deadline = time.perf_counter() + 30
    while painted.count == before and time.perf_counter() < deadline:
        app.processEvents()
