"""The reader assembled: legend above, text in the middle, overview strip on the right."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from annotator.gui.reader.legend import TagLegend
from annotator.gui.reader.overview import OverviewStrip
from annotator.gui.reader.view import ReaderView


class ReaderPane(QWidget):
    """Holds `view`, `legend` and `overview`; the window talks to `view` directly."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = ReaderView(self)
        self.legend = TagLegend(self)
        self.overview = OverviewStrip(self)
        self.overview.attach(self.view)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.view, 1)
        row.addWidget(self.overview)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.legend)
        column.addLayout(row, 1)
        self.setFocusProxy(self.view)

    def set_tag_styles(self, colours: dict[str, QColor]) -> None:
        """Give the same tag colours (dict order = priority) to the view and the legend."""
        self.view.set_tag_styles(colours)
        self.legend.set_tag_styles(colours)
