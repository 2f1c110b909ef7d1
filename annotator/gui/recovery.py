"""What the window does when the database cannot be opened: say why, offer the newest backup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from annotator.core.backup import list_backups, restore_backup
from annotator.core.errors import AnnotatorError, DatabaseDamaged
from annotator.core.settings import backups_to_keep
from annotator.core.storage_errors import describe_storage_error


def ask(box: QMessageBox, restore: QPushButton | None) -> bool:
    """Show the message; True when the analyst chose to restore."""
    box.exec()
    return restore is not None and box.clickedButton() is restore


def offer_restore(
    parent: QWidget | None,
    db_path: Path,
    error: AnnotatorError,
    choose: Callable[[QMessageBox, QPushButton | None], bool] = ask,
) -> bool:
    """Explain a refused database; for a damaged one offer its newest backup.

    Returns True when a backup was restored (the caller then opens the database again). The
    damaged file is never overwritten without a copy: restore saves it first.
    """
    backups = list_backups(db_path) if isinstance(error, DatabaseDamaged) else []
    box = QMessageBox(parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # a path with "<" or "&" is shown as it is
    box.setObjectName("databaseRefused")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Annotator: cannot open the database")
    box.setText(str(error))
    restore = None
    if backups:
        box.setInformativeText(
            f"The newest backup is from {backups[0].name[:15]} (UTC). Restoring it keeps a copy "
            "of the damaged file next to the backups."
        )
        restore = box.addButton("Restore Newest Backup", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    if not choose(box, restore) or not backups:
        return False
    try:
        restore_backup(db_path, backups[0], backups_to_keep())
    except AnnotatorError as exc:
        QMessageBox.critical(parent, "Annotator", f"The backup could not be restored: {exc}")
        return False
    except OSError as exc:
        message = describe_storage_error(exc, "The backup could not be restored")
        QMessageBox.critical(parent, "Annotator", message)
        return False
    return True
