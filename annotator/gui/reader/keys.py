"""The reader's own keys, in one table: (key, modifiers) -> name of a ReaderView method.

The reader claims these keys even when the window has a shortcut on the same key (it accepts
the ShortcutOverride), and never claims the keys in RESERVED: digits tag (1/2/3...) and Delete
deletes, through the main window's actions, whatever widget has the focus.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

K = Qt.Key
_NONE = Qt.KeyboardModifier.NoModifier
_SHIFT = Qt.KeyboardModifier.ShiftModifier
_CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

READER_KEYS: dict[tuple[int, Qt.KeyboardModifier], str] = {
    (K.Key_J, _NONE): "next_unit",
    (K.Key_Down, _NONE): "next_unit",
    (K.Key_K, _NONE): "previous_unit",
    (K.Key_Up, _NONE): "previous_unit",
    (K.Key_N, _NONE): "next_untagged_unit",
    (K.Key_Home, _NONE): "first_unit",
    (K.Key_End, _NONE): "last_unit",
    (K.Key_J, _SHIFT): "extend_to_next_unit",
    (K.Key_Down, _SHIFT): "extend_to_next_unit",
    (K.Key_K, _SHIFT): "extend_to_previous_unit",
    (K.Key_Up, _SHIFT): "extend_to_previous_unit",
    (K.Key_Right, _SHIFT): "extend_end_by_word",
    (K.Key_Left, _SHIFT): "shrink_end_by_word",
    (K.Key_Left, _CTRL_SHIFT): "extend_start_by_word",
    (K.Key_Right, _CTRL_SHIFT): "shrink_start_by_word",
    (K.Key_PageDown, _NONE): "page_down",
    (K.Key_Space, _NONE): "page_down",
    (K.Key_PageUp, _NONE): "page_up",
    (K.Key_Space, _SHIFT): "page_up",
}

RESERVED = frozenset({*(getattr(K, f"Key_{digit}") for digit in range(10)), K.Key_Delete})


def _modifiers(event: QKeyEvent) -> Qt.KeyboardModifier:
    return event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier


def reader_command(event: QKeyEvent) -> str | None:
    """The ReaderView method bound to this key press, if any."""
    return READER_KEYS.get((event.key(), _modifiers(event)))


def is_reserved(event: QKeyEvent) -> bool:
    """Keys the reader must leave to the window's actions (digits, Delete)."""
    return _modifiers(event) in (_NONE, _SHIFT) and event.key() in RESERVED
