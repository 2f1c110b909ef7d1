"""Bulk edit speed (issue 16): one edit over 10,000 selected annotations, its undo and its redo.

Run: `.venv/bin/python benchmarks/bulk_edit_bench.py` (`--annotations N`, `--rounds N`).

The database holds `--annotations` annotations tagged "assessment" over 100 documents, one in
ten by a colleague (left unchanged). Timed, each interleaved with a floor on a raw sqlite3
connection (WAL, synchronous=FULL, as the app), best of `--rounds`:
- edit: `bulk_edit(..., SetField("assessment", "confidence", ...))` over every id (the value
  alternates, so each round changes every own annotation);
- undo / redo: `restore_snapshots` of the edit's `before` / `after`;
- floor: what SQLite alone costs for the same writes in one transaction, rows prepared
  beforehand: an UPDATE of each annotation_tags row and annotations row, and an INSERT of
  a history row with before and after JSON of the same size as the app's.
Prints a Markdown table with ratios app / floor.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from annotator.core import ops  # noqa: E402
from annotator.core.bulk_edit import SetField, bulk_edit, restore_snapshots  # noqa: E402
from annotator.core.history import snapshot_to_json  # noqa: E402
from annotator.core.model import Annotation  # noqa: E402
from annotator.core.store import open_store  # noqa: E402

TEXT = "We assess that growth will likely slow; officials disagree. " * 40


def build(path: Path, annotations: int) -> list[int]:
    with open_store(path) as store:
        documents = 100
        per = annotations // documents
        for index in range(documents):
            changes = ops.add_document(
                store,
                ops.NewDocument(
                    text=TEXT + str(index),
                    title=f"B{index}",
                    issuer=None,
                    published=None,
                    date_certainty="none",
                    date_note=None,
                    language="en",
                    source_name=f"b{index}.txt",
                    source_format="txt",
                    units=[],
                ),
            )
            assert changes.created_id is not None
            ops.bulk_add_annotations(
                store,
                changes.created_id,
                (
                    ops.NewAnnotation(
                        i % 60,
                        i % 60 + 20,
                        "Ben" if i % 10 == 0 else "Ana",
                        ["assessment"],
                        fields={"assessment": {"likelihood": "likely"}},
                    )
                    for i in range(per)
                ),
            )
        with store.read() as session:
            return list(session.scalars(select(Annotation.id)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bulk.sqlite3"
        started = time.perf_counter()
        ids = build(path, args.annotations)
        print(f"built {len(ids)} annotations in {time.perf_counter() - started:.1f} s")
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("PRAGMA synchronous=FULL")
        with open_store(path) as store:
            sample = snapshot_to_json(ops.snapshot_annotation(store, ids[1]))
            snapshot = json.dumps(sample)
            own = [row[0] for row in raw.execute("SELECT id FROM annotations WHERE author = 'Ana'")]
            tag_rows = [('{"likelihood": "likely"}', i) for i in own]
            stamp_rows = [("2026-01-01T00:00:00.000000+00:00", i) for i in own]
            history_rows = [
                (i, 1, "fields", "Ana", stamp_rows[0][0], snapshot, snapshot, "") for i in own
            ]

            def floor() -> object:
                raw.execute("BEGIN IMMEDIATE")
                raw.executemany(
                    "UPDATE annotation_tags SET fields = ? WHERE annotation_id = ?", tag_rows
                )
                raw.executemany("UPDATE annotations SET modified = ? WHERE id = ?", stamp_rows)
                raw.executemany(
                    "INSERT INTO annotation_history (annotation_id, document_id, action, actor,"
                    " at, before, after, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    history_rows,
                )
                raw.execute("COMMIT")
                return None

            results: dict[str, list[float]] = {"floor": [], "edit": [], "undo": [], "redo": []}
            for round_ in range(args.rounds):
                edit = SetField("assessment", "confidence", ("low", "high")[round_ % 2])
                begin = time.perf_counter()
                floor()
                results["floor"].append(time.perf_counter() - begin)
                begin = time.perf_counter()
                result = bulk_edit(store, ids, "Ana", edit)
                results["edit"].append(time.perf_counter() - begin)
                assert result.changed == len(own)
                for name, snapshots in (("undo", result.before), ("redo", result.after)):
                    begin = time.perf_counter()
                    floor()
                    results["floor"].append(time.perf_counter() - begin)
                    begin = time.perf_counter()
                    restore_snapshots(store, snapshots, actor="Ana")
                    results[name].append(time.perf_counter() - begin)
        raw.close()
    floor_best = min(results["floor"])
    print(f"load: {os.getloadavg()[0]:.2f}; {len(ids)} ids selected, best of {args.rounds}")
    print("| step | best | median | best / floor best |")
    print("|---|---|---|---|")
    for name in ("floor", "edit", "undo", "redo"):
        times = sorted(results[name])
        print(
            f"| {name} | {times[0] * 1000:.0f} ms | {times[len(times) // 2] * 1000:.0f} ms "
            f"| {times[0] / floor_best:.1f}x |"
        )


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
