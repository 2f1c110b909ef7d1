"""Take the user guide's screenshots: library, form (suggestions, an invalid value), import
problems and the export dialog, each from the real window on a temporary database.

Run under a virtual screen: `xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python
scripts/screenshot_steps.py docs/` (writes docs/guide-*.png). A few briefings of
../shared/corpus fill the library when that folder is beside the checkout.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shots import open_window, save  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "briefings"
LIBRARY_EXTRAS = (
    "02_dia-houthi-shipping-2024.txt",
    "05_crs-iran-us-policy-2022.txt",
    "12_fr-whitehouse-syria-chemical-2017.txt",
)
# (words that identify a unit, tag keys to press on it)
TAGGING = (
    ("Attacks on commercial convoys", "13"),
    ("We assess that the Free Valley Front", "2"),
    ("Since October 2024, armed groups", "13"),
    ("Local authorities reported", "13"),
)
FIGURE_UNIT = "Transit insurers raised premiums"


def main(out_dir: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="annotator-shots-"))
    # Nothing of the real profile: settings, window geometry and the default database.
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
        os.environ[var] = str(tmp / sub)

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit, QMessageBox

    from annotator.core.backup import backup_folder
    from annotator.core.importing import import_file
    from annotator.core.queries import document_summary
    from annotator.core.store import open_store
    from annotator.gui import dialogs
    from annotator.gui.app import application
    from annotator.gui.export_dialog import ExportDialog

    app = application()
    out_dir.mkdir(parents=True, exist_ok=True)
    db = tmp / "analyst.sqlite3"
    with open_store(db) as store:
        for name in LIBRARY_EXTRAS:
            if (CORPUS / name).exists():
                import_file(store, CORPUS / name)
        sample_id = import_file(store, REPO / "resources" / "sample-briefing.txt").document_id
    window = open_window(db, "Dana Analyst")
    window.open_document(sample_id)
    reader, workspace = window.reader, window.workspace

    def select(needle: str) -> None:
        start, end = next(
            (s, e) for s, e, _k in workspace.units if needle in workspace.text[s:e]
        )
        reader.select_span(start, end)

    def press(keys: str) -> None:
        for key in keys:
            QTest.keyClick(reader, getattr(Qt.Key, f"Key_{key}"))

    for needle, keys in TAGGING:
        select(needle)
        press(keys)

    # 1. The library: documents with their progress.
    save(window.library, out_dir / "guide-library.png", app, height=180)

    # 2. A figure with values suggested from the sentence.
    select(FIGURE_UNIT)
    press("3")
    reader.scroll_to(0, 0.0)
    save(window.right, out_dir / "guide-form-suggestions.png", app)

    # 3. An invalid value: shown and explained, never saved.
    value = window.form.findChild(QLineEdit, "figure.value")
    value.setFocus()
    value.selectAll()
    QTest.keyClicks(value, "about twelve")
    QTest.keyClick(value, Qt.Key.Key_Return)
    save(window.form, out_dir / "guide-form-invalid.png", app)
    value.selectAll()
    QTest.keyClick(value, Qt.Key.Key_Delete)
    QTest.keyClick(value, Qt.Key.Key_Escape)
    reader.setFocus()

    # 4. Import problems: a duplicate, an image named .txt and an empty file.
    photo, empty = tmp / "photo.txt", tmp / "notes.md"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    empty.write_bytes(b"")
    window.import_paths([REPO / "resources" / "sample-briefing.txt", photo, empty])
    box = window.findChild(QMessageBox, "importProblems")
    save(box, out_dir / "guide-import-problems.png", app)
    box.close()

    # 5. The export dialog with a handling caveat.
    dialog = ExportDialog(window, window.ctx.store, sample_id)
    dialog.path.setText("~/exports/northern-corridor.csv")
    dialog.caveat.setText("TLP:AMBER")
    dialog.show()
    save(dialog, out_dir / "guide-export.png", app)
    dialog.close()

    # 6. The question before a document is removed.
    question, _remove = dialogs.removal_question(
        window, document_summary(window.ctx.store, sample_id),
        backup_folder(window.ctx.store.path),
    )
    question.show()
    save(question, out_dir / "guide-remove.png", app)
    question.close()

    window.ctx.store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "benchmarks"))
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
