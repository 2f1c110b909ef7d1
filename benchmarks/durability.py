"""Durability trials: kill a writing process at a random moment, then check nothing was lost.

A child process runs the real write path (`annotator.core.ops`, synchronous=FULL, WAL) through a
planned, seeded sequence of changes (create with tags and fields, edit fields, delete), printing
each change's number after its commit returned. The parent kills it with SIGKILL at a random
moment and then checks: `PRAGMA integrity_check` is ok, `foreign_key_check` is empty, and the
database holds exactly the state after the last reported change, or after the one change that
may have committed without being reported yet. Nothing else is acceptable.

Run: `.venv/bin/python benchmarks/durability.py --trials 100` (prints a summary line).
"""

from __future__ import annotations

import argparse
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


def child(db: Path, seed: int, count: int) -> None:
    sys.path.insert(0, str(REPO))
    from annotator.core import ops as core_ops
    from annotator.core.fields import validate_fields
    from annotator.core.store import open_store

    plan = planned_ops(seed, count)
    with open_store(db, daily_backup=False) as store:
        document_id = 1
        for index, op in enumerate(plan, start=1):
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


def trial(workdir: Path, seed: int, count: int = 5000, max_wait: float = 1.0) -> TrialResult:
    db = workdir / f"trial-{seed}.sqlite3"
    prepare(db)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(db), "--seed", str(seed), "--count", str(count)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    # Wait until the child is writing, then kill it at a random moment.
    first = process.stdout.readline() if process.stdout else ""
    time.sleep(random.Random(seed).uniform(0.0, max_wait))
    os.kill(process.pid, signal.SIGKILL)
    rest, _err = process.communicate()
    lines = [line for line in (first + rest).splitlines() if line.strip()]
    reported = int(lines[-1]) if lines else 0
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
    return TrialResult(reported, False, f"state differs after {reported} reported changes")


def run_trials(trials: int, seed0: int = 1000) -> list[TrialResult]:
    with tempfile.TemporaryDirectory() as tmp:
        return [trial(Path(tmp), seed0 + i) for i in range(trials)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=5000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.seed, args.count)
        return 0
    started = time.perf_counter()
    results = run_trials(args.trials)
    failed = [r for r in results if not r.ok]
    changes = sum(r.reported for r in results)
    print(
        f"{len(results)} trials, {len(results) - len(failed)} passed, {len(failed)} failed; "
        f"{changes} committed changes checked; {time.perf_counter() - started:.0f} s"
    )
    for result in failed:
        print(f"  FAILED after {result.reported} changes: {result.problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
