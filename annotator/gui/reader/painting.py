"""Geometry and painting of spans in the reader: only for the blocks on screen.

Positions here are Qt (UTF-16) positions; the view converts code points before calling in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, cast

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTextBlock, QTextLine
from PySide6.QtWidgets import QPlainTextEdit


class BlockOnScreen(NamedTuple):
    """A laid-out block and where its layout's origin sits in viewport coordinates."""

    block: QTextBlock
    x: float
    y: float
    start: int  # Qt position of its first character
    end: int  # Qt position just after its last character (before the separator)
    bidi: bool  # holds right-to-left text, so a logical range may be several visual pieces


def blocks_on_screen(
    view: QPlainTextEdit, top: float, bottom: float, is_bidi: Callable[[QTextBlock], bool]
) -> list[BlockOnScreen]:
    """The visible blocks whose boxes meet the band [top, bottom] of the viewport."""
    found: list[BlockOnScreen] = []
    block = view.firstVisibleBlock()
    offset = view.contentOffset()
    y = offset.y()
    while block.isValid() and y <= bottom:
        if block.isVisible():
            height = view.blockBoundingRect(block).height()
            if y + height >= top:
                position = block.position()
                end = position + block.length() - 1
                found.append(BlockOnScreen(block, offset.x(), y, position, end, is_bidi(block)))
            y += height
        block = block.next()
    return found


def line_boxes(blocks: list[BlockOnScreen], start: int, end: int) -> list[QRectF]:
    """Boxes covering Qt positions [start, end) line by line, in viewport coordinates.

    A left-to-right line needs one box from cursorToX(start) to cursorToX(end). Where the block
    holds right-to-left text, a logical range can fall into several visual pieces (an Arabic
    quotation inside an English sentence), so the boxes come from the glyph runs instead.
    """
    boxes: list[QRectF] = []
    for shown in blocks:
        if end <= shown.start or start >= shown.end:
            continue
        layout = shown.block.layout()
        if layout.lineCount() == 0:
            continue
        first = max(start, shown.start) - shown.start
        last = min(end, shown.end) - shown.start
        number = layout.lineForTextPosition(first).lineNumber()
        while number < layout.lineCount():
            line = layout.lineAt(number)
            line_start = line.textStart()
            if line_start >= last:
                break
            a, b = max(first, line_start), min(last, line_start + line.textLength())
            if b > a:
                top = shown.y + line.y()
                for left, right in _pieces(line, a, b, shown.bidi):
                    boxes.append(QRectF(shown.x + left, top, max(1.0, right - left), line.height()))
            number += 1
    return boxes


def cursor_x(line: QTextLine, position: int) -> float:
    """The x of the caret before `position` (block-relative) in `line`, in layout coordinates."""
    # PySide returns (x, position) for the C++ overload that takes `int *cursorPos`.
    return float(cast(tuple[float, int], line.cursorToX(position))[0])


def _pieces(line: QTextLine, a: int, b: int, bidi: bool) -> list[tuple[float, float]]:
    """The horizontal extents of positions [a, b) of `line` (block-relative), left to right."""
    if not bidi:
        x1, x2 = cursor_x(line, a), cursor_x(line, b)
        return [(min(x1, x2), max(x1, x2))]
    rects = [run.boundingRect() for run in line.glyphRuns(a, b - a)]
    extents = sorted((rect.left(), rect.right()) for rect in rects)
    merged: list[tuple[float, float]] = []
    for left, right in extents:
        if merged and left <= merged[-1][1] + 0.5:
            merged[-1] = (merged[-1][0], max(merged[-1][1], right))
        else:
            merged.append((left, right))
    return merged


def fill_boxes(painter: QPainter, boxes: list[QRectF], colour: QColor, radius: float = 2.0) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    for box in boxes:
        painter.drawRoundedRect(box, radius, radius)


def merged_boxes(boxes: list[QRectF]) -> list[QRectF]:
    """`boxes` with those of one line that overlap joined into one: filled once each, a span
    several analysts tagged alike reads as one fill (stacked translucent layers would darken
    it past readable).

    Line boxes of one line share their top and height, and boxes of different lines do not
    overlap, so joining overlapping boxes line by line covers exactly their union. Several
    rounded rectangles drawn one by one cost a fifth of one winding path holding them all.
    """
    by_line: dict[tuple[float, float], list[QRectF]] = {}
    for box in boxes:
        by_line.setdefault((box.top(), box.height()), []).append(box)
    merged: list[QRectF] = []
    for (top, height), line in by_line.items():
        line.sort(key=QRectF.left)
        left, right = line[0].left(), line[0].right()
        for box in line[1:]:
            if box.left() < right:
                right = max(right, box.right())
                continue
            merged.append(QRectF(left, top, right - left, height))
            left, right = box.left(), box.right()
        merged.append(QRectF(left, top, right - left, height))
    return merged


def underline_boxes(
    painter: QPainter, boxes: list[QRectF], colours: list[QColor], thickness: float
) -> None:
    """Stack one line per colour under each box: the first just under the text line."""
    for box in boxes:
        y = box.bottom() - thickness / 2
        for colour in colours:
            painter.fillRect(QRectF(box.left(), y, box.width(), thickness), colour)
            y += thickness + 1


def outline_boxes(
    painter: QPainter, boxes: list[QRectF], colour: QColor, width: float, depth: float = 0.0
) -> None:
    """A rounded outline around each box and the `depth` of underlines hanging below it."""
    path = QPainterPath()
    for box in boxes:
        path.addRoundedRect(box.adjusted(-2, -1, 2, depth + 1), 3, 3)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(colour, width))
    painter.drawPath(path.simplified())


def underline_depth(lines: int, thickness: float) -> float:
    """How far below its line box a stack of `lines` underlines reaches."""
    return 0.0 if lines <= 0 else thickness / 2 + (lines - 1) * (thickness + 1)
