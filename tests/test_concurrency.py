"""Two processes writing to one database at the same time: every write is found."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from annotator.core import ops
from annotator.core.store import open_store
from tests.conftest import REPO_ROOT

WRITER = """
import sys, time
from annotator.core import ops
from annotator.core.store import open_store
db, author, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + seconds
with open_store(db, daily_backup=False) as store:
    n = 0
    while time.monotonic() < deadline:
        changes = ops.create_annotation(store, 1, n % 20, n % 20 + 5, author, ["claim"])
        if n % 3 == 0:
            ops.set_note(store, changes.created_id, f"note {n}")
        print(changes.created_id, flush=True)
        n += 1
"""


def test_two_writers_never_lose_a_write(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    with open_store(db) as store:
        ops.add_document(
            store,
            ops.NewDocument(
                text="x" * 100, title="t", issuer=None, published=None, date_certainty="none",
                date_note=None, language=None, source_name="t.txt", source_format="txt",
                units=[(0, 100, "sentence")],
            ),
        )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), author, "3"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        )
        for author in ("alpha", "beta")
    ]
    reported: dict[str, set[int]] = {}
    for author, writer in zip(("alpha", "beta"), writers, strict=True):
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        reported[author] = {int(line) for line in out.split()}
    assert all(len(ids) > 20 for ids in reported.values()), "both wrote concurrently"
    conn = sqlite3.connect(db)
    found = {
        author: {row[0] for row in conn.execute(
            "SELECT id FROM annotations WHERE author = ?", (author,)
        )}
        for author in reported
    }
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    notes = conn.execute("SELECT count(*) FROM annotations WHERE note != ''").fetchone()[0]
    conn.close()
    assert found == reported
    assert notes >= sum(len(ids) for ids in reported.values()) // 3 - 2
