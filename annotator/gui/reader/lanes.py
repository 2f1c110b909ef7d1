"""Review mode's gutter: per-author lanes and a state marker beside each unit.

In review mode the reader reserves a narrow strip left of the text. For every unit on screen it
draws, from left to right: a state marker (a small square with a symbol, so that it does not
rest on colour alone: "=" all agree, "½" only some tagged it, "≠" tags differ, "≈" fields
differ) and one lane per compared author, in the order the reviewer chose them: a bar as tall
as the unit in the colour of each tag that author gave it (split side by side for several
tags), or a faint line where that author tagged nothing. Hovering shows who tagged what; a click
selects the unit. Offsets are code points; painting touches the visible units only.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QToolTip, QWidget

from annotator.gui.theme import tag_looks, theme_of, unlisted_look

MARKER = 14  # state marker size
LANE = 8  # width of one author's lane
GAP = 3
PAD = 4

# Each state's symbol; its colour comes from the theme (`ThemeColours.states`).
STATE_SYMBOLS: dict[str, str] = {"agree": "=", "partial": "½", "differ": "≠", "field": "≈"}


class LaneUnit(NamedTuple):
    """One unit as the gutter shows it: its span, state and each lane's tags."""

    start: int
    end: int
    state: str
    tags: tuple[tuple[str, ...], ...]  # per compared author, in lane order
    tip: str = ""


def gutter_width(authors: int) -> int:
    return PAD + MARKER + GAP + max(1, authors) * (LANE + GAP) + PAD


def paint_state_marker(painter: QPainter, box: QRectF, state: str, palette: QPalette) -> None:
    """The state's square with its symbol (nothing for an untagged unit), in the colours of
    the theme of `palette`."""
    symbol = STATE_SYMBOLS.get(state)
    colours = theme_of(palette)
    colour = colours.state_colour(state)
    if symbol is None or colour is None:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(box, 3, 3)
    font = QFont(painter.font())
    font.setPixelSize(max(8, int(box.height() * 0.8)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor(colours.state_symbol))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, symbol)
    painter.restore()


# (start, end) code points -> (top, bottom) in viewport pixels, None when off screen
Extent = Callable[[Sequence[tuple[int, int]]], list[tuple[float, float] | None]]


class ReviewGutter(QWidget):
    """The lanes strip; the reader places it left of its viewport and feeds it units."""

    unitClicked = Signal(int, int)  # start, end (code points)

    def __init__(self, extents: Extent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._extents = extents
        self._authors: tuple[str, ...] = ()
        self._units: list[LaneUnit] = []
        self._starts: list[int] = []
        self._colours: dict[str, QColor] = {}
        self._visible_span: Callable[[], tuple[int, int]] = lambda: (0, 0)
        self._selected_span: Callable[[], tuple[int, int] | None] = lambda: None
        self.setObjectName("reviewGutter")
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName("Review lanes")

    def set_visible_span(
        self,
        visible_span: Callable[[], tuple[int, int]],
        selected_span: Callable[[], tuple[int, int] | None],
    ) -> None:
        self._visible_span = visible_span
        self._selected_span = selected_span

    def set_lanes(
        self, authors: Sequence[str], units: Sequence[LaneUnit], colours: dict[str, QColor]
    ) -> None:
        self._authors = tuple(authors)
        self._units = sorted(units, key=lambda u: u.start)
        self._starts = [unit.start for unit in self._units]
        self._colours = dict(colours)
        self.setAccessibleDescription(
            "Lanes left to right: " + ", ".join(f"{i + 1} {a}" for i, a in enumerate(authors))
        )
        self.update()

    @property
    def authors(self) -> tuple[str, ...]:
        return self._authors

    @property
    def units(self) -> list[LaneUnit]:
        return list(self._units)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(gutter_width(len(self._authors)), 100)

    def _on_screen(self) -> list[tuple[LaneUnit, float, float]]:
        """Visible units with their vertical extent. Sentences share lines inside a paragraph:
        a line two units share is split between them, so that their lanes never overlap."""
        first, last = self._visible_span()
        low = max(0, bisect_left(self._starts, first) - 1)
        high = bisect_right(self._starts, last + 1)
        shown = [u for u in self._units[low:high] if u.end > first]
        extents = self._extents([(u.start, u.end) for u in shown])
        placed = [(u, e) for u, e in zip(shown, extents, strict=True) if e is not None]
        tops = [extent[0] for _u, extent in placed]
        bottoms = [extent[1] for _u, extent in placed]
        for i in range(1, len(placed)):
            if tops[i] < bottoms[i - 1]:
                middle = (tops[i] + bottoms[i - 1]) / 2
                bottoms[i - 1], tops[i] = middle - 1, middle + 1
        return [(u, tops[i], bottoms[i]) for i, (u, _e) in enumerate(placed)]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.Base))
        looks = tag_looks(self._colours, palette)
        empty = QColor(palette.color(QPalette.ColorRole.Text))
        empty.setAlpha(45)
        selected = self._selected_span()
        for unit, top, bottom in self._on_screen():
            height = max(4.0, bottom - top - 2)
            if (unit.start, unit.end) == selected:
                outline = QColor(self.palette().color(QPalette.ColorRole.Text))
                outline.setAlpha(40)
                painter.fillRect(QRectF(1, top - 1, self.width() - 2, height + 4), outline)
            marker = QRectF(PAD, top + 1, MARKER, min(MARKER, height))
            paint_state_marker(painter, marker, unit.state, palette)
            x = PAD + MARKER + GAP
            for tags in unit.tags:
                if tags:
                    width = LANE / len(tags)
                    for i, tag in enumerate(tags):
                        look = looks.get(tag) or unlisted_look(palette)
                        painter.fillRect(QRectF(x + i * width, top + 1, width, height), look.line)
                else:
                    painter.fillRect(QRectF(x + LANE / 2 - 0.5, top + 1, 1.0, height), empty)
                x += LANE + GAP
        painter.end()

    def unit_at(self, y: float) -> LaneUnit | None:
        for unit, top, bottom in self._on_screen():
            if top <= y <= bottom:
                return unit
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            unit = self.unit_at(QPointF(event.pos()).y())
            if unit is not None and unit.tip:
                QToolTip.showText(event.globalPos(), unit.tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        unit = self.unit_at(event.position().y())
        if event.button() == Qt.MouseButton.LeftButton and unit is not None:
            self.unitClicked.emit(unit.start, unit.end)
            event.accept()
            return
        super().mousePressEvent(event)


class ReviewLanesMixin:
    """The reader's side of the lanes (mixed into ReaderCanvas, which provides the geometry:
    `_blocks_on_screen`, `_boxes`, `visible_span`, `tag_styles`, `_update_column`)."""

    _gutter: ReviewGutter | None
    _margins: tuple[int, int]

    def set_review_lanes(self, authors: Sequence[str], units: Sequence[LaneUnit]) -> None:
        """Review mode: show per-author lanes and state markers left of the text."""
        canvas: Any = self
        if self._gutter is None:
            self._gutter = ReviewGutter(self._unit_extents, canvas)
            self._gutter.set_visible_span(
                canvas.visible_span, getattr(canvas, "current_span", lambda: None)
            )
            canvas.selectionChanged.connect(self._update_gutter)
            self._gutter.unitClicked.connect(self._lane_clicked)
            canvas.verticalScrollBar().valueChanged.connect(self._gutter.update)
            canvas.updateRequest.connect(lambda _rect, _dy: self._update_gutter())
        self._gutter.set_lanes(authors, units, canvas.tag_styles())
        self._gutter.setFixedWidth(gutter_width(len(authors)))
        self._gutter.show()
        self._margins = (-1, -1)
        canvas._update_column()

    def clear_review_lanes(self) -> None:
        """Leave review mode: no lanes, the column centred again."""
        if self._gutter is not None and not self._gutter.isHidden():
            self._gutter.hide()
            self._margins = (-1, -1)
            cast(Any, self)._update_column()

    @property
    def review_gutter(self) -> ReviewGutter | None:
        """The lanes strip while review mode shows it, else None."""
        return self._gutter if self._gutter is not None and not self._gutter.isHidden() else None

    def _lane_clicked(self, start: int, end: int) -> None:
        """A click on a unit's lanes (ReaderView selects the unit)."""

    def _update_gutter(self) -> None:
        if self._gutter is not None and not self._gutter.isHidden():
            self._gutter.update()

    def _unit_extents(
        self, spans: Sequence[tuple[int, int]]
    ) -> list[tuple[float, float] | None]:
        canvas: Any = self
        blocks = canvas._blocks_on_screen()
        found: list[tuple[float, float] | None] = []
        for start, end in spans:
            boxes = canvas._boxes(start, end, blocks)
            found.append(
                (min(b.top() for b in boxes), max(b.bottom() for b in boxes)) if boxes else None
            )
        return found

    def _place_gutter(self) -> None:
        if self._gutter is None or self._gutter.isHidden():
            return
        viewport = cast(Any, self).viewport().geometry()
        width = self._gutter.width()
        self._gutter.setGeometry(viewport.left() - width, viewport.top(), width, viewport.height())
