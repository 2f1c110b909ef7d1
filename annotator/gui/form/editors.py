"""One editor per field kind: a line edit for text, numbers and dates, a combo box for choices.

Each reports `committed(name, confirmed)` when the analyst is done with it; the owning
`TagFieldsBox` validates and saves. Values are shown without emitting anything.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from annotator.core.fields import Choice, FieldKind, FieldSpec

SUGGESTED_TIP = "Suggested from the sentence: check it, then edit it or accept the suggestions"
PLACEHOLDERS = {
    FieldKind.NUMBER: "e.g. 1,000,000 or 2.5",
    FieldKind.DATE: "YYYY-MM-DD, YYYY-MM or YYYY",
}


def set_flag(widget: QWidget, name: str, on: bool) -> None:
    """Set a boolean dynamic property read by the stylesheet; repolish only when it changes."""
    if bool(widget.property(name)) == on:
        return
    widget.setProperty(name, on)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


_TYPING = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
CLEARING_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)


def is_typing(event: QKeyEvent) -> bool:
    """A key that types (a digit, a letter, Delete): it belongs to the focused field, never
    to a window shortcut such as the tag keys 1/2/3 or Delete Annotation."""
    if event.modifiers() & ~_TYPING:
        return False
    text = event.text()
    return (bool(text) and text.isprintable()) or event.key() in CLEARING_KEYS


def choice_text(choice: Choice) -> str:
    return f"{choice.label} ({choice.detail})" if choice.detail else choice.label


def display_text(spec: FieldSpec, value: object) -> str:
    """How a stored value reads in its editor (numbers with thousands separators)."""
    if value is None:
        return ""
    if spec.kind is FieldKind.NUMBER and not isinstance(value, bool):
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            from decimal import Decimal, InvalidOperation  # here: not needed to start (issue 15)

            try:  # repr() is the shortest exact text; Decimal avoids "1e+16", which won't parse
                return format(Decimal(repr(value)), ",f")
            except InvalidOperation:
                return repr(value)
    return str(value)


def with_mnemonic(text: str, used: set[str]) -> str:
    """`text` with an `&` before a letter not in `used` (word starts first); records it."""
    escaped = text.replace("&", "&&")
    candidates = [i for i, c in enumerate(text) if c.isalpha() and (i == 0 or text[i - 1] == " ")]
    candidates += [i for i, c in enumerate(text) if c.isalpha() and i not in candidates]
    for index in candidates:
        letter = text[index].casefold()
        if letter not in used:
            used.add(letter)
            position = index + text[:index].count("&")
            return escaped[:position] + "&" + escaped[position:]
    return escaped


class LineField(QLineEdit):
    """A text, number or date field. `committed(name, confirmed)`: Enter (confirmed) or leaving."""

    committed = Signal(str, bool)
    reverted = Signal(str)
    focused = Signal()  # the field got the keyboard focus

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.default_tip = spec.help or PLACEHOLDERS.get(spec.kind, "")
        self._shown = ""
        self.setPlaceholderText(spec.help or PLACEHOLDERS.get(spec.kind, ""))
        self.setToolTip(self.default_tip)
        self.setAccessibleName(spec.label)
        self.returnPressed.connect(lambda: self.committed.emit(spec.name, True))
        self.editingFinished.connect(lambda: self.committed.emit(spec.name, False))

    def raw(self) -> object:
        return self.text()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        self.focused.emit()
        super().focusInEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Escape drops what was typed since the last save (and only then: else it propagates);
        # while a completion list is open, it only closes the list.
        completer = self.completer()
        listing = completer is not None and completer.popup().isVisible()
        if event.key() == Qt.Key.Key_Escape and self.is_dirty() and not listing:
            self.setText(self._shown)
            self.reverted.emit(self.spec.name)
            event.accept()
            return
        super().keyPressEvent(event)

    def is_dirty(self) -> bool:
        """Typed but not yet committed."""
        return self.text() != self._shown

    def show_value(self, value: object, keep_draft: bool = False) -> None:
        """Show a stored value (no signal); a focused draft survives when `keep_draft`."""
        text = display_text(self.spec, value)
        if keep_draft and self.hasFocus() and self.is_dirty():
            return
        self._shown = text
        if self.text() != text:
            cursor = self.cursorPosition()
            self.setText(text)
            # Show the beginning of a long value, or keep the cursor where the analyst was.
            self.setCursorPosition(min(cursor, len(text)) if self.hasFocus() else 0)


class ChoiceField(QComboBox):
    """A choice or ordinal field: an empty first entry, then the labels (codes as item data)."""

    committed = Signal(str, bool)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.default_tip = spec.help
        self._known = len(spec.choices) + 1
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self.addItem("", None)
        for choice in spec.choices:
            self.addItem(choice_text(choice), choice.code)
        self.setToolTip(self.default_tip)
        self.setAccessibleName(spec.label)
        self.activated.connect(lambda _index: self.committed.emit(spec.name, True))

    def raw(self) -> object:
        return self.currentData()

    def event(self, event: QEvent) -> bool:
        # Line edits claim typed keys themselves; a combo box does not, so "3" meant for
        # "3 - Possibly true" would tag a figure instead. Claim them here.
        if event.type() == QEvent.Type.ShortcutOverride:
            assert isinstance(event, QKeyEvent)
            if is_typing(event):
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not event.modifiers() & ~_TYPING:
            # Delete or Backspace clears the choice, as in a line edit. A key that is a code
            # (1-6 credibility, A-F reliability) picks it at once: Qt's type-ahead would read
            # "3" then "1" as a search for "31" and find nothing.
            index = 0 if event.key() in CLEARING_KEYS else self._index_of_code(event.text())
            if index is not None:
                if self.currentIndex() != index:
                    self.setCurrentIndex(index)
                    self.committed.emit(self.spec.name, True)
                event.accept()
                return
        super().keyPressEvent(event)

    def _index_of_code(self, text: str) -> int | None:
        if not text.strip():
            return None
        for index in range(1, self._known):
            code = self.itemData(index)
            if isinstance(code, str) and code.casefold() == text.casefold():
                return index
        return None

    def is_dirty(self) -> bool:
        return False  # a combo box commits on every activation

    def show_value(self, value: object, keep_draft: bool = False) -> None:
        if self.count() > self._known:  # drop the entry of an earlier unknown stored value
            if self.currentIndex() == self._known:
                self.setCurrentIndex(0)
            self.removeItem(self._known)
        if value is None or value == "":
            index = 0
        else:
            index = self.findData(value)
            if index < 0:  # e.g. imported data: show it, marked invalid, rather than hide it
                self.addItem(f"{value} (not on the list)", value)
                index = self._known
        if self.currentIndex() != index:
            self.setCurrentIndex(index)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Scrolling the form must not change (and save) the value under the pointer.
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


FieldEditor = LineField | ChoiceField
