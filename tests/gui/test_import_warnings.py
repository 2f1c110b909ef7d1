"""The window says when a file was imported with bytes replaced, and shows file names with
control characters escaped, one line per file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import db, window

__all__ = ["db", "window"]  # fixtures shared with the main window tests


def message_box(name: str) -> QMessageBox:
    boxes = [
        widget for widget in QApplication.topLevelWidgets()
        if isinstance(widget, QMessageBox) and widget.objectName() == name
    ]
    assert boxes, f"no {name} box shown"
    return boxes[-1]


def test_import_shows_the_replaced_bytes_warning(window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "damaged.txt"
    path.write_bytes(
        "Министерство сообщило о 40 погибших. ".encode() + b"\x92\xff\xe9"
        + "Данные подтверждены.".encode()
    )
    imported = window.import_paths([path])
    assert len(imported) == 1
    box = message_box("importWarnings")
    assert box.isVisible()
    assert box.informativeText() == (
        "damaged.txt: 3 bytes were not valid UTF-8 and were replaced (shown as \ufffd)"
    )
    box.close()


def test_problems_name_files_on_one_line_each(window: MainWindow, tmp_path: Path) -> None:
    empty = tmp_path / "empty\nfile\x1b[2J.txt"
    empty.write_bytes(b"")
    assert window.import_paths([empty, tmp_path / "gone.txt"]) == []
    box = message_box("importProblems")
    assert box.informativeText().splitlines() == [
        "empty\\nfile\\x1b[2J.txt: empty file; nothing imported",
        "gone.txt: file not found; nothing imported",
    ]
    box.close()
