"""Changes saved by other processes: another window on the same database, the command line.

Two copies of Annotator (or the CLI) may share a database: both stay writable and each
refreshes when the other commits, checked every 2 s and when the window is activated. SQLite's
locking keeps every write (tests/test_concurrency.py); this only tells the window when to
reload. The window's own writes, and those of its background imports and merges, are not
"another window's".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from annotator.core.store import ChangeWatcher, Store

CHECK_EVERY_MS = 2000
# A team database's server announces commits (LISTEN/NOTIFY): looking costs no round trip, so
# the window looks often enough to show a colleague's commit within a second.
SERVER_CHECK_EVERY_MS = 500


class ExternalChanges(QObject):
    """Watches a store's `PRAGMA data_version` and calls `reload` when another process
    committed since the window last looked."""

    # the window's own background batch ended, or another process's writes were reloaded:
    # writes that did not go through the window's store (search_folding.py looks at them)
    written = Signal()

    def __init__(self, store: Store | None, reload: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._reload = reload
        # None until the window's first database is open (app.launch): see watch().
        self._watcher: ChangeWatcher | None = None if store is None else store.watcher()
        self._seen = self._token()
        self._batch_running = False
        self.timer = QTimer(self)
        self.timer.setInterval(_interval(store))
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def watch(self, store: Store) -> None:
        """Another database was opened in the window: watch that one."""
        if self._watcher is not None:
            self._watcher.close()
        self._watcher = store.watcher()
        self._seen = self._token()
        self.timer.setInterval(_interval(store))

    def _token(self) -> object:
        return None if self._watcher is None else self._watcher.token()

    def remember_own_write(self) -> None:
        self._seen = self._token()

    @contextmanager
    def own_batch(self) -> Iterator[None]:
        """While the window imports or merges in the background (`tasks.run_batch`), those
        writes are its own: no reload meanwhile, none after."""
        self._batch_running = True
        self.timer.stop()
        try:
            yield
        finally:
            self._batch_running = False
            self.remember_own_write()
            self.timer.start()
            self.written.emit()

    @property
    def batch_running(self) -> bool:
        """Whether a background import or merge of the window's is writing right now."""
        return self._batch_running

    def check(self) -> bool:
        """Reload what another process changed; True when something was reloaded."""
        if self._batch_running:
            return False
        token = self._token()
        if token == self._seen:
            return False
        self._seen = token
        self._reload()
        self.written.emit()
        return True

    def close(self) -> None:
        self.timer.stop()
        if self._watcher is not None:
            self._watcher.close()


def _interval(store: Store | None) -> int:
    return SERVER_CHECK_EVERY_MS if store is not None and store.on_server else CHECK_EVERY_MS
