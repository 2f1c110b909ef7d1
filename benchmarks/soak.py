"""Soak: three processes use one database at once, then nothing any of them saw committed is
missing.

- the window (offscreen, benchmarks/window_driver.py) runs a seeded random session: tag
  toggles, form edits, deletes, undo/redo, other documents, exports in several formats through
  the export dialog, imports of small briefings (File > Import) and merges of colleagues'
  JSON Lines spans exports (File > Merge Colleague's Work);
- a command-line process loops `annotator list`, `annotator import SMALLFILE` and
  `annotator export -f csv` (annotator.cli.main, as tests/cli calls it);
- a script writes through the core API (open_store + annotator.core.ops) in bursts, closing
  its store between bursts as a scheduled job would.

Each journals every change it saw committed (flushed line by line). Afterwards the database
must pass `integrity_check` and `foreign_key_check`, and hold the last journaled state of every
annotation and every imported document. With --kill the window is killed with SIGKILL in the
middle of its session; then only what it journaled must be there (the one action it was in the
middle of may or may not have committed).

Run: `.venv/bin/python benchmarks/soak.py --seconds 120` (add --kill for the SIGKILL variant,
--both for both); tests/test_soak.py runs a short form of the same code.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).resolve().parent / "window_driver.py"
PLACES = ("the river", "the northern road", "the market", "the border post", "the port")
WINDOW_AUTHOR, API_AUTHOR = "Ana", "api-script"
# What the window says when the database itself failed (not a refusal of the analyst's
# action): a soak fails on it.
STORAGE_TROUBLE = (
    "could not be saved", "was not saved", "could not be written", "damaged", "not a database",
    "Nothing more was imported", "kept unsaved",
)
AFTER_WINDOW_SECONDS = 1.5
START_TIMEOUT = 120.0  # a Python and Qt start on a loaded 2-core machine, with a wide margin


def briefing(label: str, sentences: int = 12) -> str:
    rng = random.Random(label)
    lines = [f"Briefing {label}."]
    for n in range(sentences):
        place = rng.choice(PLACES)
        lines.append(
            rng.choice((
                f"Officials reported {rng.randint(2, 900)} incidents near {place} ({n}).",
                f"We assess that the pressure on {place} is likely to continue ({n}).",
                f"About {rng.randint(10, 5000)} people left {place} in {rng.randint(2001, 2024)}.",
            ))
        )
    return " ".join(lines) + "\n"


def child_env(work: Path) -> dict[str, str]:
    """This checkout's annotator, offscreen Qt, and a HOME of the run's own."""
    home = work / "home"
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen", HOME=str(home))
    for var, sub in (("XDG_DATA_HOME", ".local/share"), ("XDG_CONFIG_HOME", ".config"),
                     ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env.pop("ANNOTATOR_DB", None)
    return env


def cli(*argv: str) -> tuple[int, str]:
    """`annotator ARGV...` in this process, as tests/cli runs it; (exit code, stdout)."""
    from annotator.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(list(argv))
    return code, out.getvalue() + (err.getvalue() if code else "")


# -- setup -----------------------------------------------------------------------------------


@dataclass
class Setup:
    db: Path
    window_sources: list[str]
    api_document: int
    colleague_files: list[Path]


def prepare(work: Path) -> Setup:
    """The shared database (two briefings for the window, one for the script) and two
    colleagues' exports of annotations on the window's briefings."""
    sys.path.insert(0, str(REPO))
    from annotator.core import ops
    from annotator.core.importing import import_files
    from annotator.core.queries import document_detail
    from annotator.core.store import open_store

    sources = []
    for label in ("window-a", "window-b", "api"):
        path = work / f"{label}.txt"
        path.write_text(briefing(label), encoding="utf-8")
        sources.append(path)
    db = work / "shared.sqlite3"
    with open_store(db, daily_backup=False) as store:
        outcomes = import_files(store, sources)
    if not all(o.ok for o in outcomes):
        raise RuntimeError(f"setup import failed: {[o.error for o in outcomes]}")
    api_document = outcomes[2].document_id
    assert api_document is not None
    colleague_files = []
    for author in ("Bo", "Cy"):
        theirs = work / f"colleague-{author}.sqlite3"
        rng = random.Random(author)
        with open_store(theirs, daily_backup=False) as store:
            for outcome in import_files(store, sources[:2]):
                assert outcome.document_id is not None
                units = document_detail(store, outcome.document_id).units
                for unit in rng.sample(list(units), 3):
                    tag = rng.choice(("claim", "assessment", "figure"))
                    ops.create_annotation(
                        store, outcome.document_id, unit.start, unit.end, author, [tag]
                    )
        out = work / f"colleague-{author}.jsonl"
        code, text = cli("export", "-f", "jsonl-spans", "-o", str(out), "--db", str(theirs))
        if code != 0:
            raise RuntimeError(f"colleague export failed: {text}")
        colleague_files.append(out)
    return Setup(db, [p.name for p in sources[:2]], api_document, colleague_files)


# -- the two worker processes ----------------------------------------------------------------


class Journal:
    def __init__(self, path: Path) -> None:
        self.handle = path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        # Flushed at once: the line is the process's word that the change was committed.
        self.handle.write(json.dumps(record, sort_keys=True) + "\n")
        self.handle.flush()


def wait_for_go(folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not (folder / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal")
        time.sleep(0.02)


def cli_worker(db: Path, journal: Journal, folder: Path, rounds: int, seconds: float) -> None:
    """list / import a small briefing / export csv, round and round."""
    wait_for_go(folder)
    deadline = time.monotonic() + seconds
    for n in range(rounds):
        if time.monotonic() > deadline or (folder / "stop").exists():
            break
        if n % 3 == 0:
            code, out = cli("list", "--db", str(db), "--json")
            record: dict[str, Any] = {"t": "list", "code": code}
            if code == 0:
                record["documents"] = len(json.loads(out))
        elif n % 3 == 1:
            path = folder / f"cli-import-{n}.txt"
            path.write_text(briefing(f"cli {n}", 4), encoding="utf-8")
            code, out = cli("import", "--db", str(db), "--json", str(path))
            path.unlink()  # a long soak would otherwise fill the folder
            record = {"t": "import", "code": code}
            if code == 0:
                for outcome in json.loads(out):
                    journal.write({
                        "t": "document", "id": outcome["document_id"], "source": path.name,
                        "units": outcome["units"],
                    })
        else:
            out_path = folder / f"cli-export-{n % 4}.csv"  # replacing an earlier export too
            code, out = cli("export", "-f", "csv", "-o", str(out_path), "--db", str(db))
            record = {"t": "export", "code": code}
        if code != 0:
            record["problem"] = out.strip()[-500:]
        journal.write(record)


def api_worker(
    db: Path, journal: Journal, folder: Path, document: int, seed: int, rounds: int,
    seconds: float,
) -> None:
    """Create, retag, fill fields, annotate and delete on its own briefing, in bursts."""
    from window_driver import annotation_state

    from annotator.core import ops
    from annotator.core.errors import NotFound
    from annotator.core.queries import document_detail
    from annotator.core.store import open_store

    rng = random.Random(seed)
    wait_for_go(folder)
    deadline = time.monotonic() + seconds
    alive: list[int] = []
    done = 0
    while done < rounds and time.monotonic() < deadline and not (folder / "stop").exists():
        with open_store(db, daily_backup=False) as store:
            units = [(u.start, u.end) for u in document_detail(store, document).units]
            for _ in range(rng.randint(1, 8)):
                done += 1
                target = api_change(store, document, rng, units, alive, done)
                try:
                    state = annotation_state(ops.snapshot_annotation(store, target))
                except NotFound:
                    state = None
                    alive.remove(target)
                journal.write({"t": "state", "id": target, "state": state})
        time.sleep(rng.uniform(0.0, 0.05))


def api_change(
    store: Any, document: int, rng: random.Random, units: list[tuple[int, int]],
    alive: list[int], n: int,
) -> int:
    """One committed change through annotator.core.ops; the annotation it changed."""
    from annotator.core import ops

    roll = rng.random()
    if not alive or roll < 0.35:
        start, end = rng.choice(units)
        tag = rng.choice(("claim", "assessment", "figure"))
        created = ops.create_annotation(store, document, start, end, API_AUTHOR, [tag])
        assert created.created_id is not None
        alive.append(created.created_id)
        return created.created_id
    target = rng.choice(alive)
    snapshot = ops.snapshot_annotation(store, target)
    names = [t.name for t in snapshot.tags]
    tag = rng.choice(("claim", "assessment", "figure"))
    if roll < 0.55 and (tag not in names or len(names) > 1):
        ops.set_tag(store, target, tag, tag not in names, actor=API_AUTHOR)
    elif roll < 0.75 and "claim" in names:
        ops.set_fields(store, target, "claim", {"attributed_to": f"source {n}"}, actor=API_AUTHOR)
    elif roll < 0.9:
        ops.set_note(store, target, f"note {n}", actor=API_AUTHOR)
    else:
        ops.delete_annotation(store, target, actor=API_AUTHOR)
    return target


# -- checking --------------------------------------------------------------------------------


@dataclass
class ProcessReport:
    name: str
    changes: int = 0  # changes (and imported documents) journaled as committed
    checked: int = 0  # annotations and documents whose final state was compared
    lost: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # commands that failed
    hitches: list[str] = field(default_factory=list)  # the window's refusals, driver misses
    actions: dict[str, int] = field(default_factory=dict)  # the window's, completed
    tolerated: list[str] = field(default_factory=list)  # the action a SIGKILL interrupted


@dataclass
class SoakResult:
    killed: bool
    reports: list[ProcessReport]
    integrity: str
    foreign_keys: list[tuple[Any, ...]]
    problems: list[str]  # about the run itself (a process failed, did not start...)

    @property
    def ok(self) -> bool:
        return (
            self.integrity == "ok" and not self.foreign_keys and not self.problems
            and all(not r.lost and not r.problems for r in self.reports)
        )

    def table(self) -> str:
        ending = "killed with SIGKILL" if self.killed else "quit normally"
        rows = [f"window {ending}", f"{'process':<8} {'changes':>8} {'checked':>8} {'lost':>6}"]
        rows += [
            f"{r.name:<8} {r.changes:>8} {r.checked:>8} {len(r.lost):>6}" for r in self.reports
        ]
        rows.append(
            f"integrity_check: {self.integrity}; foreign_key_check: "
            f"{'ok' if not self.foreign_keys else self.foreign_keys[:3]}"
        )
        for report in self.reports:
            rows += [f"  {report.name} LOST {item}" for item in report.lost[:20]]
            rows += [f"  {report.name} problem: {item[:300]}" for item in report.problems[:10]]
            rows += [f"  {report.name} tolerated: {item}" for item in report.tolerated]
            if report.actions:
                done = ", ".join(f"{k} {v}" for k, v in sorted(report.actions.items()))
                rows.append(f"  {report.name} actions: {done}")
            if report.hitches:
                rows.append(f"  {report.name}: {len(report.hitches)} refusal(s) or miss(es), "
                            f"e.g. {report.hitches[0][:200]}")
        rows += [f"  run problem: {item[-1500:]}" for item in self.problems]
        return "\n".join(rows)


def read_journal(path: Path) -> list[dict[str, Any]]:
    records = []
    if not path.exists():
        return records
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:  # the line a SIGKILL cut short: it promised nothing
            continue
    return records


def stored_annotations(conn: sqlite3.Connection) -> dict[int, dict[str, Any]]:
    """Every annotation as the journals record it, read straight from the file."""
    states: dict[int, dict[str, Any]] = {}
    for row in conn.execute(
        'SELECT id, document_id, start, "end", author, note FROM annotations'
    ):
        states[row[0]] = {
            "document": row[1], "start": row[2], "end": row[3], "author": row[4],
            "note": row[5] or "", "tags": {},
        }
    for annotation_id, name, fields in conn.execute(
        "SELECT x.annotation_id, t.name, x.fields FROM annotation_tags x "
        "JOIN tags t ON t.id = x.tag_id"
    ):
        if annotation_id in states:
            states[annotation_id]["tags"][name] = json.loads(fields) if fields else {}
    return states


def same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def check_journal(
    name: str, records: list[dict[str, Any]], stored: dict[int, dict[str, Any]],
    documents: dict[int, tuple[str, int]], interrupted: bool = False,
) -> ProcessReport:
    report = ProcessReport(name)
    last: dict[int, Any] = {}
    imported: dict[int, dict[str, Any]] = {}
    begun: dict[int, str] = {}
    for record in records:
        kind = record.get("t")
        if kind == "begin":
            begun[record["n"]] = record["action"]
        elif kind == "end" and not record.get("problem"):
            action = begun.get(record["n"], "?")
            report.actions[action] = report.actions.get(action, 0) + 1
        if kind == "state":
            report.changes += 1
            last[record["id"]] = record["state"]
        elif kind == "document":
            report.changes += 1
            imported[record["id"]] = record
        elif record.get("problem") and kind in ("list", "import", "export"):
            report.problems.append(f"{record}")
        elif kind == "end" and (record.get("crash") or str(record.get("problem")).startswith(
            "export failed"
        )):
            report.problems.append(f"action {begun.get(record['n'])}: {record['problem']}")
        elif kind == "error" and any(w in record["message"] for w in STORAGE_TROUBLE):
            report.problems.append(record["message"])
        elif record.get("problem") or kind == "error":
            report.hitches.append(str(record.get("problem") or record.get("message")))
    for annotation_id, expected in sorted(last.items()):
        report.checked += 1
        found = stored.get(annotation_id)
        if same(found, expected):
            continue
        what = f"annotation {annotation_id}: journaled {expected}, stored {found}"
        # A SIGKILL mid-action: that one action may or may not have committed.
        if interrupted and not report.tolerated:
            report.tolerated.append(what)
        else:
            report.lost.append(what)
    for document_id, record in sorted(imported.items()):
        report.checked += 1
        found_doc = documents.get(document_id)
        if found_doc is None or found_doc[0] != record["source"] or (
            "units" in record and found_doc[1] != record["units"]
        ):
            report.lost.append(f"document {document_id} ({record['source']}): stored {found_doc}")
    return report


def check(
    db: Path, journals: dict[str, Path], killed: bool, problems: list[str]
) -> SoakResult:
    integrity, foreign = "not checked", []
    stored: dict[int, dict[str, Any]] = {}
    documents: dict[int, tuple[str, int]] = {}
    conn = sqlite3.connect(db)
    try:
        integrity = "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))
        foreign = [tuple(row) for row in conn.execute("PRAGMA foreign_key_check")]
        stored = stored_annotations(conn)
        documents = {
            row[0]: (row[1], row[2]) for row in conn.execute(
                "SELECT d.id, d.source_name, count(u.id) FROM documents d "
                "LEFT JOIN units u ON u.document_id = d.id GROUP BY d.id"
            )
        }
    except sqlite3.DatabaseError as exc:  # a damaged file: everything journaled counts as lost
        problems.append(f"the database cannot be read: {exc}")
        if integrity == "not checked":
            integrity = f"unreadable ({exc})"
    finally:
        conn.close()
    reports = []
    for name, path in journals.items():
        records = read_journal(path)
        interrupted = False
        if name == "window":
            begun = {r["n"] for r in records if r.get("t") == "begin"}
            ended = {r["n"] for r in records if r.get("t") == "end"}
            interrupted = killed and bool(begun - ended)
            if not any(r.get("t") == "session" for r in records):
                problems.append("the window's session never started")
        reports.append(check_journal(name, records, stored, documents, interrupted))
    return SoakResult(killed, reports, integrity, foreign, problems)


# -- running ---------------------------------------------------------------------------------


def count_lines(path: Path, kind: str) -> int:
    if not path.exists():
        return 0
    return path.read_text(encoding="utf-8").count(f'"t": "{kind}"')


def run_soak(
    work: Path, *, seed: int = 1, seconds: float = 15.0, rounds: int = 10_000,
    kill: bool = False,
) -> SoakResult:
    """One soak in `work` (a fresh folder); the window's session lasts about `seconds`."""
    work.mkdir(parents=True, exist_ok=True)
    setup = prepare(work)
    env = child_env(work)
    journals = {name: work / f"{name}.journal" for name in ("window", "cli", "api")}
    python = sys.executable
    window = subprocess.Popen(
        [python, str(DRIVER), "--db", str(setup.db), "--journal", str(journals["window"]),
         "--seed", str(seed), "--rounds", str(rounds), "--seconds", str(seconds),
         "--work", str(work), "--author", WINDOW_AUTHOR,
         *(f"--colleague={p}" for p in setup.colleague_files),
         *(f"--source={s}" for s in setup.window_sources)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        cwd=REPO, env=env,
    )
    common = ["--db", str(setup.db), "--folder", str(work), "--rounds", str(rounds),
              "--seconds", str(seconds + 5), "--seed", str(seed)]
    workers = {
        name: subprocess.Popen(
            [python, __file__, "--worker", name, "--journal", str(journals[name]),
             "--document", str(setup.api_document), *common],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, cwd=REPO, env=env,
        )
        for name in ("cli", "api")
    }
    problems: list[str] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while count_lines(journals["window"], "session") == 0:
            if window.poll() is not None or time.monotonic() > deadline:
                problems.append("the window did not start its session")
                break
            time.sleep(0.05)
        (work / "go").touch()
        if kill and not problems:
            kill_mid_session(window, journals["window"], seed, seconds)
        try:
            window.wait(timeout=seconds + START_TIMEOUT)
        except subprocess.TimeoutExpired:
            problems.append("the window did not finish its session in time")
        # The others go on a moment after the window is gone (after a crash: on the file it
        # left with its log), as a colleague's terminal would.
        time.sleep(AFTER_WINDOW_SECONDS)
        (work / "stop").touch()
        for name, worker in workers.items():
            try:
                worker.wait(timeout=START_TIMEOUT)
            except subprocess.TimeoutExpired:
                problems.append(f"the {name} process did not stop in time")
    finally:
        for process in (window, *workers.values()):
            if process.poll() is None:
                process.kill()
                process.wait()
    errors = {"window": window.stderr.read() if window.stderr else ""}
    for name, worker in workers.items():
        errors[name] = worker.stderr.read() if worker.stderr else ""
        if worker.returncode != 0:
            problems.append(f"the {name} process failed ({worker.returncode}): "
                            f"{errors[name][-1500:]}")
    if not kill and window.returncode != 0:
        problems.append(f"the window exited with {window.returncode}: {errors['window'][-1500:]}")
    return check(setup.db, journals, kill, problems)


def kill_mid_session(
    window: subprocess.Popen[str], journal: Path, seed: int, seconds: float
) -> None:
    """SIGKILL the window at a random moment after its opening actions (export, import and
    merge among them)."""
    from window_driver import Session

    deadline = time.monotonic() + START_TIMEOUT
    while count_lines(journal, "end") < len(Session.OPENING) and window.poll() is None:
        if time.monotonic() > deadline:
            return
        time.sleep(0.02)
    time.sleep(random.Random(seed).uniform(0.2, 0.6) * seconds)
    if window.poll() is None:
        os.kill(window.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="the window's session")
    parser.add_argument("--rounds", type=int, default=100_000, help="at most this many actions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kill", action="store_true", help="SIGKILL the window mid-session")
    parser.add_argument("--both", action="store_true", help="quit normally, then --kill")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (journals)")
    parser.add_argument("--worker", choices=("cli", "api"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--journal", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--document", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    if args.worker:
        journal = Journal(args.journal)
        if args.worker == "cli":
            cli_worker(args.db, journal, args.folder, args.rounds, args.seconds)
        else:
            api_worker(args.db, journal, args.folder, args.document, args.seed, args.rounds,
                       args.seconds)
        return 0
    variants = (False, True) if args.both else (args.kill,)
    failed = False
    with tempfile.TemporaryDirectory(prefix="annotator-soak-") as tmp:
        for kill in variants:
            started = time.perf_counter()
            folder = (args.keep or Path(tmp)) / ("killed" if kill else "quit")
            result = run_soak(folder, seed=args.seed,
                              seconds=args.seconds, rounds=args.rounds, kill=kill)
            print(result.table())
            print(f"{time.perf_counter() - started:.0f} s\n")
            failed = failed or not result.ok
    return 1 if failed else 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
