"""Find in all documents (issue 16): query latency over 50 MB of text.

Run: `.venv/bin/python benchmarks/search_bench.py` (`--megabytes N`, `--rounds N`).

Builds a database of generated briefings (English sentences with varied numbers and names,
Arabic sentences with and without harakat, a long tail of rare words) through the app's own
import path (`ops.add_document`: each briefing's sentences are queued for the indexes by the
triggers; the first searches are timed with all of them queued, as right after a bulk import,
then `search_index.fold_all` folds them as the CLI does after an import), then times
`search.search(store, query)` (the first 200 hits of each kind, with highlights and tags) for
words, phrases, prefixes and Arabic, interleaved with a floor: the same FTS5 MATCH, LIMIT 201,
on a raw sqlite3 connection (rowids only), and a "rows floor": the same MATCH joined to the
units and documents for each sentence's span and text (no notes, tags or highlights). p50 and
p95 of
`--rounds` runs each. Target: <= 50 ms. Prints a Markdown table.

`--server` (issue 17) builds the same briefings into a team database as well, on a throwaway
PostgreSQL cluster (tests/pg_cluster.py, as team_bench.py does; test settings: no fsync, which
reads do not feel), and times both in the same rounds, interleaved: the SQLite floor and search,
then the server's floor (the same query's `tsquery` on `search_units`, LIMIT 201, on a raw
psycopg connection), rows floor and search. A second table gives the server's figures and its
ratio to SQLite's search.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.core import ops, search_index, search_server  # noqa: E402
from annotator.core.search import fts_expression, parse_query, search  # noqa: E402
from annotator.core.store import Store, open_store  # noqa: E402

TEMPLATES = (
    "The ministry of {place} said exports rose {n}% in Q{q} and officials expect more.",
    "We assess that growth in {place} will likely slow; the café owners of {name} disagree.",
    "Rebels claimed {n} fighters crossed the border near {place} 🙂 on Monday.",
    "According to {name}, the naïve forecasts for {place} missed by {n} million USD.",
    "قال المسؤولون في {ar} إن الصادرات ارتفعت بنسبة {n} في المئة.",
    "كَتَبَ الوَزِيرُ أَنَّ الصَّادِرَاتِ ارْتَفَعَتْ فِي {ar}.",
    "Sources in {place} reported that {name} met the delegation on {n} March.",
)
PLACES = ("Aleppo", "Mosul", "Kyiv", "Sanaa", "Tripoli", "Bamako", "Caracas", "Dhaka")
ARABIC_PLACES = ("حلب", "الموصل", "صنعاء", "طرابلس", "بغداد")
QUERIES = (
    ("word (common)", "exports"),
    ("word (rare)", "{rare}"),
    ("two words", "ministry Mosul"),
    ("phrase", '"exports rose"'),
    ("prefix", "deleg*"),
    ("accent-insensitive", "cafe owners"),
    ("Arabic word", "الصادرات"),
    ("Arabic, harakat in text", "كتب الوزير"),
    ("Arabic phrase", '"ارتفعت بنسبة"'),
)


def _rare(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") + rng.choice("aeiou") for _ in range(4))


def new_document(index: int, size: int, rng: random.Random, rare: list[str]) -> ops.NewDocument:
    sentences: list[str] = []
    length = 0
    while length < size:
        sentence = rng.choice(TEMPLATES).format(
            place=rng.choice(PLACES),
            ar=rng.choice(ARABIC_PLACES),
            name=rng.choice(rare).title(),
            n=rng.randrange(1, 5000),
            q=rng.randrange(1, 5),
        )
        sentences.append(sentence)
        length += len(sentence) + 1
    text = " ".join(sentences)
    units, start = [], 0
    for sentence in sentences:
        units.append((start, start + len(sentence), "sentence"))
        start += len(sentence) + 1
    return ops.NewDocument(
        text=text,
        title=f"Briefing {index:04d}",
        issuer=None,
        published=None,
        date_certainty="none",
        date_note=None,
        language=None,
        source_name=f"b{index}.txt",
        source_format="txt",
        units=units,
    )


def build(path: Path | str, megabytes: float, documents: int) -> tuple[int, str]:
    rng = random.Random(16)
    rare = [_rare(rng) for _ in range(20_000)]
    size = int(megabytes * 1_000_000 / documents)
    total = 0
    picked: list[str] = []  # a name the first document uses: the "rare word" query
    with open_store(path, create=True) as store:
        for index in range(documents):
            new = new_document(index, size, rng, rare)
            if not picked:
                picked.extend(w.title() for w in rare if w.title() in new.text)
            total += len(new.text.encode())
            ops.add_document(store, new, allow_duplicate=True)
    return total, picked[0]


def runs(rounds: int, *jobs: Callable[[], object]) -> list[list[float]]:
    """Seconds of each job per round, run interleaved (floor, app, floor, app, ...)."""
    times: list[list[float]] = [[] for _ in jobs]
    for _ in range(rounds):
        for job, found in zip(jobs, times, strict=True):
            start = time.perf_counter()
            job()
            found.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


class Side:
    """One back end under test: its store, a raw connection for the floors, and its timings."""

    def __init__(self, name: str, target: Path | str, store: Store, raw: Any) -> None:
        self.name = name
        self.target = target
        self.store = store
        self.raw = raw
        self.on_server = store.on_server
        self.queued = 0
        self.first: dict[str, float] = {}
        self.folding = 0.0
        self.units = int(raw.execute("SELECT count(*) FROM units").fetchone()[0])

    def expression(self, query: str) -> str:
        terms = parse_query(query)
        return search_server.tsquery(terms) if self.on_server else fts_expression(terms)

    def floor(self, expression: str) -> Callable[[], object]:
        if self.on_server:
            sql = "SELECT id FROM search_units WHERE words @@ %s::tsquery LIMIT 201"
        else:
            sql = "SELECT rowid FROM search_units WHERE search_units MATCH ? LIMIT 201"
        return lambda: self.raw.execute(sql, (expression,)).fetchall()

    def rows(self, expression: str) -> Callable[[], object]:
        if self.on_server:  # the first matches by id, then their text (as search_server.py)

            def rows() -> object:
                cursor = self.raw.cursor()
                try:
                    return search_server.first_units(cursor, expression, 201)
                finally:
                    cursor.close()

            return rows
        else:
            sql = (
                'SELECT u.id, u.document_id, u.start, u."end", '
                'substr(d.text, u.start + 1, u."end" - u.start) FROM search_units s '
                "JOIN units u ON u.id = s.rowid JOIN documents d ON d.id = u.document_id "
                "WHERE search_units MATCH ? ORDER BY s.rowid LIMIT 201"
            )
        return lambda: self.raw.execute(sql, (expression,)).fetchall()

    def app(self, query: str) -> Callable[[], object]:
        return lambda: search(self.store, query)

    def first_searches(self, rare: str) -> None:
        """Each query once with every sentence still queued, then the backlog folded."""
        self.queued = search_index.backlog(self.store)
        for name, query in QUERIES:
            start = time.perf_counter()
            search(self.store, query.format(rare=rare))
            self.first[name] = time.perf_counter() - start
        start = time.perf_counter()
        search_index.fold_all(self.store)
        self.folding = time.perf_counter() - start
        if self.on_server:
            self.raw.execute("VACUUM ANALYZE")  # as autovacuum would soon after a bulk load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument(
        "--server", action="store_true", help="also a team database on a throwaway PostgreSQL"
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets: list[tuple[str, Path | str]] = [("SQLite", folder / "search.db")]
        if args.server:
            from tests.pg_cluster import PgCluster

            cluster = PgCluster().start()
            stack.callback(cluster.stop)
            targets.append(("PostgreSQL", cluster.create_database()))
        sides: list[Side] = []
        built: dict[str, float] = {}
        for name, target in targets:
            start = time.perf_counter()
            size, rare = build(target, args.megabytes, args.documents)
            built[name] = time.perf_counter() - start
            store = stack.enter_context(open_store(target))
            if isinstance(target, Path):
                raw: Any = sqlite3.connect(target)
            else:
                import psycopg

                raw = psycopg.connect(
                    target.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
                )
            stack.callback(raw.close)
            side = Side(name, target, store, raw)
            side.first_searches(rare)
            sides.append(side)
        results = []
        for name, query in QUERIES:
            query = query.format(rare=rare)
            jobs: list[Callable[[], object]] = []
            found = []
            for side in sides:
                expression = side.expression(query)
                jobs += [side.floor(expression), side.rows(expression), side.app(query)]
                found.append(search(side.store, query))
            times = runs(args.rounds, *jobs)
            results.append((name, query, found, times))
    load = os.getloadavg()
    print(
        f"{size / 1e6:.1f} MB of text, {args.documents} documents, {sides[0].units} sentences "
        f"(built in {', '.join(f'{k} {v:.0f} s' for k, v in built.items())}); "
        f"{args.rounds} rounds, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    for side in sides:
        print(
            f"{side.name}: right after the import, {side.queued:,} sentences queued for the "
            "index: first search "
            + ", ".join(f"{name} {took * 1e3:,.0f} ms" for name, took in side.first.items())
            + f"; then folded in {side.folding:.1f} s (search_index.fold_all).\n"
        )
    for index, side in enumerate(sides):
        print(f"### {side.name}\n")
        versus = " | SQLite search p50 (ms) | p95 (ms) | ratio to SQLite p50 | p95" if index else ""
        print(
            "| query | hits shown | search p50 (ms) | p95 (ms) | floor p50 (ms) | p95 (ms) | "
            f"ratio p50 | rows floor p50 (ms) | ratio p50 | target 50 ms{versus} |"
        )
        print(
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---"
            + ("|---:" * 4 if index else "")
            + "|"
        )
        for name, query, found, times in results:
            floor_times, rows_times, app_times = times[3 * index : 3 * index + 3]
            app50, floor50 = statistics.median(app_times), statistics.median(floor_times)
            rows50 = statistics.median(rows_times)
            shown = f"{found[index].hit_count}{'+' if found[index].truncated else ''}"
            line = (
                f"| {name}: `{query}` | {shown} | {app50 * 1e3:.1f} | "
                f"{p95(app_times) * 1e3:.1f} | {floor50 * 1e3:.2f} | "
                f"{p95(floor_times) * 1e3:.2f} | {app50 / floor50:.1f} | "
                f"{rows50 * 1e3:.2f} | {app50 / rows50:.1f} | "
                f"{'met' if p95(app_times) <= 0.05 else 'NOT met'}"
            )
            if index:
                base = times[2]
                base50 = statistics.median(base)
                line += (
                    f" | {base50 * 1e3:.1f} | {p95(base) * 1e3:.1f} | {app50 / base50:.1f} | "
                    f"{p95(app_times) / p95(base):.1f}"
                )
            print(line + " |")
            if index and found[index].documents != found[0].documents:
                print(f"| (the hits of `{query}` differ from SQLite's) |")
        print()


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
