"""The claim form's named sources (issue 16): completion of "Attributed to" over the registered
sources, case- and accent-insensitive, and the default grade a source suggests.

`SourceBook` keeps the registered sources (`core.sources.default_grades`, one small query) for
the window: read when the source field gets the focus, and after any change made in this window
(an edit, a merge, another database, a grade set in View > Sources), never on every key press.
`SourceCompleter` matches what is typed anywhere in a source's name, by folded text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from annotator.core.fields import CLAIM, NAME_FIELD
from annotator.core.sources import source_key

if TYPE_CHECKING:
    from annotator.core.facts import Changes
    from annotator.core.store import Store

KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # an entry's folded name, what typing is matched on
VISIBLE = 12  # entries shown at once in the completion list


class SourceBook(QObject):
    """The registered sources: names to complete and default grades to suggest."""

    changed = Signal()

    def __init__(self, store: Callable[[], Store | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._grades: dict[str, tuple[str, str | None]] | None = None
        self._shown: dict[str, tuple[str, str | None]] | None = None  # what the model lists
        self.model = QStandardItemModel(self)

    def mark_stale(self, *_args: object) -> None:
        """The database changed: read the sources again when next needed."""
        self._grades = None

    def note_change(self, changes: Changes) -> None:
        """After an edit in this window: stale only if it may have added a source (a merge,
        an import, or a claim naming one not known yet); a tag key costs no query."""
        if self._grades is None:
            return
        snapshot = changes.snapshot
        if changes.library or changes.tags or snapshot is None:
            if changes.library or changes.tags or changes.annotations:
                self._grades = None
            return
        for tag in snapshot.tags:
            if tag.name != CLAIM or NAME_FIELD in tag.suggested:
                continue  # a suggested name is not registered (ops.set_fields)
            name = tag.fields.get(NAME_FIELD)
            if isinstance(name, str) and source_key(name) not in self._grades:
                self._grades = None
                return

    def grades(self) -> dict[str, tuple[str, str | None]]:
        """source_key -> (name, default reliability), read now if stale."""
        if self._grades is None:
            store = self._store()
            grades: dict[str, tuple[str, str | None]] = {}
            if store is not None:
                from annotator.core.sources import default_grades  # reads the database
                from annotator.gui.context import failures

                try:
                    grades = default_grades(store)
                except (*failures(), sqlite3.Error, OSError):
                    return {}  # unreadable now: no completion, and a retry next time
            if grades != self._shown:
                self._fill(grades)
            self._grades = grades
        return self._grades

    def refresh(self) -> None:
        """Read the sources again (the source field got the focus): another window or a
        colleague's merge may have graded one since (one small query)."""
        self._grades = None
        self.grades()

    def _fill(self, grades: dict[str, tuple[str, str | None]]) -> None:
        self._shown = grades
        names = sorted(grades.items(), key=lambda item: item[0])
        self.model.clear()
        for key, (name, grade) in names:
            item = QStandardItem(name)
            item.setData(key, KEY_ROLE)
            if grade:
                item.setToolTip(f"Default source reliability {grade}")
            item.setEditable(False)
            self.model.appendRow(item)
        self.changed.emit()

    def grade_of(self, key: str) -> str | None:
        """The default reliability of the source with folded name `key` (None if none)."""
        return self.grades().get(key, ("", None))[1]


class SourceCompleter(QCompleter):
    """Completes a source name from anything typed in it: "reu", "REU" or "réu" find
    "Reuters", "press" finds "Agence France-Presse"."""

    def __init__(self, book: SourceBook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.book = book
        self.setModel(book.model)
        self.setCompletionRole(KEY_ROLE)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)  # both sides are folded
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setMaxVisibleItems(VISIBLE)

    def attach(self, editor: QLineEdit) -> None:
        """Complete in `editor`; its Down key opens the list of every matching source (all of
        them when it is empty), as a combo box would."""
        editor.setCompleter(self)
        editor.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.widget()
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and not self.popup().isVisible()
            and isinstance(watched, QLineEdit)
            and not watched.isReadOnly()
        ):
            self.setCompletionPrefix(watched.text())
            self.complete()
            return True
        return super().eventFilter(watched, event)

    def splitPath(self, path: str) -> list[str]:  # noqa: N802
        return [source_key(path)]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:  # noqa: N802
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")
