"""Long work off the GUI thread, with progress and cancel.

The worker gets the database *path*, not the open store: it opens its own read connection in
its own thread (SQLite connections stay in the thread that made them), and it never writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from annotator.core.errors import AnnotatorError


class Cancelled(AnnotatorError):
    """The analyst cancelled; whatever was being written has been discarded."""


ProgressFn = Callable[[int, int], None]


class Task(QThread):
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[[ProgressFn], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    def _progress(self, done: int, total: int) -> None:
        if self._cancel:
            raise Cancelled("cancelled; nothing was written")
        self.progressed.emit(done, total)

    def run(self) -> None:
        try:
            result = self._work(self._progress)
        except AnnotatorError as exc:
            self.failed.emit(str(exc))
        except OSError as exc:
            self.failed.emit(f"The file could not be written: {exc}")
        except Exception as exc:  # the thread's boundary: report, never die silently
            self.failed.emit(f"Unexpected error: {type(exc).__name__}: {exc}")
        else:
            self.succeeded.emit(result)
