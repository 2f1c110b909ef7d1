"""Take the user guide's screenshot of Edit > Find in All Documents: a prefix query over a few
briefings of ../shared/corpus, hits in two documents with their tags and a note, the second
hit opened in the reader, from the real window on a temporary database.

Run under a virtual screen: `xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python
scripts/screenshot_search.py docs/` (writes docs/guide-find-all.png).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shots import open_window, save, settle  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "briefings"
BRIEFINGS = (
    "02_dia-houthi-shipping-2024.txt",
    "05_crs-iran-us-policy-2022.txt",
    "09_dod-austin-yemen-strikes-2024.txt",
    "13_ar-ct-strategy-statement-2018.txt",
)
QUERY = "houthi* attack*"
NOTE = "Houthi attack count: cross-check with the shipping data"


def annotate(store: object, document_id: int) -> None:
    """Tag the sentences that mention the Houthis (claims, a few assessments), one with a note."""
    from annotator.core import ops
    from annotator.core.queries import document_detail

    detail = document_detail(store, document_id)  # type: ignore[arg-type]
    count = 0
    for unit in detail.units:
        sentence = detail.text[unit.start : unit.end]
        if "Houthi" not in sentence or "attack" not in sentence:
            continue
        tags = ["assessment"] if count % 3 == 2 else ["claim"]
        if count % 4 == 1:
            tags.append("figure")
        note = NOTE if count == 1 else ""
        ops.create_annotation(
            store,  # type: ignore[arg-type]
            document_id,
            unit.start,
            unit.end,
            "Dana Analyst",
            tags,
            note=note,
        )
        count += 1


def main(out_dir: Path) -> int:
    if not CORPUS.is_dir():
        print(f"{CORPUS} is missing: the screenshot needs the shared corpus", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="annotator-shots-"))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
        os.environ[var] = str(tmp / sub)

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from annotator.core.importing import import_file
    from annotator.core.store import open_store
    from annotator.gui.app import application
    from annotator.gui.search_panel import SearchPanel

    app = application()
    db = tmp / "analyst.sqlite3"
    with open_store(db) as store:
        for name in BRIEFINGS:
            outcome = import_file(store, CORPUS / name)
            if outcome.document_id is not None:
                annotate(store, outcome.document_id)
    window = open_window(db, "Dana Analyst")
    settle(app)
    QTest.keyClick(
        window,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    panel = window.findChild(SearchPanel, "searchPanel")
    QTest.keyClicks(panel.query_box, QUERY)
    QTest.qWait(400)  # the search runs once typing pauses
    QTest.keyClick(panel.query_box, Qt.Key.Key_Down)
    QTest.keyClick(panel.tree, Qt.Key.Key_Down)
    QTest.keyClick(panel.tree, Qt.Key.Key_Return)  # opened in the reader
    settle(app)
    QTest.keyClick(
        window,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )  # back to the results
    QTest.keyClick(panel.query_box, Qt.Key.Key_Down)
    QTest.keyClick(panel.tree, Qt.Key.Key_Down)
    save(window, out_dir / "guide-find-all.png", app)
    window.close()
    window.ctx.store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs"))
