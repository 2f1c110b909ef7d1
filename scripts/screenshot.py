"""Take the README screenshot: the sample briefing, partly tagged, in the real window.

Run under a virtual screen: `xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python
scripts/screenshot.py docs/screenshot-workspace.png`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shots import open_window, save  # noqa: E402

from annotator.core.importing import import_file  # noqa: E402
from annotator.core.store import open_store  # noqa: E402
from annotator.gui.app import application  # noqa: E402

# (words that identify a unit, tag keys to press on it)
TAGGING = (
    ("Attacks on commercial convoys", "13"),
    ("We assess that the Free Valley Front", "2"),
    ("Transit insurers raised premiums", "13"),
    ("Since October 2024, armed groups", "13"),
    ("Local authorities reported", "13"),
    ("The Ministry of Transport said", "13"),
    ("Its fighters appear to have acquired", "23"),
    ("The group probably sees the corridor", "2"),
)
SELECTED = "Transit insurers raised premiums"


def main(out: Path) -> int:
    app = application()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "screenshot.sqlite3"
        with open_store(db) as store:
            import_file(store, REPO / "resources" / "sample-briefing.txt")
        window = open_window(db, "Dana Analyst")
        reader = window.reader
        units = {
            needle: next(
                (s, e) for s, e, k in window.workspace.units
                if needle in window.workspace.text[s:e]
            )
            for needle, _keys in TAGGING
        }
        for needle, keys in TAGGING:
            start, end = units[needle]
            reader.select_span(start, end)
            for key in keys:
                QTest.keyClick(reader, getattr(Qt.Key, f"Key_{key}"))
        start, end = units[SELECTED]
        reader.select_span(start, end)
        reader.scroll_to(0, 0.0)
        save(window, out, app)
        window.ctx.store.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "benchmarks"))
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot-workspace.png")))
