"""The history panel: every change of one annotation, and the document's deleted annotations.

Restoring (an earlier version, or a deleted annotation) is an ordinary undoable edit through
the context: `ops.restore_annotation` puts the snapshot back under its own id.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.core.facts import AnnotationSnapshot
from annotator.core.fields import field_label, value_text
from annotator.gui import deferred
from annotator.gui.context import AppContext
from annotator.gui.dialogs import read_only_table
from annotator.gui.form.panel import local_time_text

if TYPE_CHECKING:
    from annotator.core import ops
    from annotator.core.history import HistoryEntry, annotation_history, deleted_annotations
    from annotator.core.queries import annotations_by_id
else:  # deferred: these load SQLAlchemy, which the window is shown without (issue 15)
    ops = deferred.module("annotator.core.ops")
    annotation_history, deleted_annotations = deferred.functions(
        "annotator.core.history", "annotation_history", "deleted_annotations"
    )
    (annotations_by_id,) = deferred.functions("annotator.core.queries", "annotations_by_id")

HISTORY_TAB, DELETED_TAB = 0, 1


def _tags(snapshot: AnnotationSnapshot | None) -> str:
    if snapshot is None:
        return ""
    return ", ".join(snapshot.tag_names) or "no tag"


def _field_changes(before: AnnotationSnapshot, after: AnnotationSnapshot) -> list[str]:
    """ "claim, Information credibility: 2 - Probably true → 3 - Possibly true": labels, never
    the stored codes."""
    old = {t.name: t.fields for t in before.tags}
    changes = []
    for tag in after.tags:
        previous = old.get(tag.name, {})
        for name in sorted(set(previous) | set(tag.fields)):
            if previous.get(name) != tag.fields.get(name):
                was = value_text(tag.name, name, previous.get(name)) or "—"
                now = value_text(tag.name, name, tag.fields.get(name)) or "—"
                changes.append(f"{tag.name}, {field_label(tag.name, name)}: {was} → {now}")
    return changes


def describe(entry: HistoryEntry) -> str:
    """What one history entry changed, in a few words."""
    before, after = entry.before, entry.after
    if entry.action in ("create", "import"):
        return f"{'created' if entry.action == 'create' else 'imported'}: {_tags(after)}"
    if entry.action == "delete":
        return f"deleted ({_tags(before)})"
    if before is None or after is None:
        return f"{entry.action}: {_tags(after)}"
    if entry.action == "author":
        return f"author {before.author} → {after.author}"
    if entry.action == "restore":
        return f"restored: {_tags(after)}"
    if entry.action == "review":
        words = f"status {before.status} → {after.status}"
        if before.tag_names != after.tag_names:
            words += f"; tags {_tags(before)} → {_tags(after)}"
        return words
    if entry.action in ("tag_add", "tag_remove"):
        return f"tags {_tags(before)} → {_tags(after)}"
    if entry.action == "fields":
        return "; ".join(_field_changes(before, after)) or "fields"
    if entry.action == "span":
        return f"span [{before.start}, {before.end}) → [{after.start}, {after.end})"
    if entry.action == "note":
        if not after.note:
            return "note removed"
        note = " ".join(after.note.split())
        return f"note: “{note[:60]}{'…' if len(note) > 60 else ''}”"
    return entry.action


class HistoryDialog(QDialog):
    """Two tabs: the history of one annotation, and the deleted annotations of a document."""

    def __init__(
        self,
        ctx: AppContext,
        document_id: int | None,
        text: str,
        annotation_id: int | None = None,
        tab: int = HISTORY_TAB,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle("History")
        self.ctx = ctx
        self.document_id = document_id
        self.text = text
        self.annotation_id = annotation_id
        self.entries: list[HistoryEntry] = []
        self.deleted: list[HistoryEntry] = []
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("historyTabs")
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.history_table = self._table("historyTable",
                                         ["When", "Who", "Action", "Change", "Comment"])
        self.restore_version = QPushButton("Restore this version", self)
        self.restore_version.setObjectName("restoreVersion")
        self.restore_version.setToolTip("Put the annotation back as it was after this change")
        self.restore_version.clicked.connect(self.restore_selected_version)
        page = QWidget(self)
        column = QVBoxLayout(page)
        column.addWidget(self.heading)
        column.addWidget(self.history_table, 1)
        column.addWidget(self.restore_version)
        self.tabs.addTab(page, "This annotation")
        self.deleted_table = self._table("deletedTable", ["Deleted", "By", "Tags", "Author",
                                                          "Text"])
        self.restore_deleted = QPushButton("Restore", self)
        self.restore_deleted.setObjectName("restoreDeleted")
        self.restore_deleted.clicked.connect(self.restore_selected_deleted)
        page = QWidget(self)
        column = QVBoxLayout(page)
        column.addWidget(self.deleted_table, 1)
        column.addWidget(self.restore_deleted)
        self.tabs.addTab(page, "Deleted in this document")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(820, 420)
        self.tabs.setCurrentIndex(tab)
        ctx.changed.connect(self._on_changes)  # a bound method: dropped with the dialog
        self.reload()

    def _on_changes(self, _changes: object) -> None:
        self.reload()

    def _table(self, name: str, headers: list[str]) -> QTableWidget:
        table = read_only_table(self, name, headers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.horizontalHeader().setSectionResizeMode(
            len(headers) - 2 if name == "historyTable" else len(headers) - 1,
            QHeaderView.ResizeMode.Stretch,
        )
        return table

    def _snippet(self, snapshot: AnnotationSnapshot | None) -> str:
        if snapshot is None:
            return ""
        return " ".join(self.text[snapshot.start : snapshot.end].split())[:80]

    def reload(self) -> None:
        store = self.ctx.store
        self.entries = (
            annotation_history(store, self.annotation_id) if self.annotation_id is not None else []
        )
        if self.annotation_id is None:
            self.heading.setText("Show an annotation in the form, then open its history.")
        else:
            latest = self.entries[-1].after or self.entries[-1].before if self.entries else None
            author = f" by {latest.author}" if latest is not None else ""
            self.heading.setText(
                f"Annotation {self.annotation_id}{author}: “{self._snippet(latest)}”"
                f" — {len(self.entries)} change(s), oldest first"
            )
        self._fill(self.history_table, [
            [local_time_text(e.at), e.actor, e.action, describe(e), e.comment]
            for e in self.entries
        ])
        self.deleted = (
            deleted_annotations(store, self.document_id) if self.document_id is not None else []
        )
        self._fill(self.deleted_table, [
            [local_time_text(e.at), e.actor, _tags(e.before),
             e.before.author if e.before else "", self._snippet(e.before)]
            for e in self.deleted
        ])
        self.restore_deleted.setEnabled(bool(self.deleted))
        self.restore_version.setEnabled(bool(self.entries))

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
        table.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, value in enumerate(cells):
                table.setItem(row, column, QTableWidgetItem(value))
        table.resizeColumnsToContents()

    def _restore(self, words: str, snapshot: AnnotationSnapshot) -> bool:
        store, actor = self.ctx.store, self.ctx.author
        if annotations_by_id(store, {snapshot.id}):
            changes = self.ctx.edit_annotation(
                words, snapshot.id,
                lambda: ops.restore_annotation(store, snapshot, actor=actor),
            )
        else:
            # Not there now: undo deletes it again (the command's "before" is None).
            changes = self.ctx.edit_annotation(
                words, None,
                lambda: dataclasses.replace(
                    ops.restore_annotation(store, snapshot, actor=actor), created_id=snapshot.id
                ),
            )
        return changes is not None

    def restore_selected_version(self) -> bool:
        row = self.history_table.currentRow()
        if not 0 <= row < len(self.entries):
            return False
        entry = self.entries[row]
        snapshot = entry.after or entry.before
        return snapshot is not None and self._restore("Restore earlier version", snapshot)

    def restore_selected_deleted(self) -> bool:
        row = self.deleted_table.currentRow()
        if not 0 <= row < len(self.deleted) or self.deleted[row].before is None:
            return False
        snapshot = self.deleted[row].before
        assert snapshot is not None
        restored = self._restore("Restore deleted annotation", snapshot)
        if restored:
            self.annotation_id = snapshot.id  # show what came back on the first tab
            self.reload()
        return restored
