"""The agreement dialog: choose authors and scope; numbers per tag, a bar chart, field agreement.

Numbers come from `core.agreement_data.compute_agreement` (the same as `annotator agreement`);
an undefined coefficient shows as "n/a" with its reason. The chart is painted with QPainter
(QtCharts is not part of PySide6-Essentials).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.agreement import AgreementStat
from annotator.core.agreement_data import AgreementReport, compute_agreement
from annotator.core.dataset import DatasetFilter, load_dataset
from annotator.core.errors import AnnotatorError
from annotator.core.fields import field_label
from annotator.core.queries import list_authors
from annotator.core.review import is_adjudicated
from annotator.core.store import Store
from annotator.gui.dialogs import read_only_table
from annotator.gui.theme import theme_of

ROLE_AUTHOR = Qt.ItemDataRole.UserRole + 1


def stat_text(stat: AgreementStat, *, percent: bool = False) -> str:
    """A coefficient as the CLI prints it: 3 decimals (or a percentage), "n/a" if undefined."""
    if stat.value is None:
        return "n/a"
    return f"{stat.value * 100:.1f} %" if percent else f"{stat.value:.3f}"


def _cell(stat: AgreementStat, *, percent: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(stat_text(stat, percent=percent))
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setToolTip(
        f"n/a: {stat.note}" if stat.value is None
        else f"{stat.n_pairable} pairable unit(s) of {stat.n_units}, {stat.n_values} value(s)"
    )
    return item


class AgreementChart(QWidget):
    """Per tag: a bar for Cohen's kappa and one for Krippendorff's alpha, on a -1..1 scale."""

    BAR = 13
    GROUP_GAP = 10
    LABEL_WIDTH = 92
    VALUE_WIDTH = 130

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agreementChart")
        self.rows: list[tuple[str, AgreementStat, AgreementStat]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_rows(self, rows: Sequence[tuple[str, AgreementStat, AgreementStat]]) -> None:
        self.rows = list(rows)
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        line = self.fontMetrics().height()
        height = 2 * line + len(self.rows) * (2 * self.BAR + self.GROUP_GAP) + 8
        return QSize(420, height)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        colours = theme_of(palette)
        kappa_colour, alpha_colour = QColor(colours.chart[0]), QColor(colours.chart[1])
        text = palette.color(QPalette.ColorRole.WindowText)
        line = self.fontMetrics().height()
        left = self.LABEL_WIDTH
        right = max(left + 60, self.width() - self.VALUE_WIDTH)
        scale = (right - left) / 2.0  # -1..1
        zero = left + scale
        # legend
        x = 4.0
        for colour, name in ((kappa_colour, "Cohen's κ"), (alpha_colour, "Krippendorff's α")):
            painter.fillRect(QRectF(x, 4, 12, 10), colour)
            painter.setPen(text)
            painter.drawText(QRectF(x + 16, 0, 150, line), Qt.AlignmentFlag.AlignVCenter, name)
            x += 24 + self.fontMetrics().horizontalAdvance(name)
        top = line + 6.0
        bottom = top + len(self.rows) * (2 * self.BAR + self.GROUP_GAP)
        grid = QColor(text)
        grid.setAlpha(50)
        painter.setPen(grid)
        for mark in (-1.0, -0.5, 0.0, 0.5, 1.0):
            gx = zero + mark * scale
            painter.drawLine(int(gx), int(top), int(gx), int(bottom))
            painter.drawText(QRectF(gx - 20, bottom, 40, line), Qt.AlignmentFlag.AlignCenter,
                             f"{mark:g}")
        y = top
        values = QFont(self.font())
        values.setPixelSize(self.BAR - 2)
        small = QFont(values)
        small.setItalic(True)
        for label, kappa, alpha in self.rows:
            painter.setPen(text)
            painter.setFont(self.font())
            painter.drawText(QRectF(0, y, left - 6, 2 * self.BAR),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            for offset, (stat, colour) in enumerate(((kappa, kappa_colour),
                                                     (alpha, alpha_colour))):
                bar_y = y + offset * self.BAR
                value_box = QRectF(right + 6, bar_y, self.VALUE_WIDTH - 6, self.BAR)
                if stat.value is None:
                    painter.setFont(small)
                    painter.setPen(QColor(colours.muted))
                    painter.drawText(value_box, Qt.AlignmentFlag.AlignVCenter,
                                     f"n/a ({stat.note})" if stat.note else "n/a")
                    continue
                width = stat.value * scale
                painter.fillRect(QRectF(min(zero, zero + width), bar_y + 1, abs(width),
                                        self.BAR - 2), colour)
                painter.setFont(values)
                painter.setPen(text)
                painter.drawText(value_box, Qt.AlignmentFlag.AlignVCenter, f"{stat.value:.3f}")
            y += 2 * self.BAR + self.GROUP_GAP
        painter.end()


class AgreementDialog(QDialog):
    """Authors + scope in, agreement tables and chart out."""

    def __init__(
        self,
        store: Store,
        document_id: int | None,
        authors: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("agreementDialog")
        self.setWindowTitle("Agreement between authors")
        self.store = store
        self.report: AgreementReport | None = None
        self.authors = QListWidget(self)
        self.authors.setObjectName("agreementAuthors")
        self.authors.setMaximumHeight(self.fontMetrics().height() * 4 + 8)
        everyone = list_authors(store)
        default = set(authors) or {a for a in everyone if not is_adjudicated(a)}
        for author in everyone:
            item = QListWidgetItem(author, self.authors)
            item.setData(ROLE_AUTHOR, author)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if author in default else Qt.CheckState.Unchecked
            )
        self.scope = QComboBox(self)
        self.scope.setObjectName("agreementScope")
        if document_id is not None:
            self.scope.addItem("This document", document_id)
        self.scope.addItem("Whole database", None)
        self.info = QLabel(self)
        self.info.setObjectName("agreementInfo")
        self.info.setWordWrap(True)
        self.table = self._table("agreementTable",
                                 ["Tag", "Agree %", "Cohen's κ", "Krippendorff's α", "Units"])
        self.chart = AgreementChart(self)
        self.fields = self._table(
            "fieldAgreementTable",
            ["Field", "Level", "Agree %", "α", "κ", "κ linear", "κ quadratic", "Units"],
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(self.authors, 1)
        side = QVBoxLayout()
        side.addWidget(QLabel("Scope:", self))
        side.addWidget(self.scope)
        side.addStretch(1)
        top.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.table)
        layout.addWidget(self.chart)
        layout.addWidget(QLabel("<b>Form fields</b> (units that several authors tagged alike)",
                                self))
        layout.addWidget(self.fields, 1)
        layout.addWidget(buttons)
        self.resize(760, 720)
        self.authors.itemChanged.connect(lambda _item: self.recompute())
        self.scope.currentIndexChanged.connect(lambda _index: self.recompute())
        self.recompute()

    def _table(self, name: str, headers: list[str]) -> QTableWidget:
        table = read_only_table(self, name, headers)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return table

    def chosen_authors(self) -> list[str]:
        return [
            self.authors.item(i).data(ROLE_AUTHOR)
            for i in range(self.authors.count())
            if self.authors.item(i).checkState() == Qt.CheckState.Checked
        ]

    def recompute(self) -> None:
        authors = self.chosen_authors()
        document_id = self.scope.currentData()
        self.table.setRowCount(0)
        self.fields.setRowCount(0)
        self.chart.set_rows([])
        self.report = None
        if len(authors) < 2:
            self.info.setText("Tick two or more authors.")
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            wanted = DatasetFilter(
                document_ids=frozenset({document_id}) if document_id is not None else None,
                authors=frozenset(authors),
            )
            report = compute_agreement(load_dataset(self.store, wanted), authors, document_id)
        except AnnotatorError as exc:
            self.info.setText(str(exc))
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.report = report
        self._show(report)

    def _show(self, report: AgreementReport) -> None:
        self.info.setText(
            f"{len(report.authors)} authors · {len(report.document_ids)} document(s) · "
            f"{report.n_units} units. n/a: undefined (no variation, no pairable units, or "
            "κ with other than two authors); hover a number for its basis."
        )
        rows = [*report.tags, report.overall]
        self.table.setRowCount(len(rows))
        for row, found in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(found.tag))
            self.table.setItem(row, 1, _cell(found.percent, percent=True))
            self.table.setItem(row, 2, _cell(found.kappa))
            self.table.setItem(row, 3, _cell(found.alpha))
            self.table.setItem(row, 4, QTableWidgetItem(str(found.percent.n_units)))
        self.table.setFixedHeight(
            self.table.horizontalHeader().height() + 4
            + sum(self.table.rowHeight(r) for r in range(len(rows)))
        )
        self.chart.set_rows([(found.tag, found.kappa, found.alpha) for found in rows])
        self.fields.setRowCount(len(report.fields))
        for row, item in enumerate(report.fields):
            name = QTableWidgetItem(f"{item.tag}: {field_label(item.tag, item.field)}")
            name.setToolTip(f"{item.tag}.{item.field}")  # the name the CLI and exports use
            self.fields.setItem(row, 0, name)
            self.fields.setItem(row, 1, QTableWidgetItem(item.level))
            self.fields.setItem(row, 2, _cell(item.percent, percent=True))
            self.fields.setItem(row, 3, _cell(item.alpha))
            self.fields.setItem(row, 4, _cell(item.kappa))
            self.fields.setItem(row, 5, _cell(item.kappa_linear))
            self.fields.setItem(row, 6, _cell(item.kappa_quadratic))
            self.fields.setItem(row, 7, QTableWidgetItem(str(item.alpha.n_pairable)))
