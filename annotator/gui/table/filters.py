"""The annotations table's filter bar: tag, author, review status, document, date range, free
text and field conditions. Field conditions are written as `annotator export --field` takes
them (`likelihood>=likely; source_reliability<=B; value=1..10000000`) and parsed by the same
core code, so the table and the command line accept the same values.

Edits are debounced: `changed` is emitted with the new filter DEBOUNCE_MS after the last key.
Invalid input is said inline (the `error` label) and the last valid filter stays in force.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from annotator.core.annotation_table import (
    AnnotationFilter,
    Condition,
    check_statuses,
    parse_condition,
    parse_date,
)
from annotator.core.errors import InvalidValue
from annotator.core.queries import list_authors, list_documents, list_tags
from annotator.core.review_terms import STATUSES
from annotator.core.store import Store
from annotator.gui import theme

DEBOUNCE_MS = 250
ANY = ""  # the data of a combo box's "any" entry
IN_LIBRARY = -1  # the document combo's "the document selected in the library"
TICKED = -2  # the document combo's "the documents ticked in the library"


def _combo(parent: QWidget, name: str, any_text: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    combo.addItem(any_text, ANY)
    return combo


class TableFilterBar(QWidget):
    changed = Signal(object)  # AnnotationFilter

    def __init__(
        self,
        library_document: Callable[[], int | None],
        parent: QWidget | None = None,
        ticked_documents: Callable[[], frozenset[int]] = frozenset,
    ) -> None:
        super().__init__(parent)
        self._library_document = library_document
        self._ticked_documents = ticked_documents
        self.wanted = AnnotationFilter()
        self.tag = _combo(self, "tableTag", "Any tag")
        self.author = _combo(self, "tableAuthor", "Any author")
        self.status = _combo(self, "tableStatus", "Any status")
        for status in STATUSES:
            self.status.addItem(status.capitalize(), status)
        self.document = _combo(self, "tableDocument", "All documents")
        self.document.addItem("The document selected in the library", IN_LIBRARY)
        self.document.addItem(self._ticked_text(), TICKED)
        self.date_from = QLineEdit(self)
        self.date_from.setObjectName("tableDateFrom")
        self.date_from.setPlaceholderText("from YYYY-MM-DD")
        self.date_to = QLineEdit(self)
        self.date_to.setObjectName("tableDateTo")
        self.date_to.setPlaceholderText("to YYYY-MM-DD")
        self.text = QLineEdit(self)
        self.text.setObjectName("tableText")
        self.text.setPlaceholderText("Text or note contains…")
        self.text.setClearButtonEnabled(True)
        self.fields = QLineEdit(self)
        self.fields.setObjectName("tableFields")
        self.fields.setPlaceholderText(
            "Fields, e.g. likelihood>=likely; source_reliability<=B; value=1..10000000"
        )
        self.fields.setToolTip(
            "Conditions on form fields, separated by ';', as `annotator export --field` takes "
            "them:\nFIELD=VALUE, FIELD>=VALUE (at least), FIELD<=VALUE (at most),\n"
            "FIELD=LOW..HIGH (between), FIELD=A,B (one of). Ordinal fields follow their scale."
        )
        self.fields.setClearButtonEnabled(True)
        self.error = QLabel("", self)
        self.error.setObjectName("tableFilterError")
        self.error.setWordWrap(True)
        theme.use(self.error, "error")
        self.error.hide()

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        labels = (
            ("&Tag:", self.tag),
            ("A&uthor:", self.author),
            ("&Status:", self.status),
            ("D&ocument:", self.document),
        )
        for column, (text, widget) in enumerate(labels):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, 0, 2 * column)
            grid.addWidget(widget, 0, 2 * column + 1)
        dates = QLabel("&Dates:", self)
        dates.setBuddy(self.date_from)
        grid.addWidget(dates, 1, 0)
        grid.addWidget(self.date_from, 1, 1)
        grid.addWidget(self.date_to, 1, 2, 1, 2)
        text = QLabel("T&ext:", self)
        text.setBuddy(self.text)
        grid.addWidget(text, 1, 4)
        grid.addWidget(self.text, 1, 5, 1, 3)
        fields = QLabel("&Fields:", self)
        fields.setBuddy(self.fields)
        grid.addWidget(fields, 2, 0)
        grid.addWidget(self.fields, 2, 1, 1, 7)
        grid.addWidget(self.error, 3, 0, 1, 8)
        grid.setColumnStretch(7, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.apply)
        for combo in (self.tag, self.author, self.status, self.document):
            combo.currentIndexChanged.connect(self.timer.start)
        for edit in (self.date_from, self.date_to, self.text, self.fields):
            edit.textChanged.connect(self.timer.start)

    def fill(self, store: Store) -> None:
        """The tags, authors and documents of `store` as choices (keeping what is chosen)."""
        for combo, items in (
            (self.tag, [(t.name, t.name) for t in list_tags(store)]),
            (self.author, [(a, a) for a in list_authors(store)]),
            (self.document, [(d.title, d.id) for d in list_documents(store)]),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            keep = 3 if combo is self.document else 1
            while combo.count() > keep:
                combo.removeItem(keep)
            for text, data in items:
                combo.addItem(text, data)
            index = combo.findData(chosen)
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)

    def parse(self) -> AnnotationFilter:
        """The filter the bar says; InvalidValue with what is wrong."""
        # (no entry chosen, None, is "any")
        tag, author, status, document = (
            ANY if c.currentData() is None else c.currentData()
            for c in (self.tag, self.author, self.status, self.document)
        )
        documents: frozenset[int] = frozenset()
        if document == IN_LIBRARY:
            chosen = self._library_document()
            documents = frozenset({chosen if chosen is not None else -1})
        elif document == TICKED:  # none ticked: no document, so no rows (-1 is no id)
            documents = self._ticked_documents() or frozenset({-1})
        elif document != ANY:
            documents = frozenset({int(document)})
        date_from = parse_date(self.date_from.text()) if self.date_from.text().strip() else None
        date_to = parse_date(self.date_to.text()) if self.date_to.text().strip() else None
        if date_from is not None and date_to is not None and date_from > date_to:
            raise InvalidValue(f"the dates {date_from}..{date_to} are an empty range")
        conditions: list[Condition] = [
            parse_condition(part) for part in self.fields.text().split(";") if part.strip()
        ]
        return AnnotationFilter(
            tags=frozenset({tag}) if tag != ANY else frozenset(),
            authors=frozenset({author}) if author != ANY else frozenset(),
            statuses=check_statuses({status}) if status != ANY else frozenset(),
            document_ids=documents,
            date_from=date_from,
            date_to=date_to,
            text=self.text.text(),
            conditions=tuple(conditions),
        )

    def apply(self) -> None:
        """Read the bar now: emit `changed` with a valid filter, or say what is wrong."""
        self.timer.stop()
        try:
            wanted = self.parse()
        except InvalidValue as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self.error.setText("")
        if wanted != self.wanted:
            self.wanted = wanted
            self.changed.emit(wanted)

    def library_selection_changed(self) -> None:
        """The library's selected document changed: matters when the scope is that one."""
        if self.document.currentData() == IN_LIBRARY:
            self.apply()

    def _ticked_text(self) -> str:
        return f"The documents ticked in the library ({len(self._ticked_documents())})"

    def ticks_changed(self) -> None:
        """The library's ticks changed: say their number; matters when the scope is those."""
        self.document.setItemText(self.document.findData(TICKED), self._ticked_text())
        if self.document.currentData() == TICKED:
            self.apply()
