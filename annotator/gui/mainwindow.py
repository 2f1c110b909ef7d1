"""The main window. For now: the library of the open database (the reader comes next)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow, QTableWidget, QTableWidgetItem

from annotator.core.queries import list_documents
from annotator.core.store import Store


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setWindowTitle(f"Annotator — {store.path.name}")
        self.resize(1100, 720)
        self.library = QTableWidget(0, 4, self)
        self.library.setHorizontalHeaderLabels(["Title", "Date", "Units", "Annotations"])
        self.library.horizontalHeader().setStretchLastSection(False)
        self.setCentralWidget(self.library)
        self.statusBar().addWidget(QLabel(str(store.path)))
        self.refresh()

    def refresh(self) -> None:
        summaries = list_documents(self.store)
        self.library.setRowCount(len(summaries))
        for row, summary in enumerate(summaries):
            date = summary.published.isoformat() if summary.published else ""
            values = [summary.title, date, str(summary.unit_count), str(summary.annotation_count)]
            for column, value in enumerate(values):
                self.library.setItem(row, column, QTableWidgetItem(value))
        self.library.resizeColumnsToContents()
