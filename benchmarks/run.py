"""Annotator benchmarks: prints a Markdown table of timings against their targets.

Run: `.venv/bin/python benchmarks/run.py` (add `--quick` for a smoke run with smaller sizes).
Uses the briefings in ../shared/corpus when present (else the bundled sample) as text material.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotator.core import ops  # noqa: E402
from annotator.core.importing import document_from_text, import_file  # noqa: E402
from annotator.core.segment import segment  # noqa: E402
from annotator.core.store import open_store  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "briefings"
SAMPLE = REPO / "resources" / "sample-briefing.txt"


@dataclass
class Row:
    name: str
    result: str
    target: str
    ok: bool | None


def material(size: int) -> str:
    """About `size` characters of briefing text, whole briefings repeated."""
    sources = sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else []
    texts = [p.read_text(encoding="utf-8") for p in sources] or [SAMPLE.read_text("utf-8")]
    parts: list[str] = []
    total = 0
    while total < size:
        for text in texts:
            parts.append(text.strip() + "\n\n")
            total += len(parts[-1])
    return "".join(parts)


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_segmentation(size: int) -> Row:
    text = material(size)
    mb = len(text.encode("utf-8")) / 1e6
    seconds = best_of(3, lambda: segment(text))
    rate = mb / seconds
    return Row(
        f"segmentation throughput ({mb:.1f} MB of briefings)",
        f"{rate:.2f} MB/s ({seconds * 1000:.0f} ms)",
        ">= 1 MB/s",
        rate >= 1.0,
    )


def bench_import(size: int, workdir: Path) -> Row:
    path = workdir / "large-briefing.txt"
    path.write_text(material(size), encoding="utf-8")
    mb = path.stat().st_size / 1e6
    times = []
    for attempt in range(3):
        with open_store(workdir / f"import-{attempt}.sqlite3") as store:
            start = time.perf_counter()
            outcome = import_file(store, path)
            times.append(time.perf_counter() - start)
            assert outcome.ok
    seconds = min(times)
    return Row(
        f"import {mb:.1f} MB .txt end to end ({outcome.unit_count} units)",
        f"{seconds * 1000:.0f} ms",
        "(report)",
        None,
    )


def _document(store_path: Path, size: int) -> tuple[int, list[tuple[int, int]]]:
    new = document_from_text(material(size), title="bench", source_name="bench.txt", language="en")
    with open_store(store_path) as store:
        changes = ops.add_document(store, new)
    assert changes.created_id is not None
    return changes.created_id, [(s, e) for s, e, _k in new.units]


def bench_single_inserts(count: int, workdir: Path) -> Row:
    db = workdir / "single.sqlite3"
    doc_id, spans = _document(db, 200_000)
    rng = random.Random(1)
    latencies = []
    with open_store(db) as store:
        for _ in range(count):
            start, end = rng.choice(spans)
            t0 = time.perf_counter()
            ops.create_annotation(store, doc_id, start, end, "bench", ["claim"])
            latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return Row(
        f"single annotation insert + commit ({count}x, synchronous=FULL)",
        f"p50 {p50:.2f} ms, p95 {p95:.2f} ms",
        "(report; feeds the 16 ms toggle budget)",
        None,
    )


def bench_bulk(count: int, workdir: Path) -> Row:
    db = workdir / "bulk.sqlite3"
    doc_id, spans = _document(db, 1_000_000)
    rng = random.Random(2)
    tag_sets = (["claim"], ["assessment"], ["figure"], ["claim", "figure"])
    new = []
    for i in range(count):
        start, end = spans[i % len(spans)]
        new.append(ops.NewAnnotation(start, end, f"author{i % 3}", rng.choice(tag_sets)))
    with open_store(db) as store:
        t0 = time.perf_counter()
        added = ops.bulk_add_annotations(store, doc_id, new)
        seconds = time.perf_counter() - t0
    assert added == count
    return Row(
        f"bulk insert {count:,} annotations (one transaction)",
        f"{seconds:.2f} s ({count / seconds:,.0f}/s)",
        "(report; raw sqlite3 floor ~0.56 s)",
        None,
    )


def bench_gui(workdir: Path, quick: bool) -> list[Row]:
    import gui_bench

    db = workdir / "gui-large.sqlite3"
    doc_id = gui_bench.build_large_database(
        db, size=100_000 if quick else 1_000_000, annotations=1000 if quick else 10_000
    )
    numbers = gui_bench.measure(db, doc_id, toggles=100 if quick else 1000)
    small = workdir / "gui-small.sqlite3"
    gui_bench.build_large_database(small, size=20_000, annotations=100)
    cold = gui_bench.cold_start(small)
    size = "0.1 MB, 1,000" if quick else "1 MB, 10,000"
    return [
        Row(
            f"open a briefing in the window ({size} annotations)",
            f"{numbers['open_s'] * 1000:.0f} ms",
            "<= 1.5 s",
            numbers["open_s"] <= 1.5,
        ),
        Row(
            "tag toggle: key press to commit and repaint",
            f"p50 {numbers['toggle_p50_ms']:.1f} ms, p95 {numbers['toggle_p95_ms']:.1f} ms",
            "p95 <= 16 ms",
            numbers["toggle_p95_ms"] <= 16,
        ),
        Row("cold start to a shown window", f"{cold:.2f} s", "<= 1.0 s", cold <= 1.0),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--no-gui", action="store_true", help="skip the window benchmarks")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows.append(bench_segmentation(1_000_000 // scale))
        rows.append(bench_import(1_000_000 // scale, workdir))
        rows.append(bench_single_inserts(1000 // scale, workdir))
        rows.append(bench_bulk(100_000 // scale, workdir))
        if not args.no_gui:
            rows.extend(bench_gui(workdir, args.quick))
    print(f"Annotator benchmarks — Python {platform.python_version()}, {platform.machine()}")
    print()
    print("| benchmark | result | target | met |")
    print("|---|---|---|---|")
    for row in rows:
        met = "" if row.ok is None else ("yes" if row.ok else "NO")
        print(f"| {row.name} | {row.result} | {row.target} | {met} |")
    return 0 if all(row.ok is not False for row in rows) else 1


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
