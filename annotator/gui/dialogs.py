"""Small dialogs: errors, import problems, keyboard shortcuts, about."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator import __version__
from annotator.gui.actions import shortcut_rows


def show_error(parent: QWidget, message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, "Annotator", message, parent=parent)
    box.setObjectName("errorBox")
    box.open()


def show_import_problems(parent: QWidget, imported: int, problems: list[str]) -> None:
    summary = f"{imported} document(s) imported; {len(problems)} file(s) not imported."
    box = QMessageBox(QMessageBox.Icon.Warning, "Import", summary, parent=parent)
    box.setObjectName("importProblems")
    box.setDetailedText("\n".join(problems))
    box.setInformativeText("\n".join(problems[:5]) + ("\n…" if len(problems) > 5 else ""))
    box.open()


def show_shortcuts(
    parent: QWidget, actions: dict[str, QAction], tag_actions: dict[str, QAction]
) -> QDialog:
    dialog = QDialog(parent)
    dialog.setObjectName("shortcutsDialog")
    dialog.setWindowTitle("Keyboard shortcuts")
    rows = shortcut_rows({**tag_actions, **actions})
    table = QTableWidget(len(rows), 2, dialog)
    table.setHorizontalHeaderLabels(["Keys", "Action"])
    table.verticalHeader().hide()
    for row, (keys, text) in enumerate(rows):
        table.setItem(row, 0, QTableWidgetItem(keys))
        table.setItem(row, 1, QTableWidgetItem(text))
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    table.resizeColumnToContents(0)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    layout.addWidget(buttons)
    dialog.resize(520, 560)
    dialog.open()
    return dialog


def show_about(parent: QWidget, db_path: Path) -> None:
    QMessageBox.about(
        parent,
        "About Annotator",
        f"<h3>Annotator {__version__}</h3>"
        "<p>Tag claims, assessments and figures in briefings. Works offline; nothing is ever "
        "sent over a network.</p>"
        f"<p>Database: {db_path}</p>",
    )
