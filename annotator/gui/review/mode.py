"""Review mode wired into the main window: the panel, its actions, filters and dialogs.

The main window builds the actions (actions.py), puts them in its menus and creates the filter
bar; everything they do for review lives here, so that mainwindow.py stays layout and wiring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QWidget

from annotator.core.review_terms import STATUSES
from annotator.gui import deferred
from annotator.gui.review.filters import LibraryRowFilter

if TYPE_CHECKING:
    from annotator.core.review import set_review_status
    from annotator.gui.mainwindow import MainWindow
    from annotator.gui.review.agreement_dialog import AgreementDialog
    from annotator.gui.review.history import HistoryDialog
    from annotator.gui.review.legend import ReviewLegend
    from annotator.gui.review.merge import merge_dialog
    from annotator.gui.review.panel import ReviewPanel
else:  # deferred: these load SQLAlchemy (issue 15: the window is shown without it)
    (set_review_status,) = deferred.functions("annotator.core.review", "set_review_status")
    (merge_dialog,) = deferred.functions("annotator.gui.review.merge", "merge_dialog")

REVIEW_ACTIONS = (
    "next_disagreement", "previous_disagreement", "accept_author_1", "accept_author_2",
    "accept_author_3", "accept_author_4", "accept_union", "reject_all", "edit_adjudication",
    "accept_agreed",
)


class ReviewMode(QObject):
    """Owns the review panel and connects the review actions of the window.

    The panel and its legend are hidden until review mode is first used, and only built then
    (issue 15: the window's first paint does not wait for them). Meanwhile an empty widget
    holds the panel's place at the top of the right-hand splitter, so that the splitter's
    saved sizes mean the same widgets before and after.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self.workspace = window.workspace
        self._panel: ReviewPanel | None = None
        self._legend: ReviewLegend | None = None
        self._place = QWidget(window)
        self._place.setObjectName("reviewPanelPlace")
        self._place.hide()
        window.right.insertWidget(0, self._place)
        self.library_filter = LibraryRowFilter(window.library.table)
        self.dialog: QDialog | None = None
        self._sizes: list[int] = []
        self._connect()
        self._enable(False)

    @property
    def panel(self) -> ReviewPanel:
        """The review panel, built at its first use."""
        if self._panel is None:
            self._build_panel()
            assert self._panel is not None
        return self._panel

    @property
    def legend(self) -> ReviewLegend:
        """The lanes' legend above the reader, built with the panel."""
        if self._legend is None:
            self._build_panel()
            assert self._legend is not None
        return self._legend

    def _build_panel(self) -> None:
        from annotator.gui.review.legend import ReviewLegend
        from annotator.gui.review.panel import ReviewPanel

        window = self.window
        panel = ReviewPanel(self.ctx, self.workspace, window)
        panel.hide()
        window.right.replaceWidget(window.right.indexOf(self._place), panel)
        self._place.deleteLater()
        legend = ReviewLegend(window)
        legend.hide()
        centre = window.filter_bar.parentWidget().layout()
        centre.insertWidget(centre.indexOf(window.filter_bar) + 1, legend)
        panel.lanesChanged.connect(legend.set_authors)
        panel.message.connect(lambda text: window.statusBar().showMessage(text, 6000))
        self._panel, self._legend = panel, legend

    def _connect(self) -> None:
        a = self.window.actions_by_name
        a["review_mode"].toggled.connect(self.set_active)
        # These actions are on only in review mode, when the panel has been built.
        a["next_disagreement"].triggered.connect(lambda: self.panel.next_disagreement())
        a["previous_disagreement"].triggered.connect(lambda: self.panel.previous_disagreement())
        for lane in range(1, 5):
            a[f"accept_author_{lane}"].triggered.connect(
                lambda _c=False, n=lane: self.panel.accept_lane(n)
            )
        a["accept_union"].triggered.connect(lambda: self.panel.decide("union"))
        a["reject_all"].triggered.connect(lambda: self.panel.decide("reject_all"))
        a["edit_adjudication"].triggered.connect(lambda: self.panel.decide("edit"))
        a["accept_agreed"].triggered.connect(lambda: self.panel.accept_agreed())
        a["merge_colleague"].triggered.connect(lambda: merge_dialog(self.window))
        a["agreement"].triggered.connect(self.show_agreement)
        a["history"].triggered.connect(lambda: self._show_history_tab(deleted=False))
        a["deleted"].triggered.connect(lambda: self._show_history_tab(deleted=True))
        for status in STATUSES:
            a[f"status_{status}"].triggered.connect(
                lambda _c=False, s=status: self.set_status(s)
            )
        self.window.filter_bar.changed.connect(self.apply_filter)
        self.ctx.changed.connect(self._on_changes)
        self.ctx.storeReplaced.connect(lambda: self.window.filter_bar.set_value(None, None))

    def _enable(self, active: bool) -> None:
        for name in REVIEW_ACTIONS:
            self.window.actions_by_name[name].setEnabled(active)

    # -- review mode -----------------------------------------------------------------------

    def set_active(self, active: bool) -> None:
        """Swap the right panel: review panel above the form (for editing adjudications)
        instead of the annotation list; lanes in the reader."""
        window = self.window
        if active and not window.right.isVisible():
            window.actions_by_name["show_form"].setChecked(True)
        self.panel.setVisible(active)
        self.legend.setVisible(active)
        window.annotation_list.setVisible(not active)
        if active:
            self._sizes = window.right.sizes()
            total = max(600, sum(self._sizes))
            window.right.setSizes([total * 3 // 5, total * 2 // 5, 0])
        elif self._sizes:
            window.right.setSizes(self._sizes)
        self._enable(active)
        self.panel.set_active(active)
        window.statusBar().showMessage(
            "Review mode: ] / [ (F6 / Shift+F6) step through disagreements; Alt+1…4 accept a "
            "lane, Ctrl+Shift+U union, Ctrl+Shift+X reject all" if active else "", 8000
        )

    @property
    def active(self) -> bool:
        return self._panel is not None and self._panel.active

    # -- filters -----------------------------------------------------------------------------

    def apply_filter(self, status: str | None, author: str | None) -> None:
        self.workspace.set_reader_filter(status, author)
        self.library_filter.set_filter(self.ctx.store, status, author)

    def _on_changes(self, changes: object) -> None:
        from annotator.core.facts import Changes  # imported by then: an edit was saved

        if isinstance(changes, Changes) and changes.annotations:
            self.library_filter.refresh(self.ctx.store, *self.window.filter_bar.value())

    # -- status, dialogs ---------------------------------------------------------------------

    def _target(self) -> int | None:
        workspace = self.workspace
        for candidate in (workspace.current_id, workspace.last_annotation_id):
            if candidate is not None and candidate in workspace.annotations:
                return candidate
        return None

    def set_status(self, status: str) -> bool:
        """Set the review status of the annotation shown in the form (undoable)."""
        target = self._target()
        if target is None:
            self.workspace.notice.emit("Show an annotation in the form first, then set its status.")
            return False
        store, reviewer = self.ctx.store, self.ctx.author
        comment = self.panel.comment.text().strip() if self.active else ""
        changes = self.ctx.edit_annotation(
            f"Mark {status}", target,
            lambda: set_review_status(store, target, status, reviewer, comment),
        )
        if changes is not None and self.active:
            self.panel.comment.clear()
        return changes is not None

    def show_agreement(self) -> AgreementDialog:
        authors = self.panel.chosen if self.active and len(self.panel.chosen) >= 2 else []
        # Deferred: the statistics modules load only when the dialog is first opened.
        from annotator.gui.review.agreement_dialog import AgreementDialog

        dialog = AgreementDialog(self.ctx.store, self.workspace.document_id, authors, self.window)
        self._open(dialog)
        return dialog

    def _show_history_tab(self, *, deleted: bool) -> None:
        from annotator.gui.review.history import DELETED_TAB, HISTORY_TAB

        self.show_history(DELETED_TAB if deleted else HISTORY_TAB)

    def show_history(self, tab: int) -> HistoryDialog:
        # Deferred: the dialog (and the history's types) load at its first opening (issue 15).
        from annotator.gui.review.history import HistoryDialog

        workspace = self.workspace
        dialog = HistoryDialog(
            self.ctx, workspace.document_id, workspace.text, self._target(), tab, self.window
        )
        self._open(dialog)
        return dialog

    def _open(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.setModal(False)  # a panel to keep open while working: undo, select, restore
        dialog.show()
        dialog.raise_()
