"""Every QAction of the main window and its shortcut, defined once in one table.

Menus, toolbars, context menus and the keyboard-shortcuts dialog all read from here.

Each key sequence is bound once. A StandardKey stands for the platform's own list of keys
(QKeySequence.keyBindings: Redo is Ctrl+Shift+Z on X11, Ctrl+Y and Ctrl+Shift+Z on Windows), and
the literal keys listed beside it often repeat one of them on some platform. Qt treats a
sequence bound twice as ambiguous: it prints "Ambiguous shortcut overload" and runs nothing. So
the table is expanded per platform, and a sequence already bound (by this action or an earlier
one) is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

Key = QKeySequence.StandardKey
Shortcut = str | QKeySequence.StandardKey

# Headings of the Keyboard Shortcuts dialog, in its order.
NAVIGATION = "Navigation"
TAGGING = "Tagging"
EDITING = "Editing"
REVIEW = "Review"
FILES = "Files and help"
GROUPS = (NAVIGATION, TAGGING, EDITING, REVIEW, FILES)


class ActionSpec(NamedTuple):
    name: str
    text: str
    group: str
    shortcuts: tuple[Shortcut, ...] = ()
    tip: str = ""
    checkable: bool = False


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new_database", "&New Database…", FILES, (Key.New,), "Create an empty database"),
    ActionSpec(
        "open_database", "&Open Database…", FILES, (Key.Open,), "Open another database file"
    ),
    ActionSpec(
        "connect_team", "Connect to &Team Database…", FILES, (),
        "Open a team database on a PostgreSQL server (postgresql://USER@HOST/DATABASE)",
    ),
    ActionSpec(
        "sync_team", "S&ync with Team Database…", FILES, (),
        "Pull the team database's work into this file and push your own layer to it",
    ),
    ActionSpec(
        "import", "&Import Documents…", FILES, ("Ctrl+I",),
        "Import briefings (.txt .md .html .pdf .docx) or annotation files",
    ),
    ActionSpec("export", "&Export…", FILES, ("Ctrl+E",), "Export annotations to a file"),
    ActionSpec(
        "save_copy", "Save a &Copy of the Database…", FILES, (),
        "Write the whole database as one file, to send to a colleague or keep",
    ),
    ActionSpec("quit", "&Quit", FILES, ("Ctrl+Q", Key.Quit), "Quit Annotator"),
    ActionSpec("undo", "&Undo", EDITING, (Key.Undo,), "Undo the last change"),
    ActionSpec(
        "redo", "&Redo", EDITING, ("Ctrl+Shift+Z", "Ctrl+Y", Key.Redo),
        "Redo the change undone last",
    ),
    ActionSpec(
        "preferences", "&Preferences…", EDITING, (Key.Preferences, "Ctrl+,"),
        "Your name on annotations, and how many automatic backups to keep",
    ),
    ActionSpec(
        "find", "&Find in Document…", NAVIGATION, (Key.Find,), "Find text in the open briefing"
    ),
    ActionSpec(
        "find_all", "Find in &All Documents…", NAVIGATION, ("Ctrl+Shift+F",),
        "Search the text and notes of every document: words, \"phrases\", prefixes*",
    ),
    ActionSpec(
        "find_next", "Find &Next", NAVIGATION, (Key.FindNext,), "Find the next match"
    ),
    ActionSpec(
        "find_previous", "Find Pre&vious", NAVIGATION, (Key.FindPrevious,),
        "Find the previous match",
    ),
    ActionSpec(
        "delete", "&Delete Annotation", EDITING, (Key.Delete,), "Delete your selected annotation"
    ),
    ActionSpec(
        "set_span", "Move Annotation to &Selection", EDITING, ("Ctrl+Shift+S",),
        "Give your annotation last shown in the form the currently selected span",
    ),
    ActionSpec(
        "document_properties", "Document &Properties…", FILES, ("Ctrl+Shift+P",),
        "Edit the title, issuer, date and language of the open document",
    ),
    ActionSpec(
        "remove_document", "Re&move Document…", FILES, (),
        "Remove the open document and its annotations from the library (undoable)",
    ),
    ActionSpec("zoom_in", "Zoom &In", NAVIGATION, (Key.ZoomIn, "Ctrl+="), "Larger text"),
    ActionSpec("zoom_out", "Zoom &Out", NAVIGATION, (Key.ZoomOut,), "Smaller text"),
    ActionSpec("zoom_reset", "&Reset Zoom", NAVIGATION, ("Ctrl+0",), "Default text size"),
    ActionSpec(
        "show_library", "Show &Library", NAVIGATION, ("Ctrl+Shift+L",), "", checkable=True
    ),
    # Ctrl+Shift+F is Find in All Documents, as in most editors and browsers of many files.
    ActionSpec("show_form", "Show &Form", NAVIGATION, ("Ctrl+Alt+F",), "", checkable=True),
    # The reader answers these keys itself (READER_KEYS below); the actions serve the menus.
    ActionSpec("next_unit", "Next Unit", NAVIGATION, (), "Down or J"),
    ActionSpec("previous_unit", "Previous Unit", NAVIGATION, (), "Up or K"),
    ActionSpec("next_untagged", "Next Untagged Unit", NAVIGATION, (), "N"),
    ActionSpec(
        "next_annotation", "Ne&xt Annotation", NAVIGATION, (".",),
        "Select the next annotation shown, in text order (after the last: the first)",
    ),
    ActionSpec(
        "previous_annotation", "Pre&vious Annotation", NAVIGATION, (",",),
        "Select the previous annotation shown, in text order (before the first: the last)",
    ),
    # Review: bringing colleagues' work in, comparing, adjudicating, statistics, history.
    ActionSpec(
        "merge_colleague", "&Merge Colleague's Work…", REVIEW, ("Ctrl+Shift+M",),
        "Merge a colleague's database or annotation export into this database",
    ),
    ActionSpec(
        "review_mode", "&Review Mode", REVIEW, ("Ctrl+Shift+R",),
        "Compare authors unit by unit and adjudicate their disagreements", checkable=True,
    ),
    ActionSpec(
        "next_disagreement", "&Next Disagreement", REVIEW, ("]", "F6"), "Review mode"
    ),
    ActionSpec(
        "previous_disagreement", "&Previous Disagreement", REVIEW, ("[", "Shift+F6"),
        "Review mode",
    ),
    *(
        ActionSpec(
            f"accept_author_{lane}", f"Accept Tags of Lane {lane}", REVIEW, (f"Alt+{lane}",),
            f"Review mode: accept the tags of the author in lane {lane}",
        )
        for lane in range(1, 5)
    ),
    ActionSpec(
        "accept_union", "Accept &Union", REVIEW, ("Ctrl+Shift+U",), "Review mode: all tags"
    ),
    ActionSpec(
        "reject_all", "Re&ject All", REVIEW, ("Ctrl+Shift+X",),
        "Review mode: no tag on this unit",
    ),
    ActionSpec(
        "edit_adjudication", "&Edit Adjudication", REVIEW, ("Ctrl+Shift+E",),
        "Review mode: edit the adjudicated annotation of this unit in the form",
    ),
    ActionSpec(
        "accept_agreed", "Accept All &Agreed Units", REVIEW, (),
        "Review mode: adjudicate every unit on which all authors agree",
    ),
    *(
        ActionSpec(
            f"status_{status}", text, EDITING, (), "Review status of the annotation"
        )
        for status, text in (
            ("draft", "Mark as &Draft"), ("submitted", "Mark as &Submitted"),
            ("accepted", "Mark as &Accepted"), ("rejected", "Mark as Re&jected"),
        )
    ),
    ActionSpec(
        "agreement", "&Agreement…", REVIEW, ("Ctrl+Shift+A",),
        "Agreement statistics between authors (kappa, alpha) per tag and field",
    ),
    ActionSpec(
        "annotations_table", "A&nnotations…", NAVIGATION, ("Ctrl+Shift+T",),
        "Every annotation of the library in a table: filter, sort, jump to one, export the view",
    ),
    ActionSpec(
        "sources", "Sour&ces…", EDITING, (),
        "Every claim source: its claims, default reliability and the credibility given",
    ),
    ActionSpec(
        "history", "&History of Annotation…", EDITING, ("Ctrl+H",),
        "Every change of the annotation shown in the form; restore an earlier version",
    ),
    ActionSpec(
        "deleted", "Deleted &Annotations…", EDITING, ("Ctrl+Shift+H",),
        "Annotations deleted from the open document; restore one",
    ),
    ActionSpec("shortcuts", "&Keyboard Shortcuts", FILES, (Key.HelpContents, "F1"), ""),
    ActionSpec("about", "&About Annotator", FILES, (), ""),
)

# Keys and mouse gestures the reader (or the library) handles itself: (keys, what, group).
READER_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Down / J", "Next unit", NAVIGATION),
    ("Up / K", "Previous unit", NAVIGATION),
    ("N", "Next untagged unit", NAVIGATION),
    ("Home / End", "First / last unit", NAVIGATION),
    ("Space / PageDown, Shift+Space / PageUp", "Scroll a page", NAVIGATION),
    ("Ctrl+wheel", "Zoom the text", NAVIGATION),
    ("Click", "Select the unit under the pointer", TAGGING),
    ("Shift+Click", "Extend the selection over several units", TAGGING),
    ("Drag", "Select any span (snapped to word edges)", TAGGING),
    ("Double-click", "Select a word", TAGGING),
    ("Shift+Down / Shift+Up (Shift+J / Shift+K)", "Extend the selection by a unit", TAGGING),
    ("Shift+Right / Shift+Left", "Move the end of the selection by a word", TAGGING),
    ("Ctrl+Shift+Left / Ctrl+Shift+Right", "Move the start of the selection by a word", TAGGING),
    ("Delete (in the library)", "Remove the selected document (asks first)", FILES),
    (
        "Space / click its box (in the library)",
        "Tick or untick the selected document (View > Annotations can show the ticked ones)",
        FILES,
    ),
)

# Keys past F12 and dedicated keys (Undo, Help, Zoom In...) that most keyboards lack: they stay
# bound where the platform lists them, but the dialog shows the keys an analyst can press.
_FIRST_UNCOMMON_KEY = Qt.Key.Key_F13.value


def expand(shortcuts: Iterable[Shortcut]) -> list[QKeySequence]:
    """The key sequences of one table entry on this platform, each once, in the table's order."""
    sequences: list[QKeySequence] = []
    for entry in shortcuts:
        if isinstance(entry, QKeySequence.StandardKey):
            sequences.extend(QKeySequence.keyBindings(entry))
        else:
            sequences.append(QKeySequence(entry))
    return unique(sequences)


def portable(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def unique(sequences: Iterable[QKeySequence], taken: set[str] | None = None) -> list[QKeySequence]:
    """`sequences` without empty ones, repeats, and those in `taken` (which gains the rest)."""
    seen = set() if taken is None else taken
    kept = []
    for sequence in sequences:
        name = portable(sequence)
        if name and name not in seen:
            seen.add(name)
            kept.append(sequence)
    return kept


def build_actions(parent: QWidget) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}
    taken: set[str] = set()
    for spec in ACTIONS:
        action = QAction(spec.text, parent)
        action.setObjectName(f"action_{spec.name}")
        keys = unique(expand(spec.shortcuts), taken)
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
    """The toggle action of one tag (keys 1/2/3 for the seeded tags).

    A tag's key that a window action already answers is left unbound rather than made
    ambiguous (which would silence both).
    """
    from PySide6.QtGui import QColor, QIcon, QPixmap

    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(colour))
    action = QAction(QIcon(pixmap), name.capitalize(), parent)
    action.setObjectName(f"action_tag_{name}")
    taken = {portable(key) for other in parent.actions() for key in other.shortcuts()}
    keys = unique([QKeySequence(shortcut)] if shortcut else [], taken)
    if keys:
        action.setShortcut(keys[0])
        action.setToolTip(f"Toggle {name} on your annotation of the selection ({shortcut})")
    action.setStatusTip(f"Toggle the {name} tag on your own annotation of the current selection")
    parent.addAction(action)
    return action


def swap_actions(old: list[QAction], new: list[QAction]) -> None:
    """Put `new` where `old` stood in every menu and toolbar, and drop `old`: an old tag
    action left there would keep its key, and the new one's would be ambiguous (silenced)."""
    if not old:
        return
    for owner in old[0].associatedObjects():
        if not isinstance(owner, QWidget):
            continue
        actions = owner.actions()
        places = [index for index, action in enumerate(actions) if action in old]
        if not places:
            continue
        after = next((a for a in actions[places[-1] + 1 :] if a not in old), None)
        for action in old:
            owner.removeAction(action)
        if after is None:
            owner.addActions(new)
        else:
            owner.insertActions(after, new)
    for action in old:
        action.deleteLater()


def shown_keys(action: QAction) -> str:
    """The keys of `action` an analyst can press, as the platform writes them."""
    keys = [
        key.toString(QKeySequence.SequenceFormat.NativeText)
        for key in action.shortcuts()
        if not key.isEmpty() and key[0].key().value < _FIRST_UNCOMMON_KEY
    ]
    return ", ".join(keys)


def shortcut_groups(
    actions: dict[str, QAction], tag_actions: dict[str, QAction]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The rows (keys, what) of the Keyboard Shortcuts dialog under each heading of GROUPS."""
    rows: dict[str, list[tuple[str, str]]] = {group: [] for group in GROUPS}
    for action in tag_actions.values():
        if keys := shown_keys(action):
            rows[TAGGING].append((keys, action.text()))
    # The reader's moves head Navigation: they are the keys used most.
    rows[NAVIGATION] += [(keys, text) for keys, text, group in READER_KEYS if group == NAVIGATION]
    for spec in ACTIONS:
        action = actions.get(spec.name)
        if action is not None and (keys := shown_keys(action)):
            # The spec's text: the menu's may name the change (Undo Tag claim).
            rows[spec.group].append((keys, spec.text.replace("&", "").rstrip("…")))
    for keys, text, group in READER_KEYS:
        if group != NAVIGATION:
            rows[group].append((keys, text))
    return [(group, rows[group]) for group in GROUPS if rows[group]]
