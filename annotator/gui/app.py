"""QApplication setup and the application entry point for the window."""

from __future__ import annotations

import sys
from pathlib import Path


def run(db_path: Path | None = None) -> int:
    """Open the main window on the database at `db_path` (default database if None)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from annotator.core.errors import AnnotatorError
    from annotator.core.store import open_store
    from annotator.gui.mainwindow import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Annotator")
    app.setOrganizationName("Annotator")
    try:
        store = open_store(db_path)
    except AnnotatorError as exc:
        QMessageBox.critical(None, "Annotator", str(exc))
        return 1
    window = MainWindow(store)
    window.show()
    try:
        return app.exec()
    finally:
        store.close()
