"""Two processes writing to one database at the same time: every write is found."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from annotator.core import ops
from annotator.core.store import open_store
from tests.conftest import REPO_ROOT

# Each writer says when it is ready, then waits for the go: both write during the same seconds
# however long each took to start (a loaded machine can take seconds to start Python).
WRITER = """
import sys, time
from pathlib import Path
from annotator.core import ops
from annotator.core.store import open_store
db, author, seconds, folder = sys.argv[1], sys.argv[2], float(sys.argv[3]), Path(sys.argv[4])
with open_store(db, daily_backup=False) as store:
    (folder / f"ready-{author}").touch()
    while not (folder / "go").exists():
        time.sleep(0.01)
    deadline = time.monotonic() + seconds
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
            [sys.executable, "-c", WRITER, str(db), author, "3", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        )
        for author in ("alpha", "beta")
    ]
    deadline = time.monotonic() + 120
    try:
        while not all((tmp_path / f"ready-{a}").exists() for a in ("alpha", "beta")):
            assert time.monotonic() < deadline, "the writers did not start"
            assert all(w.poll() is None for w in writers), "a writer stopped before starting"
            time.sleep(0.01)
    except AssertionError:
        for writer in writers:
            writer.kill()
            writer.communicate()
        raise
    (tmp_path / "go").touch()
    reported: dict[str, set[int]] = {}
    for author, writer in zip(("alpha", "beta"), writers, strict=True):
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        reported[author] = {int(line) for line in out.split()}
    counts = {author: len(ids) for author, ids in reported.items()}
    assert all(count > 20 for count in counts.values()), f"both wrote concurrently: {counts}"
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
    lost = {author: sorted(reported[author] - found[author]) for author in reported}
    assert found == reported, f"written but not found: {lost}"
    assert notes >= sum(len(ids) for ids in reported.values()) // 3 - 2
