"""Work left for after the first paint, done in slices of a few milliseconds between events.

Opening a long briefing shows its first screen at once; what is off screen or not needed yet
(the annotations' fields, the annotation list, the overview strip) is built by jobs: generators
that do a small step of work per `next()`. A zero-delay single-shot timer runs steps until a
slice of `SLICE` seconds is used up, then lets Qt handle input and paint before the next
slice, so a key press waits at most one slice. Jobs run in the order they were added; adding a
job under a name already queued replaces it, and `cancel()` drops jobs (a newer document's
open drops the older one's; a caller that needs a job's result at once cancels it and does
what is left itself).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from PySide6.QtCore import QObject, QTimer, Signal

Job = Iterator[object]


class IdleWork(QObject):
    settled = Signal()  # the last queued job finished (not emitted after a cancel)
    failed = Signal(str, object)  # job name, the exception that stopped it

    SLICE = 0.005  # seconds of work between two rounds of event handling

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[str, Job] = {}  # insertion order is run order
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run)

    def add(self, name: str, job: Job) -> None:
        """Queue `job` last (replacing a queued job of the same name)."""
        self._jobs.pop(name, None)
        self._jobs[name] = job
        if not self._timer.isActive():
            self._timer.start()

    def cancel(self, *names: str) -> None:
        """Drop the named jobs (all jobs when no name is given)."""
        for name in names or list(self._jobs):
            job = self._jobs.pop(name, None)
            if job is not None and hasattr(job, "close"):
                job.close()
        if not self._jobs:
            self._timer.stop()

    def pending(self, name: str | None = None) -> bool:
        """Whether the named job (any job, without a name) is still queued."""
        return bool(self._jobs) if name is None else name in self._jobs

    def _run(self) -> None:
        deadline = time.perf_counter() + self.SLICE
        while self._jobs:
            name, job = next(iter(self._jobs.items()))
            try:
                next(job)
            except StopIteration:
                if self._jobs.get(name) is job:
                    del self._jobs[name]
                continue
            except Exception as exc:  # noqa: BLE001 (reported, and the other jobs go on)
                if self._jobs.get(name) is job:
                    del self._jobs[name]
                self.failed.emit(name, exc)
                continue
            if time.perf_counter() >= deadline:
                break
        if self._jobs:
            self._timer.start()
        else:
            self.settled.emit()
