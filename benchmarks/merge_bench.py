"""Merge benchmark: a colleague's database with 100,000 annotations on 100 briefings merged
into a fresh database, measured against raw SQLite in the same run (issue 15: within 2x).

Run: `.venv/bin/python benchmarks/merge_bench.py [--annotations N] [--documents N] [--runs N]`.
Builds the colleague's database once (ops.bulk_add_annotations; two authors, one to three tags
with fields per annotation), then each run, interleaved so that the machine's load hits all
alike:
- the floor (issue 15's): the stdlib sqlite3 module, one connection, WAL, synchronous=FULL,
  inserts the colleague's 100,000 annotation rows (all 12 columns, read into memory before the
  clock starts) into an empty `annotations` table of the same shape (the app's CREATE TABLE and
  its index) with one executemany in one transaction, commit included;
- the full-data floor: the same, writing every row the merge writes (documents, units, tags,
  annotations, annotation tags, history: copied from the first merge's result, less the rows a
  new database starts with but its tags, so the same rows and the same bytes of history JSON;
  checked against the merge's report) into an empty database of the app's schema (its tables and
  indexes), foreign keys on as in the app;
- `colleague.merge_colleague` into a new empty database (read the file read-only, create the
  100 briefings, write every annotation with its history in one transaction), then a second
  merge of the same file into it (everything already present).
Prints ratios first (merge / floor, per run and best against best; also in CPU time, which
the load of other processes distorts less than wall time), then the times, the phases of one
extra merge by the general path (what exports and databases of older schemas take) and the load
(/proc/loadavg).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.core import annotation_table as table  # noqa: E402
from annotator.core import ops, search_index  # noqa: E402
from annotator.core.colleague import merge_colleague, read_colleague_database  # noqa: E402
from annotator.core.fields import TAG_FIELDS  # noqa: E402
from annotator.core.interchange.merge import merge_incoming  # noqa: E402
from annotator.core.search import search  # noqa: E402
from annotator.core.segment import segment  # noqa: E402
from annotator.core.store import open_store  # noqa: E402

SENTENCE = "Officials said convoy {n} of {m} trucks is likely to arrive within two days. "
GOAL_RATIO = 2.0  # issue 15: a merge within 2x of its floor


def build_colleague(path: Path, documents: int, annotations: int, seed: int) -> None:
    rng = random.Random(seed)
    per_document = annotations // documents
    tags = list(TAG_FIELDS)
    with open_store(path, daily_backup=False) as store:
        for number in range(documents):
            # about one unit per two annotations: two authors tag most sentences
            text = "".join(
                SENTENCE.format(n=number * 1000 + i, m=i % 90 + 10)
                for i in range(per_document // 2)
            )
            units = [(u.start, u.end, str(u.kind)) for u in segment(text)]
            doc_id = ops.add_document(
                store,
                ops.NewDocument(
                    text=text, title=f"Briefing {number}", issuer=None, published=None,
                    date_certainty="none", date_note=None, language="en",
                    source_name=f"b{number}.txt", source_format="txt", units=units,
                ),
            ).created_id
            assert doc_id is not None
            new = []
            for index in range(per_document):
                start, end, _kind = units[index % len(units)]
                chosen = rng.sample(tags, rng.randint(1, 3))
                fields = {
                    tag: {
                        spec.name: rng.choice(spec.choices).code
                        for spec in TAG_FIELDS[tag]
                        if spec.choices
                    }
                    for tag in chosen
                }
                author = "Ben" if index < len(units) else "Cai"
                new.append(ops.NewAnnotation(start, end, author, chosen, "", fields))
            ops.bulk_add_annotations(store, doc_id, new)


FLOOR_TABLES = (
    "documents", "units", "tags", "annotations", "annotation_tags", "annotation_history",
)


def _schema(path: Path) -> list[tuple[str, str, str]]:
    """(type, table, CREATE statement) of every table and index of the app's schema.

    Tables and indexes only, never triggers: the search indexes (migration 0004) are derived
    data the floor leaves out, and the triggers that keep them refer to tables it does not
    create."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT type, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND type IN ('table', 'index') AND name != 'sqlite_sequence' "
            "ORDER BY type = 'index', rowid"
        ).fetchall()
    finally:
        conn.close()


def _rows(path: Path, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


def written_rows(merged: Path, fresh: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of `merged` (a merge into a new database) that a new database (`fresh`) does
    not start with: every row the merge wrote; and the tags a new database starts with (a few
    rows, which the annotations' tags refer to)."""
    before = {
        table: set(rows) if table != "tags" else set()
        for table, rows in _rows(fresh, FLOOR_TABLES).items()
    }
    return {
        table: [row for row in rows if row not in before[table]]
        for table, rows in _rows(merged, FLOOR_TABLES).items()
    }


def _check_floor_rows(rows: dict[str, list[tuple[Any, ...]]], report: Any) -> None:
    """The full-data floor writes what the merge wrote (by its own report)."""
    merge = report.merge
    assert len(rows["annotations"]) == merge.annotations_added, "floor rows: annotations"
    assert len(rows["annotation_history"]) == merge.history_rows, "floor rows: history"
    assert len(rows["documents"]) == merge.documents_added, "floor rows: documents"


def raw_insert(
    path: Path,
    schema: list[tuple[str, str, str]],
    rows: dict[str, list[tuple[Any, ...]]],
    *,
    foreign_keys: bool,
) -> float:
    """Seconds for raw sqlite3 (WAL, synchronous=FULL) to insert `rows` into empty tables of
    `schema` with one executemany per table, in one transaction, commit included."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        for _kind, table, sql in schema:
            if table in rows:
                conn.execute(sql)
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table, values in rows.items():
            if not values:
                continue
            marks = ", ".join("?" * len(values[0]))
            conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def _phases(folder: Path, colleague: Path) -> list[str]:
    """One more merge by the general path, its phases timed apart (not part of the ratios):
    `merge_colleague` takes it for exports and databases of older schemas."""
    started = time.perf_counter()
    incoming = read_colleague_database(colleague)
    read = time.perf_counter() - started
    with open_store(folder / "phases.sqlite3", daily_backup=False) as store:
        started = time.perf_counter()
        merge_incoming(store, incoming)
        merge = time.perf_counter() - started
    return [
        f"  read the colleague's database: {read:5.2f} s  ({len(incoming.annotations):,} "
        f"annotations, {len(incoming.documents)} documents)",
        f"  merge_incoming (write):        {merge:5.2f} s  (creating the briefings, "
        "checks, rows, one transaction)",
    ]


WINDOW_STEP = 500  # rows per idle step of the window (gui/search_folding.ROWS_PER_STEP)


def _backlog(store: Any, step: int | None) -> list[str]:
    """The first searches with the merge's rows still queued, the folding of them in short
    transactions (`step` rows each, as the window does in idle time; None: as the CLI does
    after a merge, search_index.fold_all), the same searches after."""
    queued = search_index.backlog(store)
    needles = ("trucks", '"convoy 5017"')
    lines = [f"  queued: {queued:,} rows"]

    def searches(label: str) -> None:
        for needle in needles:
            started = time.perf_counter()
            results = search(store, needle)
            took = time.perf_counter() - started
            lines.append(f"  {label}: search {needle}: {took * 1000:,.0f} ms "
                         f"({results.hit_count} hits)")
        started = time.perf_counter()
        rows = table.count(store, table.AnnotationFilter(text="convoy 5017"))
        took = time.perf_counter() - started
        lines.append(f"  {label}: table text filter 'convoy 5017': {took * 1000:,.0f} ms "
                     f"({rows} rows)")

    searches("queue full")
    started = time.perf_counter()
    if step is None:
        search_index.fold_all(store)
        took = time.perf_counter() - started
        lines.append(f"  folding them as the CLI does: {took:.2f} s (search_index.fold_all, "
                     f"{search_index.BATCH_ROWS:,} rows per transaction)")
    else:
        steps = []
        while True:
            step_started = time.perf_counter()
            done = search_index.fold_step(store, step, wait=False)
            steps.append(time.perf_counter() - step_started)
            if not done:
                break
        took = time.perf_counter() - started
        steps.sort()
        lines.append(f"  folding them as the window does: {took:.2f} s in {len(steps) - 1} "
                     f"transactions of {step} rows (median "
                     f"{steps[len(steps) // 2] * 1000:.0f} ms, p95 "
                     f"{steps[int(len(steps) * 0.95)] * 1000:.0f} ms, longest "
                     f"{steps[-1] * 1000:.0f} ms)")
    searches("folded")
    return lines


def _runs(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        colleague = folder / "colleague.sqlite3"
        started = time.perf_counter()
        build_colleague(colleague, args.documents, args.annotations, args.seed)
        print(f"built colleague database: {time.perf_counter() - started:.1f} s "
              f"({colleague.stat().st_size / 1e6:.0f} MB)")
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        schema = _schema(colleague)
        floor_rows = _rows(colleague, ("annotations",))
        full_rows: dict[str, list[tuple[Any, ...]]] = {}
        floors, full_floors, totals, again = [], [], [], []
        backlog_lines: list[str] = []
        cpu: dict[str, list[float]] = {"merge": [], "full": []}
        fresh = folder / "fresh.sqlite3"
        open_store(fresh, daily_backup=False).close()
        for run in range(args.runs):
            floors.append(raw_insert(folder / f"floor{run}.sqlite3", schema, floor_rows,
                                     foreign_keys=False))
            merged = folder / f"merged{run}.sqlite3"
            with open_store(merged, daily_backup=False) as store:
                started, started_cpu = time.perf_counter(), time.process_time()
                report = merge_colleague(store, colleague)
                totals.append(time.perf_counter() - started)
                cpu["merge"].append(time.process_time() - started_cpu)
                assert report.merge.annotations_added == args.annotations
                started = time.perf_counter()
                second = merge_colleague(store, colleague)
                again.append(time.perf_counter() - started)
                assert second.merge.annotations_added == 0
                if run < 2:  # not timed with the merge: what its queued rows cost later
                    backlog_lines += _backlog(store, WINDOW_STEP if run == 0 else None)
            if not full_rows:
                full_rows = written_rows(merged, fresh)
                _check_floor_rows(full_rows, report)
            started_cpu = time.process_time()
            full_floors.append(raw_insert(folder / f"full{run}.sqlite3", schema, full_rows,
                                          foreign_keys=True))
            cpu["full"].append(time.process_time() - started_cpu)
            for leftover in folder.glob(f"*{run}.sqlite3*"):
                leftover.unlink()
        phases = _phases(folder, colleague)
        load_after = Path("/proc/loadavg").read_text().split()[:3]
    floor, full, best = min(floors), min(full_floors), min(totals)
    paired = [total / base for total, base in zip(totals, floors, strict=True)]
    written = ", ".join(f"{len(v):,} {t}" for t, v in full_rows.items())
    print(f"ratio merge / floor:           {best / floor:5.1f}x best against best "
          f"(per run: {', '.join(f'{r:.1f}x' for r in paired)}); goal <= {GOAL_RATIO:.0f}x: "
          f"{'OK' if best / floor <= GOAL_RATIO else 'NOT MET'}")
    full_paired = [total / base for total, base in zip(totals, full_floors, strict=True)]
    print(f"ratio merge / full-data floor: {best / full:5.1f}x best against best "
          f"(per run: {', '.join(f'{r:.2f}x' for r in full_paired)}); in CPU time "
          f"{min(cpu['merge']) / min(cpu['full']):.2f}x ({_runs(cpu['merge'])} s against "
          f"{_runs(cpu['full'])} s)")
    print(f"merge_colleague:  {best:5.2f} s best of {args.runs} (runs: {_runs(totals)})")
    print(f"floor:            {floor:5.2f} s best of {args.runs} (runs: {_runs(floors)}): "
          f"stdlib sqlite3, WAL, synchronous=FULL, {len(floor_rows['annotations']):,} "
          "annotation rows into an empty annotations table (same CREATE TABLE and index), "
          "one executemany, one transaction")
    print(f"full-data floor:  {full:5.2f} s best of {args.runs} (runs: {_runs(full_floors)}): "
          f"the same, every row the merge writes ({written}), foreign keys on")
    print(f"merge again:      {min(again):5.2f} s  (everything already present)")
    print("search index rows the merge left queued (search_index.py), after runs 1 and 2:")
    print("\n".join(backlog_lines))
    print("phases of one more merge by the general path (exports, older schemas):")
    print("\n".join(phases))
    print(f"load (1, 5, 15 min): before {' '.join(load_before)}, after {' '.join(load_after)}"
          f" on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
