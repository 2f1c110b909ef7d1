"""File > Sync with Team Database…: the open database file and a team database on a server
(core/sync.py), run off the GUI thread as a merge is (tasks.py), then the window refreshed.

When the file holds annotations by names the server knows nothing of (the Preferences name
differs from the user on the server: "Dana" and dana), the sync first asks which of them are
the analyst (`MineDialog`, the Preferences name ticked): their annotations become the role's
layer and are pushed (core/sync_mine.py). The report box says what was not pushed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

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


@dataclass(frozen=True)
class _Question:
    """The file's authors the server does not know (name -> annotations), for `role`; those
    the analyst said before were not theirs."""

    role: str
    names: dict[str, int]
    declined: frozenset[str]


@dataclass(frozen=True)
class _Synced:
    report: SyncReport
    choosable: bool  # some of what was not pushed could be taken as the analyst's


class MineDialog(QDialog):
    """Which of the file's unknown names are the analyst: ticked ones become the role's."""

    def __init__(
        self,
        parent: QWidget,
        role: str,
        names: dict[str, int],
        preference: str,
        declined: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncMineDialog")
        self.setWindowTitle("Sync with Team Database")
        label = QLabel(
            f"A sync pushes only the annotations of {role}, the user you connect as. This "
            "file also has annotations by names the team database does not know. Tick the "
            f"names that are you: their annotations become {role}'s (in this file too, each "
            "with a history row) and are pushed. The others stay only in this file, and are "
            "not asked about again (the sync's report offers Choose Names…).",
            self,
        )
        label.setWordWrap(True)
        self.names = QListWidget(self)
        self.names.setObjectName("syncMineNames")
        self.names.setAccessibleName("Names that are you")
        for name, count in names.items():
            item = QListWidgetItem(f"{name} ({count} annotation(s))", self.names)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = name == preference and name not in declined
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Sync")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.names)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        label.setMinimumWidth(420)

    def chosen(self, ticked: bool = True) -> list[str]:
        """The names ticked (with `ticked` False: those left unticked)."""
        items = (self.names.item(row) for row in range(self.names.count()))
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if (item.checkState() == Qt.CheckState.Checked) is ticked
        ]


def sync_with(
    window: MainWindow, url: str, mine: list[str] | None = None, *, ask_all: bool = False
) -> SyncReport | str:
    """Sync the window's database file with the server at `url` in a worker thread; shows
    and returns the report, or the reason it did not happen. Without `mine`, first asks which
    of the file's names the server does not know are the analyst's, when one was not asked
    about before (`ask_all`: whenever there are such names)."""
    outcome = _run(window, url, mine, ask_all)
    if isinstance(outcome, _Question):
        dialog = MineDialog(
            window, outcome.role, outcome.names, window.ctx.settings.author, outcome.declined
        )
        answer = dialog.exec()
        chosen, declined = dialog.chosen(), dialog.chosen(ticked=False)
        dialog.deleteLater()
        if answer != QDialog.DialogCode.Accepted:
            window.statusBar().showMessage("Sync cancelled", 10_000)
            return "sync cancelled"
        outcome = _run(window, url, chosen, declined=declined)
    assert not isinstance(outcome, _Question)
    if isinstance(outcome, str):
        failed = dialogs.plain_box(
            QMessageBox.Icon.Warning, "Sync with Team Database", outcome, window
        )
        failed.setObjectName("syncFailed")
        failed.open()
        return outcome
    _show(window, url, outcome)
    return outcome.report


def _show(window: MainWindow, url: str, synced: _Synced) -> None:
    """The window refreshed after a sync, and its report."""
    outcome = synced.report
    ctx = window.ctx
    ctx.forget_synced_role()  # the file's author is the role it synced as (context.py)
    if outcome.taken:
        # the steps on the undo stack hold the old author: undoing one would give it back
        ctx.undo_stack.clear()
    window.refresh_status()
    if not outcome.changed_nothing:
        window.workspace.reload_tags()
        window.build_tag_actions()
        window.library.reload(ctx.store)
        if window.workspace.document_id is None:
            window.restore_last_document()
        else:
            window.open_document(window.workspace.document_id)
    warn = outcome.conflicts or outcome.not_pushed
    icon = QMessageBox.Icon.Warning if warn else QMessageBox.Icon.Information
    from annotator.core.sync_mine import MINE_HINT

    lines = outcome.lines("Choose Names… below" if synced.choosable else MINE_HINT)
    box = dialogs.plain_box(icon, "Sync with Team Database", "\n".join(lines[:2]), window)
    box.setObjectName("syncReport")
    if lines[2:]:
        box.setInformativeText("\n".join(lines[2:]))
    if synced.choosable:
        box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Ok))  # Esc closes it
        choose = box.addButton("Choose Names…", QMessageBox.ButtonRole.ActionRole)
        choose.setObjectName("syncChooseNames")
        # after the box has closed: the sync again, asking about every name
        choose.clicked.connect(
            lambda: QTimer.singleShot(0, window, lambda: sync_with(window, url, ask_all=True))
        )
    box.open()
    window.statusBar().showMessage("; ".join(lines[:2]), 10_000)


def _run(
    window: MainWindow,
    url: str,
    mine: list[str] | None,
    ask_all: bool = False,
    declined: list[str] | None = None,
) -> _Synced | _Question | str:
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

    def work(_progress: Any) -> _Synced | _Question:
        from annotator.core.store import open_store
        from annotator.core.sync import sync
        from annotator.core.sync_mine import not_mine, remember_not_mine, unknown_authors

        with (
            open_store(location, daily_backup=False) as local,
            open_store(address, create=False) as server,
        ):
            role = server.user or ""
            if mine is None:
                names = unknown_authors(local, server, role)
                remembered = not_mine(local)
                if names and (ask_all or not remembered.issuperset(names)):
                    return _Question(role, names, frozenset(remembered))
            report = sync(local, server, mine=mine or ())
            if declined:
                remember_not_mine(local, declined)
            choosable = bool(report.not_pushed) and bool(unknown_authors(local, server, role))
            return _Synced(report, choosable)

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
        outcome: _Synced | _Question = result["report"]
        return outcome
    return str(result.get("error", "the sync stopped"))
