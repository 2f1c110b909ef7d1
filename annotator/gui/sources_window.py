"""View > Sources (issue 16): every claim source with its number of claims, its default
Admiralty grading and the spread of the credibility given to its claims; the grade is set here.

The rows come from `core.sources.list_sources` (one grouped query over the claims, however
many). Sources are shared reference data, like the tag list: any analyst may set a source's
default grade (it changes no claim; who and when is recorded and shown). Enter or a
double-click on a source emits `sourceActivated(name)`, for a view of its claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
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
           "Graded by")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
NO_GRADE = "\u2014"  # an em dash: no default grade
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
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sources: list[SourceInfo] = []

    def set_sources(self, sources: list[SourceInfo]) -> None:
        self.beginResetModel()
        self.sources = sources
        self.endResetModel()

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
        if role == SORT_ROLE:
            return self._sort_value(info, column)
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

    def _sort_value(self, info: SourceInfo, column: int) -> Any:
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
        if column == 5 and not info.registered:
            return "Only claims name this source: give it a grade to register it"
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
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterRole(SORT_ROLE)  # the folded name: "reu" finds "Réuters"
        self.filter = QLineEdit(self)
        self.filter.setObjectName("sourcesFilter")
        self.filter.setPlaceholderText("Filter sources by name")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(
            lambda text: self.proxy.setFilterFixedString(source_key(text))
        )
        self.table = SourcesTable(self)
        self.table.setObjectName("sourcesTable")
        self.table.setModel(self.proxy)
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
        self.table.doubleClicked.connect(self._activated)
        self.table.activated_row.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_grade())

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
        self.status = QLabel(self)
        self.status.setObjectName("sourcesStatus")
        self.status.setWordWrap(True)

        row = QHBoxLayout()
        row.addWidget(self.grade_label)
        row.addWidget(self.grade, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.resize(860, 480)

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

        chosen = self.current()
        try:
            sources = list_sources(self.main.ctx.store)
        except failures() as exc:
            self.status.setText(f"The sources could not be read: {exc}")
            return
        self.model.set_sources(sources)
        total = sum(info.claims for info in sources)
        self.status.setText(f"{len(sources):,} source(s), {total:,} claim(s) naming one")
        self.select(chosen.key if chosen is not None else None)

    def _database_changed(self, *_args: object) -> None:
        if self.isVisible():
            self.timer.start()

    def current(self) -> SourceInfo | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.sources[self.proxy.mapToSource(index).row()]

    def select(self, key: str | None) -> None:
        """Make the source with folded name `key` current (the first row if none is)."""
        row = 0
        if key is not None:
            row = next(
                (r for r in range(self.proxy.rowCount())
                 if self.proxy.index(r, 0).data(SORT_ROLE) == key),
                0,
            )
        if self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(row, 0))
        self._show_grade()

    def _show_grade(self) -> None:
        info = self.current()
        self.grade.setEnabled(info is not None and not self.main.ctx.store.read_only)
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
        except failures() as exc:
            self.status.setText(f"The grade was not saved: {exc}")
            self._show_grade()
            return
        self.book.mark_stale()
        self.reload()
        self.status.setText(f"{info.name}: default reliability {grade or 'none'} (saved)")

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sourceActivated.emit(self.model.sources[self.proxy.mapToSource(index).row()].name)


def install(main: MainWindow) -> SourceBook:
    """Named sources in `main`: the claim form completes and grades from them, View > Sources
    shows them. Returns the window's book of sources."""
    ctx = main.ctx
    book = SourceBook(lambda: ctx.store, main)
    ctx.changed.connect(book.mark_stale)
    ctx.storeReplaced.connect(book.mark_stale)
    main.form.set_sources(book)
    main.workspace.grade_of = book.grade_of
    main.actions_by_name["sources"].triggered.connect(lambda: show_sources(main, book))
    return book


def show_sources(main: MainWindow, book: SourceBook) -> SourcesWindow:
    """Open (or raise) View > Sources, read afresh."""
    window = main.findChild(SourcesWindow, "sourcesWindow")
    if window is None:
        window = SourcesWindow(main, book)
    window.reload()
    window.show()
    window.raise_()
    window.activateWindow()
    window.table.setFocus()
    return window
