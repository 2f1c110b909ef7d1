"""The status/author filter bar: which annotations the reader shows, which documents the
library lists (those with at least one annotation of that status by that author)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTableView, QWidget

from annotator.core.review_terms import STATUSES
from annotator.gui import deferred, theme
from annotator.gui.library.model import ID_ROLE

if TYPE_CHECKING:
    from annotator.core.queries import list_authors
    from annotator.core.review import documents_matching
    from annotator.core.store import Store
else:  # deferred: these load SQLAlchemy, which the window is shown without (issue 15)
    (list_authors,) = deferred.functions("annotator.core.queries", "list_authors")
    (documents_matching,) = deferred.functions("annotator.core.review", "documents_matching")


class AuthorCombo(QComboBox):
    """"Any author" and every author of the database, re-read when the list opens."""

    def __init__(self, store_of: Callable[[], Store], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store_of = store_of
        self.addItem("Any author", None)

    def reload(self) -> None:
        current = self.currentData()
        authors = list_authors(self._store_of())
        self.blockSignals(True)
        self.clear()
        self.addItem("Any author", None)
        for author in authors:
            self.addItem(author, author)
        found = self.findData(current) if current is not None else 0
        self.setCurrentIndex(max(0, found))
        self.blockSignals(False)
        if current is not None and found < 0:
            self.currentIndexChanged.emit(0)

    def showPopup(self) -> None:  # noqa: N802 (Qt override)
        self.reload()
        super().showPopup()


class FilterBar(QWidget):
    """Two combos: review status and author (None: any)."""

    changed = Signal(object, object)  # status, author

    def __init__(self, store_of: Callable[[], Store], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        self.status = QComboBox(self)
        self.status.setObjectName("statusFilter")
        self.status.setAccessibleName("Show annotations of review status")
        self.status.addItem("Any status", None)
        for status in STATUSES:
            self.status.addItem(status.capitalize(), status)
        self.author = AuthorCombo(store_of, self)
        self.author.setObjectName("authorFilter")
        self.author.setAccessibleName("Show annotations of author")
        label = QLabel("Show:", self)
        label.setToolTip("Filters the reader (annotations shown) and the library (documents "
                         "with such annotations)")
        self.note = QLabel(self)
        self.note.setObjectName("filterNote")
        layout.addWidget(label)
        layout.addWidget(self.status)
        layout.addWidget(self.author)
        layout.addWidget(self.note, 1)
        self.status.currentIndexChanged.connect(self._emit)
        self.author.currentIndexChanged.connect(self._emit)

    def value(self) -> tuple[str | None, str | None]:
        return self.status.currentData(), self.author.currentData()

    def set_value(self, status: str | None, author: str | None) -> None:
        """Set both combos (as if chosen); an author not yet listed is added."""
        if author is not None and self.author.findData(author) < 0:
            self.author.reload()
        self.status.setCurrentIndex(max(0, self.status.findData(status)) if status else 0)
        self.author.setCurrentIndex(max(0, self.author.findData(author)) if author else 0)

    def _emit(self) -> None:
        status, author = self.value()
        active = status is not None or author is not None
        self.note.setText("filtered" if active else "")
        theme.use(self.note, "attention" if active else "")
        self.changed.emit(status, author)


class LibraryRowFilter:
    """Hides the library rows of documents without a matching annotation.

    Works on the table's rows (the library's own text filter and sorting stay as they are) and
    re-applies itself whenever the library's rows change.
    """

    def __init__(self, table: QTableView) -> None:
        self.table = table
        self.allowed: set[int] | None = None
        model = table.model()
        for signal in (model.layoutChanged, model.rowsInserted, model.rowsRemoved,
                       model.modelReset):
            signal.connect(self.apply)

    def set_filter(self, store: Store, status: str | None, author: str | None) -> None:
        if status is None and author is None:
            self.allowed = None
        else:
            self.allowed = documents_matching(store, status=status, author=author)
        self.apply()

    def refresh(self, store: Store, status: str | None, author: str | None) -> None:
        if self.allowed is not None:
            self.set_filter(store, status, author)

    def apply(self, *_args: object) -> None:
        model = self.table.model()
        for row in range(model.rowCount()):
            document_id = model.index(row, 0).data(ID_ROLE)
            self.table.setRowHidden(row, self.allowed is not None
                                    and document_id not in self.allowed)

    def visible_ids(self) -> list[int]:
        model = self.table.model()
        return [
            int(model.index(row, 0).data(ID_ROLE))
            for row in range(model.rowCount())
            if not self.table.isRowHidden(row)
        ]
