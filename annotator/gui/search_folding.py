"""The search indexes' backlog folded in idle time (issue 16).

A bulk write (a merge, an import, a bulk edit of many rows) commits with the rows it changed
left queued for the search indexes (core/search_index.py), so that FTS5 does not double its
time; searches and the annotations table read the queued rows directly meanwhile, so nothing
shown is stale, only slower. This folds that backlog into the indexes between events: one
short transaction of ROWS_PER_STEP rows per step (idle.py: a key press waits at most one step),
oldest rows first, never waiting for the write lock (another process writing: try again in
RETRY_MS). Each step commits on its own, so stopping anywhere (another database opened, the
window closed, a crash) loses nothing: the queue is the truth until a row is folded.

It looks for a backlog when a database is opened, after a write of the window's that left one
(`Store.search_backlog_left`), after the window's own background import or merge, and after
another process's writes were reloaded; never while a background batch is writing. A team
database (PostgreSQL) has the same queue (migration 0007): any window connected to it may fold
a colleague's backlog, one step at a time under the server's write lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from annotator.core import search_index
from annotator.gui.context import storage_errors
from annotator.gui.idle import IdleWork

if TYPE_CHECKING:
    from annotator.core.store import Store
    from annotator.gui.mainwindow import MainWindow

JOB = "search index backlog"
ROWS_PER_STEP = 500  # about 10-30 ms per transaction on 100,000 merged annotations
# A team database (core/search_server.py) folds slower (a tsvector per row, the GIN index), and
# a step holds the server's write lock that colleagues' key presses wait for: about 15-25 ms.
ROWS_PER_STEP_ON_SERVER = 150
RETRY_MS = 2000  # another connection held the write lock: try again after this


class SearchFolding(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        # a step that fails (the database or the disk) is rolled back, its rows stay queued
        # (searches still read them): the next check (a save, an open) tries again
        self.idle = IdleWork(self)
        self.retry = QTimer(self)
        self.retry.setSingleShot(True)
        self.retry.setInterval(RETRY_MS)
        self.retry.timeout.connect(self.check)
        self.folded = 0  # rows folded since the window opened (tests, benchmarks)
        window.ctx.saved.connect(self._after_save)
        window.ctx.storeReplaced.connect(self._store_replaced)
        window.external.written.connect(self.check)
        if window.ctx.store is not None:  # else: app.launch opens it later (storeReplaced)
            self.check()

    def busy(self) -> bool:
        """Whether folding is under way (or waits to try again)."""
        return self.idle.pending(JOB) or self.retry.isActive()

    def check(self) -> None:
        """Start folding if the open database has a backlog (one indexed read)."""
        store = self._store()
        if store is None or self.idle.pending(JOB):
            return
        try:
            waiting = search_index.backlog(store, at_most=1)
        except (*storage_errors(), sqlite3.Error, OSError):
            return  # the database cannot be read now: what writes next shows the failure
        if waiting:
            self.idle.add(JOB, self._fold(store))

    def _store(self) -> Store | None:
        store = self.window.ctx.store
        if store is None or store.closed or store.read_only or self.window.external.batch_running:
            return None
        return store

    def _after_save(self) -> None:
        store = self.window.ctx.store
        if store is not None and store.search_backlog_left:
            store.search_backlog_left = False
            self.check()

    def _store_replaced(self) -> None:
        self.idle.cancel(JOB)  # the old store's job: each of its steps is committed
        self.retry.stop()
        self.check()

    def _fold(self, store: Store) -> Iterator[None]:
        while self._store() is store:
            rows = ROWS_PER_STEP_ON_SERVER if store.on_server else ROWS_PER_STEP
            done = search_index.fold_step(store, rows, wait=False)
            if done is None:  # another connection is writing: never wait for it here
                self.retry.start()
                return
            if done == 0:
                return
            self.folded += done
            yield
        # another database is open, or a batch writes: its end calls check() again


def install(window: MainWindow) -> SearchFolding:
    return SearchFolding(window)
