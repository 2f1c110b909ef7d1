"""The editors of one tag's form fields, built generically from the specs in `core.fields`.

A `TagFieldsBox` never saves a wrong value: each commit (Enter or leaving a line edit, picking
an entry in a combo box) validates the tag's complete values with `core.fields.field_errors`;
invalid fields are marked through the `invalid` dynamic property (styled by the form's
stylesheet) and nothing is emitted until they are fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import InvalidValue
from annotator.core.fields import (
    CLAIM,
    GRADE_FIELD,
    NAME_FIELD,
    TAG_FIELDS,
    FieldKind,
    FieldSpec,
    field_errors,
    field_specs,
    normalise_value,
    validate_fields,
)
from annotator.gui import deferred
from annotator.gui.form.editors import (
    SUGGESTED_TIP,
    ChoiceField,
    FieldEditor,
    LineField,
    set_flag,
    with_mnemonic,
)
from annotator.gui.form.paint import sparkle_pixmap, swatch_pixmap
from annotator.gui.theme import current
from annotator.gui.theme_colours import UNLISTED, ThemeColours

if TYPE_CHECKING:
    from annotator.core.sources import suggested_grade
    from annotator.gui.form.sources import SourceBook
else:  # deferred: a claim's source is graded once a database is open (issue 15)
    (suggested_grade,) = deferred.functions("annotator.core.sources", "suggested_grade")

__all__ = ["ChoiceField", "LineField", "TagFieldsBox"]


_LABEL_WIDTHS: dict[str, int] = {}  # QFont.key() -> label_column_width


def label_column_width(font: QFont) -> int:
    """One label width for every box, so that the fields of all tags line up (measured once
    per font: the form asks at every size hint, a hundred times while the window starts)."""
    key = font.key()
    if key not in _LABEL_WIDTHS:
        metrics = QFontMetrics(font)
        labels = [spec.label for specs in TAG_FIELDS.values() for spec in specs]
        _LABEL_WIDTHS[key] = (
            max((metrics.horizontalAdvance(label) for label in labels), default=0) + 8
        )
    return _LABEL_WIDTHS[key]


class TagFieldsBox(QGroupBox):
    """The fields of one tag of the annotation. `edited(tag, values, suggested)` when valid."""

    edited = Signal(str, dict, list)

    def __init__(
        self,
        tag: str,
        colour: str = UNLISTED,
        reserved: Iterable[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.tag = tag
        self.title = tag.replace("_", " ").capitalize()
        self.colour = colour
        self.setAccessibleName(f"{self.title} fields")
        self.setObjectName(f"fields_{tag}")
        self.specs = {spec.name: spec for spec in field_specs(tag)}
        self.editors: dict[str, FieldEditor] = {}
        self.markers: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, Any] = {}  # as stored (normalised where valid)
        # Stored keys the specs no longer (or never) had. The save payload is exactly
        # validate_fields' output, so they go on the next save; the box says so beforehand.
        self.extra: dict[str, Any] = {}
        self.suggested: list[str] = []
        self.errors: dict[str, str] = {}
        self.read_only = False
        self.sources: SourceBook | None = None  # the claim's named sources (form/sources.py)
        self._build(set(reserved))

    # -- building ------------------------------------------------------------------------

    def _build(self, used: set[str]) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)
        outer.addLayout(self._build_header())
        self.form = form = QFormLayout()
        self.compact = False
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(5)
        self.label_width = label_column_width(self.font())
        marker_size = max(12, self.fontMetrics().height() - 4)
        self.marker_size = marker_size
        sparkle = sparkle_pixmap(marker_size, current().suggestion, self.devicePixelRatioF())
        for spec in self.specs.values():
            self._add_field(spec, used, sparkle, marker_size)
        outer.addLayout(form)

        self.suggestion_row = QWidget(self)
        row = QHBoxLayout(self.suggestion_row)
        row.setContentsMargins(0, 2, 0, 0)
        icon = self.sparkle_icon = QLabel(self.suggestion_row)
        icon.setPixmap(sparkle)
        self.suggestion_hint = QLabel(self.suggestion_row)
        self.suggestion_hint.setObjectName("suggestionHint")
        self.suggestion_hint.setToolTip(SUGGESTED_TIP)
        self.suggestion_hint.setWordWrap(True)
        self.accept_button = QPushButton(with_mnemonic("Accept suggestions", used), self)
        self.accept_button.setObjectName("acceptSuggestions")
        self.accept_button.setToolTip("Keep the suggested values as they are")
        self.accept_button.setAutoDefault(False)
        self.accept_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click keeps the focus
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
        self.extra_label = QLabel(self)
        self.extra_label.setObjectName("extraFields")
        self.extra_label.setWordWrap(True)
        self.extra_label.setTextFormat(Qt.TextFormat.PlainText)
        self.extra_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.extra_label.hide()
        outer.addWidget(self.extra_label)

    def _add_field(self, spec: FieldSpec, used: set[str], sparkle: QPixmap, size: int) -> None:
        editor: FieldEditor
        if spec.kind in (FieldKind.CHOICE, FieldKind.ORDINAL):
            editor = ChoiceField(spec, self)
        else:
            editor = LineField(spec, self)
            editor.reverted.connect(self._revalidate)
        editor.setObjectName(f"{self.tag}.{spec.name}")
        editor.committed.connect(self._commit)
        marker = QLabel(self)
        marker.setPixmap(sparkle)
        marker.setFixedWidth(size + 2)
        marker.setToolTip(SUGGESTED_TIP)
        policy = marker.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # fields keep one width, marked or not
        marker.setSizePolicy(policy)
        marker.hide()
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(editor, 1)
        row.addWidget(marker)
        label = QLabel(with_mnemonic(spec.label, used), self)
        label.setBuddy(editor)
        label.setMinimumWidth(self.label_width)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if spec.help:
            label.setToolTip(spec.help)
        self.form.addRow(label, row)
        self.editors[spec.name] = editor
        self.markers[spec.name] = marker
        self.labels[spec.name] = label

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        header.setSpacing(6)
        self.swatch = QLabel(self)
        self.title_label = QLabel(self.title, self)
        font = QFont(self.title_label.font())
        font.setBold(True)
        self.title_label.setFont(font)
        self.set_colour(self.colour)
        header.addWidget(self.swatch)
        header.addWidget(self.title_label, 1)
        return header

    def set_colour(self, colour: str) -> None:
        """The tag's colour in the current theme (its line colour)."""
        self.colour = colour
        self.swatch.setPixmap(swatch_pixmap(colour, 12, self.devicePixelRatioF()))

    def apply_theme(self, colours: ThemeColours) -> None:
        """Another theme: the suggestion marks in its colour (the form sets the swatch)."""
        sparkle = sparkle_pixmap(self.marker_size, colours.suggestion, self.devicePixelRatioF())
        for label in (self.sparkle_icon, *self.markers.values()):
            label.setPixmap(sparkle)

    def set_sources(self, book: SourceBook) -> None:
        """Complete the source's name from `book` as it is typed, and suggest the default
        grade of the source named (a claim's box; any other has no source field)."""
        editor = self.editors.get(NAME_FIELD)
        if self.tag != CLAIM or not isinstance(editor, LineField) or self.sources is not None:
            return
        from annotator.gui.form.sources import SourceCompleter  # with its book (issue 15)

        self.sources = book
        completer = SourceCompleter(book, editor)
        completer.attach(editor)
        editor.setPlaceholderText("Who says it: type, or Down for the known sources")
        editor.focused.connect(book.refresh)  # the names as they are now, before typing
        completer.activated[str].connect(partial(self._source_picked, editor))

    def _source_picked(self, editor: LineField, name: str) -> None:
        if editor.text() != name:
            editor.setText(name)
        self._commit(NAME_FIELD, True)

    def set_compact(self, compact: bool) -> None:
        """Labels above the fields (a narrow panel) or beside them."""
        if compact == self.compact:
            return
        self.compact = compact
        align = Qt.AlignmentFlag.AlignLeft if compact else Qt.AlignmentFlag.AlignRight
        align |= Qt.AlignmentFlag.AlignVCenter
        self.form.setLabelAlignment(align)
        for row, label in enumerate(self.labels.values()):
            label.setMinimumWidth(0 if compact else self.label_width)
            label.setAlignment(align)
            # Above its field, a label needs air over it to read as the start of a row.
            label.setContentsMargins(0, 4 if compact and row else 0, 0, 0)
        self.form.setRowWrapPolicy(
            QFormLayout.RowWrapPolicy.WrapAllRows
            if compact
            else QFormLayout.RowWrapPolicy.DontWrapRows
        )
        self.form.setVerticalSpacing(3 if compact else 5)

    def set_read_only(self, read_only: bool) -> None:
        """Show the values without letting them change (another author's annotation)."""
        self.read_only = read_only
        for editor in self.editors.values():
            if isinstance(editor, LineField):
                editor.setReadOnly(read_only)  # still selectable, still readable
                set_flag(editor, "locked", read_only)  # the stylesheet greys it
            else:
                editor.setEnabled(not read_only)
        self.accept_button.setEnabled(not read_only)

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
        self._revalidate()
        self._show_suggested()
        self._show_extra()

    def _revalidate(self) -> None:
        self._show_errors(field_errors(self.tag, self._raw_values()))

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

    def _show_extra(self) -> None:
        if self.extra:
            names = ", ".join(sorted(self.extra))
            self.extra_label.setText(f"Not part of this form, dropped when it is saved: {names}")
        self.extra_label.setVisible(bool(self.extra))

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
            self.suggestion_hint.setText(f"{count} suggested {noun}")
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
        if self.read_only:
            return
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
        self._suggest_grade(clean, changed, suggested)
        if not force and not changed and suggested == self.suggested:
            self._redisplay()
            return
        self.values = clean
        self.suggested = suggested
        self._redisplay()
        self._show_suggested()
        self.extra = {}
        self._show_extra()
        self.edited.emit(self.tag, clean, list(suggested))

    def _suggest_grade(
        self, clean: dict[str, Any], changed: set[str], suggested: list[str]
    ) -> None:
        """A source named anew suggests its default grade for a claim without one (a grade
        still only suggested counts as none; one the analyst gave is never replaced)."""
        if self.sources is None or NAME_FIELD not in changed:
            return
        was_suggested = GRADE_FIELD in suggested
        given = {k: v for k, v in clean.items() if k != GRADE_FIELD or not was_suggested}
        grade = suggested_grade(given, self.sources.grade_of)
        if grade is None or grade == clean.get(GRADE_FIELD):
            return
        clean[GRADE_FIELD] = grade
        changed.add(GRADE_FIELD)
        if not was_suggested:
            suggested.append(GRADE_FIELD)

    def _redisplay(self) -> None:
        """Show the saved values in their normal form ("1000000" reads "1,000,000")."""
        for name, editor in self.editors.items():
            editor.show_value(self.values.get(name))
