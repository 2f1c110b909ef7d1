"""Jumps from another window into the reader: open a document if it is not open, then select a
span or an annotation there, scrolled into view, and bring the main window forward.

Find in All Documents (search_panel.py) jumps to a sentence's matched words or to a note's
annotation, the annotations table (table/window.py) to an annotation. Offsets are code points;
the reader converts them to Qt positions itself
(ReaderView.select_span, offsets.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.gui.reader.legend import LAYER, TAG

if TYPE_CHECKING:
    from annotator.gui.mainwindow import MainWindow


def open_in_reader(main: MainWindow, document_id: int) -> bool:
    """Open `document_id` in the reader unless it is open; False when it could not be (the main
    window said why)."""
    if main.workspace.document_id != document_id:
        main.open_document(document_id)
    return main.workspace.document_id == document_id


def select_span(main: MainWindow, document_id: int, start: int, end: int) -> bool:
    """Open the document and select code points [start, end) in the reader, scrolled into view
    (the form follows, as for a selection made by hand). False when the document could not be
    opened or the span is no longer inside its text."""
    if not open_in_reader(main, document_id):
        return False
    if not 0 <= start < end <= len(main.workspace.text):
        main.statusBar().showMessage("That passage is no longer in the document", 5000)
        return False
    main.reader.select_span(start, end, scroll=True, emit=True)
    _bring_forward(main)
    return True


def select_annotation(main: MainWindow, document_id: int, annotation_id: int) -> bool:
    """Open the document and select the annotation there with its form shown (its layer and
    tags shown again if the analyst had hidden them). False when it is gone."""
    if not open_in_reader(main, document_id):
        return False
    if annotation_id not in main.workspace.annotations:
        main.statusBar().showMessage("That annotation is no longer in the document", 5000)
        return False
    reveal(main, annotation_id)
    if not main.actions_by_name["show_form"].isChecked():
        main.actions_by_name["show_form"].setChecked(True)
    main.workspace.activate_annotation(annotation_id)
    _bring_forward(main)
    return True


def reveal(main: MainWindow, annotation_id: int) -> None:
    """An annotation jumped to is seen: its layer and tags shown again if hidden."""
    workspace = main.workspace
    view = workspace.annotations[annotation_id]
    if not workspace.is_hidden(view):
        return
    shown = []
    if view.author in workspace.hidden_authors:
        main.visibility.set_shown(LAYER, view.author, True)
        shown.append(f"the layer of {view.author}")
    for tag in view.tag_names:
        if tag in workspace.hidden_tags:
            main.visibility.set_shown(TAG, tag, True)
            shown.append(f"the tag {tag}")
    main.statusBar().showMessage(f"Shown again: {', '.join(shown)}.", 8000)


def _bring_forward(main: MainWindow) -> None:
    main.raise_()
    main.activateWindow()
    main.reader.setFocus()
