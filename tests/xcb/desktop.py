"""The real X11 desktop for tests: the window activated by the window manager, real key events.

Keys go through xdotool's XTest requests: the X server makes them the keyboard's own events,
delivered to the window that has the X input focus, so they pass through everything a typed key
does (the keymap, the window manager, Qt's xcb plugin, shortcut dispatch). QTest.keyClick,
by contrast, posts a Qt event straight to a widget.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget
from pytestqt.exceptions import TimeoutError as WaitTimeout
from pytestqt.qtbot import QtBot

K = Qt.Key
M = Qt.KeyboardModifier

# Qt keys whose X keysym name is not the key's own text.
KEYSYMS = {
    K.Key_Delete: "Delete", K.Key_Backspace: "BackSpace", K.Key_Tab: "Tab",
    K.Key_Backtab: "Tab", K.Key_Return: "Return", K.Key_Escape: "Escape", K.Key_Space: "space",
    K.Key_Home: "Home", K.Key_End: "End", K.Key_Up: "Up", K.Key_Down: "Down",
    K.Key_Left: "Left", K.Key_Right: "Right", K.Key_PageUp: "Prior", K.Key_PageDown: "Next",
    K.Key_BracketLeft: "bracketleft", K.Key_BracketRight: "bracketright",
    K.Key_Comma: "comma", K.Key_Period: "period", K.Key_Equal: "equal", K.Key_Plus: "plus",
    K.Key_Minus: "minus", K.Key_Slash: "slash",
}
MODIFIERS = ((M.ControlModifier, "ctrl"), (M.AltModifier, "alt"), (M.ShiftModifier, "shift"),
             (M.MetaModifier, "super"))


def keysym(sequence: QKeySequence) -> str:
    """The xdotool name of a one-chord sequence: Ctrl+Shift+Z -> ctrl+shift+z."""
    assert sequence.count() == 1, f"{sequence.toString()}: only one-chord shortcuts are pressed"
    chord = sequence[0]
    key = chord.key()
    if key in KEYSYMS:
        name = KEYSYMS[key]
    elif K.Key_F1.value <= key.value <= K.Key_F35.value:
        name = f"F{key.value - K.Key_F1.value + 1}"
    elif 0x20 < key.value < 0x7F:
        name = chr(key.value).lower()
    else:
        raise AssertionError(f"no X keysym known for {sequence.toString()}")
    held = [word for modifier, word in MODIFIERS if chord.keyboardModifiers() & modifier]
    return "+".join([*held, name])


def xdotool(qtbot: QtBot, *args: str) -> str:
    """Run xdotool while Qt's event loop goes on (the window answers the window manager)."""
    if shutil.which("xdotool") is None:
        pytest.fail("xdotool is missing: scripts/dev installs it (apt-get install xdotool)")
    process = subprocess.Popen(
        ["xdotool", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    qtbot.waitUntil(lambda: process.poll() is not None, timeout=10_000)
    out, err = process.communicate()
    assert process.returncode == 0, f"xdotool {' '.join(args)}: {err.strip()}"
    return out


def activate(qtbot: QtBot, window: QWidget) -> None:
    """Show `window` and have the window manager give it the keyboard, as a click would."""
    window.show()
    qtbot.waitExposed(window)
    try:
        xdotool(qtbot, "windowactivate", "--sync", str(int(window.winId())))
    except AssertionError as error:  # no _NET_ACTIVE_WINDOW: nothing manages the windows
        pytest.fail(f"no window manager on this display? {error}")
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)


def press(qtbot: QtBot, *keys: str) -> None:
    """Type `keys` (xdotool names) on the keyboard, to whatever has the X focus."""
    xdotool(qtbot, "key", "--delay", "30", *keys)


def wait_for(qtbot: QtBot, condition: Callable[[], bool], failure: str) -> None:
    """Let Qt handle the X events until `condition` holds; fail with `failure` if it never does."""
    try:
        qtbot.waitUntil(condition, timeout=3000)
    except WaitTimeout:
        pytest.fail(failure)
