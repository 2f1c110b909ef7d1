"""The main window: library | reader | form, menus, toolbar and status bar.

Layout and wiring only; the annotation logic lives in `workspace.py`, actions in `actions.py`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTime, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import AnnotatorError
from annotator.gui import banners, deferred, geometry, keyfocus, menus, theme, visibility, when_open
from annotator.gui.actions import build_actions, swap_actions, tag_action
from annotator.gui.context import AppContext, storage_errors
from annotator.gui.elided import ElidedLabel
from annotator.gui.form.annotation_list import AnnotationList
from annotator.gui.form.panel import AnnotationForm
from annotator.gui.library.panel import LibraryPanel
from annotator.gui.reader.find import FindBar
from annotator.gui.reader.legend import TagLegend
from annotator.gui.reader.overview import OverviewStrip
from annotator.gui.reader.view import ReaderView
from annotator.gui.review.filters import FilterBar
from annotator.gui.review.mode import ReviewMode
from annotator.gui.theme_colours import ThemeColours
from annotator.gui.watching import ExternalChanges, external_notice, reload_in_place
from annotator.gui.workspace import Workspace

if TYPE_CHECKING:
    from annotator.core.facts import Changes
    from annotator.gui import databases, dialogs, documents, search_panel
    from annotator.gui.opening import DatabaseOpening
    from annotator.gui.preferences import PreferencesDialog
    from annotator.gui.table import window as table_window
else:  # deferred: what only a menu or a failure needs is imported at its first use (issue 15)
    databases = deferred.module("annotator.gui.databases")
    table_window = deferred.module("annotator.gui.table.window")  # View > Annotations
    dialogs = deferred.module("annotator.gui.dialogs")
    documents = deferred.module("annotator.gui.documents")
    search_panel = deferred.module("annotator.gui.search_panel")  # Find in All Documents

# Actions that act on the open document (tag actions too): off while none is open.
# (Delete Annotation is on only while there is an annotation to delete: keyfocus.py.)
DOCUMENT_ACTIONS = (
    "document_properties", "remove_document", "set_span", "find", "find_next", "find_previous",
    "next_unit", "previous_unit", "next_untagged", "next_annotation", "previous_annotation",
)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        theme.apply_theme(ctx.settings.theme)  # before any widget, this one too, is built
        super().__init__()
        self.ctx = ctx
        ctx.setParent(self)  # the context (and its undo stack) lives as long as the window
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.opening: DatabaseOpening | None = None  # app.launch: the database opens after
        self.actions_by_name = build_actions(self)
        self._build_widgets()
        self.workspace = Workspace(ctx, self.reader, self.form, self.annotation_list)
        self.tag_actions: dict[str, QAction] = {}
        self.build_tag_actions()
        menus.build_menus(self)
        menus.build_toolbar(self)
        self._build_status_bar()
        self.external = ExternalChanges(ctx.store, self._reload_external, self)
        self._connect()
        self.search_folding = when_open.search_folding_part(self)  # a merge's backlog, idle
        keyfocus.install(self)
        self.visibility = visibility.install(self)  # View > Show Tags / Layers, the legend
        self.sources = when_open.sources_part(self)  # claim sources: completion, View > Sources
        self.review = ReviewMode(self)
        geometry.lay_out_first_window(self)  # unless a saved geometry replaces it
        geometry.restore_window(self)
        self.refresh_title()
        if ctx.store is not None:  # None: app.launch opens it after the first paint
            self.library.reload(ctx.store)
            self.restore_last_document()

    def database_ready(self) -> bool:
        """True once the store is open and the library filled."""
        return self.ctx.store is not None and (self.opening is None or self.opening.done)

    # -- construction ----------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.library = LibraryPanel(self)
        self.reader = ReaderView(self)
        self.overview = OverviewStrip(self)
        self.overview.attach(self.reader)
        self.legend = TagLegend(self)
        self.filter_bar = FilterBar(lambda: self.ctx.store, self)
        self.find_bar = FindBar(lambda: (self.workspace.text, self.workspace.selection), self)
        self.form = AnnotationForm(self)
        self.annotation_list = AnnotationList(self)

        centre = QWidget(self)
        reader_row = QHBoxLayout()
        reader_row.setContentsMargins(0, 0, 0, 0)
        reader_row.setSpacing(0)
        reader_row.addWidget(self.reader, 1)
        reader_row.addWidget(self.overview)
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(2)
        self.read_only_banner = banners.read_only_banner(self)
        centre_layout.addWidget(self.read_only_banner)
        centre_layout.addWidget(self.legend)
        centre_layout.addWidget(self.filter_bar)
        centre_layout.addLayout(reader_row, 1)
        centre_layout.addWidget(self.find_bar)

        self.right = QSplitter(Qt.Orientation.Vertical, self)
        self.right.setObjectName("rightSplitter")
        self.right.addWidget(self.form)
        self.right.addWidget(self.annotation_list)
        self.right.setStretchFactor(0, 3)
        self.right.setStretchFactor(1, 2)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("splitter")
        self.splitter.addWidget(self.library)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.reader.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def build_tag_actions(self) -> None:
        old = list(self.tag_actions.values())
        for action in old:
            self.removeAction(action)
        self.tag_actions = {}
        colours = {}
        looks = theme.tag_looks({t.name: t.colour for t in self.workspace.tags}, self.palette())
        for tag in self.workspace.tags:
            action = tag_action(self, tag.name, tag.shortcut, looks[tag.name].line.name())
            action.triggered.connect(lambda _c=False, n=tag.name: self.workspace.toggle_tag(n))
            self.tag_actions[tag.name] = action
            colours[tag.name] = tag.colour
        swap_actions(old, list(self.tag_actions.values()))  # in the Edit menu and toolbar
        self.legend.set_tag_styles({name: QColor(c) for name, c in colours.items()})
        self._enable_document_actions()

    def _enable_document_actions(self) -> None:
        """What acts on the open document is off while none is open."""
        is_open = self.workspace.document_id is not None
        for action in self.tag_actions.values():
            action.setEnabled(is_open)
        for name in DOCUMENT_ACTIONS:
            self.actions_by_name[name].setEnabled(is_open)

    def _build_status_bar(self) -> None:
        self.db_label = ElidedLabel(self)  # a long path must not widen the window
        self.author_label = QLabel(self)
        self.saved_label = QLabel(self)
        self.saved_label.setObjectName("savedLabel")
        status = self.statusBar()
        status.addWidget(self.db_label, 1)
        status.addPermanentWidget(self.author_label)
        self.pending_button = QToolButton(self)
        self.pending_button.setObjectName("pendingButton")
        theme.use(self.pending_button, "alarm")
        self.pending_button.hide()
        status.addPermanentWidget(self.pending_button)
        status.addPermanentWidget(self.saved_label)
        self.retry_timer = QTimer(self)
        self.retry_timer.setInterval(5000)
        self.refresh_status()

    def _connect(self) -> None:
        a = self.actions_by_name
        ctx = self.ctx
        # New Database, Connect to Team Database, Sync, Save a Copy: databases.py (and its
        # dialogs) loads at the first of them, not with the window (issue 15).
        a["new_database"].triggered.connect(lambda: databases.new_database(self))
        a["connect_team"].triggered.connect(lambda: databases.connect_team_database(self))
        a["sync_team"].triggered.connect(lambda: databases.sync_dialog(self))
        a["save_copy"].triggered.connect(lambda: databases.save_copy(self))
        a["open_database"].triggered.connect(lambda: self.open_database())
        a["import"].triggered.connect(lambda: documents.import_dialog(self))
        a["export"].triggered.connect(self.export_dialog)
        a["preferences"].triggered.connect(self.edit_preferences)
        a["quit"].triggered.connect(self.close)
        a["undo"].triggered.connect(ctx.undo_stack.undo)
        a["redo"].triggered.connect(ctx.undo_stack.redo)
        ctx.undo_stack.canUndoChanged.connect(a["undo"].setEnabled)
        ctx.undo_stack.canRedoChanged.connect(a["redo"].setEnabled)
        ctx.undo_stack.undoTextChanged.connect(self._on_undo_text)
        ctx.undo_stack.redoTextChanged.connect(self._on_redo_text)
        a["undo"].setEnabled(False)
        a["redo"].setEnabled(False)
        self._enable_document_actions()
        self.workspace.documentOpened.connect(lambda _id: self._enable_document_actions())
        self.workspace.documentClosed.connect(self._enable_document_actions)
        a["delete"].triggered.connect(lambda: self.workspace.delete_annotation())
        a["set_span"].triggered.connect(self.workspace.move_to_selection)
        a["document_properties"].triggered.connect(
            lambda: documents.edit_document_properties(self)
        )
        a["remove_document"].triggered.connect(lambda: documents.remove_document(self))
        self.library.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.library.table.addActions([a["document_properties"], a["remove_document"]])
        self.library.removeRequested.connect(a["remove_document"].trigger)
        a["find"].triggered.connect(self.find_bar.open)
        a["find_all"].triggered.connect(lambda: search_panel.show_panel(self))
        a["find_next"].triggered.connect(lambda: self.find_bar.step(forward=True))
        a["find_previous"].triggered.connect(lambda: self.find_bar.step(forward=False))
        self.find_bar.matched.connect(self.reader.select_span)
        self.find_bar.closed.connect(self.reader.setFocus)
        self.workspace.documentOpened.connect(self.find_bar.refresh)
        a["zoom_in"].triggered.connect(self.reader.zoom_in)
        a["zoom_out"].triggered.connect(self.reader.zoom_out)
        a["zoom_reset"].triggered.connect(self.reader.reset_zoom)
        a["next_unit"].triggered.connect(self.reader.next_unit)
        a["previous_unit"].triggered.connect(self.reader.previous_unit)
        a["next_untagged"].triggered.connect(self.reader.next_untagged_unit)
        self.reader.allTagged.connect(
            lambda: self.statusBar().showMessage("Every unit of this briefing is tagged.", 5000)
        )
        a["show_library"].setChecked(True)
        a["show_form"].setChecked(True)
        a["show_library"].toggled.connect(self.library.setVisible)
        a["show_form"].toggled.connect(self.right.setVisible)
        a["shortcuts"].triggered.connect(
            lambda: dialogs.show_shortcuts(self, self.actions_by_name, self.tag_actions)
        )
        a["about"].triggered.connect(lambda: dialogs.show_about(self, ctx.store.location))
        a["annotations_table"].triggered.connect(lambda: table_window.show_table(self))
        self.library.documentActivated.connect(self.open_document)
        self.workspace.progressChanged.connect(self.library.model.update_progress)
        self.reader.customContextMenuRequested.connect(self._reader_menu)
        ctx.saved.connect(self._on_saved)
        ctx.saved.connect(self.external.remember_own_write)
        ctx.pendingChanged.connect(self._on_pending)
        self.pending_button.clicked.connect(ctx.retry_pending)
        self.retry_timer.timeout.connect(ctx.retry_pending)
        ctx.failed.connect(self.show_failure)
        self.workspace.notice.connect(lambda message: self.statusBar().showMessage(message, 8000))
        ctx.troubled.connect(lambda message: self.show_failure(message, unsaved=False))
        ctx.changed.connect(self._on_changes)
        ctx.storeReplaced.connect(self._on_store_replaced)
        ctx.documentRestored.connect(self.open_document)

    # The Edit menu and the tooltips say what Undo and Redo would do; the toolbar buttons keep
    # their short names (iconText), so the toolbar neither jumps nor lays itself out again at
    # every change.
    def _on_undo_text(self, text: str) -> None:
        self._describe(self.actions_by_name["undo"], "Undo", text)

    def _on_redo_text(self, text: str) -> None:
        self._describe(self.actions_by_name["redo"], "Redo", text)

    @staticmethod
    def _describe(action: QAction, verb: str, text: str) -> None:
        action.setIconText(verb)
        action.setText(f"&{verb} {text}".strip())
        action.setToolTip(f"{verb} {text}".strip())

    # -- changes made by other processes ---------------------------------------------------

    def own_batch(self) -> AbstractContextManager[None]:
        """Writes of the window's own background import or merge: not another window's."""
        return self.external.own_batch()

    @property
    def watch_timer(self) -> QTimer:
        return self.external.timer

    def check_external_changes(self) -> bool:
        """Reload what another process changed; True when something was reloaded."""
        return self.external.check()

    def _reload_external(self) -> None:
        reload_in_place(self)
        table_window.refresh_shown(self)
        self.statusBar().showMessage(external_notice(self.ctx.store), 5000)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.check_external_changes()
        elif event.type() == QEvent.Type.PaletteChange:  # View > Theme, or the desktop's own
            theme.refresh_soon(self)
        super().changeEvent(event)

    def set_theme(self, choice: str) -> None:
        """View > Theme: apply `choice` ("system", "light", "dark") now and keep it."""
        self.ctx.settings.theme = choice
        self.ctx.save_settings()
        theme.apply_theme(choice)
        theme.refresh_soon(self)

    def apply_theme(self, _colours: ThemeColours) -> None:
        """The tag actions' swatches in the theme's colours (theme.refresh calls this)."""
        looks = theme.tag_looks({t.name: t.colour for t in self.workspace.tags}, self.palette())
        for name, action in self.tag_actions.items():
            if name in looks:
                action.setIcon(theme.swatch_icon(looks[name].line))

    # -- documents and databases -----------------------------------------------------------

    def open_document(self, document_id: int) -> None:
        # A long briefing takes a moment to lay out: say so with the pointer.
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.workspace.open_document(document_id)
        except AnnotatorError as exc:
            self.show_failure(str(exc), unsaved=False)
            return
        except storage_errors() as exc:  # e.g. another program holds the database locked
            from annotator.core.storage_errors import describe_storage_error

            self.show_failure(describe_storage_error(exc, "The document was not opened"),
                              unsaved=False)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.library.select_document(document_id)
        self.ctx.settings.last_documents[self.ctx.store.key] = document_id
        self.refresh_title()

    def restore_last_document(self) -> None:
        # The keys J/K/N and 1/2/3 act from the start (not typed into the library filter).
        self.reader.setFocus()
        ids = self.library.model.document_ids()
        if not ids:
            return
        last = self.ctx.settings.last_documents.get(self.ctx.store.key)
        self.open_document(last if last in ids else ids[0])

    def import_paths(self, paths: list[Path]) -> list[int]:
        """Import files (briefings or annotation files) with progress; the new document ids.
        While the window's database opens, they wait for it (and none is returned)."""
        if self.opening is not None and not self.database_ready():
            self.opening.when_open(lambda: self.import_paths(paths))
            return []
        return documents.import_paths(self, paths)

    def export_dialog(self) -> None:
        from annotator.gui.export_dialog import ExportDialog

        dialog = ExportDialog(
            self, self.ctx.store, self.workspace.document_id, self.ctx.settings,
            self.ctx.save_settings,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_database(self, path: Path | None = None, *, create: bool = False) -> bool:
        """Open the database at `path` (chosen in a file dialog when None) in this window."""
        return databases.open_database(self, path, create=create)

    def apply_merged(self, changes: Changes) -> None:
        """Show what a merge (or an imported annotation file) brought in, new tags included."""
        if changes.tags:
            self.workspace.reload_tags()
            self.build_tag_actions()
        self.ctx.apply(changes)

    def replace_if_removed(self, open_id: int | None, row: int | None) -> bool:
        """True when the document that was open (at `row` of the library) is no longer in the
        library; unless the table already moved on to another one (and opened it), open the
        document now at its place."""
        if open_id is None or self.library.model.row_of(open_id) is not None:
            return False
        if self.workspace.document_id == open_id:
            self._open_near(row)
        return True

    def _open_near(self, row: int | None) -> None:
        """The open document is gone: open the one now at its place in the library, if any."""
        self.workspace.close_document()
        replacement = self.library.document_at(row or 0)
        if replacement is None:
            replacement = self.library.document_at(self.library.proxy.rowCount() - 1)
        if replacement is not None:
            self.open_document(replacement)
        self.refresh_title()

    def _on_store_replaced(self) -> None:
        self.external.watch(self.ctx.store)
        self.workspace.close_document()
        self.workspace.reload_tags()
        self.build_tag_actions()
        self.library.reload(self.ctx.store)
        self.refresh_title()
        self.refresh_status()
        self.restore_last_document()

    def edit_preferences(self) -> None:
        from annotator.gui.preferences import PreferencesDialog
        dialog = PreferencesDialog(self, self.ctx.settings, self.ctx.store.path)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._apply_preferences(dialog))
        dialog.open()

    def _apply_preferences(self, dialog: PreferencesDialog) -> None:
        if dialog.apply(self.ctx.settings):
            self.ctx.save_settings()
            self.refresh_status()

    # -- status ----------------------------------------------------------------------------

    def refresh_title(self) -> None:
        # "Briefing — database.sqlite3": Qt appends " — Annotator" (the application's display
        # name) itself, so the title must not name it.
        if self.ctx.store is None:  # still opening: opening.py says so
            return
        parts = [self.ctx.store.name]  # the file's name, or user@host/db
        document_id = self.workspace.document_id
        row = None if document_id is None else self.library.model.row_of(document_id)
        if row is not None:
            parts.insert(0, str(self.library.model.index(row, 0).data()))
        self.setWindowTitle(" — ".join(parts))

    def refresh_status(self) -> None:
        if self.ctx.store is None:  # still opening: opening.py says so
            return
        read_only = self.ctx.store.read_only
        self.db_label.setText(self.ctx.store.label + (" (read-only)" if read_only else ""))
        self.db_label.setToolTip("The open database")
        self.read_only_banner.setVisible(read_only)
        self.author_label.setText(f"Analyst: {self.ctx.author}")

    def _on_saved(self) -> None:
        self.saved_label.setText(f"Saved {QTime.currentTime().toString('HH:mm:ss')}")
        theme.use(self.saved_label, "saved")

    def _on_pending(self, count: int) -> None:
        """Edits that could not be written stay listed here and are retried every 5 s."""
        if count:
            self.pending_button.setText(self.ctx.pending_label())
            self.pending_button.setToolTip(
                "\n".join(f"{e.text}: {e.error}" for e in self.ctx.pending)
            )
            self.pending_button.show()
            self.saved_label.setText("Not saved")
            theme.use(self.saved_label, "alarm")
            self.retry_timer.start()
        else:
            self.pending_button.hide()
            self.retry_timer.stop()

    def show_failure(self, message: str, *, unsaved: bool = True) -> None:
        """Show what went wrong; `unsaved` (a change that was not written) also marks the
        status bar "Not saved" until the next save. On a read-only database the banner says
        why nothing is saved: a box at every key would only nag."""
        if self.ctx.store.read_only:
            self.statusBar().showMessage(message, 8000)
            return
        if unsaved:
            self.saved_label.setText("Not saved")
            theme.use(self.saved_label, "alarm")
        self.statusBar().showMessage(message, 8000)
        QTimer.singleShot(0, lambda: dialogs.show_error(self, message))

    def _on_changes(self, changes: object) -> None:
        from annotator.core.facts import Changes  # imported by then: an edit was saved

        if not isinstance(changes, Changes) or not changes.documents:
            return
        # The open document's progress comes from the workspace (progressChanged), no query.
        others = set(changes.documents) - {self.workspace.document_id}
        if changes.library or others:
            open_id = self.workspace.document_id
            row = self.library.view_row(open_id)
            self.library.refresh_documents(
                self.ctx.store, others | (set(changes.documents) if changes.library else set())
            )
            self.replace_if_removed(open_id, row)  # removed, or removed again by redo

    def _reader_menu(self, position: object) -> None:
        menu = QMenu(self)
        menu.addActions(list(self.tag_actions.values()))
        menu.addAction(self.actions_by_name["delete"])
        menu.addAction(self.actions_by_name["set_span"])
        menu.addSeparator()
        menu.addAction(self.actions_by_name["find"])
        menu.exec(self.reader.viewport().mapToGlobal(position))  # type: ignore[arg-type]

    # -- drag and drop, geometry -----------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        # Import once the drop is over: the import shows a window-modal progress dialog.
        QTimer.singleShot(0, lambda: self.import_paths(paths))

    def save_geometry(self) -> None:
        geometry.save_window(self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.ctx.pending and self.ctx.retry_pending():
            from PySide6.QtWidgets import QMessageBox  # (its Python type: made at first use)
            answer = QMessageBox.warning(
                self, "Unsaved changes",
                f"{len(self.ctx.pending)} change(s) could not be written to the database "
                f"({self.ctx.pending[0].error}). Quit anyway and lose them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        self.external.close()
        self.save_geometry()
        self.ctx.save_settings()
        super().closeEvent(event)
