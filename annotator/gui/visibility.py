"""Which tags and which authors' layers the reader shows, and stepping from annotation to
annotation.

View > Show Tags ▸ and View > Show Layers ▸ (one checkable entry per tag, per author with "Mine"
first) and the legend above the reader (a click, or Space on its picked entry) show or hide a
tag or a layer. A hidden one is not painted in the reader, the overview strip or the review
lanes, and is skipped by next / previous annotation ("." and ",") and by a click. Hiding changes
no data; the choice is kept per database in the settings (only what is hidden is kept, so a tag
or an author new to the database is shown). A tag key always acts on the analyst's own layer:
when that layer or that tag is hidden, it is shown again first and the status bar says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from annotator.gui import deferred
from annotator.gui.context import storage_errors
from annotator.gui.reader.legend import LAYER, TAG

if TYPE_CHECKING:
    from annotator.core.queries import list_authors
    from annotator.gui.mainwindow import MainWindow
else:  # deferred: loads SQLAlchemy, which the window is shown without (issue 15)
    (list_authors,) = deferred.functions("annotator.core.queries", "list_authors")

MINE = "Mine"
# The authors of the database are read in idle time after an open (a scan of every annotation:
# not before the first screen is painted).
AUTHORS_JOB = "legend: authors"


class Visibility(QObject):
    """The window's hidden tags and layers: menus, legend, workspace and settings in step."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = window.workspace
        self.tags_menu = QMenu("Show Ta&gs", window)
        self.tags_menu.setObjectName("showTagsMenu")
        self.layers_menu = QMenu("Show La&yers", window)
        self.layers_menu.setObjectName("showLayersMenu")
        self.tags_menu.aboutToShow.connect(self._fill_tags_menu)
        self.layers_menu.aboutToShow.connect(lambda: self._fill_layers_menu(reload=True))
        self._authors: list[str] = []

    # -- what there is -----------------------------------------------------------------------

    def tags(self) -> list[str]:
        return [tag.name for tag in self.workspace.tags]

    def authors(self) -> list[str]:
        """Every author's layer, the analyst's first (there even before they annotate)."""
        mine = self.window.ctx.author
        return [mine, *(a for a in self._authors if a != mine)]

    def reload(self) -> None:
        """Re-read the authors of the open database; show them with what is hidden."""
        store = self.window.ctx.store
        self._authors = list_authors(store) if store is not None else []
        self._show_state()

    def reload_later(self) -> None:
        """`reload` in idle time, after what an open left for it; shown at once as it is."""
        self._show_state()
        self.window.reader.idle.add(AUTHORS_JOB, self._reload_job())

    def _reload_job(self) -> Iterator[None]:
        yield
        try:
            self.reload()
        except storage_errors():  # the legend keeps the layers it knew; nothing is lost
            self._show_state()

    def layer_labels(self) -> dict[str, str]:
        mine = self.window.ctx.author
        return {a: (MINE if a == mine else a) for a in self.authors()}

    # -- changing it ---------------------------------------------------------------------------

    def set_shown(self, kind: str, name: str, shown: bool) -> None:
        tags, authors = set(self.workspace.hidden_tags), set(self.workspace.hidden_authors)
        hidden = tags if kind == TAG else authors
        if shown:
            hidden.discard(name)
        else:
            hidden.add(name)
        self._apply(tags, authors)

    def toggle(self, kind: str, name: str) -> None:
        hidden = self.workspace.hidden_tags if kind == TAG else self.workspace.hidden_authors
        self.set_shown(kind, name, name in hidden)

    def before_tagging(self, tag: str) -> None:
        """A tag key acts on the analyst's own layer: never on a hidden one, nor with a hidden
        tag. Show what hides the edit, and say so."""
        workspace, mine = self.workspace, self.window.ctx.author
        shown: list[str] = []
        tags, authors = set(workspace.hidden_tags), set(workspace.hidden_authors)
        if mine in authors:
            authors.discard(mine)
            shown.append("your layer")
        if tag in tags:
            tags.discard(tag)
            shown.append(f"the tag {tag}")
        if shown:
            self._apply(tags, authors)
            self.window.statusBar().showMessage(
                f"Shown again: {' and '.join(shown)} (tagging acts on your own layer).", 8000
            )

    def _apply(self, tags: set[str], authors: set[str]) -> None:
        # A tag no longer in the database is forgotten: one made later under that name is shown.
        tags &= set(self.tags())
        self.workspace.set_hidden(tags, authors)
        ctx = self.window.ctx
        if ctx.store is not None:
            ctx.settings.set_hidden_in(ctx.store.key, tags, authors)
            ctx.save_settings()
        self._show_state()

    # -- showing it ------------------------------------------------------------------------

    def _show_state(self) -> None:
        legend = self.window.legend
        legend.set_layers(self.layer_labels())
        legend.set_hidden(self.workspace.hidden_tags, self.workspace.hidden_authors)

    def _fill_tags_menu(self) -> None:
        self._fill(self.tags_menu, TAG, {t: t for t in self.tags()}, self.workspace.hidden_tags)

    def _fill_layers_menu(self, *, reload: bool = False) -> None:
        if reload:
            self.reload()
        self._fill(
            self.layers_menu, LAYER, self.layer_labels(), self.workspace.hidden_authors
        )

    def _fill(self, menu: QMenu, kind: str, labels: dict[str, str], hidden: set[str]) -> None:
        menu.clear()
        for name, label in labels.items():
            action = QAction(label.replace("&", "&&"), menu)
            action.setCheckable(True)
            action.setChecked(name not in hidden)
            action.setData(name)
            action.toggled.connect(
                lambda checked, n=name: self.set_shown(kind, n, checked)
            )
            menu.addAction(action)
        if not labels:
            menu.addAction("(none)").setEnabled(False)
        menu.addSeparator()
        show_all = menu.addAction("Show &All")
        show_all.triggered.connect(lambda: self._show_all(kind))

    def _show_all(self, kind: str) -> None:
        workspace = self.workspace
        if kind == TAG:
            self._apply(set(), set(workspace.hidden_authors))
        else:
            self._apply(set(workspace.hidden_tags), set())


def install(window: MainWindow) -> Visibility:
    """Menus, legend, keys and settings of the hidden tags and layers; next / previous
    annotation."""
    visibility = Visibility(window)
    view_menu = next(
        action.menu() for action in window.menuBar().actions() if action.text() == "&View"
    )
    a = window.actions_by_name
    first = view_menu.actions()[0]  # the menus above Zoom, next / previous with the units
    view_menu.insertMenu(first, visibility.tags_menu)
    view_menu.insertMenu(first, visibility.layers_menu)
    view_menu.insertSeparator(first)
    view_menu.insertActions(a["review_mode"], [a["next_annotation"], a["previous_annotation"]])
    view_menu.insertSeparator(a["review_mode"])
    reader, workspace = window.reader, window.workspace
    a["next_annotation"].triggered.connect(reader.next_annotation)
    a["previous_annotation"].triggered.connect(reader.previous_annotation)
    reader.annotationStepped.connect(workspace.activate_annotation)
    reader.wrapped.connect(lambda message: window.statusBar().showMessage(message, 5000))
    window.legend.toggled.connect(visibility.toggle)
    workspace.showHiddenForEdit.connect(visibility.before_tagging)
    window.annotation_list.hide_with(workspace.is_hidden)  # the list leaves them out too
    workspace.visibilityChanged.connect(window.annotation_list.visibility_changed)
    workspace.documentOpened.connect(lambda _id: visibility.reload_later())
    window.ctx.storeReplaced.connect(visibility.reload_later)
    if window.ctx.store is not None:
        visibility.reload_later()
    else:  # app.launch: no database to read yet (storeReplaced reloads), nothing to queue
        visibility._show_state()  # before the first paint, which idle work would delay
    return visibility
