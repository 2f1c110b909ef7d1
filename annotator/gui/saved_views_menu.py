"""View > Saved Views ▸: the annotations table's saved views of the open database, each opening
the table with its filters, document scope and sort; "Manage…" opens the table's list of them.

Filled when the menu shows, from the settings only (no SQLAlchemy: the main window is built
before it is imported, issue 15); the table window is imported when a view is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from annotator.gui.mainwindow import MainWindow


def add_menu(main: MainWindow, parent: QMenu) -> QMenu:
    """Add the Saved Views submenu to `parent` (the View menu)."""
    menu = parent.addMenu("Saved Vie&ws")
    menu.setObjectName("savedViewsMenu")
    menu.aboutToShow.connect(lambda: fill(main, menu))
    fill(main, menu)
    return menu


def fill(main: MainWindow, menu: QMenu) -> None:
    menu.clear()
    store = main.ctx.store
    names = list(main.ctx.settings.views_in(store.key)) if store is not None else []
    for name in names:
        menu.addAction(name.replace("&", "&&"), lambda n=name: recall(main, n))
    if not names:
        empty = menu.addAction("No saved views (save one in View > Annotations)")
        empty.setEnabled(False)
    menu.addSeparator()
    manage = menu.addAction("&Manage…", lambda: open_manager(main))
    manage.setEnabled(bool(names))


def recall(main: MainWindow, name: str) -> None:
    from annotator.gui.table.window import show_table

    show_table(main).saved_views.recall(name)


def open_manager(main: MainWindow) -> None:
    from annotator.gui.table.window import show_table

    show_table(main).saved_views.manage()
