"""A team database under load (issue 17): analysts tagging at once against one local server.

Run: `.venv/bin/python benchmarks/team_bench.py` (`--analysts N`, `--actions N`, `--rounds N`,
`--pace MS`).

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py) with durable settings (fsync and
synchronous commits on), runs `annotator server init`, adds `--analysts` login roles and 20
briefings. Each analyst is a process of its own connected as its role (row-level security on).
Timed, interleaved round by round, all analysts starting together:
- app: each analyst makes `--actions` actions through `ops`, cycling create (with a tag),
  toggle a second tag, set a note, delete: each one transaction with its history row;
- floor: the same analysts each make as many raw psycopg transactions of what one action
  writes at least (an annotation, its tag, a history row; one commit), on the same server.
Prints per-action p50 / p95 (ms) of app and floor and their ratio, and the lost writes: the
annotations and history rows the server holds against what the analysts were told succeeded.
By default each analyst acts again as soon as an action returns (the machine saturated: with
more analysts than cores, the time per action is mostly waiting for a core). `--pace MS`: each
analyst starts an action every MS milliseconds, all analysts together (the same actions, at a
rate still far above a person's), so the times show the server's waits rather than the queue
for a core.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TEXT = "We assess that growth will likely slow. Officials disagree about it. " * 20
NOW = "2025-01-01T00:00:00.000000+00:00"


def _as(url: str, user: str) -> str:
    return url.replace("annotator_test@", f"{user}@")


def _schedule(pace: float) -> Any:
    """A function that sleeps until the next action is due: every `pace` seconds from now
    (never, with 0: actions back to back)."""
    due = time.perf_counter()

    def wait() -> None:
        nonlocal due
        if pace:
            due += pace
            time.sleep(max(0.0, due - time.perf_counter()))

    return wait


def app_worker(
    url: str, user: str, documents: list[int], actions: int, barrier: Any, pace: float = 0.0
) -> dict:
    from annotator.core import ops
    from annotator.core.store import open_store

    times: list[float] = []
    kept = history = 0
    with open_store(_as(url, user)) as store:
        barrier.wait()
        turn = _schedule(pace)
        current: int | None = None
        for n in range(actions):
            turn()
            step = n % 4
            started = time.perf_counter()
            if step == 0:
                document = documents[n % len(documents)]
                current = ops.create_annotation(store, document, 0, 39, user, ["claim"]).created_id
                kept += 1
            elif step == 1:
                assert current is not None
                ops.set_tag(store, current, "assessment", True, actor=user)
            elif step == 2:
                assert current is not None
                ops.set_note(store, current, f"note {n}", actor=user)
            else:
                assert current is not None
                ops.delete_annotation(store, current, actor=user)
                kept -= 1
            times.append(time.perf_counter() - started)
            history += 1
    return {"times": times, "kept": kept, "history": history}


def floor_worker(
    url: str, user: str, documents: list[int], actions: int, barrier: Any, pace: float = 0.0
) -> dict:
    import psycopg

    times: list[float] = []
    with psycopg.connect(_as(url, user).replace("postgresql+psycopg", "postgresql")) as conn:
        barrier.wait()
        turn = _schedule(pace)
        for n in range(actions):
            turn()
            document = documents[n % len(documents)]
            started = time.perf_counter()
            with conn.transaction():
                (annotation,) = conn.execute(
                    'INSERT INTO annotations (document_id, start, "end", author, created, '
                    "modified, note) VALUES (%s, 0, 39, %s, %s, %s, '') RETURNING id",
                    (document, user, NOW, NOW),
                ).fetchone()
                conn.execute(
                    "INSERT INTO annotation_tags (annotation_id, tag_id, fields, suggested) "
                    "VALUES (%s, 1, '{}', '[]')",
                    (annotation,),
                )
                conn.execute(
                    "INSERT INTO annotation_history (annotation_id, document_id, action, actor, "
                    "at, after, comment) VALUES (%s, %s, 'create', %s, %s, '{}', '')",
                    (annotation, document, user, NOW),
                )
            times.append(time.perf_counter() - started)
    return {"times": times, "kept": actions, "history": actions}


def _child(kind: str, url: str, user: str, documents: list[int], actions: int,
           barrier: Any, results: Any, pace: float) -> None:
    worker = app_worker if kind == "app" else floor_worker
    results.put(worker(url, user, documents, actions, barrier, pace))


def _run_round(kind: str, url: str, users: list[str], documents: list[int], actions: int,
               pace: float = 0.0):
    context = mp.get_context("spawn")
    barrier = context.Barrier(len(users))
    results = context.Queue()
    children = [
        context.Process(
            target=_child, args=(kind, url, user, documents, actions, barrier, results, pace)
        )
        for user in users
    ]
    for child in children:
        child.start()
    gathered = [results.get(timeout=600) for _ in children]
    for child in children:
        child.join()
    return gathered


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analysts", type=int, default=10)
    parser.add_argument("--actions", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pace", type=float, default=0.0,
                        help="milliseconds from one action's start to the next (0: no pause)")
    args = parser.parse_args()

    from annotator.core import ops
    from annotator.core.server_roles import add_user, init_server
    from tests.pg_cluster import PgCluster

    cluster = PgCluster().start(durable=True)
    try:
        url = cluster.create_database()
        users = [f"analyst{n}" for n in range(args.analysts)]
        with init_server(url) as store:
            for user in users:
                add_user(store, user, "analyst")
            documents = []
            for index in range(20):
                created = ops.add_document(store, ops.NewDocument(
                    text=TEXT + str(index), title=f"B{index}", issuer=None, published=None,
                    date_certainty="none", date_note=None, language="en",
                    source_name=f"b{index}.txt", source_format="txt", units=[(0, 39, "sentence")],
                )).created_id
                assert created is not None
                documents.append(created)
        app: list[float] = []
        floor: list[float] = []
        expected_annotations = expected_history = 0
        for _round in range(args.rounds):
            for kind, into in (("floor", floor), ("app", app)):
                results = _run_round(
                    kind, url, users, documents, args.actions, args.pace / 1000
                )
                for result in results:
                    into.extend(result["times"])
                    expected_annotations += result["kept"]
                    expected_history += result["history"]
        lost_annotations = expected_annotations - _count(url, "annotations")
        lost_history = expected_history - _count(url, "annotation_history")
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    finally:
        cluster.stop()

    def ms(values: list[float], share: float) -> float:
        return 1000 * _percentile(values, share)

    paced = f", an action every {args.pace:g} ms each" if args.pace else ""
    print(f"{args.analysts} analysts x {args.actions} actions x {args.rounds} rounds{paced}; "
          f"{load}")
    print("| | p50 ms | p95 ms | mean ms |")
    print("|---|---|---|---|")
    for name, values in (("floor (raw psycopg)", floor), ("app (ops, RLS on)", app)):
        print(f"| {name} | {ms(values, 0.5):.2f} | {ms(values, 0.95):.2f} | "
              f"{1000 * statistics.fmean(values):.2f} |")
    print(f"| ratio app / floor | {ms(app, 0.5) / ms(floor, 0.5):.2f} | "
          f"{ms(app, 0.95) / ms(floor, 0.95):.2f} | |")
    print(f"lost writes: {lost_annotations} annotations, {lost_history} history rows")


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
