"""The model behind the annotation list: plain `AnnotationView`s in text order, and its filter.

Rows are kept sorted by (start, end, id); a change inserts, moves, updates or removes single
rows (no reset), so a document with 10,000 annotations stays responsive.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from annotator.core.facts import AnnotationView


Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1
TAGS_ROLE = Qt.ItemDataRole.UserRole + 2
TEXT_COLUMN, TAGS_COLUMN, AUTHOR_COLUMN = range(3)
HEADERS = ("Text", "Tags", "Author")
SNIPPET_CHARS = 160
BULK_CHANGES = 500  # more changes than this at once: one reset is cheaper than row signals


def _key(view: AnnotationView) -> tuple[int, int, int]:
    return (view.start, view.end, view.id)


class AnnotationListModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.rows: list[AnnotationView] = []
        self.keys: list[tuple[int, int, int]] = []
        self._key_of: dict[int, tuple[int, int, int]] = {}
        self._snippets: dict[int, str] = {}
        self._search: dict[int, str] = {}

    # -- content -------------------------------------------------------------------------

    def load(self, text: str, annotations: Iterable[AnnotationView]) -> None:
        self.beginResetModel()
        self.text = text
        self.rows = sorted(annotations, key=_key)
        self.keys = [_key(view) for view in self.rows]
        self._key_of = {view.id: _key(view) for view in self.rows}
        self._snippets.clear()
        self._search.clear()
        self.endResetModel()

    def extend(self, views: Sequence[AnnotationView]) -> None:
        """Add the rows of `views` not shown yet (a list filled a slice at a time): in one
        insertion when they all sort after the last row, else one by one in place."""
        new = sorted((view for view in views if view.id not in self._key_of), key=_key)
        if not new:
            return
        if self.keys and _key(new[0]) <= self.keys[-1]:
            for view in new:
                self._put(view)
            return
        first = len(self.rows)
        keys = [_key(view) for view in new]
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self.rows.extend(new)
        self.keys.extend(keys)
        self._key_of.update(zip((view.id for view in new), keys, strict=True))
        self.endInsertRows()

    def apply(self, changed: Sequence[AnnotationView], removed: Iterable[int]) -> None:
        removed = [i for i in removed if i in self._key_of]
        if len(changed) + len(removed) > BULK_CHANGES:
            gone = set(removed) | {view.id for view in changed}
            kept = [view for view in self.rows if view.id not in gone]
            self.load(self.text, [*kept, *changed])
            return
        for annotation_id in removed:
            row = self.row_of(annotation_id)
            if row is not None:
                self.beginRemoveRows(QModelIndex(), row, row)
                self._forget(row)
                self.endRemoveRows()
        for view in changed:
            self._put(view)

    def _forget(self, row: int) -> AnnotationView:
        view = self.rows.pop(row)
        self.keys.pop(row)
        del self._key_of[view.id]
        self._snippets.pop(view.id, None)
        self._search.pop(view.id, None)
        return view

    def _remember(self, row: int, view: AnnotationView) -> None:
        self.rows.insert(row, view)
        self.keys.insert(row, _key(view))
        self._key_of[view.id] = _key(view)

    def _put(self, view: AnnotationView) -> None:
        key = _key(view)
        old = self.row_of(view.id)
        position = bisect.bisect_left(self.keys, key)
        if old is None:
            self.beginInsertRows(QModelIndex(), position, position)
            self._remember(position, view)
            self.endInsertRows()
            return
        if old < position:
            position -= 1  # its place once the old row is out of the list
        if position != old:
            destination = position if position < old else position + 1
            self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), destination)
            self._forget(old)
            self._remember(position, view)
            self.endMoveRows()
        else:
            self.rows[old] = view
            self._snippets.pop(view.id, None)
            self._search.pop(view.id, None)
        last = self.columnCount() - 1
        self.dataChanged.emit(self.index(position, 0), self.index(position, last))

    def row_of(self, annotation_id: int) -> int | None:
        key = self._key_of.get(annotation_id)
        if key is None:
            return None
        row = bisect.bisect_left(self.keys, key)
        return row if row < len(self.keys) and self.keys[row] == key else None

    def view_at(self, row: int) -> AnnotationView:
        return self.rows[row]

    def snippet(self, view: AnnotationView) -> str:
        found = self._snippets.get(view.id)
        if found is None:
            raw = self.text[view.start : min(view.end, view.start + SNIPPET_CHARS * 2)]
            found = " ".join(raw.split())[:SNIPPET_CHARS]
            if view.end - view.start > len(found):
                found = found.rstrip() + "…"
            self._snippets[view.id] = found
        return found

    def search_text(self, view: AnnotationView) -> str:
        """What the filter words are looked for in (case-folded): text, author, tags, note."""
        found = self._search.get(view.id)
        if found is None:
            span = " ".join(self.text[view.start : view.end].split())
            found = " ".join((span, view.author, *view.tag_names, view.note)).casefold()
            self._search[view.id] = found
        return found

    # -- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        view = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TEXT_COLUMN:
                return self.snippet(view)
            if column == TAGS_COLUMN:
                return ", ".join(view.tag_names)
            return view.author
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == TEXT_COLUMN:
                return self.snippet(view) + (f"\n\nNote: {view.note}" if view.note else "")
            if column == TAGS_COLUMN:
                return ", ".join(view.tag_names) or "no tags"
            return view.author
        if role == ID_ROLE:
            return view.id
        if role == TAGS_ROLE:
            return view.tag_names
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None


class AnnotationFilter(QSortFilterProxyModel):
    """Rows with the chosen tag whose text/author/tags/note contain every word typed, and that
    are not of a hidden tag or layer (`hidden`, View > Show Tags / Show Layers)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag: str | None = None
        self.words: list[str] = []
        self.hidden: Callable[[AnnotationView], bool] | None = None

    def refilter(self) -> None:
        """Filter every row again (what is hidden changed)."""
        begin = getattr(self, "beginFilterChange", None)  # Qt >= 6.9
        if begin is not None:
            begin()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    def set_filter(self, tag: str | None, text: str) -> None:
        words = text.casefold().split()
        if (tag, words) == (self.tag, self.words):
            return
        begin = getattr(self, "beginFilterChange", None)  # Qt >= 6.9
        if begin is not None:
            begin()
        self.tag, self.words = tag, words
        if begin is not None:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model: AnnotationListModel = self.sourceModel()  # type: ignore[assignment]
        view = model.view_at(source_row)
        if self.hidden is not None and self.hidden(view):
            return False
        if self.tag is None and not self.words:
            return True
        if self.tag is not None and self.tag not in view.tag_names:
            return False
        haystack = model.search_text(view)
        return all(word in haystack for word in self.words)
