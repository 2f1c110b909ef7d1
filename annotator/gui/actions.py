"""Every QAction of the main window and its shortcut, defined once in one table.

Menus, toolbars, context menus and the keyboard-shortcuts dialog all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

Key = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str
    shortcuts: tuple[str | QKeySequence.StandardKey, ...] = ()
    tip: str = ""
    checkable: bool = False


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new_database", "&New Database…", (Key.New,), "Create an empty database"),
    ActionSpec("open_database", "&Open Database…", (Key.Open,), "Open another database file"),
    ActionSpec(
        "import", "&Import Documents…", ("Ctrl+I",),
        "Import briefings (.txt .md .html .pdf .docx) or annotation files",
    ),
    ActionSpec("export", "&Export…", ("Ctrl+E",), "Export annotations to a file"),
    ActionSpec(
        "save_copy", "Save a &Copy of the Database…", (),
        "Write the whole database as one file, to send to a colleague or keep",
    ),
    ActionSpec("quit", "&Quit", (Key.Quit, "Ctrl+Q"), "Quit Annotator"),
    ActionSpec("undo", "&Undo", (Key.Undo,), "Undo the last change"),
    ActionSpec("redo", "&Redo", ("Ctrl+Shift+Z", Key.Redo), "Redo the change undone last"),
    ActionSpec(
        "preferences", "&Preferences…", (Key.Preferences, "Ctrl+,"),
        "Your name on annotations, and how many automatic backups to keep",
    ),
    ActionSpec("find", "&Find in Document…", (Key.Find,), "Find text in the open briefing"),
    ActionSpec("find_next", "Find &Next", (Key.FindNext,), "Find the next match"),
    ActionSpec(
        "find_previous", "Find Pre&vious", (Key.FindPrevious,), "Find the previous match"
    ),
    ActionSpec(
        "delete", "&Delete Annotation", (Key.Delete,), "Delete your selected annotation"
    ),
    ActionSpec(
        "set_span", "Move Annotation to &Selection", ("Ctrl+Shift+S",),
        "Give your annotation last shown in the form the currently selected span",
    ),
    ActionSpec(
        "document_properties", "Document &Properties…", ("Ctrl+Shift+P",),
        "Edit the title, issuer, date and language of the open document",
    ),
    ActionSpec(
        "remove_document", "Re&move Document…", (),
        "Remove the open document and its annotations from the library (undoable)",
    ),
    ActionSpec("zoom_in", "Zoom &In", (Key.ZoomIn, "Ctrl+="), "Larger text"),
    ActionSpec("zoom_out", "Zoom &Out", (Key.ZoomOut,), "Smaller text"),
    ActionSpec("zoom_reset", "&Reset Zoom", ("Ctrl+0",), "Default text size"),
    ActionSpec("show_library", "Show &Library", ("Ctrl+Shift+L",), "", checkable=True),
    ActionSpec("show_form", "Show &Form", ("Ctrl+Shift+F",), "", checkable=True),
    ActionSpec("next_unit", "Next Unit", (), "Down or J"),
    ActionSpec("previous_unit", "Previous Unit", (), "Up or K"),
    ActionSpec("next_untagged", "Next Untagged Unit", (), "N"),
    # Review: bringing colleagues' work in, comparing, adjudicating, statistics, history.
    ActionSpec(
        "merge_colleague", "&Merge Colleague's Work…", ("Ctrl+Shift+M",),
        "Merge a colleague's database or annotation export into this database",
    ),
    ActionSpec(
        "review_mode", "&Review Mode", ("Ctrl+Shift+R",),
        "Compare authors unit by unit and adjudicate their disagreements", checkable=True,
    ),
    ActionSpec("next_disagreement", "&Next Disagreement", ("]", "F6"), "Review mode"),
    ActionSpec("previous_disagreement", "&Previous Disagreement", ("[", "Shift+F6"), "Review mode"),
    *(
        ActionSpec(
            f"accept_author_{lane}", f"Accept Tags of Lane {lane}", (f"Alt+{lane}",),
            f"Review mode: accept the tags of the author in lane {lane}",
        )
        for lane in range(1, 5)
    ),
    ActionSpec("accept_union", "Accept &Union", ("Ctrl+Shift+U",), "Review mode: all tags"),
    ActionSpec(
        "reject_all", "Re&ject All", ("Ctrl+Shift+X",), "Review mode: no tag on this unit"
    ),
    ActionSpec(
        "edit_adjudication", "&Edit Adjudication", ("Ctrl+Shift+E",),
        "Review mode: edit the adjudicated annotation of this unit in the form",
    ),
    ActionSpec(
        "accept_agreed", "Accept All &Agreed Units", (),
        "Review mode: adjudicate every unit on which all authors agree",
    ),
    ActionSpec("status_draft", "Mark as &Draft", (), "Review status of the annotation"),
    ActionSpec("status_submitted", "Mark as &Submitted", (), "Review status of the annotation"),
    ActionSpec("status_accepted", "Mark as &Accepted", (), "Review status of the annotation"),
    ActionSpec("status_rejected", "Mark as Re&jected", (), "Review status of the annotation"),
    ActionSpec(
        "agreement", "&Agreement…", ("Ctrl+Shift+A",),
        "Agreement statistics between authors (kappa, alpha) per tag and field",
    ),
    ActionSpec(
        "history", "&History of Annotation…", ("Ctrl+H",),
        "Every change of the annotation shown in the form; restore an earlier version",
    ),
    ActionSpec(
        "deleted", "Deleted &Annotations…", ("Ctrl+Shift+H",),
        "Annotations deleted from the open document; restore one",
    ),
    ActionSpec("shortcuts", "&Keyboard Shortcuts", (Key.HelpContents, "F1"), ""),
    ActionSpec("about", "&About Annotator", (), ""),
)

# Keys handled by the reader itself (listed in the shortcuts dialog).
READER_KEYS: tuple[tuple[str, str], ...] = (
    ("Down / J", "Next unit"),
    ("Up / K", "Previous unit"),
    ("Shift+Down / Shift+Up (Shift+J / Shift+K)", "Extend the selection by a unit"),
    ("Shift+Right / Shift+Left", "Move the end of the selection by a word"),
    ("Ctrl+Shift+Left / Ctrl+Shift+Right", "Move the start of the selection by a word"),
    ("N", "Next untagged unit"),
    ("Home / End", "First / last unit"),
    ("Space / PageDown, Shift+Space / PageUp", "Scroll a page"),
    ("Double-click", "Select a word"),
    ("Ctrl+wheel", "Zoom the text"),
    ("Click", "Select the unit under the pointer"),
    ("Shift+Click", "Extend the selection over several units"),
    ("Drag", "Select any span (snapped to word edges)"),
    ("Delete (in the library)", "Remove the selected document (asks first)"),
)


def build_actions(parent: QWidget) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(spec.text, parent)
        action.setObjectName(f"action_{spec.name}")
        keys = [s if isinstance(s, QKeySequence) else QKeySequence(s) for s in spec.shortcuts]
        if keys:
            action.setShortcuts(keys)
        if spec.tip:
            action.setStatusTip(spec.tip)
            action.setToolTip(spec.tip)
        action.setCheckable(spec.checkable)
        parent.addAction(action)
        actions[spec.name] = action
    return actions


def tag_action(parent: QWidget, name: str, shortcut: str | None, colour: str) -> QAction:
    """The toggle action of one tag (keys 1/2/3 for the seeded tags)."""
    from PySide6.QtGui import QColor, QIcon, QPixmap

    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(colour))
    action = QAction(QIcon(pixmap), name.capitalize(), parent)
    action.setObjectName(f"action_tag_{name}")
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"Toggle {name} on your annotation of the selection ({shortcut})")
    action.setStatusTip(f"Toggle the {name} tag on your own annotation of the current selection")
    parent.addAction(action)
    return action


def shortcut_rows(actions: dict[str, QAction]) -> list[tuple[str, str]]:
    rows = []
    for action in actions.values():
        keys = ", ".join(
            k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
        )
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip("…")))
    return rows + list(READER_KEYS)
