"""The editors of one tag's form fields, built generically from the specs in `core.fields`.

A `TagFieldsBox` never saves a wrong value: each commit (Enter or leaving a line edit, picking
an entry in a combo box) validates the tag's complete values with `core.fields.field_errors`;
invalid fields are marked through the `invalid` dynamic property (styled by the form's
stylesheet) and nothing is emitted until they are fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import InvalidValue
from annotator.core.fields import (
    TAG_FIELDS,
    Choice,
    FieldKind,
    FieldSpec,
    field_errors,
    field_specs,
    normalise_value,
    validate_fields,
)

SUGGESTED_COLOUR = "#6639ba"
SUGGESTED_TIP = "Suggested from the sentence: check it, then edit it or accept the suggestions"
PLACEHOLDERS = {
    FieldKind.NUMBER: "e.g. 1,000,000 or 2.5",
    FieldKind.DATE: "YYYY-MM-DD, YYYY-MM or YYYY",
}


def set_flag(widget: QWidget, name: str, on: bool) -> None:
    """Set a boolean dynamic property read by the stylesheet; repolish only when it changes."""
    if bool(widget.property(name)) == on:
        return
    widget.setProperty(name, on)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def choice_text(choice: Choice) -> str:
    return f"{choice.label} ({choice.detail})" if choice.detail else choice.label


def display_text(spec: FieldSpec, value: object) -> str:
    """How a stored value reads in its editor (numbers with thousands separators)."""
    if value is None:
        return ""
    if spec.kind is FieldKind.NUMBER and not isinstance(value, bool):
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            try:  # repr() is the shortest exact text; Decimal avoids "1e+16", which won't parse
                return format(Decimal(repr(value)), ",f")
            except InvalidOperation:
                return repr(value)
    return str(value)


def with_mnemonic(text: str, used: set[str]) -> str:
    """`text` with an `&` before a letter not in `used` (word starts first); records it."""
    escaped = text.replace("&", "&&")
    candidates = [i for i, c in enumerate(text) if c.isalpha() and (i == 0 or text[i - 1] == " ")]
    candidates += [i for i, c in enumerate(text) if c.isalpha() and i not in candidates]
    for index in candidates:
        letter = text[index].casefold()
        if letter not in used:
            used.add(letter)
            position = index + text[:index].count("&")
            return escaped[:position] + "&" + escaped[position:]
    return escaped


def sparkle_pixmap(size: int, colour: str = SUGGESTED_COLOUR, ratio: float = 1.0) -> QPixmap:
    """A small four-pointed star: the mark of a suggested value."""
    pixmap = QPixmap(QSize(size, size) * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    centre, outer, inner = size / 2, size / 2 - 0.5, size / 7
    path = QPainterPath(QPointF(centre, centre - outer))
    for dx, dy, ix, iy in ((1, 0, 1, -1), (0, 1, 1, 1), (-1, 0, -1, 1), (0, -1, -1, -1)):
        path.lineTo(centre + ix * inner, centre + iy * inner)
        path.lineTo(centre + dx * outer, centre + dy * outer)
    painter.fillPath(path, QColor(colour))
    painter.end()
    return pixmap


class LineField(QLineEdit):
    """A text, number or date field. `committed(name, confirmed)`: Enter (confirmed) or leaving."""

    committed = Signal(str, bool)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.default_tip = spec.help or PLACEHOLDERS.get(spec.kind, "")
        self._shown = ""
        self.setPlaceholderText(spec.help or PLACEHOLDERS.get(spec.kind, ""))
        self.setToolTip(self.default_tip)
        self.setAccessibleName(spec.label)
        self.returnPressed.connect(lambda: self.committed.emit(spec.name, True))
        self.editingFinished.connect(lambda: self.committed.emit(spec.name, False))

    def raw(self) -> object:
        return self.text()

    def is_dirty(self) -> bool:
        """Typed but not yet committed."""
        return self.text() != self._shown

    def show_value(self, value: object, keep_draft: bool = False) -> None:
        """Show a stored value (no signal); a focused draft survives when `keep_draft`."""
        text = display_text(self.spec, value)
        if keep_draft and self.hasFocus() and self.is_dirty():
            return
        self._shown = text
        if self.text() != text:
            cursor = self.cursorPosition()
            self.setText(text)
            if self.hasFocus():
                self.setCursorPosition(min(cursor, len(text)))


class ChoiceField(QComboBox):
    """A choice or ordinal field: an empty first entry, then the labels (codes as item data)."""

    committed = Signal(str, bool)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.default_tip = spec.help
        self._known = len(spec.choices) + 1
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self.addItem("", None)
        for choice in spec.choices:
            self.addItem(choice_text(choice), choice.code)
        self.setToolTip(self.default_tip)
        self.setAccessibleName(spec.label)
        self.activated.connect(lambda _index: self.committed.emit(spec.name, True))

    def raw(self) -> object:
        return self.currentData()

    def is_dirty(self) -> bool:
        return False  # a combo box commits on every activation

    def show_value(self, value: object, keep_draft: bool = False) -> None:
        if self.count() > self._known:  # drop the entry of an earlier unknown stored value
            if self.currentIndex() == self._known:
                self.setCurrentIndex(0)
            self.removeItem(self._known)
        if value is None or value == "":
            index = 0
        else:
            index = self.findData(value)
            if index < 0:  # e.g. imported data: show it, marked invalid, rather than hide it
                self.addItem(f"{value} (not on the list)", value)
                index = self._known
        if self.currentIndex() != index:
            self.setCurrentIndex(index)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Scrolling the form must not change (and save) the value under the pointer.
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


FieldEditor = LineField | ChoiceField


def label_column_width(metrics: QFontMetrics) -> int:
    """One label width for every box, so that the fields of all tags line up."""
    labels = [spec.label for specs in TAG_FIELDS.values() for spec in specs]
    return max((metrics.horizontalAdvance(label) for label in labels), default=0) + 8


class TagFieldsBox(QGroupBox):
    """The fields of one tag of the annotation. `edited(tag, values, suggested)` when valid."""

    edited = Signal(str, dict, list)

    def __init__(
        self, tag: str, reserved: Iterable[str] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(tag.replace("_", " ").capitalize(), parent)
        self.tag = tag
        self.setObjectName(f"fields_{tag}")
        self.specs = {spec.name: spec for spec in field_specs(tag)}
        self.editors: dict[str, FieldEditor] = {}
        self.markers: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, Any] = {}  # as stored (normalised where valid)
        self.extra: dict[str, Any] = {}  # stored keys without a spec: kept, never dropped
        self.suggested: list[str] = []
        self.errors: dict[str, str] = {}
        self._build(set(reserved))

    # -- building ------------------------------------------------------------------------

    def _build(self, used: set[str]) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(5)
        label_width = label_column_width(self.fontMetrics())
        marker_size = max(12, self.fontMetrics().height() - 4)
        sparkle = sparkle_pixmap(marker_size, ratio=self.devicePixelRatioF())
        for spec in self.specs.values():
            editor: FieldEditor
            if spec.kind in (FieldKind.CHOICE, FieldKind.ORDINAL):
                editor = ChoiceField(spec, self)
            else:
                editor = LineField(spec, self)
            editor.setObjectName(f"{self.tag}.{spec.name}")
            editor.committed.connect(self._commit)
            marker = QLabel(self)
            marker.setPixmap(sparkle)
            marker.setFixedWidth(marker_size + 2)
            marker.setToolTip(SUGGESTED_TIP)
            policy = marker.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            marker.setSizePolicy(policy)
            marker.hide()
            row = QHBoxLayout()
            row.setSpacing(4)
            row.addWidget(editor, 1)
            row.addWidget(marker)
            label = QLabel(with_mnemonic(spec.label, used), self)
            label.setBuddy(editor)
            label.setMinimumWidth(label_width)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if spec.help:
                label.setToolTip(spec.help)
            form.addRow(label, row)
            self.editors[spec.name] = editor
            self.markers[spec.name] = marker
            self.labels[spec.name] = label
        outer.addLayout(form)

        self.suggestion_row = QWidget(self)
        row = QHBoxLayout(self.suggestion_row)
        row.setContentsMargins(0, 2, 0, 0)
        icon = QLabel(self.suggestion_row)
        icon.setPixmap(sparkle)
        self.suggestion_hint = QLabel(self.suggestion_row)
        self.suggestion_hint.setObjectName("suggestionHint")
        self.suggestion_hint.setToolTip(SUGGESTED_TIP)
        self.accept_button = QPushButton(with_mnemonic("Accept suggestions", used), self)
        self.accept_button.setObjectName("acceptSuggestions")
        self.accept_button.setToolTip("Keep the suggested values as they are")
        self.accept_button.setAutoDefault(False)
        self.accept_button.clicked.connect(self.accept_suggestions)
        row.addWidget(icon)
        row.addWidget(self.suggestion_hint, 1)
        row.addWidget(self.accept_button)
        self.suggestion_row.hide()
        outer.addWidget(self.suggestion_row)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("fieldErrors")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error_label.hide()
        outer.addWidget(self.error_label)

    def focus_chain(self) -> list[QWidget]:
        return [*self.editors.values(), self.accept_button]

    # -- showing -------------------------------------------------------------------------

    def populate(
        self, values: Mapping[str, object], suggested: Sequence[str], keep_draft: bool = False
    ) -> None:
        """Show stored values; `keep_draft` keeps what the analyst is typing in the focus field."""
        self.values = {k: v for k, v in values.items() if k in self.specs}
        self.extra = {k: v for k, v in values.items() if k not in self.specs}
        self.suggested = [name for name in suggested if name in self.specs]
        for name, editor in self.editors.items():
            editor.show_value(self.values.get(name), keep_draft)
        self._show_errors(field_errors(self.tag, self._raw_values()))
        self._show_suggested()

    def _raw_values(self) -> dict[str, object]:
        return {name: editor.raw() for name, editor in self.editors.items()}

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors
        for name, editor in self.editors.items():
            message = errors.get(name)
            set_flag(editor, "invalid", message is not None)
            tip = message or (SUGGESTED_TIP if name in self.suggested else editor.default_tip)
            if editor.toolTip() != tip:
                editor.setToolTip(tip)
        text = "\n".join(errors.values())
        if self.error_label.text() != text:
            self.error_label.setText(text)
            self.error_label.setToolTip(text)
        self.error_label.setVisible(bool(errors))

    def _show_suggested(self) -> None:
        for name, editor in self.editors.items():
            on = name in self.suggested
            set_flag(editor, "suggested", on)
            self.markers[name].setVisible(on)
            if name not in self.errors:
                tip = SUGGESTED_TIP if on else editor.default_tip
                if editor.toolTip() != tip:
                    editor.setToolTip(tip)
        count = len(self.suggested)
        if count:
            noun = "value" if count == 1 else "values"
            self.suggestion_hint.setText(f"{count} suggested {noun} from the sentence")
        self.suggestion_row.setVisible(bool(count))

    # -- editing -------------------------------------------------------------------------

    def _stored_form(self, name: str) -> object:
        value = self.values.get(name)
        try:
            return normalise_value(self.specs[name], value)
        except InvalidValue:
            return value

    def _commit(self, name: str, confirmed: bool) -> None:
        self._save(keep_suggested=lambda other: other != name or not confirmed)

    def flush(self) -> None:
        """Commit any text typed but not yet committed (before the form shows another one)."""
        if any(editor.is_dirty() for editor in self.editors.values()):
            self._save(keep_suggested=lambda _name: True)

    def accept_suggestions(self) -> None:
        self._save(keep_suggested=lambda _name: False, force=True)

    def _save(self, keep_suggested: Callable[[str], bool], force: bool = False) -> None:
        raw = self._raw_values()
        errors = field_errors(self.tag, raw)
        self._show_errors(errors)
        if errors:
            return
        clean = validate_fields(self.tag, raw)
        changed = {name for name in self.specs if clean.get(name) != self._stored_form(name)}
        suggested = [
            name
            for name in self.suggested
            if name in clean and name not in changed and keep_suggested(name)
        ]
        if not force and not changed and suggested == self.suggested:
            self._redisplay()
            return
        self.values = clean
        self.suggested = suggested
        self._redisplay()
        self._show_suggested()
        self.edited.emit(self.tag, {**clean, **self.extra}, list(suggested))

    def _redisplay(self) -> None:
        """Show the saved values in their normal form ("1000000" reads "1,000,000")."""
        for name, editor in self.editors.items():
            editor.show_value(self.values.get(name))
