"""View > Sources (issue 16): every claim source with its number of claims, its default
Admiralty grading and the spread of the credibility given to its claims; the grade is set here.

The rows come from `core.sources.list_sources` (one grouped query over the claims, however
many). Sources are shared reference data, like the tag list: any analyst may set a source's
default grade (it changes no claim; who and when is recorded and shown). Enter or a
double-click on a source emits `sourceActivated(name)`, for a view of its claims.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from annotator.core.fields import INFORMATION_CREDIBILITY, SOURCE_RELIABILITY, choice_text
from annotator.core.sources import CREDIBILITY_CODES, RELIABILITY_CODES, SourceInfo, source_key
from annotator.gui.form.sources import SourceBook

if TYPE_CHECKING:
    from annotator.gui.mainwindow import MainWindow

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Source", "Claims", "Default reliability", "Credibility given", "Reliability given",
           "Changed by")
NO_GRADE = "\u2014"  # an em dash: no default grade
SIZED_ROWS = 40  # rows measured to fit the columns to their contents
NAME_WIDTH = 320  # at most, for the source column (a long name is elided)
REFRESH_MS = 300  # after a change to the database, read again once it has settled


def grade_text(grade: str | None) -> str:
    choice = next((c for c in SOURCE_RELIABILITY if c.code == grade), None)
    return choice_text(choice) if choice is not None else NO_GRADE


def spread_text(codes: tuple[str, ...], counts: tuple[int, ...], missing: int) -> str:
    """"1:3 2:5 3:0 ..." with " -:2" for claims given none."""
    text = " ".join(f"{code}:{count}" for code, count in zip(codes, counts, strict=True))
    return f"{text} -:{missing}" if missing else text


def _mean_position(counts: tuple[int, ...]) -> float:
    """The average position on the scale (0 first) of the grades given; after all when none."""
    total = sum(counts)
    if not total:
        return float(len(counts))
    return sum(i * n for i, n in enumerate(counts)) / total


class SourcesModel(QAbstractTableModel):
    """The sources, sorted and filtered here in Python (a proxy model would ask `data` for
    every comparison: thousands of calls into Python for a few hundred sources)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.all: list[SourceInfo] = []
        self.sources: list[SourceInfo] = []  # shown: filtered and sorted
        self.sort_column, self.sort_order = 1, Qt.SortOrder.DescendingOrder
        self.needle = ""

    def set_sources(self, sources: list[SourceInfo]) -> None:
        self.all = sources
        self._arrange()

    def set_filter(self, text: str) -> None:
        self.needle = source_key(text)
        self._arrange()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column, self.sort_order = column, order
        self._arrange()

    def _arrange(self) -> None:
        needle = self.needle
        shown = [info for info in self.all if needle in info.key] if needle else list(self.all)
        column = self.sort_column
        shown.sort(key=lambda info: info.key)  # ties in name order, whichever the direction
        shown.sort(
            key=lambda info: self._sort_value(info, column),
            reverse=self.sort_order == Qt.SortOrder.DescendingOrder,
        )
        self.beginResetModel()
        self.sources = shown
        self.endResetModel()

    def row_of(self, key: str) -> int | None:
        return next((r for r, info in enumerate(self.sources) if info.key == key), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.sources)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        info = self.sources[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(info, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(info, column)
        return None

    def _text(self, info: SourceInfo, column: int) -> str:
        if column == 0:
            return info.name
        if column == 1:
            return f"{info.claims:,}"
        if column == 2:
            return grade_text(info.reliability)
        if column == 3:
            return spread_text(CREDIBILITY_CODES, info.credibility, info.without_credibility)
        if column == 4:
            missing = info.claims - sum(info.reliability_given)
            return spread_text(RELIABILITY_CODES, info.reliability_given, missing)
        if not info.registered:
            return "not registered"
        return f"{info.modified_by}, {info.modified[:10]}" if info.modified else info.modified_by

    @staticmethod
    def _sort_value(info: SourceInfo, column: int) -> Any:
        if column == 0:
            return info.key
        if column == 1:
            return info.claims
        if column == 2:
            return RELIABILITY_CODES.index(info.reliability) if info.reliability else 99
        if column == 3:
            return _mean_position(info.credibility)
        if column == 4:
            return _mean_position(info.reliability_given)
        return info.modified

    def _tip(self, info: SourceInfo, column: int) -> str | None:
        if column == 0 and len(info.spellings) > 1:
            return "Written as: " + ", ".join(info.spellings)
        if column == 3:
            return "\n".join(
                f"{choice_text(c)}: {n}"
                for c, n in zip(INFORMATION_CREDIBILITY, info.credibility, strict=True)
            ) + (f"\nnone given: {info.without_credibility}" if info.without_credibility else "")
        if column == 5:
            if not info.registered:
                return "Only claims name this source: give it a grade to register it"
            return "Who last registered this source or set its grade, and when (UTC)"
        return None


class SourcesTable(QTableView):
    activated_row = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class SourcesWindow(QDialog):
    """The sources of the open database; a source's default grade is set below the table."""

    sourceActivated = Signal(str)  # a source's name: Enter or a double-click on it

    def __init__(self, main: MainWindow, book: SourceBook) -> None:
        super().__init__(main)
        self.main = main
        self.book = book
        self.setObjectName("sourcesWindow")
        self.setWindowTitle("Sources")
        self.setModal(False)
        self.model = SourcesModel(self)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("sourcesFilter")
        self.filter.setPlaceholderText("Filter sources by name")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.table = SourcesTable(self)
        self.table.setObjectName("sourcesTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # the most cited first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setResizeContentsPrecision(SIZED_ROWS)
        self.sized = False  # columns fitted to their contents once, at the first reading
        self.table.doubleClicked.connect(self._activated)
        self.table.activated_row.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.chosen: str | None = None  # the key of the current source, kept over a re-sort
        self.model.modelReset.connect(lambda: self.select(self.chosen))

        self.grade_label = QLabel("Default &reliability:", self)
        self.grade = QComboBox(self)
        self.grade.setObjectName("sourceGrade")
        self.grade.addItem(f"{NO_GRADE} none", None)
        for choice in SOURCE_RELIABILITY:
            self.grade.addItem(choice_text(choice), choice.code)
        self.grade.setToolTip(
            "Offered as the source reliability of a new claim from this source (a suggestion "
            "the analyst accepts or changes); shared by every analyst of this database"
        )
        self.grade_label.setBuddy(self.grade)
        self.grade.activated.connect(self._grade_chosen)
        self.remove = QPushButton("Re&move Unused Source", self)
        self.remove.setObjectName("removeSource")
        self.remove.setToolTip("Take a source that no claim names off the list (a misspelt name)")
        self.remove.setAutoDefault(False)
        self.remove.clicked.connect(self._remove)
        self.status = QLabel(self)
        self.status.setObjectName("sourcesStatus")
        self.status.setWordWrap(True)

        row = QHBoxLayout()
        row.addWidget(self.grade_label)
        row.addWidget(self.grade, 1)
        row.addWidget(self.remove)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.resize(1000, 480)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        main.ctx.changed.connect(self._database_changed)
        main.ctx.storeReplaced.connect(self._database_changed)

    # -- reading -------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the sources again, keeping the one selected."""
        from annotator.core.sources import list_sources
        from annotator.gui.context import failures

        try:
            sources = list_sources(self.main.ctx.store)
        except (*failures(), sqlite3.Error) as exc:
            self.status.setText(f"The sources could not be read: {exc}")
            return
        self.model.set_sources(sources)
        if not self.sized and sources:
            self.sized = True
            self.table.resizeColumnsToContents()
            self.table.setColumnWidth(0, min(self.table.columnWidth(0), NAME_WIDTH))
        total = sum(info.claims for info in sources)
        self.status.setText(f"{len(sources):,} source(s), {total:,} claim(s) naming one")

    def _database_changed(self, *_args: object) -> None:
        if self.isVisible():
            self.timer.start()

    def current(self) -> SourceInfo | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.sources):
            return None
        return self.model.sources[index.row()]

    def select(self, key: str | None) -> None:
        """Make the source with folded name `key` current (the first row if none is)."""
        row = (self.model.row_of(key) if key is not None else None) or 0
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(row, 0))
        self._show_grade()

    def _current_changed(self, *_args: object) -> None:
        info = self.current()
        if info is not None:
            self.chosen = info.key
        self._show_grade()

    def _filter(self, text: str) -> None:
        self.model.set_filter(text)

    def _show_grade(self) -> None:
        info = self.current()
        writable = info is not None and not self.main.ctx.store.read_only
        self.grade.setEnabled(writable)
        self.remove.setEnabled(writable and info is not None and info.registered
                               and not info.claims)
        index = self.grade.findData(info.reliability if info is not None else None)
        self.grade.setCurrentIndex(max(0, index))
        if info is not None:
            self.grade_label.setText(f"Default &reliability of \u201c{info.name}\u201d:")

    # -- acting --------------------------------------------------------------------------

    def _grade_chosen(self, _index: int) -> None:
        from annotator.core.sources import set_default_reliability
        from annotator.gui.context import failures

        info = self.current()
        if info is None:
            return
        grade = self.grade.currentData()
        if grade == info.reliability and info.registered:
            return
        ctx = self.main.ctx
        try:
            set_default_reliability(ctx.store, info.name, grade, actor=ctx.author)
        except (*failures(), sqlite3.Error) as exc:
            self.status.setText(f"The grade was not saved: {exc}")
            self._show_grade()
            return
        self.book.mark_stale()
        self.reload()
        self.status.setText(f"{info.name}: default reliability {grade or 'none'} (saved)")

    def _remove(self) -> None:
        from annotator.core.sources import remove_source
        from annotator.gui.context import failures

        info = self.current()
        if info is None:
            return
        try:
            remove_source(self.main.ctx.store, info.name)
        except (*failures(), sqlite3.Error) as exc:
            self.status.setText(f"Not removed: {exc}")
            return
        self.book.mark_stale()
        self.chosen = None
        self.reload()
        self.status.setText(f"{info.name}: removed from the sources")

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sourceActivated.emit(self.model.sources[index.row()].name)


def install(main: MainWindow) -> SourceBook:
    """Named sources in `main`: the claim form completes and grades from them, View > Sources
    shows them. Returns the window's book of sources."""
    ctx = main.ctx
    book = SourceBook(lambda: ctx.store, main)
    ctx.changed.connect(book.note_change)
    ctx.storeReplaced.connect(book.mark_stale)
    main.form.set_sources(book)
    main.workspace.grade_of = book.grade_of
    main.actions_by_name["sources"].triggered.connect(lambda: show_sources(main, book))
    return book


def show_sources(main: MainWindow, book: SourceBook) -> SourcesWindow | None:
    """Open (or raise) View > Sources, read afresh (None while no database is open yet)."""
    if main.ctx.store is None:
        return None
    window = main.findChild(SourcesWindow, "sourcesWindow")
    if window is None:
        window = SourcesWindow(main, book)
        window.sourceActivated.connect(lambda name: show_claims_of(main, name))
    window.reload()
    window.show()
    window.raise_()
    window.activateWindow()
    window.table.setFocus()
    return window


def show_claims_of(main: MainWindow, name: str) -> None:
    """The annotations table showing the claims attributed to the source `name` (any spelling:
    a text field equals a value whatever its case and accents), every other filter cleared."""
    from annotator.gui.table import views
    from annotator.gui.table.window import show_table

    view = show_table(main)
    view.fill_choices()
    views.apply(view, {"tag": "claim", "fields": f"attributed_to={name}"})
