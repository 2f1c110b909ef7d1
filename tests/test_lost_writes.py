"""Issue 13: tags saved in the window after an export, import or merge, while the command line
reads the same database, are all still there after quitting.

Done as the analyst does it, with real processes: the window runs offscreen in a child process
(benchmarks/window_driver.py) and is driven with clicks and keys; `annotator list` and
`annotator show` run as commands in a terminal would. Before the fix, the window's export (or
import, or merge) opened the database file with Python's open() and closed it inside a process
holding SQLite connections to it, which dropped that process's locks; the `annotator list`
that followed then deleted the live WAL, and the tags saved afterwards were gone.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from annotator.core.importing import import_files
from annotator.core.store import open_store
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"
DRIVER = REPO_ROOT / "benchmarks" / "window_driver.py"
STEP_TIMEOUT = 90.0  # one step on a loaded 2-core machine; a hang fails, it never waits on


def child_env() -> dict[str, str]:
    """This checkout's annotator, offscreen Qt, and the test's HOME (set by conftest)."""
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT), QT_QPA_PLATFORM="offscreen")


def annotator(*args: str) -> subprocess.CompletedProcess[str]:
    """The `annotator` command, as typed in a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args], capture_output=True, text=True,
        cwd=REPO_ROOT, env=child_env(), timeout=STEP_TIMEOUT, check=False,
    )


class WindowProcess:
    """The window in a child process; `ask` sends one command and waits for its reply."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), "--db", str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=REPO_ROOT, env=child_env(),
        )
        self.replies: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()
        self.expect("ready")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("REPLY "):
                self.replies.put(line[len("REPLY "):].strip())
        self.replies.put("closed")

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        self.errors.extend(self.process.stderr)

    def expect(self, what: str) -> str:
        try:
            reply = self.replies.get(timeout=STEP_TIMEOUT)
        except queue.Empty:
            self.kill()
            pytest.fail(f"the window did not answer within {STEP_TIMEOUT:.0f} s: {self.stderr()}")
        if not reply.startswith(f"ok {what}" if what else "ok"):
            self.kill()
            pytest.fail(f"the window answered {reply!r}; its stderr:\n{self.stderr()}")
        return reply[3:]

    def ask(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.expect("")

    def quit(self) -> int:
        """File > Quit, as the analyst ends the day; run()'s exit code."""
        self.ask("quit")
        try:
            code = self.process.wait(timeout=STEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the window did not quit: {self.stderr()}")
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STEP_TIMEOUT)

    def stderr(self) -> str:
        return "".join(self.errors[-40:])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "briefings.sqlite3"
    with open_store(path) as store:
        assert all(o.ok for o in import_files(store, [SAMPLE]))
    return path


def colleague_export(tmp_path: Path) -> Path:
    """A colleague's JSON Lines spans export of the same briefing, one annotation in it."""
    from annotator.core import ops
    from annotator.core.queries import document_detail

    theirs = tmp_path / "colleague.sqlite3"
    with open_store(theirs) as store:
        (outcome,) = import_files(store, [SAMPLE])
        assert outcome.document_id is not None
        unit = document_detail(store, outcome.document_id).units[-1]
        ops.create_annotation(store, outcome.document_id, unit.start, unit.end, "Bo", ["claim"])
    out = tmp_path / "colleague.jsonl"
    done = annotator("export", "-f", "jsonl-spans", "-o", str(out), "--db", str(theirs))
    assert done.returncode == 0, done.stderr
    return out


def window_work(tmp_path: Path, trigger: str) -> str:
    """The command that makes the window open a store of its own on the database."""
    if trigger == "export":
        return f"export csv {tmp_path / 'tags.csv'}"
    if trigger == "import":
        extra = tmp_path / "extra-briefing.txt"
        extra.write_text(
            "Extra briefing.\n\nPatrols reported 12 incidents near the port. We assess that "
            "this is likely to continue.\n", encoding="utf-8",
        )
        return f"import {extra}"
    return f"merge {colleague_export(tmp_path)}"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("trigger", ["export", "import", "merge"])
def test_tags_saved_after_a_window_export_import_or_merge_survive_a_cli_list_and_quit(
    tmp_path: Path, db: Path, trigger: str
) -> None:
    work = window_work(tmp_path, trigger)
    window = WindowProcess(db)
    try:
        document = window.ask(f"open {SAMPLE.name}")
        saved = [window.ask("tag 0 1")]
        window.ask(work)
        listed = annotator("list", "--db", str(db))
        assert listed.returncode == 0, listed.stderr
        if trigger != "export":  # the batch opened another document: back to the briefing
            window.ask(f"open {SAMPLE.name}")
        saved += [window.ask(f"tag {index} {key}") for index, key in ((1, "2"), (2, "3"), (3, "1"))]
        assert window.quit() == 0, window.stderr()
    finally:
        window.kill()
    shown = annotator("show", document, "--json", "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    tags_of = {(u["start"], u["end"]): set(u["tags"]) for u in json.loads(shown.stdout)["units"]}
    lost = []
    for number, reply in enumerate(saved, start=1):
        _annotation, start, end, tags = reply.split(" ", 3)
        if not set(tags.split(",")) <= tags_of.get((int(start), int(end)), set()):
            lost.append(f"tag {number} ({tags} on {start}-{end})")
    assert lost == [], (
        f"after a window {trigger}, `annotator list` and quitting, the window said Saved but "
        f"`annotator show` lacks: {', '.join(lost)}"
    )
