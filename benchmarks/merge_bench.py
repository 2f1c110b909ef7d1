"""Merge benchmark: a colleague's database with 100,000 annotations on 100 briefings merged
into a fresh database; target <= 5 s.

Run: `.venv/bin/python benchmarks/merge_bench.py [--annotations N] [--documents N] [--runs N]`.
Builds the colleague's database once (ops.bulk_add_annotations; two authors, one to three tags
with fields per annotation), then for each run merges it into a new empty database with
`colleague.merge_colleague` (read the file read-only, create the 100 briefings from their text,
write every annotation with its history in one transaction) and prints the phases and the total.
A second merge of the same file into the same database (everything already present) is timed too.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.core import ops  # noqa: E402
from annotator.core.colleague import merge_colleague, read_colleague_database  # noqa: E402
from annotator.core.fields import TAG_FIELDS  # noqa: E402
from annotator.core.interchange.merge import merge_incoming  # noqa: E402
from annotator.core.segment import segment  # noqa: E402
from annotator.core.store import open_store  # noqa: E402

SENTENCE = "Officials said convoy {n} of {m} trucks is likely to arrive within two days. "
TARGET_SECONDS = 5.0


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
        started = time.perf_counter()
        incoming = read_colleague_database(colleague)
        read_time = time.perf_counter() - started
        print(f"read only:      {read_time:6.2f} s  ({len(incoming.annotations):,} annotations, "
              f"{len(incoming.documents)} documents)")
        totals, again, merges = [], [], []
        for run in range(args.runs):
            with open_store(folder / f"fresh{run}.sqlite3", daily_backup=False) as store:
                started = time.perf_counter()
                merge_incoming(store, incoming)
                merges.append(time.perf_counter() - started)
            with open_store(folder / f"fresh-full{run}.sqlite3", daily_backup=False) as store:
                started = time.perf_counter()
                report = merge_colleague(store, colleague)
                totals.append(time.perf_counter() - started)
                assert report.merge.annotations_added == len(incoming.annotations)
                started = time.perf_counter()
                second = merge_colleague(store, colleague)
                again.append(time.perf_counter() - started)
                assert second.merge.annotations_added == 0
        print(f"merge_incoming: {min(merges):6.2f} s  (the shared merge step alone, incl. "
              f"creating the {len(incoming.documents)} briefings)")
        best = min(totals)
        print(f"merge_colleague:{best:6.2f} s  best of {args.runs} "
              f"(runs: {', '.join(f'{t:.2f}' for t in totals)})")
        print(f"merge again:    {min(again):6.2f} s  (everything already present)")
        verdict = "OK" if best <= TARGET_SECONDS else "OVER TARGET"
        print(f"target <= {TARGET_SECONDS:.0f} s: {verdict}")
    return 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
