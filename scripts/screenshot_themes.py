"""Screenshots of the window in the Light and Dark themes: overlapping tags, the form with
suggestions, review mode's lanes and markers, the agreement chart and a field's history.

Run under a virtual screen: `xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python
scripts/screenshot_themes.py OUT_FOLDER` (writes theme-<name>-<view>.png there).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from screenshot_review import WORK, seed  # noqa: E402
from shots import open_window, save, settle  # noqa: E402

from annotator.core import ops  # noqa: E402
from annotator.core.queries import document_detail, list_documents  # noqa: E402
from annotator.core.store import open_store  # noqa: E402
from annotator.gui.app import application  # noqa: E402

assert WORK  # the review screenshot's two analysts, reused here


def add_own_work(db: Path) -> None:
    """Chris's overlapping annotations: a fill, a line under it, a span inside another."""
    with open_store(db) as store:
        doc = list_documents(store)[0].id
        detail = document_detail(store, doc)
        units = detail.units
        first = next(u for u in units if "Attacks on commercial convoys" in u.text)
        ops.create_annotation(store, doc, first.start, first.end, "Chris", ["claim", "figure"])
        inner = detail.text.index("armed groups")
        ops.create_annotation(store, doc, inner, inner + len("armed groups"), "Chris",
                              ["assessment"])
        since = next(u for u in units if "Since October 2024" in u.text)
        ops.create_annotation(store, doc, since.start, since.end, "Chris", ["claim"])
        money = next(u for u in units if "roughly $2.5 million" in u.text)
        ops.create_annotation(store, doc, money.start, money.end, "Chris", ["figure"],
                              fields={"figure": {"value": 2500000, "unit": "USD"}},
                              suggested={"figure": ["value", "unit"]})


def shoot(window: object, out: Path, name: str, app: object) -> None:
    from annotator.gui.review.agreement_dialog import AgreementDialog
    from annotator.gui.review.history import HistoryDialog

    window.set_theme(name)  # type: ignore[attr-defined]
    settle(app)
    reader = window.reader  # type: ignore[attr-defined]
    workspace = window.workspace  # type: ignore[attr-defined]
    mine = [v for v in workspace.annotations.values() if v.author == "Chris"]
    money = next(v for v in mine if v.tag_names == ("figure",))
    workspace.activate_annotation(money.id)
    reader.scroll_to(0, 0.0)
    save(window, out / f"theme-{name}-workspace.png", app)
    # A refused value in the form and the read-only banner, in the theme's colours.
    editor = window.form.boxes["figure"].editors["range_low"]  # type: ignore[attr-defined]
    editor.setText("about ten")
    editor.committed.emit("range_low", True)
    window.read_only_banner.show()  # type: ignore[attr-defined]
    save(window, out / f"theme-{name}-notices.png", app)
    window.read_only_banner.hide()  # type: ignore[attr-defined]
    editor.clear()
    editor.committed.emit("range_low", True)

    window.actions_by_name["review_mode"].setChecked(True)  # type: ignore[attr-defined]
    window.review.panel.set_authors(["Ana", "Ben"])  # type: ignore[attr-defined]
    reader.select_span(0, 0)
    QTest.keyClick(reader, Qt.Key.Key_BracketRight)  # the likelihoods differ
    reader.scroll_to(0, 0.0)
    save(window, out / f"theme-{name}-review.png", app)
    window.actions_by_name["review_mode"].setChecked(False)  # type: ignore[attr-defined]

    store, document = window.ctx.store, workspace.document_id  # type: ignore[attr-defined]
    agreement = AgreementDialog(store, document, ["Ana", "Ben"], window)  # type: ignore[arg-type]
    agreement.show()
    save(agreement, out / f"theme-{name}-agreement.png", app)
    agreement.close()
    ben = next(v for v in workspace.annotations.values()
               if v.author == "Ben" and "assessment" in v.tag_names)
    if name == "light":  # one change to show, made once
        ops.set_fields(store, ben.id, "assessment", {"likelihood": "likely"})
    history = HistoryDialog(window.ctx, document, workspace.text, ben.id,  # type: ignore[attr-defined]
                            parent=window)  # type: ignore[arg-type]
    history.show()
    save(history, out / f"theme-{name}-history.png", app)
    history.close()


def main(out: Path) -> int:
    app = application()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "themes.sqlite3"
        seed(db)
        add_own_work(db)
        window = open_window(db, "Chris")
        for name in ("light", "dark"):
            shoot(window, out, name, app)
        window.set_theme("system")
        window.ctx.store.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "benchmarks"))
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/theme-shots")))
