"""The annotation form beside the reader: the selected text, tag buttons, fields, note.

The form only shows state and emits intents (`tagToggled`, `fieldsEdited`, `noteEdited`,
`deleteRequested`); the workspace turns them into undoable operations and calls
`show_annotation` again with the fresh view. Widgets are built once and reused, so a refresh
is cheap and keeps the keyboard focus where it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from annotator.core.fields import field_specs
from annotator.gui.form.editors import set_flag
from annotator.gui.form.fields import TagFieldsBox, label_column_width
from annotator.gui.form.flow import FlowLayout
from annotator.gui.form.note import NoteEdit
from annotator.gui.form.paint import TagButton
from annotator.gui.theme import current, tag_looks, unlisted_look
from annotator.gui.theme_colours import ThemeColours

if TYPE_CHECKING:
    from annotator.core.facts import AnnotationView, TagInfo
    from annotator.gui.form.sources import SourceBook

NOTE_IDLE_MS = 1500  # save the note after this long without typing (and on leaving it)
NOTE_LINES = 3  # the note box's height; a longer note scrolls
# Narrower than the label column plus this: labels go above the fields.
COMPACT_FIELD_WIDTH = 250
TEXT_LIMIT = 600  # longer annotated text shows its beginning and end only
# Alt+letter mnemonics the form must not take: the menu bar's and the form's own.
RESERVED_LETTERS = frozenset("fevh" + "nd")
EMPTY_HINT = "Select a sentence or a span in the briefing, then press a tag button or key."
NO_DOCUMENT_HINT = "Open a briefing from the library to tag it."

# Formatted with the theme's colours as `c` (see form_style).
STYLE = """
QLineEdit[invalid="true"], QComboBox[invalid="true"] {{
    border: 1px solid {c.invalid_border}; border-radius: 3px; background: {c.invalid_background};
    color: {c.invalid_text};
    padding: 2px 4px;
}}
QLineEdit[suggested="true"], QComboBox[suggested="true"] {{
    font-style: italic; color: {c.suggestion};
}}
QLineEdit[invalid="true"]:focus, QComboBox[invalid="true"]:focus,
QLineEdit[locked="true"]:focus {{
    border: 2px solid palette(highlight); padding: 1px 3px;
}}
QLabel#suggestionHint {{ color: {c.suggestion}; }}
QLabel#fieldErrors {{ color: {c.error}; }}
QLabel#metaValue, QLabel#metaKey, QLabel#emptyHint, QLabel#extraFields {{
    color: palette(placeholder-text);
}}
QLineEdit[locked="true"], QPlainTextEdit[locked="true"] {{
    background: palette(window); border: 1px solid palette(mid); border-radius: 3px;
    padding: 2px 4px;
}}
QLabel#readOnlyNotice {{
    background: {c.notice_background}; color: {c.notice_text};
    border: 1px solid {c.notice_border}; border-radius: 4px;
    padding: 4px 8px;
}}
QLabel#annotatedText {{
    background: palette(base); border: 1px solid palette(mid); border-radius: 4px;
    padding: 4px 8px;
}}
"""


def form_style(colours: ThemeColours) -> str:
    """The form's stylesheet in a theme's colours."""
    return STYLE.format(c=colours)


def read_only_notice(author: str) -> str:
    """The line above another author's annotation: whose it is, what the tag keys do."""
    whose = author if author.startswith("adjudicated by ") else f"{author}'s"
    return (
        f"{whose[:1].upper()}{whose[1:]} annotation: read-only outside Review Mode. The tag "
        "buttons and keys tag your own annotation of this text instead."
    )


def local_time_text(value: dt.datetime) -> str:
    """An aware UTC datetime as local time (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def elided(text: str, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit * 2 // 3].rsplit(" ", 1)[0]
    tail = text[-(limit // 4) :].split(" ", 1)[-1]
    return f"{head} … {tail}"


def one_line_minimum(label: QLabel) -> None:
    """Layouts take a label whose vertical policy does not shrink at its size hint at least:
    for a word-wrapped text, its height at some narrow width (four lines for a two-line
    sentence), which made the form scroll while everything fitted. The layout asks for the
    height at the actual width anyway; an explicit minimum of one line replaces the hint."""
    margins = label.contentsMargins()
    label.setMinimumHeight(label.fontMetrics().lineSpacing() + margins.top() + margins.bottom())


class AnnotationForm(QWidget):
    tagToggled = Signal(str)
    fieldsEdited = Signal(int, str, dict, list)  # id, tag, validated values, still suggested
    noteEdited = Signal(int, str)
    deleteRequested = Signal(int)
    tabOrderChanged = Signal()  # tag buttons or a fields box were added: chain them again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotationForm")
        self.setStyleSheet(form_style(current()))
        self._id: int | None = None
        self._present: set[str] = set()
        self._saved_note = ""
        self._populating = False
        # Another author's annotation is shown but never edited here (see show_annotation).
        self._read_only = False
        self.tag_buttons: dict[str, TagButton] = {}
        self.colours: dict[str, str] = {}
        self.shortcuts: dict[str, str | None] = {}
        self.boxes: dict[str, TagFieldsBox] = {}
        self.sources: SourceBook | None = None
        self._build()
        self.show_annotation(None)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        # A click on the form's background or its buttons leaves the keyboard where it was
        # (the reader); Tab still walks the fields, and the form scrolls to the focused one.
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        content = QWidget(self.scroll)
        content.setObjectName("formContent")
        self.scroll.setWidget(content)
        self.content_layout = QVBoxLayout(content)
        # Tight enough that one tag's fields, the note and Delete fit a 1366x768 screen
        # with a few rows of the annotation list below (tests/gui/test_screens.py).
        self.content_layout.setContentsMargins(8, 6, 8, 6)
        self.content_layout.setSpacing(4)

        self.heading = QLabel(content)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.text_label = QLabel(content)
        self.text_label.setObjectName("annotatedText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.owner_notice = QLabel(content)
        self.owner_notice.setObjectName("readOnlyNotice")
        self.owner_notice.setWordWrap(True)
        self.owner_notice.setTextFormat(Qt.TextFormat.PlainText)
        self.owner_notice.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.owner_notice.hide()
        self.empty_hint = QLabel(EMPTY_HINT, content)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setWordWrap(True)
        for label in (self.text_label, self.owner_notice, self.empty_hint):
            one_line_minimum(label)
        self.button_row = FlowLayout(spacing=6)
        self.meta = self._build_meta(content)
        self.box_layout = QVBoxLayout()
        self.box_layout.setSpacing(8)

        self.note_label = QLabel("&Note", content)
        self.note = NoteEdit(content)
        self.note.setObjectName("note")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("Free note on this annotation")
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * NOTE_LINES + 14)
        self.note_label.setBuddy(self.note)
        self.note_timer = QTimer(self)
        self.note_timer.setSingleShot(True)
        self.note_timer.setInterval(NOTE_IDLE_MS)
        self.note_timer.timeout.connect(self._commit_note)
        self.note.textChanged.connect(self._note_typed)
        self.note.focusLost.connect(self._commit_note)

        self.delete_button = QPushButton("&Delete annotation", content)
        self.delete_button.setObjectName("deleteAnnotation")
        self.delete_button.setAutoDefault(False)
        # Tab reaches it; a click leaves the keyboard where it was (the reader, usually).
        self.delete_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.delete_button.setToolTip("Delete this annotation (Del); Ctrl+Z brings it back")
        self.delete_button.clicked.connect(self._delete)
        # Delete sits on the note's label row: a row of its own costs a small screen the
        # last line of the form. The tab order still runs note, then Delete.
        note_row = QHBoxLayout()
        note_row.setContentsMargins(0, 0, 0, 0)
        note_row.addWidget(self.note_label, 0, Qt.AlignmentFlag.AlignBottom)
        note_row.addStretch(1)
        note_row.addWidget(self.delete_button)

        for widget in (self.heading, self.owner_notice, self.text_label, self.empty_hint):
            self.content_layout.addWidget(widget)
        self.content_layout.addLayout(self.button_row)
        self.content_layout.addWidget(self.meta)
        self.content_layout.addLayout(self.box_layout)
        self.content_layout.addLayout(note_row)
        self.content_layout.addWidget(self.note)
        self.content_layout.addStretch(1)

    def _build_meta(self, parent: QWidget) -> QWidget:
        meta = QWidget(parent)
        grid = QFormLayout(meta)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(1)
        grid.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.author_label = QLabel(meta)
        self.created_label = QLabel(meta)
        self.modified_label = QLabel(meta)
        for key, value in (
            ("Author", self.author_label),
            ("Created", self.created_label),
            ("Modified", self.modified_label),
        ):
            value.setObjectName("metaValue")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label = QLabel(key, meta)
            label.setObjectName("metaKey")
            grid.addRow(label, value)
        return meta

    def set_tags(self, tags: Sequence[TagInfo]) -> None:
        """Build one toggle button per tag (colour swatch, shortcut hint) and its fields box."""
        for button in self.tag_buttons.values():
            self.button_row.take_widget(button)
            button.deleteLater()
        self.tag_buttons = {}
        self.colours = {tag.name: tag.colour for tag in tags}
        for index, tag in enumerate(tags):
            button = TagButton(tag.name, self._colour(tag.name), tag.shortcut,
                               self.scroll.widget())
            button.setObjectName(f"tag_{tag.name}")
            button.setAccessibleName(f"{button.text()} tag")
            button.clicked.connect(partial(self._tag_clicked, tag.name))
            self.button_row.insert_widget(index, button)
            self.tag_buttons[tag.name] = button
        for tag in tags:
            box = self._box(tag.name)
            if box is not None:
                box.set_colour(self._colour(tag.name))
        self.shortcuts = {tag.name: tag.shortcut for tag in tags}
        self._order_boxes([tag.name for tag in tags])
        self._chain_tab_order()
        self._show_buttons()
        self._tip_buttons()

    def _colour(self, tag: str) -> str:
        """A tag's colour in the current theme (its line colour: 3:1 on the page)."""
        look = tag_looks(self.colours, self.palette()).get(tag) or unlisted_look(self.palette())
        return look.line.name()

    def apply_theme(self, colours: ThemeColours) -> None:
        """Another theme: the stylesheet, the tag buttons and the fields boxes' swatches."""
        self.setStyleSheet(form_style(colours))
        for name, button in self.tag_buttons.items():
            button.set_colour(self._colour(name))
        for name, box in self.boxes.items():
            box.set_colour(self._colour(name))

    def _box(self, tag: str) -> TagFieldsBox | None:
        """The fields box of `tag`, built on first use (None for a tag without fields)."""
        box = self.boxes.get(tag)
        if box is None and field_specs(tag):
            box = TagFieldsBox(tag, self._colour(tag), RESERVED_LETTERS, self.scroll.widget())
            box.hide()
            box.edited.connect(self._fields_edited)
            box.set_read_only(self._read_only)
            if self.sources is not None:
                box.set_sources(self.sources)
            self.boxes[tag] = box
            self.box_layout.addWidget(box)
            self._chain_tab_order()
            self._fit_boxes()
        return box

    def set_sources(self, book: SourceBook) -> None:
        """Named claim sources: completion of the claim's source and its default grade."""
        self.sources = book
        for box in self.boxes.values():
            box.set_sources(book)

    def _order_boxes(self, names: Sequence[str]) -> None:
        ordered = [self.boxes[n] for n in names if n in self.boxes]
        ordered += [box for box in self.boxes.values() if box not in ordered]
        for box in ordered:
            self.box_layout.removeWidget(box)
        for box in ordered:
            self.box_layout.addWidget(box)
        self.boxes = {box.tag: box for box in ordered}

    def tab_chain(self) -> list[QWidget]:
        """The form's controls in Tab order: tag buttons, each tag's fields, note, Delete."""
        chain: list[QWidget] = list(self.tag_buttons.values())
        for box in self.boxes.values():
            chain += box.focus_chain()
        return [*chain, self.note, self.delete_button]

    def _chain_tab_order(self) -> None:
        chain = self.tab_chain()
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.tabOrderChanged.emit()

    def sizeHint(self) -> QSize:
        # Wide enough for the labels beside the fields (narrower puts them above, and one
        # tag's fields no longer fit a small screen); tall enough for a tag box or two.
        width = label_column_width(self.font()) + COMPACT_FIELD_WIDTH + 16
        return QSize(width, 620)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_boxes()

    def _fit_boxes(self) -> None:
        for box in self.boxes.values():
            box.set_compact(self.width() < box.label_width + COMPACT_FIELD_WIDTH)

    # -- showing -------------------------------------------------------------------------

    def current_annotation_id(self) -> int | None:
        return self._id

    def show_annotation(
        self,
        view: AnnotationView | None,
        text: str = "",
        *,
        editable: bool = True,
        own_tags: Collection[str] = (),
    ) -> None:
        """Show `view` (None: nothing selected). Emits nothing; keeps focus on a refresh.

        Not `editable` (another author's annotation): its fields and note are shown read-only
        with a line saying whose it is, and the tag buttons show `own_tags`, the tags of the
        analyst's own annotation of that text, which is what they change.
        """
        if view is None:
            self._leave_current()
            self._show_empty(text, selection=False)
            return
        same = view.id == self._id
        if not same:
            self._leave_current()
            self._id = view.id
        self._populating = True
        try:
            self.heading.setText(f"Annotation {view.id}")
            self._set_text(text)
            self._set_read_only(None if editable else view.author)
            self._present = set(view.tag_names if editable else own_tags)
            self._show_buttons()
            self.author_label.setText(view.author)
            self.created_label.setText(local_time_text(view.created))
            self.modified_label.setText(local_time_text(view.modified))
            self.meta.show()
            self._show_boxes(view, keep_draft=same)
            self._show_note(view.note, keep_draft=same)
            self.note_label.show()
            self.note.show()
            self.delete_button.setEnabled(editable)
        finally:
            self._populating = False

    def show_selection(self, text: str) -> None:
        """Text is selected but not annotated: the tag buttons annotate it."""
        self._leave_current()
        self._show_empty(text, selection=True)

    def _show_empty(self, text: str, selection: bool) -> None:
        self._populating = True
        try:
            self._id = None
            self._present = set()
            self._set_read_only(None)
            self.heading.setText("Selected text" if selection else "No annotation selected")
            self._set_text(text)
            self._show_buttons()
            self.meta.hide()
            for box in self.boxes.values():
                box.hide()
            self._saved_note = ""
            if self.note.toPlainText():
                self.note.setPlainText("")
            self.note_label.hide()
            self.note.hide()
            self.delete_button.setEnabled(False)
        finally:
            self._populating = False

    def _set_text(self, text: str) -> None:
        shown = elided(text)
        if self.text_label.text() != shown:
            self.text_label.setText(shown)
            tip = "" if shown == " ".join(text.split()) else f"{len(text):,} characters; shortened"
            self.text_label.setToolTip(tip)
        self.text_label.setVisible(bool(text))
        self.empty_hint.setVisible(not text)

    def set_document_open(self, is_open: bool) -> None:
        """With no briefing open there is nothing to tag: say so, and the tag buttons are off."""
        self.empty_hint.setText(EMPTY_HINT if is_open else NO_DOCUMENT_HINT)
        for button in self.tag_buttons.values():
            button.setEnabled(is_open)

    def _show_buttons(self) -> None:
        for name, button in self.tag_buttons.items():
            button.setChecked(name in self._present)

    def is_read_only(self) -> bool:
        """True while another author's annotation is shown."""
        return self._read_only

    def _set_read_only(self, author: str | None) -> None:
        """Read-only for `author`'s annotation (None: the analyst's own, editable)."""
        read_only = author is not None
        if author is not None:
            self.owner_notice.setText(read_only_notice(author))
        self.owner_notice.setVisible(read_only)
        if read_only == self._read_only:
            return
        self._read_only = read_only
        self.note.setReadOnly(read_only)
        set_flag(self.note, "locked", read_only)
        for box in self.boxes.values():
            box.set_read_only(read_only)
        self._tip_buttons()

    def _tip_buttons(self) -> None:
        for name, button in self.tag_buttons.items():
            shortcut = self.shortcuts.get(name)
            key = f" (key {shortcut})" if shortcut else ""
            if self._read_only:
                tip = f"Add or remove the {name} tag on your own annotation of this text{key}"
            else:
                tip = f"Add or remove the {name} tag{key}"
            button.setToolTip(tip)

    def _show_boxes(self, view: AnnotationView, keep_draft: bool) -> None:
        shown: set[str] = set()
        for tag in view.tags:
            box = self._box(tag.name)
            if box is None:
                continue
            box.populate(tag.fields, tag.suggested, keep_draft=keep_draft)
            box.show()
            shown.add(tag.name)
        for name, box in self.boxes.items():
            if name not in shown:
                box.hide()

    def _show_note(self, note: str, keep_draft: bool) -> None:
        current = self.note.toPlainText()
        typing = keep_draft and self.note.hasFocus() and current != self._saved_note
        self._saved_note = note
        if current == note or typing:
            return
        self.note_timer.stop()
        cursor = self.note.textCursor().position()
        self.note.setPlainText(note)
        if self.note.hasFocus():
            moved = self.note.textCursor()
            moved.setPosition(min(cursor, len(self.note.toPlainText())))
            self.note.setTextCursor(moved)

    def _leave_current(self) -> None:
        """Save what was typed for the annotation shown so far, before showing another."""
        if self._id is None or self._read_only:
            return
        self._commit_note()
        for box in list(self.boxes.values()):
            if box.isVisibleTo(self):
                box.flush()

    # -- intents -------------------------------------------------------------------------

    def _tag_clicked(self, name: str) -> None:
        # The button shows the stored state; the refresh after the operation checks it.
        self.tag_buttons[name].setChecked(name in self._present)
        self.tagToggled.emit(name)

    def _fields_edited(self, tag: str, values: dict[str, object], suggested: list[str]) -> None:
        if self._populating or self._id is None or self._read_only:
            return
        self.fieldsEdited.emit(self._id, tag, values, suggested)

    def _note_typed(self) -> None:
        if not self._populating and self._id is not None and not self._read_only:
            self.note_timer.start()

    def _commit_note(self) -> None:
        self.note_timer.stop()
        if self._populating or self._id is None or self._read_only:
            return
        note = self.note.toPlainText()
        if note != self._saved_note:
            self._saved_note = note
            self.noteEdited.emit(self._id, note)

    def _delete(self) -> None:
        if self._id is not None and not self._read_only:
            self._commit_note()
            self.deleteRequested.emit(self._id)
