"""The main window's menu bar and toolbar (built once, with the window)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar

from annotator.core.review_terms import STATUSES
from annotator.gui import deferred, saved_views_menu, theme

if TYPE_CHECKING:
    from annotator.gui import databases
    from annotator.gui.mainwindow import MainWindow
else:  # File > Open Recent's module loads when the menu is first shown
    databases = deferred.module("annotator.gui.databases")


def build_menus(self: MainWindow) -> None:
    """The menu bar: File, Edit, View, Help."""
    a = self.actions_by_name
    bar = self.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a["new_database"], a["open_database"], a["connect_team"]])
    self.recent_menu = file_menu.addMenu("Open &Recent")
    self.recent_menu.aboutToShow.connect(lambda: databases.fill_recent_menu(self))
    file_menu.addSeparator()
    file_menu.addAction(a["import"])
    file_menu.addAction(a["merge_colleague"])
    file_menu.addAction(a["sync_team"])
    file_menu.addAction(a["export"])
    file_menu.addAction(a["save_copy"])
    file_menu.addAction(a["document_properties"])
    file_menu.addAction(a["remove_document"])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([a["undo"], a["redo"]])
    edit_menu.addSeparator()
    edit_menu.addActions(list(self.tag_actions.values()))
    edit_menu.addAction(a["delete"])
    edit_menu.addAction(a["set_span"])
    edit_menu.addSeparator()
    edit_menu.addActions([a["history"], a["deleted"]])
    status_menu = edit_menu.addMenu("Review &Status")
    status_menu.addActions([a[f"status_{s}"] for s in STATUSES])
    edit_menu.addSeparator()
    edit_menu.addActions([a["find"], a["find_next"], a["find_previous"], a["find_all"]])
    edit_menu.addSeparator()
    edit_menu.addAction(a["preferences"])

    view_menu = bar.addMenu("&View")
    view_menu.addActions([a["zoom_in"], a["zoom_out"], a["zoom_reset"]])
    view_menu.addSeparator()
    view_menu.addActions([a["next_unit"], a["previous_unit"], a["next_untagged"]])
    view_menu.addSeparator()
    view_menu.addAction(a["review_mode"])
    review_menu = view_menu.addMenu("Ad&judicate")
    review_menu.addActions([a["next_disagreement"], a["previous_disagreement"]])
    review_menu.addSeparator()
    review_menu.addActions([a[f"accept_author_{lane}"] for lane in range(1, 5)])
    review_menu.addActions([a["accept_union"], a["reject_all"], a["edit_adjudication"],
                            a["accept_agreed"]])
    view_menu.addActions([a["agreement"], a["annotations_table"], a["sources"]])
    saved_views_menu.add_menu(self, view_menu)  # View > Saved Views ▸
    view_menu.addSeparator()
    self.theme_choices = theme.add_theme_menu(
        view_menu, self.ctx.settings.theme, self.set_theme, self
    )
    view_menu.addSeparator()
    view_menu.addActions([a["show_library"], a["show_form"]])

    bar.addMenu("&Help").addActions([a["shortcuts"], a["about"]])

def build_toolbar(self: MainWindow) -> None:
    """The main toolbar."""
    a = self.actions_by_name
    toolbar = QToolBar("Main", self)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addAction(a["import"])
    toolbar.addSeparator()
    toolbar.addActions([a["undo"], a["redo"]])
    toolbar.addSeparator()
    toolbar.addActions(list(self.tag_actions.values()))
    toolbar.addAction(a["delete"])
    toolbar.addSeparator()
    toolbar.addAction(a["next_untagged"])
    self.addToolBar(toolbar)
