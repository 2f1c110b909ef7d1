"""The annotations table's speed (issue 16): 100,000 annotations over 1,000 documents.

Run: `.venv/bin/python benchmarks/table_bench.py` (`--annotations N`, `--documents N`,
`--rounds N`).

"Open" is what the table does when it opens: count + the first page of 100 rows in the default
order. Each "re-filter / re-sort" is count + first page for one filter and sort. Each is timed
interleaved with two floors on a raw sqlite3 connection, best of `--rounds`: a plain
`SELECT ... LIMIT 100` of annotations joined to their documents, and a scan floor (count of all
annotations + the first 100 sorted by an unindexed column: what any re-sort of every row costs
SQLite alone); the ratios are app / floor.
Targets: open <= 0.3 s, re-filter or re-sort <= 0.1 s. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.core import annotation_table as table  # noqa: E402
from annotator.core import ops  # noqa: E402
from annotator.core.store import open_store  # noqa: E402

SENTENCES = (
    "The ministry said exports rose 4% in Q3 and officials expect more. ",
    "We assess that growth will likely slow; the café owners disagree. ",
    "قال المسؤولون إن الصادرات ارتفعت بنسبة أربعة في المئة. ",
    "Rebels claimed 1,200 fighters crossed the border 🙂 on Monday. ",
)
AUTHORS = ("Ana", "Ben", "ليلى", "Chen")
LIKELIHOOD = (
    "almost_no_chance",
    "very_unlikely",
    "unlikely",
    "roughly_even_chance",
    "likely",
    "very_likely",
    "almost_certain",
)


def new_document(index: int, rng: random.Random) -> ops.NewDocument:
    text = "".join(rng.choice(SENTENCES) for _ in range(60))
    return ops.NewDocument(
        text=text,
        title=f"Briefing {index:04d}",
        issuer=rng.choice(("MoD", "UN", "Reuters")),
        published=dt.date(2020, 1, 1) + dt.timedelta(days=index * 2),
        date_certainty="exact",
        date_note=None,
        language="en",
        source_name=f"b{index}.txt",
        source_format="txt",
        units=[(0, len(text), "sentence")],
    )


def new_annotations(text: str, count: int, rng: random.Random) -> list[ops.NewAnnotation]:
    made = []
    for _ in range(count):
        start = rng.randrange(0, len(text) - 120)
        tags = rng.choice((["claim"], ["assessment"], ["figure"], ["claim", "figure"]))
        fields = {
            "claim": {
                "attributed_to": "officials",
                "source_reliability": rng.choice("ABCDEF"),
                "information_credibility": rng.choice("123456"),
            },
            "assessment": {
                "likelihood": rng.choice(LIKELIHOOD),
                "confidence": rng.choice(("low", "moderate", "high")),
            },
            "figure": {"value": rng.randrange(50_000_000), "unit": rng.choice(("USD", "km"))},
        }
        made.append(
            ops.NewAnnotation(
                start=start,
                end=start + rng.randrange(10, 120),
                author=rng.choice(AUTHORS),
                tags=tags,
                note=rng.choice(("", "", "", "check the café figure")),
                fields={t: fields[t] for t in tags},
            )
        )
    return made


def build(path: Path, documents: int, annotations: int) -> None:
    rng = random.Random(16)
    with open_store(path, create=True) as store:
        per_document = annotations // documents
        for index in range(documents):
            new = new_document(index, rng)
            document_id = ops.add_document(store, new, allow_duplicate=True).created_id
            assert document_id is not None
            ops.bulk_add_annotations(
                store, document_id, new_annotations(new.text, per_document, rng)
            )


def best(rounds: int, *runs: Callable[[], object]) -> list[float]:
    """The best seconds of each of `runs`, run interleaved (floor, scan, app, floor, ...)."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, found in zip(runs, times, strict=True):
            start = time.perf_counter()
            run()
            found.append(time.perf_counter() - start)
    return [min(found) for found in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.db"
        start = time.perf_counter()
        build(path, args.documents, args.annotations)
        built = time.perf_counter() - start
        raw = sqlite3.connect(path)

        def floor() -> object:
            return raw.execute(
                "SELECT a.id, a.author, d.title FROM annotations a "
                "JOIN documents d ON d.id = a.document_id LIMIT 100"
            ).fetchall()

        def scan() -> object:
            # What any re-sort of every annotation costs SQLite alone: a count and the first 100
            # by a column without an index (a full scan and a top-100 sort).
            return (
                raw.execute("SELECT count(*) FROM annotations").fetchall(),
                raw.execute(
                    "SELECT id, author FROM annotations ORDER BY modified DESC, id LIMIT 100"
                ).fetchall(),
            )

        cases: list[tuple[str, table.AnnotationFilter, tuple[table.SortKey, ...], float]] = [
            ("open (default sort)", table.AnnotationFilter(), table.DEFAULT_SORT, 0.3),
            ("sort by likelihood", table.AnnotationFilter(), table.parse_sort("-likelihood"), 0.1),
            (
                "sort by source reliability",
                table.AnnotationFilter(),
                table.parse_sort("source_reliability"),
                0.1,
            ),
            ("sort by document date", table.AnnotationFilter(), table.parse_sort("-date"), 0.1),
            ("sort by document title", table.AnnotationFilter(), table.parse_sort("document"), 0.1),
            ("sort by annotated text", table.AnnotationFilter(), table.parse_sort("text"), 0.1),
            ("sort by author", table.AnnotationFilter(), table.parse_sort("author"), 0.1),
            (
                "tag + author filter",
                table.AnnotationFilter(tags=frozenset({"claim"}), authors=frozenset({"Ana"})),
                table.DEFAULT_SORT,
                0.1,
            ),
            (
                "likelihood >= likely, confidence low",
                table.AnnotationFilter(
                    conditions=(
                        table.parse_condition("likelihood>=likely"),
                        table.parse_condition("confidence=low"),
                    )
                ),
                table.DEFAULT_SORT,
                0.1,
            ),
            (
                "reliability <= B, sort credibility",
                table.AnnotationFilter(
                    conditions=(table.parse_condition("source_reliability<=B"),)
                ),
                table.parse_sort("information_credibility"),
                0.1,
            ),
            (
                "value 1..10 million, sort value",
                table.AnnotationFilter(conditions=(table.parse_condition("value=1..10000000"),)),
                table.parse_sort("-value"),
                0.1,
            ),
            (
                "date range (one year)",
                table.AnnotationFilter(
                    date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 12, 31)
                ),
                table.DEFAULT_SORT,
                0.1,
            ),
            (
                "text 'cafe' (accent-insensitive)",
                table.AnnotationFilter(text="cafe"),
                table.DEFAULT_SORT,
                0.1,
            ),
            ("text 'الصادرات'", table.AnnotationFilter(text="الصادرات"), table.DEFAULT_SORT, 0.1),
        ]
        results = []
        with open_store(path) as store:
            total = table.count(store)
            for name, wanted, sort, target in cases:

                def app(
                    wanted: table.AnnotationFilter = wanted, sort: tuple[table.SortKey, ...] = sort
                ) -> object:
                    return table.count(store, wanted), table.page(store, wanted, sort, 0, 100)

                found = table.count(store, wanted)
                floor_seconds, scan_seconds, seconds = best(args.rounds, floor, scan, app)
                results.append((name, found, seconds, floor_seconds, scan_seconds, target))
        raw.close()
    load = os.getloadavg()
    print(
        f"{total} annotations over {args.documents} documents (built in {built:.1f} s); "
        f"best of {args.rounds}, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    print(
        "| case | rows | count + first page (s) | floor: LIMIT 100 (s) | ratio | "
        "scan floor: count + sorted 100 (s) | ratio | target (s) | met |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, found, seconds, floor_seconds, scan_seconds, target in results:
        print(
            f"| {name} | {found} | {seconds:.4f} | {floor_seconds:.5f} | "
            f"{seconds / floor_seconds:.0f} | {scan_seconds:.4f} | "
            f"{seconds / scan_seconds:.1f} | {target} | {'yes' if seconds <= target else 'NO'} |"
        )


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
