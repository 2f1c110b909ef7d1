"""Agreement benchmark: 1,000 documents x 3 authors x 10 units, target <= 1 s to compute.

Run: `.venv/bin/python benchmarks/agreement_bench.py [--documents N] [--authors N] [--runs N]`
(`--postgresql`: the database on a throwaway local PostgreSQL server, tests/pg_cluster.py, with
fsync and synchronous commits on: a team database).
Builds a temporary database with ops.bulk_add_annotations (each author tags about half of the
units, some with several tags, with likelihood/confidence/Admiralty/figure fields), then prints
the load_dataset time, the compute_agreement time (the whole database; each document's report
is made when read) and that with report_to_json (every document's report, as `--json`), best
of --runs.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.core import ops  # noqa: E402
from annotator.core.agreement_data import compute_agreement, report_to_json  # noqa: E402
from annotator.core.dataset import load_dataset  # noqa: E402
from annotator.core.fields import TAG_FIELDS  # noqa: E402
from annotator.core.store import Store, open_store  # noqa: E402

SENTENCE = "Officials said the convoy of {n} trucks is likely to arrive within two days. "
TARGET_SECONDS = 1.0


def random_fields(rng: random.Random, tag: str) -> dict[str, str]:
    values = {}
    for spec in TAG_FIELDS[tag]:
        if spec.choices and rng.random() < 0.8:
            values[spec.name] = rng.choice(spec.choices).code
    return values


def build(store: Store, documents: int, authors: list[str], units: int, seed: int) -> None:
    rng = random.Random(seed)
    tags = list(TAG_FIELDS)
    for number in range(documents):
        text = "".join(SENTENCE.format(n=number * units + i) for i in range(units))
        spans, offset = [], 0
        for i in range(units):
            length = len(SENTENCE.format(n=number * units + i))
            spans.append((offset, offset + length - 1, "sentence"))
            offset += length
        doc_id = ops.add_document(
            store,
            ops.NewDocument(
                text=text, title=f"Briefing {number}", issuer=None, published=None,
                date_certainty="none", date_note=None, language="en",
                source_name=f"b{number}.txt", source_format="txt", units=spans,
            ),
        ).created_id
        assert doc_id is not None
        new = []
        for author in authors:
            for start, end, _kind in spans:
                if rng.random() < 0.5:
                    chosen = rng.sample(tags, rng.choice((1, 1, 1, 2)))
                    new.append(
                        ops.NewAnnotation(
                            start, end, author, chosen,
                            fields={tag: random_fields(rng, tag) for tag in chosen},
                        )
                    )
        ops.bulk_add_annotations(store, doc_id, new)


def best_of(runs: int, fn):  # noqa: ANN201
    """Best wall time, best CPU time (this process; robust to a busy machine), last result."""
    wall, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--authors", type=int, default=3)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgresql", action="store_true", help="on a local PostgreSQL")
    args = parser.parse_args()
    authors = [f"analyst{i + 1}" for i in range(args.authors)]
    with ExitStack() as stack:
        if args.postgresql:
            from tests.pg_cluster import PgCluster

            cluster = PgCluster().start(durable=True)
            stack.callback(cluster.stop)
            target: Path | str = cluster.create_database()
        else:
            target = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "b.sqlite3"
        store = stack.enter_context(open_store(target))
        start = time.perf_counter()
        build(store, args.documents, authors, args.units, args.seed)
        build_time = time.perf_counter() - start
        load = best_of(args.runs, lambda: load_dataset(store))
        dataset = load[2]
        compute = best_of(args.runs, lambda: compute_agreement(dataset, authors))
        report = compute[2]
        # Each document's report is made when first read: the JSON of a fresh report each time.
        as_json = best_of(
            args.runs, lambda: report_to_json(compute_agreement(dataset, authors))
        )
    ok = compute[0] <= TARGET_SECONDS
    print(
        f"{args.documents} documents x {args.authors} authors x {args.units} units, "
        f"{len(dataset.annotations)} annotations (build {build_time:.1f} s)"
    )
    print("| step | wall s | CPU s | target |")
    print("| --- | --- | --- | --- |")
    print(f"| load_dataset | {load[0]:.3f} | {load[1]:.3f} | |")
    print(
        f"| compute_agreement (the whole database; each document's report made when read) | "
        f"{compute[0]:.3f} | {compute[1]:.3f} | "
        f"<= {TARGET_SECONDS:.1f} s wall: {'ok' if ok else 'SLOW'} |"
    )
    print(
        f"| compute_agreement + report_to_json (every document's report too, as --json) | "
        f"{as_json[0]:.3f} | {as_json[1]:.3f} | |"
    )
    overall = report.overall
    print(f"overall alpha {overall.alpha.value}, percent {overall.percent.value}")
    return 0 if ok else 1


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    raise SystemExit(main())
