"""Durability trials: kill a writing process at a random moment, then check nothing was lost.

A child process runs the real write path (`annotator.core.ops`, synchronous=FULL, WAL) through a
planned, seeded sequence of changes (create with tags and fields, edit fields, delete), printing
each change's number after its commit returned. The parent kills it with SIGKILL at a random
moment and then checks: `PRAGMA integrity_check` is ok, `foreign_key_check` is empty, and the
database holds exactly the state after the last reported change, or after the one change that
may have committed without being reported yet. Nothing else is acceptable.

With --external-reader, another process reads the database meanwhile, as a backup tool, an
indexer or a colleague's terminal would: it opens the database file and its -wal with plain
Python open(), reads and closes them, and runs `annotator list --db` on the file, round and
round, from before the child writes until after it was killed; and the child exports every
10 changes through a second store in its own process, as the window's export dialog does
(issue 13: that is what once let another process's `annotator list` delete the live WAL). The
trials must still find every committed change, and the reader's `annotator list` never fails.

Run: `.venv/bin/python benchmarks/durability.py --trials 100` (prints a summary line);
`--external-reader` for that variant, `--both` for both.
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
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEXT = "The convoy was attacked near the river. " * 50
SENTENCES = [(i * 40, i * 40 + 39) for i in range(50)]
TAG_SETS = (["claim"], ["assessment"], ["figure"], ["claim", "figure"])

Op = tuple  # ("create", start, end, tags) | ("fields", target, value) | ("delete", target)
# The form field each tag's "fields" change writes (the number N as text or as a value).
EXPORT_EVERY = 10  # with the external reader: the child exports every this many changes
FIELD_OF_TAG = {"claim": "attributed_to", "assessment": "judgment_holder", "figure": "value"}


def planned_ops(seed: int, count: int) -> list[Op]:
    """The child's changes; targets are 0-based creation numbers (= annotation id - 1)."""
    rng = random.Random(seed)
    ops: list[Op] = []
    created = 0
    alive: list[int] = []
    for _ in range(count):
        roll = rng.random()
        if not alive or roll < 0.5:
            start, end = rng.choice(SENTENCES)
            ops.append(("create", start, end, list(rng.choice(TAG_SETS))))
            alive.append(created)
            created += 1
        elif roll < 0.85:
            ops.append(("fields", rng.choice(alive), rng.randint(1, 10_000)))
        else:
            target = alive.pop(rng.randrange(len(alive)))
            ops.append(("delete", target))
    return ops


State = dict[int, tuple[int, int, tuple[str, ...], int | None]]


def state_after(ops: list[Op], k: int) -> State:
    """Annotation id -> (start, end, tags, claim... value field) after the first k changes."""
    state: State = {}
    created = 0
    for op in ops[:k]:
        if op[0] == "create":
            created += 1
            state[created] = (op[1], op[2], tuple(sorted(op[3])), None)
        elif op[0] == "fields":
            start, end, tags, _value = state[op[1] + 1]
            state[op[1] + 1] = (start, end, tags, op[2])
        else:
            del state[op[1] + 1]
    return state


def database_state(db: Path) -> State:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT a.id, a.start, a.\"end\", t.name, x.fields FROM annotations a "
            "JOIN annotation_tags x ON x.annotation_id = a.id JOIN tags t ON t.id = x.tag_id"
        ).fetchall()
    finally:
        conn.close()
    state: dict[int, list[object]] = {}
    for annotation_id, start, end, tag, fields in rows:
        entry = state.setdefault(annotation_id, [start, end, [], None])
        entry[2].append(tag)  # type: ignore[union-attr]
        raw = json.loads(fields).get(FIELD_OF_TAG.get(tag, ""))
        if raw is not None:
            entry[3] = int(raw)
    return {
        k: (int(v[0]), int(v[1]), tuple(sorted(v[2])), v[3])  # type: ignore[arg-type]
        for k, v in state.items()
    }


def export_beside(db: Path, index: int) -> None:
    """An export as the window's export dialog runs it: a store of its own on the database,
    opened and closed while the writing store stays open in the same process."""
    from annotator.core.exporters.registry import export_store
    from annotator.core.store import open_store

    out = db.with_name(f"{db.stem}-export-{index % 2}.jsonl")
    with open_store(db, daily_backup=False) as reader:
        export_store(reader, "jsonl-spans", out)


def child(db: Path, seed: int, count: int, export_every: int = 0) -> None:
    sys.path.insert(0, str(REPO))
    from annotator.core import ops as core_ops
    from annotator.core.fields import validate_fields
    from annotator.core.store import open_store

    plan = planned_ops(seed, count)
    with open_store(db, daily_backup=False) as store:
        document_id = 1
        for index, op in enumerate(plan, start=1):
            if export_every and index % export_every == 0:
                export_beside(db, index)
            if op[0] == "create":
                tags = op[3]
                core_ops.create_annotation(store, document_id, op[1], op[2], "trial", tags)
            elif op[0] == "fields":
                annotation_id = op[1] + 1
                tag = core_ops.snapshot_annotation(store, annotation_id).tags[0].name
                values = validate_fields(tag, {FIELD_OF_TAG[tag]: str(op[2])})
                core_ops.set_fields(store, annotation_id, tag, values)
            else:
                core_ops.delete_annotation(store, op[1] + 1)
            print(index, flush=True)


@dataclass
class TrialResult:
    reported: int
    ok: bool
    problem: str = ""
    reader_lists: int = 0  # `annotator list` runs of the external reader during the trial


def external_reader(db: Path, stop: Path) -> None:
    """Read the files with plain open()/read/close and run `annotator list` until `stop`
    exists; print one JSON line: how many rounds, and the failures of `annotator list`."""
    sys.path.insert(0, str(REPO))
    from annotator.cli import main as cli_main

    rounds, failures = 0, []
    while True:
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError), open(f"{db}{suffix}", "rb") as handle:
                while handle.read(1 << 16):
                    pass
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = cli_main(["list", "--db", str(db)])
        if code != 0:
            failures.append(err.getvalue().strip())
        rounds += 1
        if rounds == 1:
            print("ready", flush=True)
        if stop.exists():
            break
    print(json.dumps({"lists": rounds, "failures": failures[:5]}), flush=True)


def start_reader(db: Path, stop: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    reader = subprocess.Popen(
        [sys.executable, __file__, "--reader", str(db), "--stop", str(stop)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    # Reading before the child writes: its first `annotator list` is done.
    first = reader.stdout.readline() if reader.stdout else ""
    if first.strip() != "ready":
        reader.kill()
        _out, err = reader.communicate()
        raise RuntimeError(f"the external reader did not start: {first} {err[-1000:]}")
    return reader


def stop_reader(reader: subprocess.Popen[str], stop: Path) -> tuple[int, list[str]]:
    """Let the reader finish its round (it runs after the kill too); its lists and failures."""
    stop.touch()
    try:
        out, err = reader.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        reader.kill()
        reader.communicate()
        return 0, ["the external reader did not stop"]
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if reader.returncode != 0 or not lines:
        return 0, [f"the external reader failed: {err[-1000:]}"]
    summary = json.loads(lines[-1])
    return int(summary["lists"]), list(summary["failures"])


def prepare(db: Path) -> None:
    sys.path.insert(0, str(REPO))
    from annotator.core import ops as core_ops
    from annotator.core.store import open_store

    with open_store(db, daily_backup=False) as store:
        core_ops.add_document(
            store,
            core_ops.NewDocument(
                text=TEXT, title="trial", issuer=None, published=None, date_certainty="none",
                date_note=None, language="en", source_name="trial.txt", source_format="txt",
                units=[(s, e, "sentence") for s, e in SENTENCES],
            ),
        )


def trial(
    workdir: Path, seed: int, count: int = 5000, max_wait: float = 1.0,
    external: bool = False,
) -> TrialResult:
    db = workdir / f"trial-{seed}.sqlite3"
    prepare(db)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    stop = workdir / f"trial-{seed}.stop"
    reader = start_reader(db, stop, env) if external else None
    failed: ChildFailed | None = None
    try:
        reported = run_child(db, seed, count, max_wait, env, EXPORT_EVERY if external else 0)
    except ChildFailed as exc:
        failed, reported = exc, exc.reported
    finally:
        lists, failures = stop_reader(reader, stop) if reader is not None else (0, [])
    result = check_trial(db, seed, count, reported)
    if failed is not None:
        result = TrialResult(reported, False, f"{failed}; {result.problem or 'nothing lost'}")
    result.reader_lists = lists
    if result.ok and failures:
        return TrialResult(reported, False, f"annotator list failed: {failures[0]}", lists)
    return result


def run_child(
    db: Path, seed: int, count: int, max_wait: float, env: dict[str, str], export_every: int
) -> int:
    """The writing child, killed at a random moment; the last change it reported."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(db), "--seed", str(seed), "--count", str(count),
         "--export-every", str(export_every)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    # Wait until the child is writing, then kill it at a random moment.
    first = process.stdout.readline() if process.stdout else ""
    time.sleep(random.Random(seed).uniform(0.0, max_wait))
    stopped_alone = process.poll() is not None
    if not stopped_alone:
        os.kill(process.pid, signal.SIGKILL)
    rest, err = process.communicate()
    lines = [line for line in (first + rest).splitlines() if line.strip()]
    reported = int(lines[-1]) if lines else 0
    if stopped_alone and reported < count:
        raise ChildFailed(reported, err.strip().splitlines()[-1:] or ["(no message)"])
    return reported


class ChildFailed(Exception):
    """The child stopped by itself before it was killed: a write or an export failed."""

    def __init__(self, reported: int, message: list[str]) -> None:
        super().__init__(f"the child failed after {reported} changes: {message[0][:400]}")
        self.reported = reported


def check_trial(db: Path, seed: int, count: int, reported: int) -> TrialResult:
    conn = sqlite3.connect(db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.execute("PRAGMA foreign_keys=ON")
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    if reported >= count:
        return TrialResult(reported, False, "the child finished before it was killed")
    if integrity != "ok":
        return TrialResult(reported, False, f"integrity_check: {integrity}")
    if foreign:
        return TrialResult(reported, False, f"foreign_key_check: {foreign[:3]}")
    plan = planned_ops(seed, count)
    found = database_state(db)
    if found == state_after(plan, reported) or found == state_after(plan, reported + 1):
        return TrialResult(reported, True)
    return TrialResult(reported, False, describe_loss(state_after(plan, reported), found))


def describe_loss(expected: State, found: State) -> str:
    """What the file lacks (or holds wrongly) compared with the last reported change."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    differing = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
    parts = [
        f"{label}: {len(ids)} (ids {', '.join(map(str, ids[:8]))}{'...' if len(ids) > 8 else ''})"
        for label, ids in (
            ("missing", missing), ("not deleted", extra), ("older state", differing)
        )
        if ids
    ]
    return "state differs from the reported changes; annotations " + "; ".join(parts)


def run_trials(trials: int, seed0: int = 1000, external: bool = False) -> list[TrialResult]:
    with tempfile.TemporaryDirectory() as tmp:
        # The reader's variant writes more slowly (exports): a longer time before the kill.
        wait = 2.0 if external else 1.0
        return [
            trial(Path(tmp), seed0 + i, max_wait=wait, external=external) for i in range(trials)
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument(
        "--external-reader", action="store_true",
        help="another process reads the files (open/read/close) and runs annotator list",
    )
    parser.add_argument("--both", action="store_true", help="both variants, one line each")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reader", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stop", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=5000, help=argparse.SUPPRESS)
    parser.add_argument("--export-every", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.seed, args.count, args.export_every)
        return 0
    if args.reader:
        external_reader(args.reader, args.stop)
        return 0
    variants = (False, True) if args.both else (args.external_reader,)
    any_failed = False
    for external in variants:
        started = time.perf_counter()
        results = run_trials(args.trials, external=external)
        failed = [r for r in results if not r.ok]
        changes = sum(r.reported for r in results)
        reader = (
            f" (external reader: {sum(r.reader_lists for r in results)} annotator list runs "
            "and file reads)" if external else ""
        )
        print(
            f"{len(results)} trials{reader}, {len(results) - len(failed)} passed, "
            f"{len(failed)} failed; {changes} committed changes checked; "
            f"{time.perf_counter() - started:.0f} s"
        )
        for result in failed:
            print(f"  FAILED after {result.reported} changes: {result.problem}")
        any_failed = any_failed or bool(failed)
    return 1 if any_failed else 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
