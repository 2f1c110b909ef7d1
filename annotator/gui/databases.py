"""File > New Database, Open Database, Connect to Team Database, Open Recent and Save a Copy.

Only New Database creates a database; opening a file that has gone (a recent entry on a
removed drive) reports it instead of leaving an empty database in its place. Connect to Team
Database opens a database on a PostgreSQL server by its URL; its password is never asked for
here (libpq's ~/.pgpass or service file gives it) and never remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from annotator.core.errors import AnnotatorError
from annotator.core.server_address import (
    ServerAddress,
    database_label,
    database_target,
    is_server_url,
    parse_server_url,
)
from annotator.core.settings import backups_to_keep
from annotator.gui import deferred

if TYPE_CHECKING:
    from annotator.core.backup import save_copy as write_copy
    from annotator.core.storage_errors import describe_storage_error
    from annotator.core.store import Store, open_store
    from annotator.gui.mainwindow import MainWindow
else:  # deferred: these load SQLAlchemy, which the window is shown without (issue 15)
    (open_store,) = deferred.functions("annotator.core.store", "open_store")
    # (not SQLAlchemy, but the database checks behind a copy: only needed to save one)
    write_copy = deferred.function("annotator.core.backup", "save_copy")
    # (only a failure needs its wording; loaded then, not before the first paint)
    describe_storage_error = deferred.function(
        "annotator.core.storage_errors", "describe_storage_error"
    )

FILE_TYPES = "Annotator databases (*.sqlite3 *.db);;All files (*)"


def sync_dialog(window: MainWindow) -> None:
    """File > Sync with Team Database. (mainwindow.py connects this module's menu items to
    its functions: the module loads at the first one used, not with the window.)"""
    from annotator.gui import syncing  # loads the sync code when first used

    syncing.sync_dialog(window)


def connect_team_database(window: MainWindow) -> QInputDialog:
    """Ask for a team database's URL (the last one used is offered) and open it."""
    return ask_server_url(
        window,
        "connectTeamDatabase",
        "Connect to Team Database",
        "The team database, as its administrator gave it:\n"
        "postgresql://USER@HOST/DATABASE?sslmode=verify-full\n"
        "(no password here: ~/.pgpass or a service file holds it)",
        lambda text: _connect_to(window, text),
    )


def ask_server_url(
    window: MainWindow, name: str, title: str, label: str, then: Callable[[str], object]
) -> QInputDialog:
    """A window-modal box asking for a team database's URL, offering the last server used;
    `then` gets the URL given (stripped). Returns the box, open."""
    dialog = QInputDialog(window)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    servers = [e for e in window.ctx.settings.recent_databases if is_server_url(e)]
    dialog.setTextValue(servers[0] if servers else "postgresql://")
    dialog.textValueSelected.connect(lambda text: then(text.strip()))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def _connect_to(window: MainWindow, text: str) -> None:
    try:
        if not is_server_url(text):
            raise AnnotatorError(f"{text or 'nothing'}: not a postgresql://USER@HOST/DB address")
        target = parse_server_url(text)
    except AnnotatorError as exc:
        QMessageBox.warning(window, "Cannot connect", str(exc))
        return
    open_database(window, target)


def open_asking_password(
    parent: QWidget, target: Path | ServerAddress, opener: Callable[[Any], Store]
) -> Store | None:
    """`opener(target)`; when a team database's server asks for a password that libpq did not
    find (~/.pgpass, a service file), ask for it (hidden, never kept) and try again. None when
    the analyst cancels. Raises what `opener` raises otherwise."""
    from annotator.core.server import PasswordNeeded  # deferred: loads SQLAlchemy

    try:
        return opener(target)
    except PasswordNeeded as exc:
        if not isinstance(target, ServerAddress):
            raise
        asked = exc
    while True:
        password, ok = QInputDialog.getText(
            parent, "Team database password", f"{asked}\n\nPassword for {target.display}:",
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return None
        try:
            return opener(target.with_password(password))
        except PasswordNeeded as again:
            asked = again


def new_database(window: MainWindow) -> None:
    """Create a database and open it; an existing file is only ever opened, never replaced."""
    path, _ = QFileDialog.getSaveFileName(
        window, "New database", str(Path.home() / "annotations.sqlite3"), FILE_TYPES
    )
    if not path:
        return
    target = Path(path)
    if target.exists() and target.stat().st_size > 0:
        answer = QMessageBox.question(
            window, "New database",
            f"{target.name} already exists in {target.parent}, and Annotator does not replace "
            "a database. Open it instead?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
    open_database(window, target, create=True)


def database_folder(store: Store | None) -> Path:
    """Where a file dialog starts: the open database's folder (home for a server's)."""
    path = store.path if store is not None else None
    return path.parent if path is not None else Path.home()


def open_database(
    window: MainWindow, path: Path | ServerAddress | None, *, create: bool = False
) -> bool:
    """Open the database at `path` (chosen in a file dialog when None); False when it was not
    opened (cancelled, or refused with the reason shown)."""
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(
            window, "Open database", str(database_folder(window.ctx.store)), FILE_TYPES
        )
        if not chosen:
            return False
        path = Path(chosen)
    keep = backups_to_keep(window.ctx.settings)
    try:
        store = open_asking_password(
            window, path, lambda target: open_store(target, create=create, backup_keep=keep)
        )
    except AnnotatorError as exc:
        QMessageBox.warning(window, "Cannot open database", str(exc))
        return False
    if store is None:  # no password given
        return False
    window.ctx.replace_store(store)
    return True


def save_copy(window: MainWindow, path: Path | None = None) -> Path | None:
    """File > Save a Copy of the Database: one self-contained file of the whole database (the
    window goes on with the open one). Returns where the copy was written, None if it was not."""
    store = window.ctx.store
    if store.path is None:
        QMessageBox.information(
            window, "Save a copy of the database",
            f"{store.label} is a team database on a server: its administrator backs it up. "
            "Export (File > Export) writes its annotations to a file.",
        )
        return None
    if path is None:
        from datetime import date

        stamp = date.today().isoformat()
        proposal = Path.home() / f"{store.path.stem}-copy-{stamp}{store.path.suffix or '.sqlite3'}"
        chosen, _ = QFileDialog.getSaveFileName(
            window, "Save a copy of the database", str(proposal), FILE_TYPES
        )
        if not chosen:
            return None
        path = Path(chosen)
    window.setCursor(Qt.CursorShape.BusyCursor)
    try:
        write_copy(store.path, path)
    except AnnotatorError as exc:
        QMessageBox.warning(window, "Copy not saved", str(exc))
        return None
    except OSError as exc:
        message = describe_storage_error(exc, f"No copy written to {path}")
        QMessageBox.warning(window, "Copy not saved", message)
        return None
    finally:
        window.unsetCursor()
    window.statusBar().showMessage(f"Saved a copy of the database to {path}", 8000)
    return path


def fill_recent_menu(window: MainWindow) -> None:
    """File > Open Recent: the databases opened last; those whose file has gone are disabled."""
    menu = window.recent_menu
    menu.clear()
    for entry in window.ctx.settings.recent_databases:
        try:
            target = database_target(entry)
        except AnnotatorError:
            target = None
        if target is None or (isinstance(target, Path) and not target.is_file()):
            menu.addAction(f"{entry} (not found)").setEnabled(False)
            continue
        action = menu.addAction(database_label(target))
        action.triggered.connect(lambda _c=False, p=target: open_database(window, p))
    if not window.ctx.settings.recent_databases:
        menu.addAction("(none)").setEnabled(False)
