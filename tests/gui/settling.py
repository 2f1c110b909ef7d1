"""Waiting for the work a document's open leaves for idle time (annotator/gui/idle.py).

Opening a briefing paints its first screen at once; the annotation list, the overview strip's
ticks and the annotations' full views follow a slice at a time. A test that checks any of
those waits for them first: `wait_settled(window)` (or a Workspace, a reader, a reader pane).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication


def is_settled(owner: Any) -> bool:
    """Whether `owner` (a main window, a Workspace, a reader or a reader pane) has no
    deferred work left."""
    workspace = getattr(owner, "workspace", None)
    if workspace is not None:
        return bool(workspace.is_settled())
    if hasattr(owner, "is_settled"):
        return bool(owner.is_settled())
    reader = getattr(owner, "view", owner)
    return not reader.idle.pending()


def wait_settled(owner: Any, timeout: float = 20.0) -> None:
    """Run the event loop until `owner` has no deferred work left (a guard against a job
    that never ends, not a speed check: the timeout is generous)."""
    deadline = time.monotonic() + timeout
    while not is_settled(owner):
        if time.monotonic() > deadline:
            raise AssertionError("the work deferred after opening a document never finished")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
