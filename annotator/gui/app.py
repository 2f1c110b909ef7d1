"""QApplication setup, first start, and the entry point that opens the window.

`launch` (the `annotator` command) shows the window before the database is read: SQLAlchemy,
alembic, the importers and the first read all come after the first paint (opening.py).
`build_window` opens the database first and returns a filled window (tests, probes).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication

# What the window's modules create while they load lives as long as the process (modules,
# classes, Qt's wrappers and enums): the cyclic garbage collector would walk it dozens of times
# for nothing, some milliseconds of every start (issue 15). It is paused while they load, and
# what they made is then moved out of its reach (gc.freeze) rather than walked once more;
# `launch` does the same while it builds the window.
_COLLECTING = gc.isenabled()
gc.disable()

from annotator.core.errors import AnnotatorError  # noqa: E402
from annotator.core.server_address import database_target, default_database  # noqa: E402
from annotator.core.settings import (  # noqa: E402
    Settings,
    backups_to_keep,
    load_settings,
)
from annotator.gui.context import AppContext  # noqa: E402
from annotator.gui.mainwindow import MainWindow  # noqa: E402
from annotator.gui.opening import DatabaseOpening  # noqa: E402

if _COLLECTING:
    gc.freeze()
    gc.enable()

if TYPE_CHECKING:
    from annotator.core.store import Store

SAMPLE_RESOURCE = "sample-briefing.txt"
# The .desktop file's name without ".desktop": lets Wayland shells match the window to it (icon).
DESKTOP_ID = "io.github.annotator.Annotator"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)  # resources/icons/annotator-<size>.png


def app_icon() -> QIcon:
    """The Annotator icon at every bundled size (window, taskbar, About box).

    From the installed files, each size is read only when something draws it at that size
    (QIcon.addFile with the size given): the window is shown without decoding seven PNGs.
    """
    import annotator.resources as bundled  # a package without code: cheap to import

    icon = QIcon()
    folder = Path(bundled.__file__).parent / "icons" if bundled.__file__ else None
    for size in ICON_SIZES:
        name = f"annotator-{size}.png"
        if folder is not None and (folder / name).is_file():
            icon.addFile(str(folder / name), QSize(size, size))
        else:  # a bundle that is not plain files (a zip): read the bytes through importlib
            from importlib.resources import files

            pixmap = QPixmap()
            data = files("annotator.resources").joinpath("icons", name).read_bytes()
            if pixmap.loadFromData(data, "PNG"):
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
    from importlib.resources import as_file, files

    from annotator.core.importing import import_file
    from annotator.core.queries import list_documents

    key = store.key
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
    from PySide6.QtWidgets import QInputDialog  # only on the first start

    name, ok = QInputDialog.getText(
        None, "Welcome to Annotator",
        "Your name, recorded on every annotation you make (Edit > Preferences changes it):",
    )
    settings.author = name.strip() if ok and name.strip() else "analyst"


def _on_server(db_path: Path | str | None) -> bool:
    """Whether the window will open a team database (a URL; a bad one counts as a file's: the
    opening explains it)."""
    try:
        target = database_target(db_path) if db_path is not None else default_database()
    except AnnotatorError:
        return False
    return not isinstance(target, Path)


def build_window(db_path: Path | str | None, settings: Settings) -> MainWindow:
    """Open the database and build the window (raises AnnotatorError if it cannot open)."""
    from annotator.core.store import open_store  # deferred: loads SQLAlchemy

    path = database_target(db_path) if db_path is not None else default_database()
    store = open_store(path, backup_keep=backups_to_keep(settings))
    if db_path is None and store.path is not None:  # never into a team database
        offer_sample(store, settings)
    settings.remember_database(store.location)
    ctx = AppContext(store, settings)
    ctx.save_settings()
    return MainWindow(ctx)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block, whose objects stay (see above)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


def launch(db_path: Path | str | None, settings: Settings) -> MainWindow:
    """Show the main window now and open the database at `db_path` (the default database if
    None) right after its first paint; `window.database_ready()` tells when it is open.

    Uses the running QApplication (creating it if needed). A database that cannot be opened is
    explained over the window, with the newest backup offered (recovery.py); declining closes
    the window and makes the event loop return 1.
    """
    with collector_paused():
        application()
        path = database_target(db_path) if db_path is not None else default_database()
        window = MainWindow(AppContext(None, settings))
        window.opening = DatabaseOpening(window, path, offer_sample=db_path is None)
        window.show()
        window.opening.schedule()
    return window


def run(db_path: Path | str | None = None, files: Sequence[Path] = ()) -> int:
    """Open the main window on the database at `db_path` (default database if None): a file,
    or a `postgresql://` URL (a team database on a server).

    `files` (from "Open with Annotator" or `annotator FILE...`) are imported once it is open.
    A damaged database is explained and its newest backup offered; it is never overwritten.
    """
    app = application()
    settings = load_settings()
    if not _on_server(db_path):  # there the login role is the author: no name to ask for
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
