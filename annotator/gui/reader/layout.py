"""A QPlainTextDocumentLayout with reading line spacing and right-aligned RTL paragraphs.

QPlainTextDocumentLayout lays every block out with the document's default QTextOption, ignores
the block format's line height and alignment, and so shows an Arabic paragraph right-to-left but
pinned to the left edge, with lines packed tight. Its layout routine is private, but every reader
of a block's geometry (painting, hit testing, cursorRect, scrolling) first asks the virtual
`blockBoundingRect`; we lay the block out again there, once, with the block's own direction,
aligned to its reading edge, and with extra space between lines. Line breaks are unchanged (same
width, same wrap mode), so Qt's per-block line counts, which drive the scroll bar, stay valid.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QTextBlock, QTextDocument, QTextOption
from PySide6.QtWidgets import QPlainTextDocumentLayout

# Our own layouts carry AlignAbsolute; Qt's never do, which tells us when Qt has laid a block
# out again (after a resize or a format change) and we must redo it.
_MARK = Qt.AlignmentFlag.AlignAbsolute
_LEFT = Qt.AlignmentFlag.AlignLeft | _MARK
_RIGHT = Qt.AlignmentFlag.AlignRight | _MARK


class ReadingLayout(QPlainTextDocumentLayout):
    """Lays blocks out with `line_spacing` (a multiple of the line height) and RTL alignment."""

    def __init__(self, document: QTextDocument, line_spacing: float = 1.4) -> None:
        super().__init__(document)
        self._extra = max(0.0, line_spacing - 1.0)
        # Block number -> laid-out height; the document never changes text after loading.
        self._heights: dict[int, float] = {}

    @property
    def line_spacing(self) -> float:
        return 1.0 + self._extra

    def gap(self, line_height: float) -> float:
        """Extra space added around a line of `line_height`, half above and half below."""
        return round(line_height * self._extra)

    def reset(self) -> None:
        self._heights.clear()

    def blockBoundingRect(self, block: QTextBlock) -> QRectF:  # noqa: N802 (Qt override)
        rect = super().blockBoundingRect(block)
        if not block.isValid() or not block.isVisible():
            return rect
        layout = block.layout()
        if layout.lineCount() == 0:
            return rect
        number = block.blockNumber()
        if not layout.textOption().alignment() & _MARK or number not in self._heights:
            self._heights[number] = self._relayout(block)
        height = self._heights[number]
        if not block.next().isValid():
            height += self.document().documentMargin()
        return QRectF(rect.x(), rect.y(), rect.width(), height)

    def _relayout(self, block: QTextBlock) -> float:
        layout = block.layout()
        width = layout.lineAt(0).width()
        margin = self.document().documentMargin()
        rtl = block.textDirection() == Qt.LayoutDirection.RightToLeft
        option = QTextOption(layout.textOption())
        option.setTextDirection(
            Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
        )
        option.setAlignment(_RIGHT if rtl else _LEFT)
        layout.setTextOption(option)
        layout.beginLayout()
        y = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLeadingIncluded(True)
            line.setLineWidth(width)
            gap = self.gap(line.height())
            line.setPosition(QPointF(margin, y + gap / 2))
            y += line.height() + gap
        layout.endLayout()
        return y
