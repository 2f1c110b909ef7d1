"""The find bar under the reader: Enter finds the next match, Shift+Enter the previous one,
Esc closes it; it shows which match is selected out of how many."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

# What the bar searches: the open document's text and its current selection (code points).
Source = Callable[[], tuple[str, tuple[int, int] | None]]


def matches(text: str, needle: str) -> list[tuple[int, int]]:
    """Where `needle` occurs in `text`, ignoring case: [start, end) code-point spans of `text`
    itself (case is compared character by character, unlike a search in `text.casefold()`,
    whose offsets shift after "ß" or "ﬁ"). Matches do not overlap."""
    if not needle:
        return []
    pattern = re.compile(re.escape(needle), re.IGNORECASE)
    return [match.span() for match in pattern.finditer(text)]


class FindBar(QWidget):
    matched = Signal(int, int)  # the span [start, end) to select
    closed = Signal()

    KEYS: ClassVar[tuple[Qt.Key, ...]] = (Qt.Key.Key_Return, Qt.Key.Key_Enter)

    def __init__(self, source: Source, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self._source = source
        self.box = QLineEdit(self)
        self.box.setPlaceholderText(
            "Find in document (Enter: next, Shift+Enter: previous, Esc: close)"
        )
        self.box.setClearButtonEnabled(True)
        self.count = QLabel("", self)
        self.count.setObjectName("findCount")
        self.count.setMinimumWidth(90)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box, 1)
        layout.addWidget(self.count)
        self.box.installEventFilter(self)
        self.box.textChanged.connect(self._count_matches)
        self.hide()

    def open(self) -> None:
        self.show()
        self.box.setFocus()
        self.box.selectAll()
        self._count_matches()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()

    def step(self, forward: bool = True) -> bool:
        """Select the next (or previous) match after the current selection, wrapping around;
        False (and "Not found") when there is none."""
        text, selection = self._source()
        needle = self.box.text()
        found = matches(text, needle)
        if not found:
            self.count.setText("Not found" if needle and text else "")
            return False
        here = selection[0] if selection else -1
        if forward:
            index = next((i for i, (start, _end) in enumerate(found) if start > here), 0)
        else:
            before = [i for i, (start, _end) in enumerate(found) if start < here]
            index = before[-1] if before and selection else len(found) - 1
        self.count.setText(f"{index + 1} of {len(found)}")
        self.matched.emit(*found[index])
        return True

    def refresh(self) -> None:
        """Count again (another document was opened while the bar is shown)."""
        if self.isVisible():
            self._count_matches()

    def _count_matches(self) -> None:
        text, _selection = self._source()
        needle = self.box.text()
        total = len(matches(text, needle))
        if not needle:
            self.count.setText("")
        else:
            self.count.setText(f"{total} match{'' if total == 1 else 'es'}" if total else
                               "Not found")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            if event.key() in self.KEYS:
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.step(forward=not shift)
                return True
        return super().eventFilter(watched, event)
