"""The window's parts that have nothing to do without a database, installed once one is open.

Folding the search indexes' backlog (`search_folding.py`) and the claim sources (completion and
suggested grades in the claim form, View > Sources: `sources_window.py`, `form/sources.py`)
need a database. `app.launch` shows the window before it opens one (issue 15), so their modules,
with `core.sources`, `core.search_index` and `core.folding`, are not imported for the first
paint: each part is installed when the window's first database is open (`storeReplaced`; its
modules are then imported already, with the store), or at once when the window is built with
one. Installed from the place in the window's wiring where it always was, each reacts to the
first database after the window has filled itself with it, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from annotator.gui import deferred

if TYPE_CHECKING:
    from annotator.gui import search_folding, sources_window
    from annotator.gui.form.sources import SourceBook
    from annotator.gui.mainwindow import MainWindow
    from annotator.gui.search_folding import SearchFolding
else:  # deferred: imported when the first database is open
    search_folding = deferred.module("annotator.gui.search_folding")
    sources_window = deferred.module("annotator.gui.sources_window")

Part = TypeVar("Part")


def install(main: MainWindow, attribute: str, part: Callable[[MainWindow], Part]) -> Part | None:
    """`part(main)` now if `main` has a database; else None, and `main.<attribute>` is set to
    `part(main)` once, when its first database is open."""
    if main.ctx.store is not None:
        return part(main)

    def first() -> None:
        main.ctx.storeReplaced.disconnect(first)
        setattr(main, attribute, part(main))

    main.ctx.storeReplaced.connect(first)
    return None


def search_folding_part(main: MainWindow) -> SearchFolding | None:
    """A merge's backlog folded in idle time (`main.search_folding`); None until a database
    is open."""
    # (through a lambda: reading `search_folding.install` now would import the module now)
    return install(main, "search_folding", lambda m: search_folding.install(m))


def sources_part(main: MainWindow) -> SourceBook | None:
    """Claim sources: the form's completion and grades, View > Sources (`main.sources`); None
    until a database is open."""
    return install(main, "sources", lambda m: sources_window.install(m))
