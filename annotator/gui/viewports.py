"""A scroll area's viewport, reached without PySide6 setting up every widget class first.

PySide6 creates its Python classes lazily, each with its enum types (issue 15: cold start).
The first time `QAbstractScrollArea.viewport()` hands a plain QWidget to Python, PySide6 looks
for the most derived class it could be by setting up every QWidget subclass it has: some 60
enum types, 10-20 ms of the window's first paint. Found among the area's children instead
(by the name Qt gives the viewport), the same object is wrapped as a QWidget at once, and every
later `viewport()` call returns that wrapper. If the name ever changes, `viewport()` is simply
slower the first time.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

VIEWPORT_NAME = "qt_scrollarea_viewport"  # the object name QAbstractScrollArea gives it


def prime(area: QAbstractScrollArea) -> None:
    """Wrap `area`'s viewport now, cheaply (see the module docstring); call it before the
    first `area.viewport()`, and again after `setViewport`."""
    area.findChild(QWidget, VIEWPORT_NAME, Qt.FindChildOption.FindDirectChildrenOnly)
