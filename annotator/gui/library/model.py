"""Table model of the library: one row per document."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

if TYPE_CHECKING:
    from annotator.core.facts import DocumentSummary


Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Title", "Date", "Issuer", "Progress")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2


class LibraryRow(NamedTuple):
    summary: DocumentSummary
    tagged_units: int

    @property
    def progress(self) -> str:
        return f"{self.tagged_units} / {self.summary.unit_count}"


class LibraryModel(QAbstractTableModel):
    """The documents, each with a tick (a check box on its title) that scopes the annotations
    table. Ticks live as long as the window's database is open; they are not saved."""

    ticksChanged = Signal()  # noqa: N815 (Qt naming)

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[LibraryRow] = []
        self._ticked: set[int] = set()

    def set_rows(self, rows: list[LibraryRow], keep_ticks: bool = True) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        present = {row.summary.id for row in self._rows}
        before = set(self._ticked)
        self._ticked = (self._ticked & present) if keep_ticks else set()
        self.endResetModel()
        if self._ticked != before:
            self.ticksChanged.emit()

    def ticked(self) -> frozenset[int]:
        """The ids of the ticked documents."""
        return frozenset(self._ticked)

    def set_ticked(self, document_id: int, ticked: bool) -> None:
        row = self.row_of(document_id)
        if row is None or (document_id in self._ticked) == ticked:
            return
        if ticked:
            self._ticked.add(document_id)
        else:
            self._ticked.discard(document_id)
        self.dataChanged.emit(
            self.index(row, 0), self.index(row, 0), [Qt.ItemDataRole.CheckStateRole]
        )
        self.ticksChanged.emit()

    def toggle_tick(self, document_id: int) -> None:
        self.set_ticked(document_id, document_id not in self._ticked)

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(  # noqa: N802 (Qt override)
        self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))  # type: ignore[call-overload]
        self.set_ticked(self._rows[index.row()].summary.id, state == Qt.CheckState.Checked)
        return True

    def update_row(self, row: LibraryRow) -> None:
        for index, existing in enumerate(self._rows):
            if existing.summary.id == row.summary.id:
                self._rows[index] = row
                self.dataChanged.emit(self.index(index, 0), self.index(index, len(COLUMNS) - 1))
                return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(row)
        self.endInsertRows()

    def update_progress(self, document_id: int, tagged_units: int, annotations: int) -> None:
        """Cheap in-place update of one row's progress (no query)."""
        index = self.row_of(document_id)
        if index is None:
            return
        row = self._rows[index]
        if (row.tagged_units, row.summary.annotation_count) == (tagged_units, annotations):
            return  # a tag toggled: nothing in the row changed, nothing to repaint
        summary = replace(row.summary, annotation_count=annotations)
        self._rows[index] = LibraryRow(summary, tagged_units)
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(COLUMNS) - 1))

    def remove_document(self, document_id: int) -> None:
        for index, existing in enumerate(self._rows):
            if existing.summary.id == document_id:
                self.beginRemoveRows(QModelIndex(), index, index)
                del self._rows[index]
                self.endRemoveRows()
                if document_id in self._ticked:
                    self._ticked.discard(document_id)
                    self.ticksChanged.emit()
                return

    def row_of(self, document_id: int) -> int | None:
        return next(
            (i for i, row in enumerate(self._rows) if row.summary.id == document_id), None
        )

    def document_ids(self) -> list[int]:
        return [row.summary.id for row in self._rows]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

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
        row = self._rows[index.row()]
        summary = row.summary
        column = index.column()
        if role == ID_ROLE:
            return summary.id
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            ticked = summary.id in self._ticked
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return summary.title
            if column == 1:
                if summary.published is None:
                    return ""
                mark = "?" if summary.date_certainty == "ambiguous" else ""
                return summary.published.isoformat() + mark
            if column == 2:
                return summary.issuer or ""
            return row.progress
        if role == SORT_ROLE:
            if column == 1:
                return summary.published.isoformat() if summary.published else ""
            if column == 3:
                total = summary.unit_count or 1
                return row.tagged_units / total
            return str(self.data(index)).casefold()
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [summary.title, f"Source: {summary.source_name}"]
            if summary.issuer:  # the issuer column is hidden in a narrow library
                parts.insert(1, f"Issuer: {summary.issuer}")
            if summary.date_note:
                parts.append(f"Date: {summary.date_note}")
            parts.append(f"{row.tagged_units} of {summary.unit_count} units tagged, "
                         f"{summary.annotation_count} annotations")
            return "\n".join(parts)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class LibraryFilter(QSortFilterProxyModel):
    """Filters on title, issuer and date; sorts on typed values."""

    def __init__(self) -> None:
        super().__init__()
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
