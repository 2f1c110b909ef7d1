"""QApplication setup, first start, and the entry point that opens the window.

`launch` (the `annotator` command) shows the window before the database is read: SQLAlchemy,
alembic, the importers and the first read all come after the first paint (opening.py).
`build_window` opens the database first and returns a filled window (tests, probes).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import suppress
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QInputDialog

from annotator.core.errors import AnnotatorError
from annotator.core.settings import Settings, backups_to_keep, default_db_path, load_settings
from annotator.gui.context import AppContext
from annotator.gui.mainwindow import MainWindow
from annotator.gui.opening import DatabaseOpening

if TYPE_CHECKING:
    from annotator.core.store import Store

SAMPLE_RESOURCE = "sample-briefing.txt"
# The .desktop file's name without ".desktop": lets Wayland shells match the window to it (icon).
DESKTOP_ID = "io.github.annotator.Annotator"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)  # resources/icons/annotator-<size>.png


def app_icon() -> QIcon:
    """The Annotator icon at every bundled size (window, taskbar, About box)."""
    icon = QIcon()
    icons = files("annotator.resources").joinpath("icons")
    for size in ICON_SIZES:
        pixmap = QPixmap()
        if pixmap.loadFromData(icons.joinpath(f"annotator-{size}.png").read_bytes(), "PNG"):
            icon.addPixmap(pixmap)
    return icon


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Annotator")
    app.setOrganizationName("Annotator")
    app.setApplicationDisplayName("Annotator")
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(app_icon())
    return app


def offer_sample(store: Store, settings: Settings) -> None:
    """Import the bundled sample briefing once into a new, empty default database."""
    # Deferred: the importers (pypdf...) load only when a sample is imported.
    from annotator.core.importing import import_file
    from annotator.core.queries import list_documents

    key = str(store.path)
    if key in settings.sample_offered or list_documents(store):
        return
    settings.sample_offered.append(key)
    resource = files("annotator.resources").joinpath(SAMPLE_RESOURCE)
    # The sample is a convenience; an empty library is still usable without it.
    with as_file(resource) as sample, suppress(AnnotatorError):
        import_file(store, Path(sample))


def ask_author_if_needed(settings: Settings) -> None:
    if settings.author:
        return
    name, ok = QInputDialog.getText(
        None, "Welcome to Annotator",
        "Your name, recorded on every annotation you make (Edit > Preferences changes it):",
    )
    settings.author = name.strip() if ok and name.strip() else "analyst"


def build_window(db_path: Path | None, settings: Settings) -> MainWindow:
    """Open the database and build the window (raises AnnotatorError if it cannot open)."""
    from annotator.core.store import open_store  # deferred: loads SQLAlchemy

    path = db_path or default_db_path()
    store = open_store(path, backup_keep=backups_to_keep(settings))
    if db_path is None:
        offer_sample(store, settings)
    settings.remember_database(store.path)
    ctx = AppContext(store, settings)
    ctx.save_settings()
    return MainWindow(ctx)


def launch(db_path: Path | None, settings: Settings) -> MainWindow:
    """Show the main window now and open the database at `db_path` (the default database if
    None) right after its first paint; `window.database_ready()` tells when it is open.

    Uses the running QApplication (creating it if needed). A database that cannot be opened is
    explained over the window, with the newest backup offered (recovery.py); declining closes
    the window and makes the event loop return 1.
    """
    application()
    path = db_path or default_db_path()
    window = MainWindow(AppContext(None, settings))
    window.opening = DatabaseOpening(window, path, offer_sample=db_path is None)
    window.show()
    window.opening.schedule()
    return window


def run(db_path: Path | None = None, files: Sequence[Path] = ()) -> int:
    """Open the main window on the database at `db_path` (default database if None).

    `files` (from "Open with Annotator" or `annotator FILE...`) are imported once it is open.
    A damaged database is explained and its newest backup offered; it is never overwritten.
    """
    app = application()
    settings = load_settings()
    ask_author_if_needed(settings)
    window = launch(db_path, settings)
    if files:
        window.import_paths(list(files))  # waits for the database
    try:
        status = app.exec()
    finally:
        if window.ctx.store is not None:
            window.ctx.store.close()
    return 1 if window.opening is not None and window.opening.failed else status
