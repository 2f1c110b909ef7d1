"""The annotations table's saved views: the filter bar's entries, the document scope and the
sort, named and kept per database in the settings (`Settings.views_in`).

"Save View…" names the current view (a name in use is replaced); the "View:" combo and View >
Saved Views recall one; "Manage…" renames (edit the name in place: F2 or double-click) and
deletes (Delete). A view is checked whole before anything changes: a tag, author or document
no longer in the database, or a date, field condition or sort column that no longer parses, is
said in a message and the table stays as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.annotation_table import parse_condition, parse_date
from annotator.core.errors import InvalidValue
from annotator.gui.table.filters import ANY, IN_LIBRARY, TICKED
from annotator.gui.table.model import COLUMNS

if TYPE_CHECKING:
    from annotator.gui.table.window import AnnotationsWindow

LIBRARY = "library"  # a view's document: the one selected in the library
TICKS = "ticked"  # a view's documents: those ticked in the library (when it is recalled)
_TEXTS = ("date_from", "date_to", "text", "fields")
NONE_CHOSEN = "(current filters)"


def capture(view: AnnotationsWindow) -> dict[str, Any]:
    """The window's filters, scope and sort as plain JSON values."""
    bar = view.filters
    document = bar.document.currentData()
    header = view.table.horizontalHeader()
    column = header.sortIndicatorSection()
    return {
        "tag": bar.tag.currentData() or ANY,
        "author": bar.author.currentData() or ANY,
        "status": bar.status.currentData() or ANY,
        "document": {IN_LIBRARY: LIBRARY, TICKED: TICKS}.get(document, document or ANY),
        **{name: getattr(bar, name).text() for name in _TEXTS},
        "sort": COLUMNS[column] if 0 <= column < len(COLUMNS) else "",
        "descending": header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
    }


def problems(view: AnnotationsWindow, saved: dict[str, Any]) -> list[str]:
    """What keeps `saved` from being applied to this database now (empty when nothing)."""
    bar = view.filters
    found: list[str] = []
    for key, combo, what in (
        ("tag", bar.tag, "tag"),
        ("author", bar.author, "author"),
        ("status", bar.status, "review status"),
    ):
        value = saved.get(key, ANY)
        if not isinstance(value, str):
            found.append(f"its {what} is not readable ({value!r})")
        elif value != ANY and combo.findData(value) < 0:
            found.append(f"the {what} {value!r} is not in this database any more")
    document = saved.get("document", ANY)
    if document not in (ANY, LIBRARY, TICKS) and (
        not isinstance(document, int) or bar.document.findData(document) < 0
    ):
        found.append("its document is not in this database any more")
    for key in _TEXTS:
        if not isinstance(saved.get(key, ""), str):
            found.append(f"its {key.replace('_', ' ')} is not readable")
    try:
        for key in ("date_from", "date_to"):
            text = saved.get(key, "")
            if isinstance(text, str) and text.strip():
                parse_date(text)
        fields = saved.get("fields", "")
        if isinstance(fields, str):
            for part in fields.split(";"):
                if part.strip():
                    parse_condition(part)
    except InvalidValue as exc:
        found.append(str(exc))
    sort = saved.get("sort", "")
    if sort != "" and sort not in COLUMNS:
        found.append(f"it is sorted by {sort!r}, which is not a column any more")
    return found


def apply(view: AnnotationsWindow, saved: dict[str, Any]) -> None:
    """Set the filter bar and the sort to `saved` (checked by `problems` first)."""
    bar = view.filters
    widgets = (bar.tag, bar.author, bar.status, bar.document, *(getattr(bar, n) for n in _TEXTS))
    for widget in widgets:
        widget.blockSignals(True)
    try:
        for key, combo in (("tag", bar.tag), ("author", bar.author), ("status", bar.status)):
            combo.setCurrentIndex(max(0, combo.findData(saved.get(key, ANY))))
        document = saved.get("document", ANY)
        wanted = {LIBRARY: IN_LIBRARY, TICKS: TICKED}.get(document, document)
        bar.document.setCurrentIndex(max(0, bar.document.findData(wanted)))
        for key in _TEXTS:
            getattr(bar, key).setText(saved.get(key, ""))
    finally:
        for widget in widgets:
            widget.blockSignals(False)
    bar.apply()
    sort = saved.get("sort", "")
    order = Qt.SortOrder.DescendingOrder if saved.get("descending") else Qt.SortOrder.AscendingOrder
    header = view.table.horizontalHeader()
    header.setSortIndicator(COLUMNS.index(sort) if sort else -1, order)


class SavedViews:
    """The "View:" combo, "Save View…" and "Manage…" of one table window."""

    def __init__(self, view: AnnotationsWindow) -> None:
        self.view = view
        self.combo = QComboBox(view)
        self.combo.setObjectName("savedViews")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMinimumContentsLength(18)
        self.combo.setToolTip("Recall a saved view: its filters, document scope and sort")
        self.label = QLabel("Saved v&iew:", view)
        self.label.setBuddy(self.combo)
        self.save_button = QPushButton("Sa&ve View…", view)
        self.save_button.setObjectName("saveView")
        self.manage_button = QPushButton("&Manage…", view)
        self.manage_button.setObjectName("manageViews")
        self.name_dialog: QInputDialog | None = None
        self.manage_dialog: ManageViews | None = None
        self.problem_box: QMessageBox | None = None
        self.recalling = False
        self.combo.activated.connect(self._chosen)
        # the filters or sort changed by hand: no longer the view chosen
        view.filters.changed.connect(self._moved_away)
        view.table.horizontalHeader().sortIndicatorChanged.connect(self._moved_away)
        self.save_button.clicked.connect(self.ask_name)
        self.manage_button.clicked.connect(self.manage)
        self.fill()

    # -- the settings -----------------------------------------------------------------

    def _db(self) -> str | None:
        store = self.view.main.ctx.store
        return store.key if store is not None else None

    def views(self) -> dict[str, dict[str, Any]]:
        db = self._db()
        return self.view.main.ctx.settings.views_in(db) if db is not None else {}

    def _store(self, views: dict[str, dict[str, Any]]) -> None:
        db = self._db()
        if db is None:
            return
        ctx = self.view.main.ctx
        ctx.settings.set_views_in(db, views)
        ctx.save_settings()
        self.fill()

    def fill(self, chosen: str = "") -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(NONE_CHOSEN, "")
        for name in self.views():
            self.combo.addItem(name, name)
        self.combo.setCurrentIndex(max(0, self.combo.findData(chosen)))
        self.combo.blockSignals(False)
        self.manage_button.setEnabled(self.combo.count() > 1)

    # -- saving and recalling ---------------------------------------------------------

    def ask_name(self) -> None:
        dialog = QInputDialog(self.view)
        dialog.setObjectName("saveViewName")
        dialog.setWindowTitle("Save View")
        dialog.setLabelText("Name of this view (its filters, document scope and sort):")
        dialog.setTextValue(str(self.combo.currentData() or ""))
        dialog.textValueSelected.connect(self.save)
        self.name_dialog = dialog
        dialog.open()

    def save(self, name: str) -> None:
        name = name.strip()
        if not name:
            self.view.show_status("A saved view needs a name: nothing was saved.")
            return
        views = self.views()
        replaced = name in views
        views[name] = capture(self.view)
        self._store(views)
        self.fill(name)
        self.view.show_status(f"View {name!r} {'replaced' if replaced else 'saved'}.")

    def _moved_away(self, *_args: object) -> None:
        if not self.recalling and self.combo.currentIndex() > 0:
            self.combo.setCurrentIndex(0)

    def _chosen(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name:
            self.recall(str(name))

    def recall(self, name: str) -> bool:
        """Apply the saved view `name`; False (and a message) if it cannot be applied."""
        saved = self.views().get(name)
        self.view.fill_choices()  # the tags, authors and documents it may name
        found = ["it is no longer saved"] if saved is None else problems(self.view, saved)
        if saved is None or found:
            self.fill()
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Saved View",
                f"The saved view {name!r} cannot be applied: {'; '.join(found)}.",
                QMessageBox.StandardButton.Ok,
                self.view,
            )
            box.setObjectName("savedViewProblem")
            box.setInformativeText(
                "The table is left as it was. Save the view again, or delete it (Manage…)."
            )
            if self.problem_box is not None:
                self.problem_box.deleteLater()
            self.problem_box = box
            box.open()
            return False
        self.recalling = True
        try:
            apply(self.view, saved)
        finally:
            self.recalling = False
        self.fill(name)
        self.view.show_status(f"View {name!r}.")
        return True

    def manage(self) -> None:
        if self.manage_dialog is not None:
            self.manage_dialog.deleteLater()
        self.manage_dialog = ManageViews(self)
        self.manage_dialog.open()

    def rename(self, old: str, new: str) -> str | None:
        """Rename a view; the reason why not, or None when done."""
        new = new.strip()
        views = self.views()
        if not new:
            return "A saved view needs a name."
        if new != old and new in views:
            return f"There is already a view named {new!r}."
        if old not in views:
            return f"The view {old!r} is no longer saved."
        self._store({(new if n == old else n): v for n, v in views.items()})
        return None

    def delete(self, name: str) -> None:
        views = self.views()
        views.pop(name, None)
        self._store(views)


class ManageViews(QDialog):
    """The saved views in a list: rename in place (F2, double-click), Delete removes."""

    def __init__(self, views: SavedViews) -> None:
        super().__init__(views.view)
        self.setObjectName("manageViewsDialog")
        self.setWindowTitle("Saved Views")
        self.views = views
        self.list = QListWidget(self)
        self.list.setObjectName("savedViewList")
        self.list.setEditTriggers(
            QListWidget.EditTrigger.EditKeyPressed | QListWidget.EditTrigger.DoubleClicked
        )
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.delete_button = QPushButton("&Delete", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Rename a view: F2 or double-click. Delete removes it.", self))
        layout.addWidget(self.list)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.delete_button.clicked.connect(self.delete)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list, self.delete)
        self.list.itemChanged.connect(self._renamed)
        self.fill()

    def fill(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for name in self.views.views():
            item = QListWidgetItem(name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.blockSignals(False)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.delete_button.setEnabled(self.list.count() > 0)

    def _renamed(self, item: QListWidgetItem) -> None:
        old = str(item.data(Qt.ItemDataRole.UserRole))
        reason = self.views.rename(old, item.text())
        self.error.setText(reason or "")
        row = self.list.row(item)
        self.fill()
        self.list.setCurrentRow(row)

    def delete(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        row = self.list.currentRow()
        self.views.delete(str(item.data(Qt.ItemDataRole.UserRole)))
        self.fill()
        if self.list.count():
            self.list.setCurrentRow(min(row, self.list.count() - 1))


def widgets(views: SavedViews) -> list[QWidget]:
    """The widgets to lay out, in order."""
    return [views.label, views.combo, views.save_button, views.manage_button]
