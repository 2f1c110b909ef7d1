"""Take the review-mode screenshot: two analysts' tags on the sample briefing, compared.

Run under a virtual screen: `xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python
scripts/screenshot_review.py docs/screenshot-review.png`.
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

from annotator.core import ops  # noqa: E402
from annotator.core.importing import import_file  # noqa: E402
from annotator.core.queries import document_detail, list_documents  # noqa: E402
from annotator.core.store import open_store  # noqa: E402
from annotator.gui.app import application  # noqa: E402

A = "assessment"
# (words of the unit, Ana's tags and fields, Ben's tags and fields)
WORK: tuple[tuple[str, dict[str, dict[str, str]], dict[str, dict[str, str]]], ...] = (
    ("Attacks on commercial convoys", {"claim": {}, "figure": {}}, {"claim": {}, "figure": {}}),
    ("We assess that the Free Valley Front", {A: {"likelihood": "likely"}},
     {A: {"likelihood": "very_likely"}}),
    ("Transit insurers raised premiums", {"claim": {}, "figure": {}}, {"figure": {}}),
    ("Since October 2024, armed groups", {"claim": {}, "figure": {}},
     {"claim": {}, "figure": {}}),
    ("Local authorities reported", {"claim": {}, "figure": {}}, {"claim": {}}),
    ("The Ministry of Transport said", {"claim": {}}, {}),
    ("Its fighters appear to have acquired", {A: {}}, {"claim": {}}),
    ("The group probably sees the corridor", {A: {"likelihood": "likely"}},
     {A: {"likelihood": "likely"}}),
    ("We judge with moderate confidence", {A: {"confidence": "moderate"}},
     {A: {"confidence": "low"}}),
    ("Freight volumes through Selvane", {}, {"figure": {}}),
    ("The Front will almost certainly", {A: {"likelihood": "almost_certain"}},
     {A: {"likelihood": "almost_certain"}}),
    ("An attack on the port itself", {A: {"likelihood": "very_unlikely"}},
     {A: {"likelihood": "unlikely"}}),
)


def seed(db: Path) -> None:
    with open_store(db) as store:
        import_file(store, REPO / "resources" / "sample-briefing.txt")
        doc = list_documents(store)[0].id
        units = document_detail(store, doc).units
        for needle, ana, ben in WORK:
            unit = next(u for u in units if needle in u.text)
            for author, tags in (("Ana", ana), ("Ben", ben)):
                if tags:
                    ops.create_annotation(store, doc, unit.start, unit.end, author, list(tags),
                                          fields=tags)


def main(out: Path) -> int:
    app = application()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "review.sqlite3"
        seed(db)
        window = open_window(db, "Chris")
        window.actions_by_name["review_mode"].setChecked(True)
        panel = window.review.panel
        reader = window.reader
        QTest.keyClick(reader, Qt.Key.Key_BracketRight)  # first disagreement
        panel.comment.setText("Ana's likelihood matches the wording")
        QTest.mouseClick(panel.author_buttons["Ana"], Qt.MouseButton.LeftButton)
        QTest.keyClick(reader, Qt.Key.Key_BracketRight)  # moved on: the next one
        reader.scroll_to(0, 0.0)
        save(window, out, app)
        window.ctx.store.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "benchmarks"))
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot-review.png")))
