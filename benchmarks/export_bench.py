"""Export speed: 100,000 annotations through every exporter, and read-back + merge.

Run: `.venv/bin/python benchmarks/export_bench.py` (`--annotations N` to change the size,
`--runs N` for the best of N on the targeted formats, `--postgresql` for the databases on a
throwaway local PostgreSQL server with fsync and synchronous commits on: a team database).

Each export is timed end to end, as `annotator export` and the export dialog run it: from the
open database to the finished file (`export_store`: read, write, rename into place). Prints a
Markdown table.
Targets: CSV and JSON Lines >= 100,000 annotations/s, end to end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.core import ops  # noqa: E402
from annotator.core.dataset import load_dataset, set_caveat  # noqa: E402
from annotator.core.exporters.common import ExportOptions  # noqa: E402
from annotator.core.exporters.registry import FORMATS, export_store  # noqa: E402
from annotator.core.interchange.jsonl import read_spans_jsonl  # noqa: E402
from annotator.core.interchange.merge import merge_incoming  # noqa: E402
from annotator.core.interchange.w3c import read_w3c  # noqa: E402
from annotator.core.store import open_store  # noqa: E402

SAMPLE = REPO / "resources" / "sample-briefing.txt"
SENTENCE = "The ministry said exports rose 4% in Q3 — مرحبا 🙂 — and we assess growth will slow. "


def material(length: int) -> str:
    base = SAMPLE.read_text(encoding="utf-8") if SAMPLE.exists() else SENTENCE * 50
    return (base.strip() + "\n\n") * (length // len(base) + 1)


def document(text: str) -> ops.NewDocument:
    units, position = [], 0
    for line in text.split("\n"):
        if line.strip():
            units.append((position, position + len(line), "sentence"))
        position += len(line) + 1
    return ops.NewDocument(
        text=text, title="Benchmark briefing", issuer="Bench", published=dt.date(2025, 1, 1),
        date_certainty="exact", date_note=None, language="en", source_name="bench.txt",
        source_format="txt", units=units,
    )


def annotations(text: str, count: int) -> list[ops.NewAnnotation]:
    rng = random.Random(7)
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    made = []
    for index in range(count):
        start = rng.randrange(0, len(text) - 200)
        end = start + rng.randrange(5, 200)
        tags = rng.choice([["claim"], ["assessment"], ["figure"], ["claim", "figure"]])
        fields = {
            "claim": {"attributed_to": "=officials", "source_reliability": "B"},
            "assessment": {"likelihood": "likely", "confidence": "moderate"},
            "figure": {"value": -rng.randrange(1000), "unit": "USD"},
        }
        made.append(
            ops.NewAnnotation(
                start=start, end=end, author=rng.choice(["Ana", "Ben", "ليلى"]), tags=tags,
                note="check" if index % 10 == 0 else "",
                fields={t: fields[t] for t in tags},
                created=base + dt.timedelta(seconds=index, microseconds=index % 1000),
            )
        )
    return made


def timed(fn):
    """(wall seconds, result); the CPU seconds of the last call are in timed.cpu."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    timed.cpu = time.process_time() - cpu
    return time.perf_counter() - start, result


TARGETED = ("csv", "jsonl", "jsonl-spans")


def best_of(runs: int, fn):
    """(best wall seconds, its CPU seconds, all wall times, last result)."""
    results = [timed(fn) + (timed.cpu,) for _ in range(runs)]
    best = min(results, key=lambda r: r[0])
    return best[0], best[2], [r[0] for r in results], best[1]


def spans_with_history(store, out: Path):
    return export_store(store, "jsonl-spans", out, options=ExportOptions(history=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true", help="on a local PostgreSQL")
    args = parser.parse_args()
    count = args.annotations
    with tempfile.TemporaryDirectory() as folder_name, ExitStack() as stack:
        folder = Path(folder_name)
        cluster = None
        if args.postgresql:
            from tests.pg_cluster import PgCluster

            cluster = PgCluster().start(durable=True)
            stack.callback(cluster.stop)

        def database(name: str) -> Path | str:
            return cluster.create_database() if cluster else folder / f"{name}.sqlite3"

        text = material(1_000_000)
        store = open_store(database("bench"))
        document_id = ops.add_document(store, document(text)).created_id
        assert document_id is not None
        seconds, _ = timed(
            lambda: ops.bulk_add_annotations(store, document_id, annotations(text, count))
        )
        set_caveat(store, "TLP:AMBER")
        print(f"{count:,} annotations on one {len(text):,}-character document "
              f"(bulk insert {seconds:.2f} s); best of {args.runs} where a target is set\n")
        rows = []
        for name, fmt in FORMATS.items():
            if name in ("qdpx", "qdc"):
                continue  # benchmarks/qdpx_bench.py
            out = folder / f"export-{name}{fmt.suffix}"
            runs = args.runs if name in TARGETED else 1
            seconds, cpu, walls, result = best_of(
                runs, lambda name=name, out=out: export_store(store, name, out)
            )
            target = ">= 100,000/s" if name in TARGETED else ""
            spread = f" (runs {', '.join(f'{w:.2f}' for w in walls)})" if runs > 1 else ""
            rows.append((f"export {name}, database to file ({result.items:,} items){spread}",
                         seconds, cpu, count, target))
        # The spans export with each annotation's history (`--history`, "Include each
        # annotation's change history" in the dialog): every snapshot, about twice the bytes.
        out = folder / "spans-with-history.jsonl"
        seconds, cpu, walls, _ = best_of(args.runs, lambda: spans_with_history(store, out))
        rows.append((f"export jsonl-spans --history, database to file "
                     f"(runs {', '.join(f'{w:.2f}' for w in walls)})", seconds, cpu, count, ""))
        load_seconds, _ = timed(lambda: load_dataset(store))
        rows.append(("load_dataset (the typed dataset the other formats write from)",
                     load_seconds, timed.cpu, count, ""))
        for name, reader in (("jsonl-spans", read_spans_jsonl), ("w3c", read_w3c)):
            fresh = open_store(database(f"fresh-{name}"))
            ops.add_document(fresh, document(text))
            path = folder / f"export-{name}{FORMATS[name].suffix}"
            read_seconds, incoming = timed(lambda reader=reader, path=path: reader(path))
            read_cpu = timed.cpu
            merge_seconds, report = timed(
                lambda fresh=fresh, incoming=incoming: merge_incoming(fresh, incoming)
            )
            assert report.annotations_added == count, report.summary()
            rows.append((f"read {name}", read_seconds, read_cpu, count, ""))
            rows.append(
                (f"merge {name} into a fresh database", merge_seconds, timed.cpu, count, "")
            )
            rows.append(
                (f"read + merge {name}", read_seconds + merge_seconds, read_cpu + timed.cpu,
                 count, "")
            )
            fresh.close()
        store.close()
    # CPU seconds are shown too: on a shared machine the wall time includes waiting for a core.
    print("| step | wall s | CPU s | annotations/s (wall) | target |")
    print("|---|---:|---:|---:|---|")
    for name, seconds, cpu, items, target in rows:
        ok = "" if not target else (" ✓" if items / seconds >= 100_000 else " ✗")
        print(f"| {name} | {seconds:.3f} | {cpu:.3f} | {items / seconds:,.0f} | {target}{ok} |")


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
