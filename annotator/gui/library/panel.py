"""The library panel: a filter box over a sortable table of documents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.gui import deferred, viewports
from annotator.gui.library.model import ID_ROLE, LibraryFilter, LibraryModel, LibraryRow

if TYPE_CHECKING:
    from annotator.core.queries import list_documents, tagged_unit_counts
    from annotator.core.store import Store
else:  # deferred: these load SQLAlchemy, which the window is shown without (issue 15)
    list_documents, tagged_unit_counts = deferred.functions(
        "annotator.core.queries", "list_documents", "tagged_unit_counts"
    )

TITLE, DATE, ISSUER, PROGRESS = range(4)
ISSUER_WIDTH = 90
# The title keeps at least this many average characters: a narrower library (a small screen)
# hides the issuer column, which the tooltip and the filter still cover.
TITLE_CHARS = 18


class LibraryPanel(QWidget):
    documentActivated = Signal(int)
    removeRequested = Signal()  # Delete pressed in the table: remove the selected document

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LibraryModel()
        self.proxy = LibraryFilter()
        self.proxy.setSourceModel(self.model)
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText("Filter documents…")
        self.filter_box.setClearButtonEnabled(True)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DATE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ISSUER, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(ISSUER, ISSUER_WIDTH)
        header.setSectionResizeMode(PROGRESS, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(40)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        # "Opening <database>…" while the window's first database opens (opening.py).
        self.opening_label = QLabel(self)
        self.opening_label.setObjectName("libraryOpening")
        self.opening_label.setWordWrap(True)
        self.opening_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.opening_label)
        layout.addWidget(self.table)
        self.filter_box.textChanged.connect(self.proxy.setFilterFixedString)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.activated.connect(self._on_current)
        self.table.installEventFilter(self)
        viewports.prime(self.table)
        self.table.viewport().installEventFilter(self)
        self._store: object | None = None  # the database the rows (and ticks) are of

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.table.viewport() and self._tick_click(event):
            return True
        if watched is self.table and event.type() == QEvent.Type.Resize:
            assert isinstance(event, QResizeEvent)
            self.fit_columns(event.size().width())
        # In the table, Delete means the document: claim the key from the window's
        # Delete Annotation shortcut, then ask for the removal.
        if watched is self.table and event.type() in (
            QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress
        ):
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Delete and not event.modifiers():
                event.accept()
                if event.type() == QEvent.Type.KeyPress:
                    self.removeRequested.emit()
                return True
            # Space ticks the current row (ticks scope the annotations table), opening nothing.
            if event.key() == Qt.Key.Key_Space and not event.modifiers():
                event.accept()
                current = self.table.currentIndex()
                if event.type() == QEvent.Type.KeyPress and current.isValid():
                    self.model.toggle_tick(int(current.data(ID_ROLE)))
                return True
        return super().eventFilter(watched, event)

    def _tick_click(self, event: QEvent) -> bool:
        """A click on a row's check box toggles its tick without making it current (which
        would open it); True when `event` was such a click (and is consumed)."""
        kinds = (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
        )
        if event.type() not in kinds:
            return False
        assert isinstance(event, QMouseEvent)
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        point = event.position().toPoint()
        index = self.table.indexAt(point)
        if not index.isValid() or index.column() != TITLE:
            return False
        # Imported at the first click on a row, not with the window (issue 15).
        from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

        option = QStyleOptionViewItem()
        option.initFrom(self.table)
        option.rect = self.table.visualRect(index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
        box = self.table.style().subElementRect(
            QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, self.table
        )
        if not box.contains(point):
            return False
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.model.toggle_tick(int(index.data(ID_ROLE)))
        return True

    def fit_columns(self, width: int | None = None) -> None:
        """Show the issuer column only while the title keeps TITLE_CHARS characters beside it."""
        header = self.table.horizontalHeader()
        width = self.table.width() if width is None else width
        others = header.sectionSize(DATE) + header.sectionSize(PROGRESS) + ISSUER_WIDTH
        room = width - 2 * self.table.frameWidth() - others
        header.setSectionHidden(ISSUER, room < self.fontMetrics().averageCharWidth() * TITLE_CHARS)

    def _on_current(self, index: QModelIndex, _previous: QModelIndex | None = None) -> None:
        if index.isValid():
            self.documentActivated.emit(int(index.data(ID_ROLE)))

    def show_opening(self, path: Path | None) -> None:
        """Say that the database at `path` is being opened; None: it is open."""
        self.opening_label.setText("" if path is None else f"Opening {path.name}…")
        self.opening_label.setToolTip("" if path is None else str(path))
        self.opening_label.setVisible(path is not None)
        self.filter_box.setEnabled(path is None)

    def reload(self, store: Store) -> None:
        counts = tagged_unit_counts(store)
        rows = [LibraryRow(s, counts.get(s.id, 0)) for s in list_documents(store)]
        self.model.set_rows(rows, keep_ticks=store is self._store)  # another database: none
        self._store = store
        self.fit_columns()  # the date and progress columns took their new widths

    def refresh_documents(self, store: Store, document_ids: set[int]) -> None:
        summaries = {s.id: s for s in list_documents(store) if s.id in document_ids}
        counts = tagged_unit_counts(store, document_ids)
        for document_id in document_ids:
            if document_id in summaries:
                row = LibraryRow(summaries[document_id], counts.get(document_id, 0))
                self.model.update_row(row)
            else:
                self.model.remove_document(document_id)

    def select_document(self, document_id: int) -> None:
        row = self.model.row_of(document_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.blockSignals(True)
            self.table.selectionModel().blockSignals(True)
            self.table.setCurrentIndex(index)
            self.table.selectionModel().blockSignals(False)
            self.table.blockSignals(False)
            self.table.scrollTo(index)

    def view_row(self, document_id: int | None) -> int | None:
        """The row a document has in the table as shown (filtered, sorted), if any."""
        row = None if document_id is None else self.model.row_of(document_id)
        if row is None:
            return None
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        return index.row() if index.isValid() else None

    def document_at(self, view_row: int) -> int | None:
        """The document shown at a row of the table, if there is one."""
        index = self.proxy.index(view_row, 0)
        return int(index.data(ID_ROLE)) if index.isValid() else None
