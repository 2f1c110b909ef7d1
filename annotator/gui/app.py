"""QApplication setup, first start, and the entry point that opens the window."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import suppress
from importlib.resources import as_file, files
from pathlib import Path

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QInputDialog

from annotator.core.errors import AnnotatorError
from annotator.core.importing import import_file
from annotator.core.queries import list_documents
from annotator.core.settings import Settings, backups_to_keep, load_settings
from annotator.core.store import Store, default_db_path, open_store
from annotator.gui.context import AppContext
from annotator.gui.mainwindow import MainWindow

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
    path = db_path or default_db_path()
    store = open_store(path, backup_keep=backups_to_keep(settings))
    if db_path is None:
        offer_sample(store, settings)
    settings.remember_database(store.path)
    ctx = AppContext(store, settings)
    ctx.save_settings()
    return MainWindow(ctx)


def run(db_path: Path | None = None, files: Sequence[Path] = ()) -> int:
    """Open the main window on the database at `db_path` (default database if None).

    `files` (from "Open with Annotator" or `annotator FILE...`) are imported once it is open.
    A damaged database is explained and its newest backup offered; it is never overwritten.
    """
    app = application()
    settings = load_settings()
    ask_author_if_needed(settings)
    while True:
        try:
            window = build_window(db_path, settings)
            break
        except AnnotatorError as exc:
            from annotator.gui.recovery import offer_restore

            if not offer_restore(None, db_path or default_db_path(), exc):
                return 1
    window.show()
    if files:
        window.import_paths(list(files))
    try:
        return app.exec()
    finally:
        window.ctx.store.close()
