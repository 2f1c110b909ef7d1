"""Run by tests/gui/test_start.py in a process of its own: a cold start through the real entry.

Starts Annotator the way the `annotator` command does (`annotator.cli.main(["--db", DB])`) and
prints two JSON lines: at the main window's first paint, which heavy modules were already
imported and what the library showed; then, once the database is open, the same again with the
library's documents. Then it quits through File > Quit.

    python tests/gui/start_probe.py DATABASE
"""

from __future__ import annotations

import json
import linecache
import os
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

# Not imported before the main window's first paint (issue 15): what loads SQLAlchemy or the
# exporters, and what has nothing to do until a database is open (gui/when_open.py).
HEAVY = (
    "sqlalchemy", "alembic", "pypdf", "xlsxwriter",
    "annotator.core.folding", "annotator.core.search_index", "annotator.core.sources",
    "annotator.gui.form.sources", "annotator.gui.search_folding", "annotator.gui.sources_window",
    "sqlite3", "datetime", "annotator.core.storage_errors",  # (only a failure needs it)
    "annotator.gui.databases",  # File > New Database, Connect..., Save a Copy: at first use
)

# Qt classes not set up before the first paint: PySide6 builds a class (and every Python enum
# in it) at its first use, and these cost milliseconds that the empty window does not need.
UNBUILT_QT_CLASSES = (
    "QtGui.QTextCharFormat",  # the grey of boilerplate units: with the first such document
)


def built_qt_classes() -> list[str]:
    from PySide6 import QtGui

    modules = {"QtGui": QtGui}
    return [
        name for name in UNBUILT_QT_CLASSES
        if name.partition(".")[2] in vars(modules[name.partition(".")[0]])
    ]


def state(window: QWidget) -> dict[str, object]:
    library = window.library  # type: ignore[attr-defined]
    return {
        "loaded": [name for name in HEAVY if name in sys.modules],
        "qt_classes": built_qt_classes(),
        "ready": window.database_ready(),  # type: ignore[attr-defined]
        "opening_shown": library.opening_label.isVisible(),
        "opening_text": library.opening_label.text(),
        "documents": len(library.model.document_ids()),
        "import_enabled": window.actions_by_name["import"].isEnabled(),  # type: ignore[attr-defined]
        "title": window.windowTitle(),
        "installed": {  # gui/when_open.py: once a database is open
            name: getattr(window, name) is not None for name in ("search_folding", "sources")
        },
        # Idle work queued before the first frame would run inside it (issue 15).
        "idle_pending": window.reader.idle.pending(),  # type: ignore[attr-defined]
        # PySide6's import hook read each module's source through linecache, which kept it
        # (all but the package's own __init__, which installs the quicker check).
        "sources_kept": sorted(
            name for name in linecache.cache
            if f"{os.sep}annotator{os.sep}" in name
            and not name.endswith(f"{os.sep}annotator{os.sep}__init__.py")
        ),
    }


class FirstPaint(QObject):
    window: QWidget | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            self.window is None and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget) and watched.window().objectName() == "MainWindow"
        ):
            self.window = watched.window()
            print(json.dumps(state(self.window)), flush=True)
            QTimer.singleShot(0, self.wait_until_ready)
        return False

    def wait_until_ready(self) -> None:
        assert self.window is not None
        if not self.window.database_ready():  # type: ignore[attr-defined]
            QTimer.singleShot(10, self.wait_until_ready)
            return
        print(json.dumps(state(self.window)), flush=True)
        self.window.actions_by_name["quit"].trigger()  # type: ignore[attr-defined]


def main(db: Path) -> int:
    app = QApplication(sys.argv[:1])
    probe = FirstPaint()
    app.installEventFilter(probe)
    from annotator.cli import main as annotator  # imported here: the start is what is probed

    return annotator(["--db", str(db)])


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
