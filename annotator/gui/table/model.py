"""The annotations table's model: rows fetched from SQL a page at a time.

`rowCount` grows by PAGE rows each time the view asks for more (canFetchMore / fetchMore), up
to `count` rows; the rows themselves are read a page at a time when a row of that page is first
painted and at most KEPT_PAGES pages are kept (least recently used first out): scrolling through
100,000 annotations never holds more than KEPT_PAGES * PAGE rows as Python objects.

The model is imported at first use (View > Annotations), after the window's first paint: it
may use the query layer (and SQLAlchemy) directly.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from annotator.core import annotation_table as table
from annotator.core.annotation_table import FIELD_COLUMNS, AnnotationFilter, Row, SortKey
from annotator.core.fields import FieldKind
from annotator.core.store import Store

PAGE = 200
KEPT_PAGES = 8
ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the annotation id of a row
DOCUMENT_ROLE = Qt.ItemDataRole.UserRole + 2  # its document id

Index = QModelIndex | QPersistentModelIndex

# (sort key, header) of the columns that are not form fields, in their order.
BASE = (
    ("document", "Document"),
    ("date", "Date"),
    ("issuer", "Issuer"),
    ("text", "Text"),
    ("tags", "Tags"),
    ("author", "Author"),
    ("status", "Review status"),
)
COLUMNS: tuple[str, ...] = (*(key for key, _ in BASE), *(c.key for c in FIELD_COLUMNS))
HEADERS: tuple[str, ...] = (*(label for _, label in BASE), *(c.spec.label for c in FIELD_COLUMNS))
TEXT_CHARS = 160  # the text column shows the start of long spans


_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_FREE_TEXT = frozenset({"document", "issuer", "text", "author"})


def right_to_left(text: str) -> bool:
    """Whether the first strongly directional character of `text` is right-to-left (Arabic,
    Hebrew): such a cell is aligned to the right, where its reading starts."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _shown_field(index: int, value: Any) -> str:
    if value is None:
        return ""
    spec = FIELD_COLUMNS[index].spec
    if spec.kind in (FieldKind.ORDINAL, FieldKind.CHOICE):
        labels = {c.code: c.label for c in spec.choices}
        return str(labels.get(value, value))
    if spec.kind is FieldKind.NUMBER and isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def shown(row: Row, column: int) -> str:
    """What the cell of `row` at `column` shows."""
    key = COLUMNS[column]
    if key == "document":
        return row.document
    if key == "date":
        return row.date.isoformat() if isinstance(row.date, dt.date) else ""
    if key == "issuer":
        return row.issuer or ""
    if key == "text":
        flat = " ".join(row.text.split())
        return flat if len(flat) <= TEXT_CHARS else flat[: TEXT_CHARS - 1] + "…"
    if key == "tags":
        return ", ".join(row.tags)
    if key == "author":
        return row.author
    if key == "status":
        return row.status
    return _shown_field(column - len(BASE), row.fields[column - len(BASE)])


class AnnotationTableModel(QAbstractTableModel):
    """`store()` gives the open store (None while there is none)."""

    def __init__(self, store: Callable[[], Store | None], parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self.wanted = AnnotationFilter()
        self.sort_keys: tuple[SortKey, ...] = table.DEFAULT_SORT
        self.total = 0  # rows the filter selects
        self._fetched = 0  # rows the view has been given so far
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()

    # -- what is shown -----------------------------------------------------------------

    def materialised(self) -> int:
        """How many rows are held as Python objects now (at most KEPT_PAGES * PAGE)."""
        return sum(len(rows) for rows in self._pages.values())

    def set_query(self, wanted: AnnotationFilter, sort: tuple[SortKey, ...] | None = None) -> None:
        """Show what `wanted` selects, in `sort` order (the current one when None)."""
        self.wanted = wanted
        if sort is not None:
            self.sort_keys = sort
        self.reload()

    def reload(self) -> None:
        """Count again and forget the rows read: the view reads what it shows again."""
        self.beginResetModel()
        self._pages.clear()
        store = self._store()
        self.total = table.count(store, self.wanted) if store is not None else 0
        self._fetched = min(self.total, PAGE)
        self.endResetModel()

    def refresh(self) -> None:
        """After a change: count again and re-read the pages shown, keeping the rows the view
        was given (as far as there still are), so the view keeps its place and selection."""
        store = self._store()
        total = table.count(store, self.wanted) if store is not None else 0
        fetched = min(total, max(self._fetched, PAGE))
        if fetched < self._fetched:
            self.beginRemoveRows(QModelIndex(), fetched, self._fetched - 1)
            self._fetched = fetched
            self.endRemoveRows()
        elif fetched > self._fetched:
            self.beginInsertRows(QModelIndex(), self._fetched, fetched - 1)
            self._fetched = fetched
            self.endInsertRows()
        self.total = total
        self._pages.clear()
        if self._fetched:
            last = self.index(self._fetched - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def row_at(self, row: int) -> Row | None:
        """The row at `row`, read (with its page) if it is not held."""
        if not 0 <= row < self._fetched:
            return None
        number = row // PAGE
        rows = self._pages.get(number)
        if rows is None:
            store = self._store()
            if store is None:
                return None
            rows = table.page(store, self.wanted, self.sort_keys, number * PAGE, PAGE)
            self._pages[number] = rows
            while len(self._pages) > KEPT_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = row - number * PAGE
        return rows[offset] if offset < len(rows) else None

    def row_of(self, annotation_id: int) -> int | None:
        """The row of an annotation among the pages held, if it is in one."""
        for number, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id == annotation_id:
                    return number * PAGE + offset
        return None

    # -- Qt ---------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._fetched

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._fetched < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or self._fetched >= self.total:
            return
        more = min(PAGE, self.total - self._fetched)
        self.beginInsertRows(QModelIndex(), self._fetched, self._fetched + more - 1)
        self._fetched += more
        self.endInsertRows()

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Sort by {HEADERS[section].lower()} (click again: the other way)"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
            ID_ROLE,
            DOCUMENT_ROLE,
        ):
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == ID_ROLE:
            return row.id
        if role == DOCUMENT_ROLE:
            return row.document_id
        if role == Qt.ItemDataRole.TextAlignmentRole:
            free = COLUMNS[index.column()] in _FREE_TEXT
            return _RIGHT if free and right_to_left(shown(row, index.column())) else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            if COLUMNS[index.column()] == "text":
                return row.text + (f"\n\nNote: {row.note}" if row.note else "")
            return None
        return shown(row, index.column())

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A click on a header: sort by that column (ordinal fields in their scale's order)."""
        if not 0 <= column < len(COLUMNS):
            self.sort_keys = table.DEFAULT_SORT
        else:
            descending = order == Qt.SortOrder.DescendingOrder
            self.sort_keys = (SortKey(COLUMNS[column], descending),)
        self.reload()
