"""REFI-QDA benchmark: export 100,000 annotations to .qdpx, then read and merge them back.

Run: `.venv/bin/python benchmarks/qdpx_bench.py` (`--count N` to change the size). The merge goes
into a fresh, empty database, so it also recreates the documents from the texts in the archive.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from run import material  # noqa: E402  (benchmarks/run.py: whole briefings repeated)

from annotator.core import ops  # noqa: E402
from annotator.core.dataset import load_dataset, set_caveat  # noqa: E402
from annotator.core.exporters.refiqda import write_qdpx  # noqa: E402
from annotator.core.interchange.merge import merge_incoming  # noqa: E402
from annotator.core.interchange.refiqda import read_qdpx  # noqa: E402
from annotator.core.segment import segment  # noqa: E402
from annotator.core.store import open_store  # noqa: E402

T = TypeVar("T")


def build(db: Path, count: int, documents: int) -> None:
    rng = random.Random(7)
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    tag_sets = (["claim"], ["assessment"], ["figure"], ["claim", "figure"])
    fields = {
        "claim": {"attributed_to": "the ministry", "source_reliability": "B"},
        "assessment": {"likelihood": "likely", "confidence": "moderate"},
        "figure": {"value": 4, "unit": "%", "figure_kind": "percentage"},
    }
    with open_store(db) as store:
        set_caveat(store, "TLP:AMBER")
        text = material(1_000_000 // documents)
        for index in range(documents):
            body = f"Briefing {index} 🙂\n\n{text}"
            units = [(u.start, u.end, str(u.kind)) for u in segment(body)]
            doc_id = ops.add_document(
                store,
                ops.NewDocument(
                    text=body, title=f"Briefing {index}", issuer=None, published=None,
                    date_certainty="none", date_note=None, language="en",
                    source_name=f"b{index}.txt", source_format="txt", units=units,
                ),
            ).created_id
            assert doc_id is not None
            new = []
            for i in range(count // documents):
                start, end, _kind = units[i % len(units)]
                tags = rng.choice(tag_sets)
                new.append(
                    ops.NewAnnotation(
                        start, end, f"author{i % 3}", tags,
                        note="check" if i % 5 == 0 else "",
                        fields={tag: fields[tag] for tag in tags},
                        created=base + dt.timedelta(seconds=index, microseconds=i),
                    )
                )
            ops.bulk_add_annotations(store, doc_id, new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        source_db = workdir / "source.sqlite3"
        t_build = time.perf_counter()
        build(source_db, args.count, args.documents)
        print(f"(building the source database: {time.perf_counter() - t_build:.1f} s)")
        out = workdir / "bench.qdpx"
        timings: list[tuple[str, float, float]] = []

        def timed(label: str, work: Callable[[], T]) -> T:
            wall, cpu = time.perf_counter(), time.process_time()
            result = work()
            timings.append((label, time.perf_counter() - wall, time.process_time() - cpu))
            return result

        with open_store(source_db) as store:
            dataset = timed("load dataset (query layer)", lambda: load_dataset(store))
            written = timed("write .qdpx", lambda: write_qdpx(dataset, out))
        with open_store(workdir / "fresh.sqlite3") as fresh:
            incoming = timed("read .qdpx", lambda: read_qdpx(out))
            report = timed("merge into a fresh database", lambda: merge_incoming(fresh, incoming))
        assert report.annotations_added == written.items == len(dataset.annotations)
        size = out.stat().st_size / 1e6
        print(f"{written.items:,} annotations, {args.documents} documents, .qdpx {size:.1f} MB")
        print("| step | wall | CPU |")
        print("|---|---|---|")
        for label, wall, cpu in timings:
            print(f"| {label} | {wall:.2f} s | {cpu:.2f} s |")
        export_wall = sum(t[1] for t in timings[:2])
        import_wall = sum(t[1] for t in timings[2:])
        print(f"| **export** (load + write) | {export_wall:.2f} s | |")
        print(f"| **import** (read + merge) | {import_wall:.2f} s | |")
    return 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    raise SystemExit(main())
