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

AUTHORS = ("alpha", "beta")
COUNT = 100  # changes each writer makes at least

# Each writer says when it is ready, then waits for the go, so neither writes alone while the
# other is still starting Python. It prints each change after its commit returned: "<id> <noted>".
# A writer that has made COUNT changes goes on until the other has made COUNT too, so every change
# of the slower one is made while the other writes, however the machine schedules the two: the
# test counts changes, not seconds.
WRITER = """
import sys, time
from pathlib import Path
from annotator.core import ops
from annotator.core.store import open_store
db, author, other, count, folder = sys.argv[1:4] + [int(sys.argv[4]), Path(sys.argv[5])]
with open_store(db, daily_backup=False) as store:
    (folder / f"ready-{author}").touch()
    while not (folder / "go").exists():
        time.sleep(0.01)
    n = 0
    while not (n >= count and (folder / f"done-{other}").exists()):
        if (folder / "stop").exists():
            sys.exit(3)
        changes = ops.create_annotation(store, 1, n % 20, n % 20 + 5, author, ["claim"])
        noted = n % 3 == 0
        if noted:
            ops.set_note(store, changes.created_id, f"note {n}")
        print(changes.created_id, int(noted), flush=True)
        n += 1
        if n == count:
            (folder / f"done-{author}").touch()
"""


def _wait_while_running(writers: dict[str, subprocess.Popen[str]], until: Path | None) -> None:
    """Wait for every writer to exit (or for `until` to exist); fail at once if one failed.

    No deadline: a hang is pytest-timeout's to report, and the caller stops the writers then.
    """
    while any(writer.poll() is None for writer in writers.values()):
        if until is not None and until.exists():
            return
        failed = {a: w.returncode for a, w in writers.items() if w.returncode not in (None, 0)}
        assert not failed, f"a writer failed: {failed}"
        time.sleep(0.01)


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
    outputs = {author: tmp_path / f"out-{author}.txt" for author in AUTHORS}
    errors = {author: tmp_path / f"err-{author}.txt" for author in AUTHORS}
    writers: dict[str, subprocess.Popen[str]] = {}
    try:
        for author, other in zip(AUTHORS, reversed(AUTHORS), strict=True):
            with outputs[author].open("w") as out, errors[author].open("w") as err:
                writers[author] = subprocess.Popen(
                    [sys.executable, "-c", WRITER, str(db), author, other, str(COUNT),
                     str(tmp_path)],
                    stdout=out, stderr=err, text=True, cwd=REPO_ROOT,
                )
        for author in AUTHORS:
            _wait_while_running(writers, until=tmp_path / f"ready-{author}")
        (tmp_path / "go").touch()
        _wait_while_running(writers, until=None)
    except BaseException as exc:
        (tmp_path / "stop").touch()
        for author, writer in writers.items():
            writer.kill()
            writer.wait()
            exc.add_note(f"{author}'s stderr:\n{errors[author].read_text()}")
        raise
    for author, writer in writers.items():
        assert writer.returncode == 0, errors[author].read_text()

    reported: dict[str, set[int]] = {}
    reported_notes: set[int] = set()
    for author in AUTHORS:
        lines = [line.split() for line in outputs[author].read_text().splitlines()]
        reported[author] = {int(created) for created, _noted in lines}
        reported_notes |= {int(created) for created, noted in lines if noted == "1"}
        assert len(reported[author]) == len(lines) >= COUNT, f"{author}: {len(lines)} changes"
    conn = sqlite3.connect(db)
    found = {
        author: {row[0] for row in conn.execute(
            "SELECT id FROM annotations WHERE author = ?", (author,)
        )}
        for author in reported
    }
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    notes = {row[0] for row in conn.execute("SELECT id FROM annotations WHERE note != ''")}
    conn.close()
    lost = {author: sorted(reported[author] - found[author]) for author in reported}
    assert found == reported, f"written but not found: {lost}"
    assert notes == reported_notes
