"""The list of the open document's annotations, in text order, with a filter.

The rows live in `list_model.AnnotationListModel` (incremental updates, no reset on a change);
filtering by tag and by words of the text or author runs in its proxy model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.form.list_model import (
    AUTHOR_COLUMN,
    ID_ROLE,
    TAGS_COLUMN,
    TAGS_ROLE,
    TEXT_COLUMN,
    AnnotationFilter,
    AnnotationListModel,
    Index,
)
from annotator.gui.form.paint import swatch_icon, text_colour_on
from annotator.gui.theme import tag_looks, unlisted_look
from annotator.gui.theme_colours import ThemeColours
from annotator.gui.viewports import prime as prime_viewport

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStyleOptionViewItem

    from annotator.core.facts import AnnotationView, TagInfo


class TagChipDelegate(QStyledItemDelegate):
    """Tags as coloured chips; initials only when the full names do not fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colours: dict[str, QColor] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Imported at the first row painted: the QStyle classes are not needed before (their
        # enum types take PySide6 some milliseconds to create, issue 15).
        from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        names: tuple[str, ...] = index.data(TAGS_ROLE) or ()
        if not names:
            return
        font = opt.font
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        metrics = QFontMetrics(font)
        rect = opt.rect.adjusted(4, 3, -4, -3)
        labels = list(names)
        pad, gap = 6, 4
        if sum(metrics.horizontalAdvance(n) + 2 * pad + gap for n in labels) > rect.width():
            labels = [n[:1].upper() for n in names]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        x = float(rect.left())
        for name, label in zip(names, labels, strict=True):
            width = metrics.horizontalAdvance(label) + 2 * pad
            if x + width > rect.right() + 1:
                break
            chip = QRectF(x, rect.top(), width, rect.height())
            colour = self.colours.get(name) or unlisted_look(opt.palette).line
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(chip, chip.height() / 2, chip.height() / 2)
            painter.setPen(text_colour_on(colour))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
            x += width + gap
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), option.fontMetrics.height() + 8))


class AnnotationTable(QTableView):
    """Enter or Return on a row picks it, like a click."""

    picked = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.picked.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class AnnotationList(QWidget):
    annotationActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AnnotationListModel(self)
        self.proxy = AnnotationFilter(self)
        self.proxy.setSourceModel(self.model)
        self.tags: list[TagInfo] = []
        self._listing = False  # rows are still being added (a document is being opened)
        self._build()

    def apply_theme(self, _colours: ThemeColours) -> None:
        """Another theme: the chips and the tag filter's swatches in its colours."""
        self.set_tags(self.tags)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        self.search = QLineEdit(self)
        self.search.setObjectName("annotationFilter")
        self.search.setPlaceholderText("Filter by text or author")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter annotations")
        self.search.textChanged.connect(self._filter)
        self.tag_filter = QComboBox(self)
        self.tag_filter.setObjectName("tagFilter")
        self.tag_filter.setAccessibleName("Filter by tag")
        self.tag_filter.addItem("All tags", None)
        self.tag_filter.currentIndexChanged.connect(self._filter)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("annotationCount")
        filters = QHBoxLayout()
        filters.setSpacing(4)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.tag_filter)

        self.table = AnnotationTable(self)
        self.table.setObjectName("annotationTable")
        prime_viewport(self.table)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.chips = TagChipDelegate(self.table)
        self.table.setItemDelegateForColumn(TAGS_COLUMN, self.chips)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        columns = self.table.horizontalHeader()
        columns.setHighlightSections(False)
        columns.setSectionResizeMode(TEXT_COLUMN, QHeaderView.ResizeMode.Stretch)
        columns.setSectionResizeMode(TAGS_COLUMN, QHeaderView.ResizeMode.Interactive)
        columns.setSectionResizeMode(AUTHOR_COLUMN, QHeaderView.ResizeMode.Interactive)
        columns.resizeSection(TAGS_COLUMN, self.fontMetrics().horizontalAdvance("M") * 7)
        columns.resizeSection(AUTHOR_COLUMN, self.fontMetrics().horizontalAdvance("M") * 6)
        self.table.clicked.connect(self._picked)
        self.table.picked.connect(self._picked)
        # Both models: the proxy's rows are what is shown, the model's the total, and either
        # may change alone (a row already filtered out, then removed, changes the total only).
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
            self.model.rowsInserted,
            self.model.rowsRemoved,
        ):
            signal.connect(self._count)

        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self._count()

    def sizeHint(self) -> QSize:
        return QSize(360, 260)

    # -- API -----------------------------------------------------------------------------

    def set_tags(self, tags: Sequence[TagInfo]) -> None:
        self.tags = list(tags)
        looks = tag_looks({tag.name: tag.colour for tag in tags}, self.palette())
        self.chips.colours = {name: look.line for name, look in looks.items()}
        current = self.tag_filter.currentData()
        self.tag_filter.blockSignals(True)
        self.tag_filter.clear()
        self.tag_filter.addItem("All tags", None)
        for tag in tags:
            self.tag_filter.addItem(swatch_icon(looks[tag.name].line.name()), tag.name, tag.name)
        found = self.tag_filter.findData(current) if current is not None else 0
        self.tag_filter.setCurrentIndex(max(found, 0))
        self.tag_filter.blockSignals(False)
        self._filter()
        self.table.viewport().update()

    def load(self, text: str, annotations: Sequence[AnnotationView]) -> None:
        self.model.load(text, annotations)

    def extend(self, annotations: Sequence[AnnotationView]) -> None:
        """Add rows for the annotations not listed yet (the list of a document being opened,
        filled in idle time)."""
        self.model.extend(annotations)

    def set_listing(self, listing: bool) -> None:
        """Say under the list that rows are still being added (not "0 annotations")."""
        self._listing = listing
        self._count()

    def apply_changes(self, changed: Sequence[AnnotationView], removed: Iterable[int]) -> None:
        """Insert, move, update and remove single rows; selection and scroll position stay."""
        self.model.apply(changed, removed)

    def update(  # type: ignore[override]
        self, changed: Sequence[AnnotationView] = (), removed: Iterable[int] = ()
    ) -> None:
        """`apply_changes`. The name shadows QWidget.update(); without arguments it repaints."""
        if not changed and not removed:
            super().update()
            return
        self.apply_changes(changed, removed)

    def select(self, annotation_id: int | None) -> None:
        """Select and show the row of `annotation_id` (None or filtered out: no selection)."""
        selection = self.table.selectionModel()
        row = self.model.row_of(annotation_id) if annotation_id is not None else None
        index = self.proxy.mapFromSource(self.model.index(row, 0)) if row is not None else None
        if index is None or not index.isValid():
            selection.clear()
            return
        flags = selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows
        selection.setCurrentIndex(index, flags)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ID_ROLE) if rows else None

    def set_filter(self, text: str = "", tag: str | None = None) -> None:
        """Filter as if typed: words of the text/author/tags/note, and one tag (None: all)."""
        self.tag_filter.setCurrentIndex(max(self.tag_filter.findData(tag), 0) if tag else 0)
        self.search.setText(text)

    def hide_with(self, hidden: Callable[[AnnotationView], bool]) -> None:
        """Leave out the rows `hidden` says (hidden tags and layers); see `visibility_changed`."""
        self.proxy.hidden = hidden
        self.visibility_changed()

    def visibility_changed(self) -> None:
        """What is hidden changed: filter the rows again (nothing is removed from the model)."""
        self.proxy.refilter()
        self._count()

    # -- internals -----------------------------------------------------------------------

    def _filter(self) -> None:
        self.proxy.set_filter(self.tag_filter.currentData(), self.search.text())
        self._count()

    def _count(self) -> None:
        if self._listing:
            self.count_label.setText("Listing annotations…")
            return
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "annotation" if total == 1 else "annotations"
        text = f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}"
        self.count_label.setText(text)

    def _picked(self, index: QModelIndex) -> None:
        annotation_id = index.data(ID_ROLE)
        if annotation_id is not None:
            self.annotationActivated.emit(int(annotation_id))
