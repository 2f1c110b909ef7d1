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
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from annotator.core.store import ChangeWatcher, Store
    from annotator.gui.mainwindow import MainWindow

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


def external_notice(store: Store) -> str:
    """What the status bar says after a reload: on a team database the changes are a
    colleague's (another analyst, elsewhere), on a file another window's or the CLI's."""
    if store.on_server:
        return "Updated with changes saved by colleagues on the team database"
    return "Updated with changes saved by another window"


def reload_in_place(window: MainWindow) -> None:
    """Show what another process committed, keeping the analyst's place in the open document:
    where the text is scrolled to, the selected text or annotation, what is being typed in the
    form and the keyboard focus.

    On a team database colleagues commit all day long, each commit a refresh: one that dropped
    the selection would make the next tag key say "select a sentence first", and one that took
    the focus out of the note being typed would send the rest of the note to the reader, where
    its digits are tag keys and J/K/N move."""
    workspace, reader, library = window.workspace, window.reader, window.library
    scroll = reader.verticalScrollBar().value()
    current, selection = workspace.current_id, workspace.selection
    focus = QApplication.focusWidget()
    open_id = workspace.document_id
    row = library.view_row(open_id)
    tags = [(tag.name, tag.shortcut) for tag in workspace.tags]
    library.reload(window.ctx.store)
    workspace.reload_tags()
    if [(tag.name, tag.shortcut) for tag in workspace.tags] != tags:  # a colleague's merge
        window.build_tag_actions()
    if window.replace_if_removed(open_id, row) or workspace.document_id is None:
        return  # the open document was removed by another window: another one is open now
    workspace.open_document(workspace.document_id, keep_form=True)
    shown = None if current is None else workspace.annotations.get(current)
    if shown is not None and selection in (None, (shown.start, shown.end)):
        workspace.activate_annotation(shown.id)
    elif selection is not None:
        reader.select_span(*selection, scroll=False)  # the form shows it, as a click does
    else:
        window.form.show_annotation(None)
    # Where the analyst was reading, not where the selection is (they may have scrolled on).
    reader.verticalScrollBar().setValue(scroll)
    if (
        focus is not None and window.isAncestorOf(focus) and focus.isVisible()
        and QApplication.focusWidget() is not focus
    ):
        focus.setFocus()
