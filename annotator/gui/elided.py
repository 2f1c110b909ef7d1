"""A one-line label that gives way: its text loses its middle when the room is short.

A plain QLabel is at least as wide as its text, so the database's path in the status bar
(/home/.../projects/2025/corridor/Corridor briefings.sqlite3) set the window's least width
and kept the window from fitting a small screen. This one asks for little, shows the start
of the path and the file's name, and tells the whole text on its tooltip when it is cut.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

LEAST_CHARS = 12  # the least room it asks for, in average characters


class ElidedLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._tip = ""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().averageCharWidth() * LEAST_CHARS, hint.height())

    def setToolTip(self, tip: str) -> None:  # noqa: N802 (Qt override)
        self._tip = tip
        super().setToolTip(tip)

    def shown_text(self) -> str:
        """The text as painted at the label's width."""
        room = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, room)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        shown = self.shown_text()
        cut = shown != self.text()
        tip = "\n".join(part for part in (self.text() if cut else "", self._tip) if part)
        if tip != super().toolTip():
            super().setToolTip(tip)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self.contentsRect(), int(flags), shown)
        painter.end()
