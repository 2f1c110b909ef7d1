"""Edit > Preferences: the analyst's name and how many automatic backups to keep."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.core.connections import backup_folder
from annotator.core.settings import Settings
from annotator.gui.dialogs import ok_cancel

MAX_BACKUPS = 365


class PreferencesDialog(QDialog):
    """Edits a copy of the choices; `apply` writes them into the settings after OK."""

    def __init__(
        self, parent: QWidget | None, settings: Settings, db_path: Path | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.author = QLineEdit(settings.author, self)
        self.author.setPlaceholderText("e.g. Dana Analyst")
        self.author.setToolTip("Recorded on every annotation you make from now on")
        self.backups = QSpinBox(self)
        self.backups.setRange(1, MAX_BACKUPS)
        self.backups.setValue(min(max(settings.backup_keep, 1), MAX_BACKUPS))
        kept = (
            f"This database's backups are in {backup_folder(db_path)}."
            if db_path is not None
            else "This database is on a server: its administrator backs it up."
        )
        where = QLabel(
            "A backup is made when a database file is opened (once a day) and before a schema "
            f"upgrade or a restore. {kept} "
            "The oldest beyond this number are removed when the next backup is made.",
            self,
        )
        where.setWordWrap(True)
        where.setObjectName("backupsHint")

        form = QFormLayout()
        form.addRow("Analyst &name:", self.author)
        form.addRow("&Backups to keep:", self.backups)
        self.buttons = ok_cancel(self, self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(where)
        layout.addWidget(self.buttons)
        self.author.textChanged.connect(self._check)
        self._check()
        # A wrapped label needs its width before the dialog can know its height.
        self.setMinimumWidth(520)
        where.setMinimumWidth(480)
        self.adjustSize()

    def _check(self) -> None:
        """OK only with a name: every annotation records who made it."""
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.author.text().strip()))

    def apply(self, settings: Settings) -> bool:
        """Write the dialog's choices into `settings`; whether anything changed."""
        author, keep = self.author.text().strip(), self.backups.value()
        if not author or (author, keep) == (settings.author, settings.backup_keep):
            return False
        settings.author, settings.backup_keep = author, keep
        return True
