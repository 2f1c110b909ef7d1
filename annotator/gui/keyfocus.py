"""Where the keyboard goes in the main window, and what a key with nothing to act on says.

- Opening a document for reading (a click on it in the library, Enter there, the start of the
  app) gives the reader the focus, so J/K/N and the tag keys act at once and never type into
  the library's filter box. Browsing the library with the arrow keys, or typing a filter,
  keeps the focus where it is: every row change opens a document, and taking the focus away
  then would break the analyst's typing.
- Tab runs as the eye reads the window: the library, the reader's filters, the reader, the
  form (tag buttons, fields, note, Delete), then the annotation list. Tables hand Tab on
  instead of walking their cells with it (the arrow keys do that).
- Delete Annotation is enabled only while there is an annotation of the analyst's to delete.
- A tag key or Delete that no action took (nothing selected, no document open, a digit no tag
  has) reaches the window; it says why in the status bar. A hint, not a failure: no dialog,
  and the "Saved" label is left alone.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from annotator.gui.workspace import NO_DOCUMENT, NOTHING_TO_DELETE, NOTHING_TO_TAG

if TYPE_CHECKING:
    from annotator.gui.mainwindow import MainWindow

_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
_DIGITS = {getattr(Qt.Key, f"Key_{digit}"): str(digit) for digit in range(10)}
NO_TAG_ON_KEY = "No tag has the key {} (Help > Keyboard Shortcuts lists the keys)."
HINTS = (NO_DOCUMENT, NOTHING_TO_DELETE, NOTHING_TO_TAG)


def install(window: MainWindow) -> None:
    """Wire the reader's focus, Delete Annotation's enabled state and the key hints."""
    for table in (window.library.table, window.annotation_list.table):
        table.setTabKeyNavigation(False)
    chain_tab_order(window)
    window.form.tabOrderChanged.connect(lambda: chain_tab_order(window))
    table = window.library.table
    table.clicked.connect(lambda _index: _read(window))
    table.activated.connect(lambda _index: _read(window))
    delete = window.actions_by_name["delete"]
    delete.setEnabled(window.workspace.deletable())
    window.workspace.deletableChanged.connect(delete.setEnabled)
    window.installEventFilter(KeyHints(window))
    window.ctx.saved.connect(lambda: _drop_hint(window))


def chain_tab_order(window: MainWindow) -> None:
    """Set the window's Tab order (see the module's docstring)."""
    order: list[QWidget] = [
        window.library.filter_box,
        window.library.table,
        window.legend,
        window.filter_bar.status,
        window.filter_bar.author,
        window.reader,
        window.find_bar.box,
        *window.form.tab_chain(),
        window.annotation_list.search,
        window.annotation_list.tag_filter,
        window.annotation_list.table,
    ]
    for first, second in pairwise(order):
        QWidget.setTabOrder(first, second)


def _drop_hint(window: MainWindow) -> None:
    """Once a change is saved, "select a sentence first" no longer applies: take it away."""
    status = window.statusBar()
    message = status.currentMessage()
    if message in HINTS or message.startswith(NO_TAG_ON_KEY.split("{")[0]):
        status.clearMessage()


def _read(window: MainWindow) -> None:
    if window.workspace.document_id is not None:
        window.reader.setFocus(Qt.FocusReason.OtherFocusReason)


class KeyHints(QObject):
    """Explains, in the status bar, a tag key or Delete that reached the window unused."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if watched is self.window and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            hint = self.hint(event)
            if hint:
                self.window.workspace.notice.emit(hint)
                return True
        return super().eventFilter(watched, event)

    def hint(self, event: QKeyEvent) -> str | None:
        if event.modifiers() not in _PLAIN:
            return None
        workspace = self.window.workspace
        if event.key() == Qt.Key.Key_Delete:
            return workspace.delete_hint()
        digit = _DIGITS.get(Qt.Key(event.key()))
        if digit is None:
            return None
        if workspace.document_id is None:
            return NO_DOCUMENT
        if any(tag.shortcut == digit for tag in workspace.tags):
            return NOTHING_TO_TAG  # its action did not take the key
        return NO_TAG_ON_KEY.format(digit)
