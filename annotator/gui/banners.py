"""Bars shown above the briefing: built with the window, shown when they apply.

Kept apart from dialogs.py, which is imported at the first dialog, not at start (issue 15).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from annotator.gui import theme


def read_only_banner(parent: QWidget) -> QLabel:
    """The bar above the briefing while the database is open read-only (hidden otherwise)."""
    banner = QLabel(
        "This database is open read-only: its file or folder cannot be written. You can read, "
        "review and export; changes are not saved. File > Save a Copy of the Database makes "
        "a copy you can work on.",
        parent,
    )
    banner.setObjectName("readOnlyBanner")
    banner.setWordWrap(True)
    banner.setTextFormat(Qt.TextFormat.PlainText)
    theme.use(banner, "notice")
    banner.hide()
    return banner
