"""File > Sync with Team Database…: the open database file and a team database on a server
(core/sync.py), run off the GUI thread as a merge is (tasks.py), then the window refreshed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QInputDialog, QMessageBox

from annotator.core.errors import AnnotatorError
from annotator.core.server_address import is_server_url, parse_server_url
from annotator.gui import dialogs
from annotator.gui.tasks import SHOW_AFTER_MS, BatchProgress, Task

if TYPE_CHECKING:
    from annotator.core.sync import SyncReport
    from annotator.gui.mainwindow import MainWindow


def sync_dialog(window: MainWindow) -> QInputDialog:
    """Ask for the team database's URL (the last one used is offered), then sync with it."""
    from annotator.gui.databases import ask_server_url

    return ask_server_url(
        window,
        "syncTeamDatabase",
        "Sync with Team Database",
        "Pull the team's documents and annotations into this file and push your own\n"
        "(those whose author is the role you connect as). The team database:\n"
        "postgresql://USER@HOST/DATABASE (no password here: ~/.pgpass holds it)",
        lambda text: sync_with(window, text),
    )


def sync_with(window: MainWindow, url: str) -> SyncReport | str:
    """Sync the window's database file with the server at `url` in a worker thread; shows
    and returns the report, or the reason it did not happen."""
    outcome = _run(window, url)
    if isinstance(outcome, str):
        failed = dialogs.plain_box(
            QMessageBox.Icon.Warning, "Sync with team database", outcome, window
        )
        failed.setObjectName("syncFailed")
        failed.open()
        return outcome
    ctx = window.ctx
    if not outcome.changed_nothing:
        window.workspace.reload_tags()
        window.build_tag_actions()
        window.library.reload(ctx.store)
        if window.workspace.document_id is None:
            window.restore_last_document()
        else:
            window.open_document(window.workspace.document_id)
    icon = QMessageBox.Icon.Warning if outcome.conflicts else QMessageBox.Icon.Information
    lines = outcome.lines()
    box = dialogs.plain_box(icon, "Sync with team database", "\n".join(lines[:2]), window)
    box.setObjectName("syncReport")
    if outcome.conflicts:
        box.setInformativeText("\n".join(lines[2:]))
    box.open()
    window.statusBar().showMessage("; ".join(lines[:2]), 10_000)
    return outcome


def _run(window: MainWindow, url: str) -> SyncReport | str:
    store = window.ctx.store
    if store.on_server:
        return "Sync works on a database file: this window is on the team database itself."
    if not is_server_url(url):
        return f"{url or 'nothing'}: not a postgresql://USER@HOST/DB address"
    try:
        address = parse_server_url(url)
    except AnnotatorError as exc:
        return str(exc)
    location = store.location
    result: dict[str, Any] = {}

    def work(_progress: Any) -> SyncReport:
        from annotator.core.store import open_store
        from annotator.core.sync import sync

        with (
            open_store(location, daily_backup=False) as local,
            open_store(address, create=False) as server,
        ):
            return sync(local, server)

    dialog = BatchProgress(window, "Syncing", 1)
    dialog.cancel_button.setEnabled(False)  # one sync is one step: nothing to stop between
    task = Task(work, window, action="Sync stopped")
    loop = QEventLoop()
    task.succeeded.connect(lambda report: result.setdefault("report", report))
    task.failed.connect(lambda message: result.setdefault("error", message))
    task.finished.connect(loop.quit)
    later = QTimer(dialog)
    later.setSingleShot(True)
    later.timeout.connect(dialog.show_if_still_running)
    later.start(SHOW_AFTER_MS)
    with window.own_batch():
        task.start()
        loop.exec()
        task.wait()
    dialog.close_batch()
    dialog.deleteLater()
    task.deleteLater()
    if "report" in result:
        report: SyncReport = result["report"]
        return report
    return str(result.get("error", "the sync stopped"))
