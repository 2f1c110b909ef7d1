"""Run by tests/gui/test_memory.py in a process of its own: start the window on a database,
open a document (none when DOCUMENT_ID is 0), wait until it is settled, and print one JSON line
saying which heavy modules were imported and whose source text `linecache` holds.

    python tests/gui/settle_probe.py DATABASE DOCUMENT_ID
"""

from __future__ import annotations

import json
import linecache
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

HEAVY = ("sqlalchemy", "alembic", "pypdf", "docx", "dateutil", "xlsxwriter")


def wait(app: QApplication, done: object, what: str) -> None:
    deadline = time.monotonic() + 60
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting until {what}")
        app.processEvents()
        time.sleep(0.005)


def main(db: Path, document_id: int) -> int:
    app = QApplication(sys.argv[:1])
    from annotator.core.settings import Settings
    from annotator.gui.app import launch

    window = launch(db, Settings(author="Ana"))
    wait(app, window.database_ready, "the database is open")
    if document_id and window.workspace.document_id != document_id:
        window.open_document(document_id)
    wait(app, window.workspace.is_settled, "the document is settled")
    app.processEvents()
    print(json.dumps({
        "document": window.workspace.document_id,
        "loaded": [name for name in HEAVY if name in sys.modules],
        "cached_sources": sorted(
            name for name in linecache.cache if "site-packages" in name or "/annotator/" in name
        ),
    }), flush=True)
    window.close()
    if window.ctx.store is not None:
        window.ctx.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2])))
