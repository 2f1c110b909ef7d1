"""Long work off the GUI thread, with progress and cancel.

The worker gets the database *path*, not the open store: it opens its own connection in its own
thread (SQLite connections stay in the thread that made them). An export only reads; a batch of
imports or merges (`run_batch`) writes, one committed transaction per file, while the window
shows a window-modal progress dialog, so that nothing else writes meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import AnnotatorError
from annotator.core.server_address import ServerAddress
from annotator.core.storage_errors import describe_storage_error
from annotator.gui import deferred

if TYPE_CHECKING:
    from annotator.core.store import Store, open_store
else:  # deferred: loads SQLAlchemy, which the window is shown without (issue 15)
    (open_store,) = deferred.functions("annotator.core.store", "open_store")


class Cancelled(AnnotatorError):
    """The analyst cancelled; whatever was being written has been discarded."""


ProgressFn = Callable[[int, int], None]


class Task(QThread):
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        work: Callable[[ProgressFn], Any],
        parent: QObject | None = None,
        *,
        action: str = "Stopped",
    ) -> None:
        super().__init__(parent)
        self._work = work
        self._action = action  # the start of a failure's message: what did not happen
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
        except Exception as exc:  # the thread's boundary: report, never die silently
            # Never str(exc): a failed statement's text holds its SQL and the document text.
            self.failed.emit(describe_storage_error(exc, self._action))
        else:
            self.succeeded.emit(result)


ResultT = TypeVar("ResultT")
SHOW_AFTER_MS = 400  # a batch quicker than this shows no dialog


@dataclass
class BatchRun(Generic[ResultT]):
    """What a batch did: one result per file handled, in order, and why it stopped early."""

    results: list[ResultT] = field(default_factory=list)
    cancelled: bool = False  # the analyst stopped it; the files not reached were left alone
    error: str | None = None  # the batch itself failed (e.g. the database could not be opened)
    stopped_at: Path | None = None  # the file whose failure stopped the batch (see `error`)
    not_tried: list[Path] = field(default_factory=list)  # after `stopped_at`, left alone


class BatchProgress(QDialog):
    """Which file a batch is reading, how far it is, and a Cancel that takes effect between
    files. It stays up until the batch has really stopped (closing it asks to cancel), so that
    the window cannot be edited while a file is still being written."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget, title: str, total: int) -> None:
        super().__init__(parent)
        self.setObjectName("batchProgress")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.label = QLabel(f"{title}…", self)
        self.label.setMinimumWidth(360)
        self.bar = QProgressBar(self)
        # One file: there is nothing to count, so the bar just shows that work goes on.
        self.bar.setRange(0, total if total > 1 else 0)
        self.bar.setValue(0)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addLayout(buttons)
        self.finished_batch = False

    def step(self, text: str, done: int) -> None:
        if self.cancel_button.isEnabled():
            self.label.setText(text)
        self.bar.setValue(done)

    def reject(self) -> None:  # Cancel, Escape or the close button: stop, but stay up
        if self.finished_batch:
            super().reject()
            return
        if self.cancel_button.isEnabled():
            self.cancel_button.setEnabled(False)
            self.label.setText("Stopping after the file being read…")
            self.cancelRequested.emit()

    def show_if_still_running(self) -> None:
        if not self.finished_batch:
            self.show()

    def close_batch(self) -> None:
        self.finished_batch = True
        self.accept()


def run_batch(
    parent: QWidget,
    db_path: Path | ServerAddress,
    title: str,
    paths: Sequence[Path],
    one: Callable[[Store, Path], ResultT],
) -> BatchRun[ResultT]:
    """Run `one(store, path)` for each file in a worker thread, on a store of its own.

    Returns when the batch is done; meanwhile the window keeps painting and, after a moment, a
    window-modal `BatchProgress` shows which file is being read, with a Cancel that stops the
    batch before the next file (each file is its own transaction: those done stay done).
    `one` reports a bad file in its result; it raises only for a failure of the whole batch
    (the database or the disk): the batch then stops at that file (`stopped_at`, `error`),
    and the later ones are `not_tried`.
    """
    run: BatchRun[ResultT] = BatchRun()
    total = len(paths)

    def work(progress: ProgressFn) -> None:
        with open_store(db_path, daily_backup=False) as store:
            for index, path in enumerate(paths):
                try:
                    progress(index, total)
                except Cancelled:
                    run.cancelled = True
                    return
                try:
                    run.results.append(one(store, path))
                except AnnotatorError:
                    run.stopped_at, run.not_tried = path, list(paths[index + 1 :])
                    raise
                except Exception as exc:
                    run.stopped_at, run.not_tried = path, list(paths[index + 1 :])
                    stopped = describe_storage_error(exc, f"{title} stopped at {path.name}")
                    raise AnnotatorError(stopped) from exc

    dialog = BatchProgress(parent, title, total)
    task = Task(work, parent, action=f"{title} stopped")
    loop = QEventLoop()

    def show_progress(done: int, count: int) -> None:
        dialog.step(f"{title}: {paths[done].name} ({done + 1} of {count})…", done)

    def failed(message: str) -> None:
        run.error = message

    task.progressed.connect(show_progress)
    task.failed.connect(failed)
    task.finished.connect(loop.quit)
    dialog.cancelRequested.connect(task.cancel)
    later = QTimer(dialog)  # goes with the dialog: never fires after the batch
    later.setSingleShot(True)
    later.timeout.connect(dialog.show_if_still_running)
    later.start(SHOW_AFTER_MS)
    task.start()
    loop.exec()  # returns at `finished` (queued to this thread, so never missed)
    task.wait()
    dialog.close_batch()
    dialog.deleteLater()
    task.deleteLater()
    return run
