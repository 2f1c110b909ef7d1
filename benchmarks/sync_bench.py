"""Syncing an offline laptop with the team database (issue 17): how long `annotator sync` takes.

Run: `.venv/bin/python benchmarks/sync_bench.py` (`--rounds N`, `--documents N`, `--own N`,
`--others N`, `--edits N`).

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py, durable: fsync and synchronous
commits on) and builds once a team database holding `--documents` briefings and `--others`
annotations of five colleagues (row-level security on: the sync connects as the analyst "ana"),
and a laptop file with the same briefings and `--own` annotations of ana's. Each round takes a
fresh copy of both (the server's by CREATE DATABASE ... TEMPLATE, the laptop's by a file copy)
and times, interleaved with the floor:
- first: the first sync (pulls the colleagues' annotations, pushes ana's);
- no-op: a second sync, which finds nothing to do (it scans both sides: the first sync changed
  them), then no-op again: a third (both sides as the second left them: their marks suffice);
- scanned: a no-op sync made to scan both sides (the marks kept by the last sync spoilt), as
  a sync does whenever either side changed at all;
- edits: a sync after `--edits` notes changed on the laptop and as many deletions;
- full re-read: what a sync read before it was incremental (both sides whole: every
  annotation with its tags, note and review, every document with its text and units);
- floor: a raw read of the same rows, the annotations and their tags of both sides (sqlite3
  and psycopg, one SELECT per table, rows fetched and dropped).
Prints each one's best and median seconds over the rounds and their ratio to the floor's
median, with the machine's load.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SENTENCE = "Officials said the convoy reached the border at dawn, and we assess it will return. "
COLLEAGUES = ("ben", "cara", "dan", "eve", "finn")


def _text(index: int) -> str:
    return f"Briefing {index}\n\n" + SENTENCE * 120


def _add_documents(store: Any, count: int) -> list[int]:
    from annotator.core import ops

    ids = []
    for index in range(count):
        text = _text(index)
        created = ops.add_document(store, ops.NewDocument(
            text=text, title=f"B{index}", issuer=None, published=None, date_certainty="none",
            date_note=None, language="en", source_name=f"b{index}.txt", source_format="txt",
            units=[(0, len(text), "sentence")],
        )).created_id
        assert created is not None
        ids.append(created)
    return ids


def _annotate(store: Any, documents: list[int], per_document: int, authors: tuple[str, ...],
              offset: int) -> None:
    from annotator.core import ops

    span = len(SENTENCE)
    for document in documents:
        ops.bulk_add_annotations(store, document, [
            ops.NewAnnotation(
                offset + (n % 100) * span, offset + (n % 100) * span + 20 + n // 100,
                authors[n % len(authors)], ["claim"] if n % 2 else ["assessment"],
            )
            for n in range(per_document)
        ])


def _floor(laptop: Path, server_url: str) -> float:
    import psycopg

    started = time.perf_counter()
    conn = sqlite3.connect(laptop)
    for table in ("annotations", "annotation_tags"):
        conn.execute(f"SELECT * FROM {table}").fetchall()
    conn.close()
    with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql")) as pg:
        for table in ("annotations", "annotation_tags"):
            pg.execute(f"SELECT * FROM {table}").fetchall()
    return time.perf_counter() - started


def _full_read(local: Any, server: Any) -> float:
    """Both sides whole, as a sync read them before it was incremental."""
    from annotator.core.sync_read import read_documents, read_versions, scan

    started = time.perf_counter()
    for store in (local, server):
        scanned = scan(store)
        read_versions(store, scanned.annotations.values())
        read_documents(store, set(scanned.shas.values()))
    return time.perf_counter() - started


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--own", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=50_000)
    parser.add_argument("--edits", type=int, default=100)
    args = parser.parse_args()

    from sqlalchemy import select, update

    from annotator.core import ops
    from annotator.core.model import Annotation, Meta
    from annotator.core.server_roles import add_user, init_server
    from annotator.core.store import open_store
    from annotator.core.sync import sync
    from tests.pg_cluster import PgCluster

    folder = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    cluster = PgCluster().start(durable=True)
    times: dict[str, list[float]] = {
        name: []
        for name in (
            "floor", "first", "no-op", "no-op again", "scanned", "edits", "full re-read"
        )
    }
    try:
        template_url = cluster.create_database()
        with init_server(template_url) as admin:
            add_user(admin, "ana", "analyst")
            documents = _add_documents(admin, args.documents)
            _annotate(admin, documents, args.others // args.documents, COLLEAGUES, 0)
        template = template_url.split("@/", 1)[1].split("?")[0]
        pristine = folder / "pristine.sqlite3"
        with open_store(pristine, daily_backup=False) as laptop:
            own_documents = _add_documents(laptop, args.documents)
            _annotate(laptop, own_documents, args.own // args.documents, ("ana",), 2)
        for round_number in range(args.rounds):
            name = cluster._new_database(template)
            url = cluster.url(name)
            path = folder / f"laptop{round_number}.sqlite3"
            shutil.copy(pristine, path)
            with open_store(path, daily_backup=False) as local, open_store(
                url.replace("annotator_test@", "ana@")
            ) as server:
                times["floor"].append(_floor(path, url))
                elapsed, first = _timed(lambda: sync(local, server))
                times["first"].append(elapsed)
                assert first.pushed_annotations == args.own, first.lines()
                assert first.pulled_annotations == args.others, first.lines()
                times["floor"].append(_floor(path, url))
                elapsed, again = _timed(lambda: sync(local, server))
                times["no-op"].append(elapsed)
                assert again.changed_nothing, again.lines()
                times["floor"].append(_floor(path, url))
                elapsed, third = _timed(lambda: sync(local, server))
                times["no-op again"].append(elapsed)
                assert third.changed_nothing, third.lines()
                times["floor"].append(_floor(path, url))
                with local.write() as session:
                    session.execute(
                        update(Meta).where(Meta.key.like("sync-state:%")).values(value="spoilt")
                    )
                elapsed, scanned = _timed(lambda: sync(local, server))
                times["scanned"].append(elapsed)
                assert scanned.changed_nothing, scanned.lines()
                times["floor"].append(_floor(path, url))
                times["full re-read"].append(_full_read(local, server))
                with local.read() as session:
                    own = session.scalars(
                        select(Annotation.id).where(Annotation.author == "ana")
                        .order_by(Annotation.id).limit(2 * args.edits)
                    ).all()
                for annotation_id in own[: args.edits]:
                    ops.set_note(local, annotation_id, "edited offline")
                for annotation_id in own[args.edits :]:
                    ops.delete_annotation(local, annotation_id)
                times["floor"].append(_floor(path, url))
                elapsed, edited = _timed(lambda: sync(local, server))
                times["edits"].append(elapsed)
                assert edited.pushed_updates == args.edits, edited.lines()
                assert edited.pushed_deletions == args.edits, edited.lines()
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)

    floor = statistics.median(times["floor"])
    print(f"{args.documents} documents, laptop {args.own} own annotations, server "
          f"{args.others} others'; {args.edits} edits + {args.edits} deletions; "
          f"{args.rounds} rounds; {load}")
    print("| | best s | median s | median / floor |")
    print("|---|---|---|---|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {min(values):.3f} | {median:.3f} | {median / floor:.2f} |")


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
