"""File > Export: format, destination, filters, handling caveat, progress and cancel."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.annotation_filter import AnnotationFilter, SortKey
from annotator.core.dataset import DatasetFilter, get_caveat, set_caveat
from annotator.core.exporters.registry import (
    FORMATS,
    ORDERED_FORMATS,
    ExportOptions,
    ExportResult,
    export_store,
)
from annotator.core.queries import list_authors, list_documents, list_tags
from annotator.core.settings import Settings
from annotator.core.store import Store, open_store
from annotator.gui import theme
from annotator.gui.tasks import ProgressFn, Task

ALL_DOCUMENTS_STEM = "annotations-export"


def file_stem(title: str) -> str:
    """A file name (without suffix) made from a document title: its words joined by "-",
    lower case, at most 60 characters; ALL_DOCUMENTS_STEM when no word is left."""
    stem = re.sub(r"[\W_]+", "-", title.casefold()).strip("-")[:60].rstrip("-")
    return f"{stem}-annotations" if stem else ALL_DOCUMENTS_STEM


def _checkable_list(parent: QWidget, names: list[str]) -> QListWidget:
    widget = QListWidget(parent)
    for name in names:
        item = QListWidgetItem(name, widget)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
    widget.setMaximumHeight(110)
    return widget


def _checked(widget: QListWidget) -> frozenset[str] | None:
    """The checked names, or None when all are checked (no restriction)."""
    names = [widget.item(i).text() for i in range(widget.count())]
    checked = frozenset(
        widget.item(i).text()
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    )
    return None if len(checked) == len(names) else checked


class ExportDialog(QDialog):
    """With `settings`, the dialog starts from the last successful export's format, folder and
    options, and records them (then calls `persist`) after each successful export.

    With `view` (the annotations table's filter and sort, "Export this view…"), exactly the
    annotations of that view are exported, in its order where the format is written row by
    row (ORDERED_FORMATS); the dialog's own document, author and tag choices are not shown."""

    def __init__(
        self,
        parent: QWidget,
        store: Store,
        document_id: int | None,
        settings: Settings | None = None,
        persist: Callable[[], None] | None = None,
        view: tuple[AnnotationFilter, tuple[SortKey, ...]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.settings = settings
        self._persist = persist
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export annotations")
        self.store = store
        self.document_id = document_id
        self.task: Task | None = None
        self.result: ExportResult | None = None
        self._confirmed: Path | None = None  # a path the analyst agreed to replace
        self._named = False  # the analyst typed or chose the path: no more proposals
        self._titles = {summary.id: summary.title for summary in list_documents(store)}

        self.format = QComboBox(self)
        for name, fmt in FORMATS.items():
            self.format.addItem(fmt.label, name)
        self.path = QLineEdit(self)
        self.browse = QPushButton("Browse…", self)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        self.this_document = QRadioButton("The open document", self)
        self.all_documents = QRadioButton("All documents", self)
        self.chosen_documents = QRadioButton("Chosen…", self)
        (self.this_document if document_id is not None else self.all_documents).setChecked(True)
        self.this_document.setEnabled(document_id is not None)
        scope = QHBoxLayout()
        scope.addWidget(self.this_document)
        scope.addWidget(self.all_documents)
        scope.addWidget(self.chosen_documents)
        scope.addStretch(1)
        self.documents = _checkable_list(self, list(self._titles.values()))
        for row, (key, _title) in enumerate(self._titles.items()):
            item = self.documents.item(row)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(item.text())
            item.setCheckState(
                Qt.CheckState.Checked if key == document_id else Qt.CheckState.Unchecked
            )
        self.documents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.documents.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.documents.setVisible(False)
        self.authors = _checkable_list(self, list_authors(store))
        self.tags = _checkable_list(self, [t.name for t in list_tags(store)])
        self.bom = QCheckBox("Start CSV with a UTF-8 BOM (for Excel)", self)
        self.history = QCheckBox("Include each annotation's change &history (a larger file)", self)
        self.history.setToolTip(
            "Every recorded change with its before and after state: an import of the file "
            "into another database brings the history along."
        )
        self.caveat = QLineEdit(get_caveat(store) or "", self)
        self.caveat.setPlaceholderText("e.g. TLP:AMBER, OFFICIAL-SENSITIVE (empty: none)")
        self.progress = QProgressBar(self)
        self.progress.setValue(0)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Format:", self.format)
        form.addRow("Save to:", path_row)
        if view is None:
            form.addRow("Documents:", scope)
            form.addRow("", self.documents)
            form.addRow("&Authors:", self.authors)
            form.addRow("&Tags:", self.tags)
        else:
            self.setWindowTitle("Export this view")
            for widget in (self.this_document, self.all_documents, self.chosen_documents,
                           self.documents, self.authors, self.tags):
                widget.hide()
            self.all_documents.setChecked(True)
            self.view_label = QLabel(
                "The annotations the table shows, with its filters; in its order for "
                f"{', '.join(ORDERED_FORMATS)}.", self,
            )
            self.view_label.setObjectName("exportViewLabel")
            self.view_label.setWordWrap(True)
            form.addRow("Annotations:", self.view_label)
        form.addRow("", self.bom)
        form.addRow("", self.history)
        form.addRow("Handling &caveat:", self.caveat)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.format.currentIndexChanged.connect(self._format_changed)
        self.this_document.toggled.connect(self._scope_changed)
        self.chosen_documents.toggled.connect(self._scope_changed)
        self.documents.itemChanged.connect(self._scope_changed)
        self.path.textEdited.connect(self._path_edited)
        self.browse.clicked.connect(self._browse)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel)
        self._recall()
        self._format_changed()
        self.resize(560, 0)

    def _recall(self) -> None:
        """Start from the last successful export's choices (a format that no longer exists or
        a folder that is gone falls back to the defaults)."""
        if self.settings is None:
            return
        index = self.format.findData(self.settings.export_format)
        if index >= 0:
            self.format.setCurrentIndex(index)
        self.bom.setChecked(self.settings.export_excel_bom)
        self.history.setChecked(self.settings.export_history)

    def fmt_name(self) -> str:
        return str(self.format.currentData())

    def _default_path(self) -> Path:
        """The proposed destination: the last export's folder (or home), named after the open
        document when only it is exported."""
        fmt = FORMATS[self.fmt_name()]
        stem = ALL_DOCUMENTS_STEM
        only = self.wanted().document_ids
        if only is not None and len(only) == 1:
            stem = file_stem(self._titles.get(next(iter(only)), ""))
        folder = Path.home()
        if self.settings is not None and self.settings.export_folder:
            remembered = Path(self.settings.export_folder)
            if remembered.is_dir():
                folder = remembered
        return folder / (stem if fmt.is_directory else stem + fmt.suffix)

    def _path_edited(self) -> None:
        self._named = True

    def _scope_changed(self) -> None:
        chosen = self.chosen_documents.isChecked()
        if chosen != self.documents.isVisible():
            self.documents.setVisible(chosen)
            self.resize(self.width(), self.sizeHint().height())  # taller or shorter, same width
        if not self._named:
            self.path.setText(str(self._default_path()))

    def _format_changed(self) -> None:
        fmt = FORMATS[self.fmt_name()]
        self.bom.setEnabled(fmt.name == "csv")
        self.history.setEnabled(fmt.carries_history)
        current = Path(self.path.text()) if self.path.text() else None
        if current is None or current.parent == Path(".") or not self._named:
            self.path.setText(str(self._default_path()))
        elif fmt.is_directory:
            self.path.setText(str(current.with_suffix("")))
        else:
            self.path.setText(str(current.with_suffix(fmt.suffix)))

    def _browse(self) -> None:
        fmt = FORMATS[self.fmt_name()]
        if fmt.is_directory:
            chosen = QFileDialog.getExistingDirectory(self, "Export into folder")
            if chosen:
                self.path.setText(str(Path(chosen) / self._default_path().name))
                self._named = True
        else:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export to", self.path.text(), f"{fmt.label} (*{fmt.suffix})"
            )
            if chosen:
                self.path.setText(chosen)
                self._named = True
                self._confirmed = Path(chosen)  # the file dialog asked about replacing it

    def wanted(self) -> DatasetFilter:
        documents: frozenset[int] | None = None
        if self.this_document.isChecked() and self.document_id is not None:
            documents = frozenset({self.document_id})
        elif self.chosen_documents.isChecked():
            documents = frozenset(
                int(self.documents.item(row).data(Qt.ItemDataRole.UserRole))
                for row in range(self.documents.count())
                if self.documents.item(row).checkState() == Qt.CheckState.Checked
            )
        if self.view is not None:
            wanted, sort = self.view
            ordered = self.fmt_name() in ORDERED_FORMATS
            return DatasetFilter(table=wanted, sort=sort if ordered else None)
        return DatasetFilter(documents, _checked(self.authors), _checked(self.tags))

    def start(self) -> None:
        out = Path(self.path.text()).expanduser()
        if not self.path.text().strip():
            self.status.setText("Choose where to save the export.")
            return
        if self.chosen_documents.isChecked() and not self.wanted().document_ids:
            self.status.setText("Tick at least one document: with none, nothing is exported.")
            return
        for what, widget in (("author", self.authors), ("tag", self.tags)):
            if widget.count() and _checked(widget) == frozenset():
                self.status.setText(f"Tick at least one {what}: with none, nothing is exported.")
                return
        if not self._may_replace(out):
            self.status.setText("Not exported: choose another name, or agree to replace the file.")
            return
        caveat = self.caveat.text().strip() or None
        if caveat != get_caveat(self.store):
            set_caveat(self.store, caveat)
        db_path, fmt, wanted = self.store.location, self.fmt_name(), self.wanted()
        options = ExportOptions(
            excel_bom=self.bom.isChecked() and self.bom.isEnabled(),
            history=self.history.isChecked() and self.history.isEnabled(),
        )

        def work(progress: ProgressFn) -> ExportResult:
            options.progress = progress
            # The window has the database open already: no daily backup (nor pruning) here.
            with open_store(db_path, daily_backup=False) as reader:
                return export_store(reader, fmt, out, wanted, options)

        self.task = Task(work, self, action="Not exported")
        self.task.progressed.connect(self._progressed)
        self.task.succeeded.connect(self._succeeded)
        self.task.failed.connect(self._failed)
        self.export_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.status.setText(f"Exporting to {out}…")
        self.task.start()

    def _may_replace(self, out: Path) -> bool:
        """True unless `out` exists and the analyst does not want it replaced."""
        if not out.exists() or out == self._confirmed:
            return True
        what = "folder" if out.is_dir() else "file"
        answer = QMessageBox.question(
            self, "Replace?", f"{out.name} already exists in {out.parent}. Replace the {what}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self._confirmed = out
        return True

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _succeeded(self, result: ExportResult) -> None:
        self.result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(f"Exported {result.items} item(s) to {result.path}")
        self.export_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self._remember(result.path)

    def _remember(self, out: Path) -> None:
        if self.settings is None:
            return
        self.settings.export_format = self.fmt_name()
        self.settings.export_folder = str(out.parent)
        self.settings.export_excel_bom = self.bom.isChecked()
        self.settings.export_history = self.history.isChecked()
        if self._persist is not None:
            self._persist()

    def _failed(self, message: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(message)
        theme.use(self.status, "error")
        self.export_button.setEnabled(True)

    def _cancel(self) -> None:
        self.reject()

    def _stop_task(self) -> None:
        """Never let the dialog (the thread's parent) go while its export thread runs."""
        if self.task is not None and self.task.isRunning():
            self.task.cancel()
            self.task.wait()

    def done(self, result: int) -> None:
        self._stop_task()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._stop_task()
        super().closeEvent(event)
