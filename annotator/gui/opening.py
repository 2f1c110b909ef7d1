"""The window's first database, opened after the window is shown (issue 15).

`app.launch` builds the main window without a store and shows it at once: menus, toolbar, an
empty reader and a library saying "Opening <database>…". SQLAlchemy, the migration check and
the first read wait until the window has been painted once; then `DatabaseOpening.start`
opens the database on the GUI thread (the connections stay with the one object that owns them:
core/connections.py), fills the window through the same path as File > Open Database
(`AppContext.replace_store`), and gives back the actions it held.

Until then the actions that need the database are off (their keys do nothing), Open Recent
too; files dropped on the window, or named on the command line, wait and are imported once
the database is open. A database that cannot be opened is explained as before (recovery.py),
now over the window; declining closes the window (and `annotator` exits with status 1).
"""

from __future__ import annotations

import importlib
import linecache
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from annotator.core.errors import AnnotatorError
from annotator.core.server_address import ServerAddress, database_label
from annotator.core.settings import backups_to_keep
from annotator.gui import deferred
from annotator.gui.reader.canvas import EMPTY_READER

if TYPE_CHECKING:
    from annotator.core.store import Store
    from annotator.gui.mainwindow import MainWindow

# What the analyst may use while the database opens: nothing here reads or writes it.
USABLE_WHILE_OPENING = frozenset({
    "quit", "zoom_in", "zoom_out", "zoom_reset", "show_library", "show_form", "shortcuts",
})
# If no paint comes (a window started minimised), the database is opened after this anyway.
LATEST_START_MS = 500
# What opening and filling the window needs, imported on a worker thread while the shown
# window stays responsive (pure Python imports: no Qt, no connection is made there).
PRELOAD = (
    "annotator.core.store", "annotator.core.queries", "annotator.core.ops",
    "annotator.core.review",
)
PRELOAD_POLL_MS = 10


class DatabaseOpening(QObject):
    """Opens `path` in `window` once the window has been painted; see the module docstring."""

    opened = Signal()  # the store is open and the library filled
    refused = Signal()  # the database could not be opened and the analyst gave up

    def __init__(
        self, window: MainWindow, path: Path | ServerAddress, *, offer_sample: bool
    ) -> None:
        super().__init__(window)
        self.window = window
        self.path = path
        self.offer_sample = offer_sample
        self.started = False
        self.done = False  # the store is open and the library filled
        self.failed = False
        self._waiting: list[Callable[[], None]] = []
        self._held = [
            action for name, action in window.actions_by_name.items()
            if name not in USABLE_WHILE_OPENING and action.isEnabled()
        ]
        for action in self._held:
            action.setEnabled(False)
        window.recent_menu.menuAction().setEnabled(False)
        window.library.show_opening(path)
        # Not the empty reader's hint to import briefings: Import is off until the database is open.
        window.reader.setPlaceholderText(f"Opening {path.name}…")
        window.db_label.setText(f"Opening {database_label(path)}…")
        window.setWindowTitle(path.name)

    def schedule(self) -> None:
        """Start at the window's first paint (once it is on screen), or after LATEST_START_MS.

        The window itself is watched, not the application: the first frame paints the window
        with its children, and a filter on the application would run Python for every event
        of every widget meanwhile (issue 15)."""
        self.window.installEventFilter(self)
        QTimer.singleShot(LATEST_START_MS, self.start)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.window and event.type() == QEvent.Type.Paint:
            self._stop_watching()
            # After this paint: the frame is flushed to the screen before the timer runs.
            QTimer.singleShot(0, self.start)
        return False

    def _stop_watching(self) -> None:
        self.window.removeEventFilter(self)

    def when_open(self, work: Callable[[], None]) -> None:
        """Run `work` once the database is open (now, if it is)."""
        if self.window.database_ready():
            work()
        else:
            self._waiting.append(work)

    def start(self) -> None:
        """Import SQLAlchemy and the store on a worker thread, then open the database here."""
        if self.started:
            return
        self.started = True
        self._stop_watching()
        # The source text PySide6's import hook read while the window's modules were imported
        # (deferred.py): nothing needs it, and the database's imports reuse its memory.
        linecache.clearcache()
        self._preload = threading.Thread(target=_preload, name="annotator-preload", daemon=True)
        self._preload.start()
        self._poll()

    def _poll(self) -> None:
        if self._preload.is_alive():
            QTimer.singleShot(PRELOAD_POLL_MS, self._poll)
        else:
            self._finish()

    def _finish(self) -> None:
        """Open the database on the GUI thread (its connections live here) and fill the window."""
        if not self.window.isVisible():  # closed before its database was opened
            return
        store = self._open()
        if store is None:
            self.failed = True  # app.run then exits with status 1
            self.window.close()
            self.refused.emit()
            return
        for action in self._held:
            action.setEnabled(True)
        self.window.recent_menu.menuAction().setEnabled(True)
        self.window.library.show_opening(None)
        self.window.reader.setPlaceholderText(EMPTY_READER)
        self.window.ctx.replace_store(store)  # fills the window (MainWindow._on_store_replaced)
        self.done = True
        self.opened.emit()
        waiting, self._waiting = self._waiting, []
        for work in waiting:
            work()

    def _open(self) -> Store | None:
        """The open store; None when it cannot be opened and no backup was restored."""
        # Deferred on purpose: the store brings SQLAlchemy, alembic and the migration check.
        with deferred.sources_not_kept():
            from annotator.core.store import open_store
            from annotator.gui.app import offer_sample
            from annotator.gui.databases import open_asking_password
            from annotator.gui.recovery import offer_restore

        settings = self.window.ctx.settings
        while True:
            keep = backups_to_keep(settings)
            try:
                opened = open_asking_password(
                    self.window, self.path,
                    lambda target, keep=keep: open_store(target, backup_keep=keep),
                )
            except AnnotatorError as exc:
                if not offer_restore(self.window, self.path, exc):
                    return None
                continue
            if opened is None:  # the password was not given
                return None
            store = opened
            if self.offer_sample and store.path is not None:  # never into a team database
                offer_sample(store, settings)
            return store


def _preload() -> None:
    # A module that fails to import fails again, with its message, where it is used.
    with deferred.sources_not_kept():
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S112 (reported by the GUI thread's own import)
                return
