"""Run by tests/gui/test_screens.py in a process of its own, on a screen of a given size.

The offscreen platform's screen is set when Qt starts (QT_QPA_PLATFORM=offscreen:configfile=),
so each screen size needs a process. This one opens the sample briefing in the real window,
tags a claim the way an analyst does (a key in the reader), and prints what the test checks
as JSON: the screen, the window's frame, the title and whether the form had to scroll.

    python tests/gui/first_window_probe.py DATABASE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from annotator.core.importing import import_file  # noqa: E402
from annotator.core.settings import Settings  # noqa: E402
from annotator.core.store import open_store  # noqa: E402
from annotator.gui.app import application, build_window  # noqa: E402

CLAIM_UNIT = "The Ministry of Transport said"


def main(db: Path) -> int:
    app = application()
    with open_store(db) as store:
        import_file(store, REPO / "resources" / "sample-briefing.txt")
    window = build_window(db, Settings(author="Ana"))
    window.show()
    QTest.qWaitForWindowExposed(window)
    workspace = window.workspace
    start, end = next(
        (s, e) for s, e, _kind in workspace.units if CLAIM_UNIT in workspace.text[s:e]
    )
    window.reader.select_span(start, end)
    QTest.keyClick(window.reader, Qt.Key.Key_1)
    for _ in range(5):
        app.processEvents()
    screen = window.screen()
    form = window.form
    table = window.annotation_list.table
    print(json.dumps({
        "available": screen.availableGeometry().getRect(),
        "ratio": screen.devicePixelRatio(),
        "frame": window.frameGeometry().getRect(),
        "title": window.windowTitle(),
        "claim_shown": form.boxes["claim"].isVisible(),
        "form_scrolls": form.scroll.verticalScrollBar().isVisible(),
        "list_rows": table.viewport().height() / table.rowHeight(0),
    }))
    window.close()
    window.ctx.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
