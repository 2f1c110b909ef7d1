"""Edit > Find in All Documents (Ctrl+Shift+F): full-text search over every document's text and
every annotation's note (core.search), in a panel docked under the reader.

The query is searched as it is typed, once typing pauses (DEBOUNCE_MS), on the GUI thread: on
60 MB of text a search takes 15-35 ms and showing its results 5-15 ms more
(benchmarks/search_gui_bench.py), a pause of a few frames, so no worker thread; and a search
run here answers the text in the box when it runs, so an older answer never replaces a newer
one. Results are grouped by document (search_hits.py). Keys: Down (or Enter) in the box
moves to the first hit; Up/Down move (Up on the first row: back to the box); Enter or a
double-click opens the hit in the reader (a sentence: its matched words selected; a note: its
annotation selected with its form), Escape goes back to the box, and Escape in the box closes
the panel. Every saved change (an edit, an import, an undo, another window's
write) runs the search again once the changes pause, or when the panel is shown next.
A team database (PostgreSQL) is searched the same way, through its own indexes (core.search).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import AnnotatorError
from annotator.core.search import DEFAULT_LIMIT, SearchResults, search
from annotator.core.storage_errors import describe_storage_error
from annotator.gui import jump, theme
from annotator.gui.context import storage_errors
from annotator.gui.search_hits import HIT_ROLE, KEY_ROLE, HitDelegate, fill

if TYPE_CHECKING:
    from annotator.core.search import Hit
    from annotator.gui.mainwindow import MainWindow

DEBOUNCE_MS = 200  # a pause in typing this long runs the search
REFRESH_MS = 300  # changes arriving together (an import) run it once
# Sentences, and notes, shown at most: core's default. 500 made a common word's search
# 40-75 ms instead of 15-30 ms on 60 MB (search_gui_bench.py), felt at every pause in typing.
LIMIT = DEFAULT_LIMIT
PROMPT = 'Type a word, a "phrase" or a prefix* to search the text and notes of every document'
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class QueryBox(QLineEdit):
    """Down or Enter moves to the results; Escape closes the panel."""

    def __init__(self, panel: SearchPanel) -> None:
        super().__init__(panel)
        self.panel = panel

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        if key in _ENTER:
            self.panel.run()
            self.panel.focus_results()
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.panel.focus_results()
        elif key == Qt.Key.Key_Escape:
            self.panel.close_panel()
        else:
            super().keyPressEvent(event)


class ResultsTree(QTreeView):
    """Enter opens the current row; Escape goes back to the query box."""

    def __init__(self, panel: SearchPanel) -> None:
        super().__init__(panel)
        self.panel = panel

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in _ENTER and self.currentIndex().isValid():
            self.panel.open_hit(self.currentIndex())
        elif event.key() == Qt.Key.Key_Escape:
            self.panel.query_box.setFocus()
            self.panel.query_box.selectAll()
        elif event.key() == Qt.Key.Key_Up and self._at_first_row():
            self.panel.query_box.setFocus()
        else:
            super().keyPressEvent(event)

    def _at_first_row(self) -> bool:
        current = self.currentIndex()
        return not current.isValid() or (current.row() == 0 and not current.parent().isValid())


class SearchPanel(QWidget):
    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.main = main
        self.setObjectName("searchPanel")
        self.query_box = QueryBox(self)
        self.query_box.setObjectName("searchQuery")
        self.query_box.setPlaceholderText('Words, "a phrase" or a prefix* — in every document')
        self.query_box.setClearButtonEnabled(True)
        self.query_box.setToolTip(
            'Every word must occur in the sentence or the note; "quoted words" in that order;\n'
            "a word ending in * matches every word starting so. Case, accents and Arabic\n"
            "harakat do not matter."
        )
        label = QLabel("F&ind:", self)
        label.setBuddy(self.query_box)
        self.count_label = QLabel(PROMPT, self)
        self.count_label.setObjectName("searchCount")
        self.count_label.setWordWrap(True)
        self.model = QStandardItemModel(self)
        self.tree = ResultsTree(self)
        self.tree.setObjectName("searchResults")
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setExpandsOnDoubleClick(False)  # a double-click opens the hit
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setItemDelegate(
            HitDelegate(lambda: {t.name: t.colour for t in main.workspace.tags}, self.tree)
        )
        self.tree.doubleClicked.connect(self.open_hit)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.query_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(row)
        layout.addWidget(self.count_label)
        layout.addWidget(self.tree, 1)
        self.typing = QTimer(self)
        self.typing.setSingleShot(True)
        self.typing.setInterval(DEBOUNCE_MS)
        self.typing.timeout.connect(self.run)
        self.query_box.textChanged.connect(lambda _text: self.typing.start())
        self.changes = QTimer(self)
        self.changes.setSingleShot(True)
        self.changes.setInterval(REFRESH_MS)
        self.changes.timeout.connect(self.run)
        self.stale = False  # the database changed while the panel was hidden
        self.results: SearchResults | None = None
        main.ctx.changed.connect(self.database_changed)
        main.ctx.storeReplaced.connect(self.database_changed)
        # The library is read again when another window saved changes (watching.py).
        main.library.model.modelReset.connect(self.database_changed)

    # -- searching -------------------------------------------------------------------------

    def run(self) -> None:
        """Search for the text in the box now and show the answer."""
        self.typing.stop()
        self.changes.stop()
        self.stale = False
        query = self.query_box.text()
        store = self.main.ctx.store
        if store is None:  # the window's database is still opening
            self._show_message("The database is still opening…")
            return
        if not query.strip():
            self._show_message(PROMPT)
            return
        try:
            results = search(store, query, LIMIT)
        except AnnotatorError as exc:  # nothing to search for
            self._show_message(str(exc), "error")
            return
        except storage_errors() as exc:
            self._show_message(describe_storage_error(exc, "The search did not run"), "error")
            return
        self._show(results)

    def _show_message(self, message: str, role: str = "") -> None:
        self.results = None
        self.model.clear()
        self.count_label.setText(message)
        theme.use(self.count_label, role)

    def _show(self, results: SearchResults) -> None:
        # The same query run again (the database changed) keeps the hit the analyst is on; a
        # new one starts at its first hit.
        same = self.results is not None and self.results.query == results.query
        kept = self.tree.currentIndex().data(KEY_ROLE) if same else None
        self.results = results
        fill(self.model, results)
        self.tree.expandAll()
        self.count_label.setText(count_line(results))
        theme.use(self.count_label, "")
        current = self._row_with_key(kept) if kept is not None else None
        if current is None:
            current = self.first_hit()
        if current is not None and current.isValid():
            self.tree.selectionModel().setCurrentIndex(
                current, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.tree.scrollTo(current)

    def first_hit(self) -> QModelIndex:
        document = self.model.index(0, 0)
        return self.model.index(0, 0, document) if document.isValid() else QModelIndex()

    def _row_with_key(self, key: object) -> QModelIndex | None:
        for row in range(self.model.rowCount()):
            document = self.model.index(row, 0)
            if document.data(KEY_ROLE) == key:
                return document
            for child in range(self.model.rowCount(document)):
                index = self.model.index(child, 0, document)
                if index.data(KEY_ROLE) == key:
                    return index
        return None

    def database_changed(self, *_args: object) -> None:
        """A saved change: search again once changes pause, or when the panel is shown next."""
        if self.isVisible():
            self.changes.start()
        else:
            self.stale = True

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)  # type: ignore[arg-type]
        if self.stale:
            self.run()

    # -- keys and jumps --------------------------------------------------------------------

    def focus_results(self) -> None:
        if self.typing.isActive():
            self.run()
        if not self.model.rowCount():
            return
        self.tree.setFocus()
        if not self.tree.currentIndex().isValid():
            self.tree.setCurrentIndex(self.first_hit())

    def open_hit(self, index: QModelIndex | QPersistentModelIndex) -> None:
        """Show the hit of `index` in the reader (a document row: its first hit)."""
        hit: Hit | None = index.data(HIT_ROLE)
        if hit is None:
            first = self.model.index(0, 0, self.model.index(index.row(), 0))
            hit = first.data(HIT_ROLE)
        if hit is None:
            return
        if hit.kind == "note" and hit.annotation_id is not None:
            jump.select_annotation(self.main, hit.document_id, hit.annotation_id)
            return
        start, end = hit.spans[0] if hit.spans else (0, hit.end - hit.start)
        jump.select_span(self.main, hit.document_id, hit.start + start, hit.start + end)

    def close_panel(self) -> None:
        dock = self.parentWidget()
        if isinstance(dock, QDockWidget):
            dock.hide()
        self.main.reader.setFocus()


def count_line(results: SearchResults) -> str:
    """The count line: "42 hits in 7 documents", the first ones only, or none found."""
    if not results.hit_count:
        return f"No sentence or note matches {results.query.strip()}"
    documents = len(results.documents)
    where = f"in {documents:,} document{'s' if documents != 1 else ''}"
    if results.truncated:
        return (
            f"First {results.hit_count:,} hits shown, {where} — more match: "
            "add a word to narrow the search"
        )
    return f"{results.hit_count:,} hit{'s' if results.hit_count != 1 else ''} {where}"


def show_panel(main: MainWindow) -> SearchPanel:
    """Edit > Find in All Documents: the main window's search panel, shown, its query selected
    for typing over."""
    dock: QDockWidget | None = getattr(main, "search_dock", None)
    if dock is None:
        dock = QDockWidget("Find in All Documents", main)
        dock.setObjectName("searchDock")
        dock.setAllowedAreas(
            Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.TopDockWidgetArea
        )
        panel = SearchPanel(main)
        dock.setWidget(panel)
        # Where the analyst left it last time (the window's saved state), else under the reader.
        if not main.restoreDockWidget(dock):
            main.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            main.resizeDocks([dock], [max(main.height() // 3, 200)], Qt.Orientation.Vertical)
        setattr(main, "search_dock", dock)  # noqa: B010 (one per main window)
    panel = dock.widget()
    assert isinstance(panel, SearchPanel)
    dock.show()
    dock.raise_()
    panel.query_box.setFocus()
    panel.query_box.selectAll()
    return panel
