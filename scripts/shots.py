"""What the screenshot scripts share: the real window on a database, settled, saved as PNG.

Qt is imported inside the functions, so that a script can set its environment (XDG folders)
before anything of Qt or the app is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_window(db: Path, author: str) -> Any:
    """The main window on `db`, 1440x900, shown and active (shortcuts need that under Xvfb)."""
    from PySide6.QtTest import QTest

    from annotator.core.settings import Settings
    from annotator.gui.app import build_window

    window = build_window(db, Settings(author=author))
    window.resize(1440, 900)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.activateWindow()  # no window manager under Xvfb: nothing activates it otherwise
    QTest.qWaitForWindowActive(window)
    return window


def settle(app: Any, rounds: int = 8) -> None:
    """Let pending layout and paint events run."""
    from PySide6.QtTest import QTest

    for _ in range(rounds):
        app.processEvents()
        QTest.qWait(40)


def save(widget: Any, out: Path, app: Any, height: int | None = None) -> None:
    """Save the widget as shown (or only its top `height` pixels) and print the path."""
    from PySide6.QtCore import QRect

    settle(app)
    out.parent.mkdir(parents=True, exist_ok=True)
    area = QRect(0, 0, widget.width(), height or widget.height())
    widget.grab(area).save(str(out))
    print(out)
