"""View > Annotations: the filter bar, the row count, the table and "Export this view…".

The window belongs to the main window (one per main window, `show_table`). Enter or a
double-click on a row opens its document in the reader (if it is not open) and selects the
annotation there, with its form. The table follows the database: each saved change (a toggle
in the reader, an import, a merge, an undo) and each reload for another window's changes counts
again and re-reads the rows shown, keeping the view's place and selection. The selection is
by rows, extended (Shift, Ctrl), for the bulk edits of "Edit Selected" (`bulk_menu`: the
button, the context menu, Ctrl+B), disabled with no selection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.annotation_table import AnnotationFilter
from annotator.core.store import Store
from annotator.gui import jump
from annotator.gui.table.bulk_menu import BulkMenu
from annotator.gui.table.filters import TableFilterBar
from annotator.gui.table.model import (
    COLUMNS,
    DOCUMENT_ROLE,
    HEADERS,
    ID_ROLE,
    AnnotationTableModel,
)
from annotator.gui.table.views import SavedViews
from annotator.gui.table.views import widgets as view_widgets

if TYPE_CHECKING:
    from annotator.gui.mainwindow import MainWindow

REFRESH_MS = 150  # changes arriving together (an import) refresh the table once


class AnnotationsTable(QTableView):
    """Enter jumps to the annotation of the current row (QTableView would start no edit)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class AnnotationsWindow(QWidget):
    def __init__(self, main: MainWindow) -> None:
        super().__init__(main, Qt.WindowType.Window)
        self.main = main
        self.setObjectName("annotationsWindow")
        self.setWindowTitle("Annotations")
        self.model = AnnotationTableModel(self._store, self)
        self.filters = TableFilterBar(
            lambda: main.workspace.document_id, self, main.library.model.ticked
        )
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("tableCount")
        self.export_button = QPushButton("E&xport this View…", self)
        self.export_button.setToolTip(
            "Export exactly the annotations shown, with these filters, in this order"
        )
        self.table = AnnotationsTable(self)
        self.table.setObjectName("annotationsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSectionsMovable(True)  # drag a column next to another
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the export order at first
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(110)
        padding = 2 * self.fontMetrics().horizontalAdvance("M")  # the sort arrow's room
        for column, title in enumerate(HEADERS):
            width = self.fontMetrics().horizontalAdvance(title) + padding
            header.resizeSection(column, max(header.defaultSectionSize(), width))
        header.resizeSection(COLUMNS.index("document"), 170)
        header.resizeSection(COLUMNS.index("text"), 340)
        header.sortIndicatorChanged.connect(self._sort)

        self.status_label = QLabel("", self)
        self.status_label.setObjectName("tableStatusLine")
        self.status_label.setWordWrap(True)
        self.set_field_dialog: QWidget | None = None  # Edit Selected > Set Field…, while shown
        self.confirm_box: QWidget | None = None  # the confirmation of a large bulk edit
        self.bulk_menu = BulkMenu(self)
        self.bulk_button = QPushButton("Edit Se&lected", self)
        self.bulk_button.setObjectName("bulkButton")
        self.bulk_button.setToolTip(
            "Set a field, add or remove a tag, or set the review status of the selected rows "
            "(your own annotations; Ctrl+B)"
        )
        self.bulk_button.setMenu(self.bulk_menu)
        self.bulk_button.setEnabled(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)

        self.saved_views = SavedViews(self)
        top = QHBoxLayout()
        for widget in view_widgets(self.saved_views):
            top.addWidget(widget)
        top.addStretch(1)

        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.bulk_button)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.filters.changed.connect(self._filter)
        self.table.activated.connect(self.jump)
        self.export_button.clicked.connect(self.export_view)
        main.ctx.changed.connect(self._changed)
        main.ctx.storeReplaced.connect(self.reload)
        main.workspace.documentOpened.connect(lambda _id: self.filters.library_selection_changed())
        main.library.model.ticksChanged.connect(self.filters.ticks_changed)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence("Ctrl+B"), self, self._bulk_by_key)
        self.resize(1200, 640)

    def _store(self) -> Store | None:
        return self.main.ctx.store

    # -- what is shown -----------------------------------------------------------------

    def reload(self) -> None:
        """From scratch: the count and the first page now, the choices of the filter bar
        (every author and document: a scan) once that is painted."""
        self.model.reload()
        self._show_count()
        self.saved_views.fill()
        QTimer.singleShot(0, self, self.fill_choices)

    def fill_choices(self) -> None:
        store = self._store()
        if store is not None:
            self.filters.fill(store)

    def _filter(self, wanted: AnnotationFilter) -> None:
        self.model.set_query(wanted)
        self._show_count()

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        self.model.sort(column, order)
        self._show_count()

    def _changed(self, _changes: object) -> None:
        if self.isVisible():
            self.refresh_timer.start()

    def refresh(self) -> None:
        """The database changed: count again, re-read the rows shown (cheap: a page or two)."""
        self.refresh_timer.stop()
        self.fill_choices()  # a new author, tag or document may have come in
        self.model.refresh()
        self._show_count()

    def _show_count(self) -> None:
        total = self.model.total
        self.count_label.setText(f"{total:,} annotation{'s' if total != 1 else ''}")
        self.export_button.setEnabled(total > 0)

    def show_status(self, line: str) -> None:
        self.status_label.setText(line)

    def _selection_changed(self, *_args: object) -> None:
        self.bulk_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _context_menu(self, at: QPoint) -> None:
        self.bulk_menu.popup(self.table.viewport().mapToGlobal(at))

    def _bulk_by_key(self) -> None:
        if self.bulk_button.isEnabled():
            self.bulk_menu.popup(self.bulk_button.mapToGlobal(QPoint(0, self.bulk_button.height())))

    def selected_ids(self) -> list[int]:
        """The annotations of the selected rows, in the table's order (for bulk actions)."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        found = (self.model.index(row, 0).data(ID_ROLE) for row in rows)
        return [int(i) for i in found if i is not None]

    # -- acting on a row ---------------------------------------------------------------

    def jump(self, index: QModelIndex) -> None:
        """Open the row's document in the reader if needed, select its annotation there."""
        annotation_id = index.siblingAtColumn(0).data(ID_ROLE)
        document_id = index.siblingAtColumn(0).data(DOCUMENT_ROLE)
        if annotation_id is not None and document_id is not None:
            jump.select_annotation(self.main, int(document_id), int(annotation_id))

    def export_view(self) -> None:
        from annotator.gui.export_dialog import ExportDialog

        main = self.main
        dialog = ExportDialog(
            self,
            main.ctx.store,
            main.workspace.document_id,
            main.ctx.settings,
            main.ctx.save_settings,
            view=(self.model.wanted, self.model.sort_keys),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.export_dialog = dialog


def show_table(main: MainWindow) -> AnnotationsWindow:
    """View > Annotations: the main window's table window, opened (or raised) and filled."""
    window: AnnotationsWindow | None = getattr(main, "annotations_window", None)
    if window is None:
        window = AnnotationsWindow(main)
        setattr(main, "annotations_window", window)  # noqa: B010 (one per main window)
        window.reload()
    elif not window.isVisible():
        window.reload()
    window.show()
    window.raise_()
    window.activateWindow()
    window.table.setFocus()
    if not window.table.currentIndex().isValid() and window.model.rowCount():
        window.table.selectionModel().setCurrentIndex(
            window.model.index(0, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
    return window


def refresh_shown(main: MainWindow) -> None:
    """The main window reloaded what another window saved: the table too, if it is shown."""
    window: AnnotationsWindow | None = getattr(main, "annotations_window", None)
    if window is not None and window.isVisible():
        window.refresh()
