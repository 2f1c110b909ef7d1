"""Take the user guide's screenshots of named sources: the claim form completing a source as it
is typed, and View > Sources, from the real window on a temporary database.

Run under a virtual screen: `xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python
scripts/screenshot_sources.py docs/` (writes docs/guide-sources-*.png).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shots import open_window, save, settle  # noqa: E402

# (source, default grade, claims as (credibility, reliability given))
SOURCES = (
    ("Ministry of Transport", "B", [("2", "B"), ("2", "B"), ("3", "C"), ("1", "B")]),
    ("Agence France-Presse", "B", [("2", "B"), ("3", "B"), ("2", "A")]),
    ("Tarn Plateau Traders' Union", "D", [("4", "D"), ("5", "D"), ("3", "C")]),
    ("Free Valley Front", "E", [("5", "E"), ("6", "E")]),
    ("Selvane Port Authority", None, [("2", "")]),
    ("Société Générale de Transit", "C", [("3", "C")]),
)
UNIT = "Transit insurers raised premiums"  # a sentence that names no source
FORM_HEIGHT = 440  # the form's top: the annotation, its claim fields and the note


def main(out_dir: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="annotator-shots-"))
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from annotator.core import ops
    from annotator.core.importing import import_file
    from annotator.core.sources import set_default_reliability
    from annotator.core.store import open_store
    from annotator.gui.app import application
    from annotator.gui.sources_window import show_sources

    app = application()
    out_dir.mkdir(parents=True, exist_ok=True)
    db = tmp / "analyst.sqlite3"
    with open_store(db) as store:
        sample = import_file(store, REPO / "resources" / "sample-briefing.txt").document_id
        assert sample is not None
        conn = sqlite3.connect(db)
        units = conn.execute(
            'SELECT start, "end" FROM units WHERE document_id = ? AND kind = \'sentence\' '
            "ORDER BY ordinal", (sample,)
        ).fetchall()
        conn.close()
        made = []
        claims = [(name, *claim) for name, _grade, listed in SOURCES for claim in listed]
        for index, (name, credibility, given) in enumerate(claims):
            fields = {"attributed_to": name, "information_credibility": credibility}
            if given:
                fields["source_reliability"] = given
            start, end = units[index % len(units)]
            author = ("Ben Colleague", "Dana Analyst")[index % 2 if index < len(units) else 0]
            made.append(ops.NewAnnotation(start, end, author, ["claim"], "", {"claim": fields}))
        ops.bulk_add_annotations(store, sample, made)
        for name, grade, _claims in SOURCES:
            if grade:
                set_default_reliability(store, name, grade, actor="Ben Colleague")
    window = open_window(db, "Dana Analyst")
    window.open_document(sample)
    reader, workspace = window.reader, window.workspace
    start, end = next(
        (s, e) for s, e, _k in workspace.units if UNIT in workspace.text[s:e]
    )
    reader.select_span(start, end)
    QTest.keyClick(reader, Qt.Key.Key_1)
    settle(app)

    # 1. "Attributed to" completing a source as it is typed ("fran" finds AFP).
    editor = window.form.findChild(QLineEdit, "claim.attributed_to")
    editor.setFocus()
    editor.selectAll()
    QTest.keyClick(editor, Qt.Key.Key_Delete)
    QTest.keyClicks(editor, "fran")
    settle(app)
    popup = editor.completer().popup()
    shot = window.right.grab(QRect(0, 0, window.right.width(), FORM_HEIGHT))
    # the completion list is a window of its own: paint it onto the form's picture
    from PySide6.QtGui import QPainter

    painter = QPainter(shot)
    corner = window.right.mapFromGlobal(popup.mapToGlobal(popup.rect().topLeft()))
    painter.drawPixmap(corner, popup.grab())
    painter.end()
    out = out_dir / "guide-sources-completion.png"
    shot.save(str(out))
    print(out)
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)
    settle(app)
    save(window.right, out_dir / "guide-sources-suggested.png", app, height=FORM_HEIGHT)

    # 2. View > Sources.
    sources = show_sources(window, window.sources)
    assert sources is not None
    sources.resize(1040, 330)
    settle(app)
    save(sources, out_dir / "guide-sources.png", app)
    sources.close()

    window.ctx.store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "benchmarks"))
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
