"""What every window test shares: nothing a test leaves open reaches the next one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QDialog


@pytest.fixture(autouse=True)
def _close_leftover_windows() -> Iterator[None]:
    """Close the dialogs a test left up (a message box a failure opened after the
    test's last check, say), so that the next test starts with only its own window: a stray
    modal box would take the keyboard and the active window away from it."""
    yield
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.processEvents()  # a failure's message box is opened by a zero-delay timer
    # Only dialogs: closing a main window here would run its close handling after the test
    # closed its database (qtbot closes the windows a test registered).
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and isinstance(widget, QDialog):
            widget.done(QDialog.DialogCode.Rejected)
    app.processEvents()
