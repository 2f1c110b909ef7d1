"""The annotations table's "Edit Selected" menu: bulk edits of the selected rows.

Set Field… (a dialog: tag, field, value: an ordinal or choice field offers its scale's labels,
a number, date or text field a checked input; "clear" empties it), Add Tag ▸, Remove Tag ▸
and Set Review Status ▸. Each runs through `BulkEditor` (one undo step in the main window, one
history row per changed annotation, only the analyst's own layer); `summary(result)` is shown in
the table window and in the main window's status bar. More than CONFIRM_OVER rows are confirmed
first. The menu is the table's context menu, the "Edit Selected" button's menu and Ctrl+B.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QWidget,
)

from annotator.core.bulk_edits import AddTag, Edit, RemoveTag, SetField, SetStatus, describe
from annotator.core.errors import InvalidValue
from annotator.core.fields import TAG_FIELDS, FieldKind, FieldSpec, choice_text, normalise_value
from annotator.core.queries import list_tags
from annotator.core.review_terms import STATUSES
from annotator.gui import theme
from annotator.gui.bulk_edit import BulkEditor, summary

if TYPE_CHECKING:
    from annotator.gui.table.window import AnnotationsWindow

CONFIRM_OVER = 100  # a bulk edit of more rows than this is confirmed first

_HINTS = {
    FieldKind.NUMBER: "a number, e.g. 1,250 or 3.5",
    FieldKind.DATE: "YYYY-MM-DD, YYYY-MM or YYYY",
    FieldKind.TEXT: "text",
}


class SetFieldDialog(QDialog):
    """Tag → field → value; `edit()` is the SetField chosen once accepted."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("setFieldDialog")
        self.setWindowTitle("Set Field of the Selected Annotations")
        self.tag = QComboBox(self)
        self.tag.setObjectName("setFieldTag")
        for tag in TAG_FIELDS:
            self.tag.addItem(tag, tag)
        self.field = QComboBox(self)
        self.field.setObjectName("setFieldField")
        self.choice = QComboBox(self)
        self.choice.setObjectName("setFieldChoice")
        self.value = QLineEdit(self)
        self.value.setObjectName("setFieldValue")
        self.clear = QCheckBox("&Clear the field (leave it empty)", self)
        self.clear.setObjectName("setFieldClear")
        self.error = QLabel("", self)
        self.error.setObjectName("setFieldError")
        self.error.setWordWrap(True)
        theme.use(self.error, "error")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        form = QFormLayout(self)
        form.addRow("&Tag:", self.tag)
        form.addRow("F&ield:", self.field)
        form.addRow("&Value:", self.choice)
        form.addRow("", self.value)
        form.addRow("", self.clear)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.tag.currentIndexChanged.connect(self._tag_chosen)
        self.field.currentIndexChanged.connect(self._field_chosen)
        self.clear.toggled.connect(self._field_chosen)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._tag_chosen()

    def spec(self) -> FieldSpec | None:
        specs = TAG_FIELDS.get(str(self.tag.currentData()), ())
        name = self.field.currentData()
        return next((s for s in specs if s.name == name), None)

    def _tag_chosen(self) -> None:
        self.field.blockSignals(True)
        self.field.clear()
        for spec in TAG_FIELDS.get(str(self.tag.currentData()), ()):
            self.field.addItem(spec.label, spec.name)
        self.field.blockSignals(False)
        self._field_chosen()

    def _field_chosen(self) -> None:
        spec = self.spec()
        choices = spec is not None and spec.kind in (FieldKind.ORDINAL, FieldKind.CHOICE)
        self.choice.clear()
        if spec is not None and choices:
            for choice in spec.choices:
                self.choice.addItem(choice_text(choice), choice.code)
        self.value.clear()
        if spec is not None:
            self.value.setPlaceholderText(_HINTS.get(spec.kind, ""))
        self.choice.setVisible(choices)
        self.value.setVisible(not choices)
        self.choice.setEnabled(not self.clear.isChecked())
        self.value.setEnabled(not self.clear.isChecked())
        self.error.hide()

    def edit(self) -> SetField:
        """The edit the dialog says; InvalidValue with what is wrong."""
        spec = self.spec()
        if spec is None:
            raise InvalidValue("choose a field")
        tag = str(self.tag.currentData())
        if self.clear.isChecked():
            return SetField(tag, spec.name, None)
        if spec.kind in (FieldKind.ORDINAL, FieldKind.CHOICE):
            raw: object = self.choice.currentData()
        else:
            raw = self.value.text()
            if not str(raw).strip():
                raise InvalidValue(f"{spec.label}: type a value, or tick Clear the field")
        return SetField(tag, spec.name, normalise_value(spec, raw))

    def accept(self) -> None:
        try:
            self.edit()
        except InvalidValue as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()


class BulkMenu(QMenu):
    """The "Edit Selected" menu of one table window, filled afresh each time it shows."""

    def __init__(self, view: AnnotationsWindow) -> None:
        super().__init__("Edit Selected", view)
        self.setObjectName("bulkMenu")
        self.view = view
        self.editor = BulkEditor(view.main.ctx)
        self.aboutToShow.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        for sub in self.findChildren(QMenu):  # the last showing's submenus (clear keeps them)
            sub.deleteLater()
        self.clear()
        self.addAction("Set &Field…", self.set_field)
        store = self.view.main.ctx.store
        names = [t.name for t in list_tags(store)] if store is not None else []
        add = self.addMenu("&Add Tag")
        remove = self.addMenu("&Remove Tag")
        for name in names:
            add.addAction(name, lambda n=name: self.run(AddTag(n)))
            remove.addAction(name, lambda n=name: self.run(RemoveTag(n)))
        status = self.addMenu("Set Review &Status")
        for name in STATUSES:
            status.addAction(name.capitalize(), lambda s=name: self.run(SetStatus(s)))
        enabled = bool(self.view.table.selectionModel().selectedRows())
        for action in self.actions():
            action.setEnabled(enabled)

    def set_field(self) -> None:
        """Set Field…: the dialog (window-modal, not blocking), applied once accepted."""
        ids = self.view.selected_ids()
        if self.view.set_field_dialog is not None:
            self.view.set_field_dialog.deleteLater()  # the last one, closed
        dialog = SetFieldDialog(self.view)
        dialog.accepted.connect(lambda: self.run(dialog.edit(), ids))
        self.view.set_field_dialog = dialog  # reachable while it is shown (tests)
        dialog.open()

    def run(self, edit: Edit, ids: list[int] | None = None) -> None:
        """Apply `edit` to the selected rows (confirmed first when they are many)."""
        view = self.view
        ids = view.selected_ids() if ids is None else ids
        if not ids:
            return
        if len(ids) <= CONFIRM_OVER:
            self.apply(ids, edit)
            return
        if view.confirm_box is not None:
            view.confirm_box.deleteLater()  # the last one, answered
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Edit Selected",
            f"{describe(edit)} on {len(ids):,} annotations?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            view,
        )
        box.setObjectName("bulkConfirm")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setInformativeText("Only your own annotations are changed; Ctrl+Z undoes it.")
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda button: button is yes and self.apply(ids, edit))
        view.confirm_box = box  # reachable while it is shown (tests)
        box.open()

    def apply(self, ids: list[int], edit: Edit) -> None:
        view = self.view
        result = self.editor.apply(ids, edit)
        if result is None:
            return  # the reason was reported through ctx.failed
        line = summary(result)
        view.show_status(line)
        view.main.statusBar().showMessage(line, 10000)
        view.refresh()
