"""Small dialogs: errors, import problems, keyboard shortcuts, about."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator import __version__
from annotator.core.connections import backup_folder
from annotator.core.facts import DocumentSummary
from annotator.core.server_address import ServerAddress, database_label
from annotator.core.settings import settings_path
from annotator.gui import theme
from annotator.gui.actions import shortcut_groups


def read_only_table(parent: QWidget, name: str, headers: list[str]) -> QTableWidget:
    """An empty table of rows to read (no row numbers, no editing), named `name` for tests."""
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def ok_cancel(dialog: QDialog, on_ok: Callable[[], object]) -> QDialogButtonBox:
    """OK and Cancel for `dialog`: OK calls `on_ok` (which accepts when the input is good),
    Cancel rejects."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons


def plain_box(
    icon: QMessageBox.Icon, title: str, text: str, parent: QWidget | None
) -> QMessageBox:
    """A message box that shows its texts as written: file names and titles with "<" or "&"
    are not taken for markup."""
    box = QMessageBox(icon, title, "", parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # also for the informative text set later
    box.setText(text)
    return box


def show_error(parent: QWidget, message: str) -> None:
    box = plain_box(QMessageBox.Icon.Warning, "Annotator", message, parent)
    box.setObjectName("errorBox")
    box.open()


def show_import_problems(parent: QWidget, imported: int, problems: list[str]) -> None:
    summary = f"{imported} document(s) imported; {len(problems)} file(s) not imported."
    box = plain_box(QMessageBox.Icon.Warning, "Import", summary, parent)
    box.setObjectName("importProblems")
    box.setDetailedText("\n".join(problems))
    box.setInformativeText("\n".join(problems[:5]) + ("\n…" if len(problems) > 5 else ""))
    box.open()


def show_shortcuts(
    parent: QWidget, actions: dict[str, QAction], tag_actions: dict[str, QAction]
) -> QDialog:
    """Every key, once, under its heading (navigation, tagging, editing, review, files)."""
    dialog = QDialog(parent)
    dialog.setObjectName("shortcutsDialog")
    dialog.setWindowTitle("Keyboard shortcuts")
    table = read_only_table(dialog, "shortcutsTable", ["Keys", "Action"])
    for group, rows in shortcut_groups(actions, tag_actions):
        heading = QTableWidgetItem(group)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
        at = table.rowCount()
        table.insertRow(at)
        table.setItem(at, 0, heading)
        table.setItem(at, 1, QTableWidgetItem(""))  # spanned over; keeps every row two cells
        table.setSpan(at, 0, 1, 2)
        for keys, text in rows:
            at = table.rowCount()
            table.insertRow(at)
            table.setItem(at, 0, QTableWidgetItem(keys))
            table.setItem(at, 1, QTableWidgetItem(text))
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.resizeColumnToContents(0)
    # A list to read: no cell to select (the first heading would show as selected).
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    layout.addWidget(buttons)
    dialog.resize(560, 640)
    dialog.open()
    return dialog


def show_about(parent: QWidget, db_path: Path | ServerAddress) -> QMessageBox:
    """Version, and where this database, its backups and the settings are kept."""
    places = (
        ("Database", database_label(db_path)),
        ("Backups", backup_folder(db_path) if isinstance(db_path, Path) else "on the server"),
        ("Settings", settings_path()),
    )
    box = QMessageBox(
        QMessageBox.Icon.NoIcon,
        "About Annotator",
        f"<h3>Annotator {__version__}</h3>"
        "<p>Tag claims, assessments and figures in briefings. "
        + (
            "Works offline; nothing is ever sent over a network."
            if isinstance(db_path, Path)
            else "This team database is on a server: only it is reached over the network."
        )
        + "</p>"
        + "".join(f"<p>{name}: {html.escape(str(path))}</p>" for name, path in places),
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setObjectName("aboutBox")
    # A widget without its own icon reports the application's (set in gui.app.application).
    icon = parent.windowIcon()
    if not icon.isNull():
        box.setIconPixmap(icon.pixmap(64, 64))
    box.open()
    return box


def removal_question(
    parent: QWidget, summary: DocumentSummary, backups: Path | None
) -> tuple[QMessageBox, QAbstractButton]:
    """The question asked before a document is removed, and its Remove button (Cancel is the
    default)."""
    count = summary.annotation_count
    box = plain_box(
        QMessageBox.Icon.Warning, "Remove document",
        f"Remove “{summary.title}” from the library?", parent,
    )
    box.setObjectName("confirmRemoval")
    what = (
        "It has no annotations."
        if count == 0
        else f"Its {count} annotation{'' if count == 1 else 's'} and their history go with it."
    )
    later = (
        "After that, File > Merge Colleague's Work on a backup made before the removal brings "
        f"it back (backups are in the folder “{backups.name}” next to the database)."
        if backups is not None
        else "After that, only the server's administrator can bring it back from a backup."
    )
    box.setInformativeText(
        f"{what} Edit > Undo puts it all back until you close this database. {later}"
    )
    remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box, remove


def confirm_removal(
    parent: QWidget, summary: DocumentSummary, backups: Path | None
) -> bool:
    """Ask before removing a document; True when the analyst confirms."""
    box, remove = removal_question(parent, summary, backups)
    box.exec()
    return box.clickedButton() is remove


def ask_document_properties(parent: QWidget, summary: DocumentSummary) -> dict[str, Any] | None:
    """Edit a document's metadata; returns the changed values or None when cancelled."""
    dialog = DocumentPropertiesDialog(parent, summary)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.values()


class DocumentPropertiesDialog(QDialog):
    """Title, issuer, publication date (with how sure it is) and language of a document."""

    def __init__(self, parent: QWidget, summary: DocumentSummary) -> None:
        super().__init__(parent)
        self.setObjectName("documentProperties")
        self.setWindowTitle("Document properties")
        self.summary = summary
        self.title = QLineEdit(summary.title, self)
        self.issuer = QLineEdit(summary.issuer or "", self)
        self.date = QLineEdit(summary.published.isoformat() if summary.published else "", self)
        self.date.setPlaceholderText("YYYY-MM-DD (empty if unknown)")
        self.language = QLineEdit(summary.language or "", self)
        self.language.setPlaceholderText("ISO 639-1 code, e.g. en, fr, ar")
        self.note = QLabel(summary.date_note or "", self)
        self.note.setWordWrap(True)
        self.error = QLabel("", self)
        theme.use(self.error, "error")
        form = QFormLayout()
        form.addRow("&Title:", self.title)
        form.addRow("&Issuer:", self.issuer)
        form.addRow("&Date:", self.date)
        if summary.date_note:
            form.addRow("", self.note)
        form.addRow("&Language:", self.language)
        form.addRow(QLabel(f"Source: {summary.source_name} ({summary.source_format})", self))
        self.buttons = ok_cancel(self, self._accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(520, 0)

    def _parsed_date(self) -> dt.date | None:
        text = self.date.text().strip()
        return dt.date.fromisoformat(text) if text else None

    def _accept(self) -> None:
        try:
            self._parsed_date()
        except ValueError:
            self.error.setText("The date must be a real date written YYYY-MM-DD.")
            self.date.setFocus()
            return
        if not self.title.text().strip():
            self.error.setText("The title cannot be empty.")
            self.title.setFocus()
            return
        self.accept()

    def values(self) -> dict[str, Any]:
        published = self._parsed_date()
        changed: dict[str, Any] = {
            "title": self.title.text().strip(),
            "issuer": self.issuer.text().strip() or None,
            "language": self.language.text().strip() or None,
        }
        if published != self.summary.published:
            changed["published"] = published
            # A date the analyst typed is no longer a guess.
            changed["date_certainty"] = "exact" if published else "none"
            changed["date_note"] = "set by the analyst" if published else None
        return changed
