"""Review mode's key above the reader: which lane is whose, what each state marker means."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.core.review_terms import STATE_LABELS
from annotator.gui.reader.lanes import STATE_SYMBOLS, paint_state_marker


class ReviewLegend(QWidget):
    """Beside the filter bar in review mode: which lane is whose, what each marker means."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewLegend")
        self.authors: list[str] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_authors(self, authors: Sequence[str]) -> None:
        self.authors = list(authors)
        self.setToolTip("Review lanes, left to right: " + ", ".join(
            f"{i + 1} {a}" for i, a in enumerate(self.authors)))
        self.updateGeometry()
        self.update()

    def _items(self) -> list[tuple[str, str]]:
        lanes = "Lanes: " + "  ".join(f"{i + 1} {a}" for i, a in enumerate(self.authors))
        return [("", lanes), *((state, STATE_LABELS[state]) for state in STATE_SYMBOLS)]

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        metrics = self.fontMetrics()
        width = sum(metrics.horizontalAdvance(text) + 30 for _state, text in self._items())
        return QSize(width, metrics.height() + 6)

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        metrics = self.fontMetrics()
        height = self.height()
        x = 4.0
        for state, text in self._items():
            if state:
                size = min(14.0, height - 4.0)
                box = QRectF(x, (height - size) / 2, size, size)
                paint_state_marker(painter, box, state, self.palette())
                x += size + 4
            painter.setPen(self.palette().color(self.foregroundRole()))
            painter.drawText(QRectF(x, 0, metrics.horizontalAdvance(text) + 2, height),
                             Qt.AlignmentFlag.AlignVCenter, text)
            x += metrics.horizontalAdvance(text) + 14
        painter.end()
