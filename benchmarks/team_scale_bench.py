"""Agreement and export at team scale (issue 17): a PostgreSQL server against a SQLite file.

Run: `.venv/bin/python benchmarks/team_scale_bench.py` (`--rounds N`, `--documents N`,
`--authors N`, `--units N`, `--annotations N`, `--formats csv,w3c,...`, `--quick`).

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py) with durable settings (fsync and
synchronous commits on), `annotator server init` on two databases, and one analyst login role
that every timed read connects as (row-level security on, as a team member's window or command
runs). The same data goes into a SQLite file and onto the server by the fastest correct path:
each set is built once with `ops` in a source file, then merged (`merge_colleague`, as
`annotator merge` does) into a fresh SQLite file and into the server database, so both sides
hold the same rows:
- agreement: `--documents` briefings x `--authors` authors x `--units` units, each author
  tagging about half of the units (benchmarks/agreement_bench.py's data);
- export: `--annotations` annotations on one 1 MB briefing (benchmarks/export_bench.py's data).

Timed in interleaved rounds (SQLite, server, SQLite, server...; the order flips each round):
- agreement as `annotator agreement` and View > Agreement compute it: `load_dataset` of the
  authors' annotations, then `compute_agreement` (the whole database's report; a document's
  own report is made when read: `--json` reads them all, its extra time is printed too);
- each export format end to end (`export_store`: read, write, rename into place).
Prints a Markdown table: best and median of each side, the server/SQLite ratio of the medians
(and of the bests), and the load before and after. The exported files of both sides are
compared byte for byte (the export clock is fixed for that): a difference is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ANALYST = "scale_analyst"  # the role the timed reads connect as
FORMATS = ("csv", "jsonl", "jsonl-spans", "w3c", "xlsx", "html", "brat", "doccano", "qdpx")
AGREEMENT_TARGET_S = 1.0
EXPORT_RATIO_TARGET = 1.2


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def build_agreement_source(path: Path, documents: int, authors: list[str], units: int) -> None:
    from agreement_bench import build

    from annotator.core.store import open_store

    with open_store(path, create=True) as store:
        build(store, documents, authors, units, seed=7)


def build_export_source(path: Path, count: int) -> None:
    from export_bench import annotations, document, material

    from annotator.core import ops
    from annotator.core.store import open_store

    text = material(1_000_000)
    with open_store(path, create=True) as store:
        document_id = ops.add_document(store, document(text)).created_id
        assert document_id is not None
        ops.bulk_add_annotations(store, document_id, annotations(text, count))


def fill(target: Path | str, source: Path, imported_at: dt.datetime) -> float:
    """Merge `source` into `target` (a new file, or a server database as its administrator);
    the caveat set as export_bench sets it. Seconds taken (of the merge).

    The documents' import time (the time of the merge) is then set to `imported_at` on both
    sides, so that the formats that write it (REFI-QDA) write the same bytes."""
    from sqlalchemy import update

    from annotator.core.colleague import merge_colleague
    from annotator.core.dataset import set_caveat
    from annotator.core.model import Document
    from annotator.core.store import open_store

    with open_store(target, create=True) as store:
        started = time.perf_counter()
        merge_colleague(store, source)
        seconds = time.perf_counter() - started
        set_caveat(store, "TLP:AMBER")
        with store.write() as session:
            session.execute(update(Document).values(imported_at=imported_at))
    return seconds


def agreement_once(store: Any, authors: list[str]) -> tuple[float, float, float, float, Any]:
    """(load seconds, compute seconds, this process's CPU seconds for both, seconds of the
    JSON report with every document's report, report), as cli_review.cmd_agreement runs it
    (the window and the command's table read the whole report only)."""
    from annotator.core.agreement_data import compute_agreement, report_to_json
    from annotator.core.dataset import DatasetFilter, load_dataset

    cpu = time.process_time()
    started = time.perf_counter()
    dataset = load_dataset(store, DatasetFilter(authors=frozenset(authors)))
    loaded = time.perf_counter()
    report = compute_agreement(dataset, authors, None)
    ended = time.perf_counter()
    used = time.process_time() - cpu
    report_to_json(report)
    return loaded - started, ended - loaded, used, time.perf_counter() - ended, report


def export_once(store: Any, name: str, out: Path) -> tuple[float, str]:
    """(seconds, digest of what was written) of one export_store."""
    from annotator.core.exporters.registry import export_store

    started = time.perf_counter()
    export_store(store, name, out)
    seconds = time.perf_counter() - started
    return seconds, _digest(out)


def _digest(out: Path) -> str:
    digest = hashlib.sha256()
    paths = sorted(p for p in out.rglob("*") if p.is_file()) if out.is_dir() else [out]
    for path in paths:
        digest.update(str(path.relative_to(out)).encode() if path != out else b"")
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Measure:
    """One measure's times on both sides, and whether both sides wrote the same."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.times: dict[str, list[float]] = {"sqlite": [], "server": []}
        self.loads: dict[str, list[float]] = {"sqlite": [], "server": []}
        self.cpu: dict[str, list[float]] = {"sqlite": [], "server": []}
        self.json: dict[str, list[float]] = {"sqlite": [], "server": []}
        self.digests: dict[str, set[str]] = {"sqlite": set(), "server": set()}

    def row(self) -> str:
        lite, server = self.times["sqlite"], self.times["server"]
        median = statistics.median(server) / statistics.median(lite)
        best = min(server) / min(lite)
        same = ""
        if self.digests["sqlite"] or self.digests["server"]:
            same = (
                "yes"
                if self.digests["sqlite"] == self.digests["server"]
                and len(self.digests["sqlite"]) == 1
                else "NO"
            )
        return (
            f"| {self.name} | {min(lite):.3f} / {statistics.median(lite):.3f} | "
            f"{min(server):.3f} / {statistics.median(server):.3f} | {median:.2f}x | "
            f"{best:.2f}x | {same} |"
        )


def run_rounds(
    rounds: int, measures: list[tuple[Measure, Callable[[str], tuple[float, Any]]]]
) -> None:
    for number in range(rounds):
        order = ("sqlite", "server") if number % 2 == 0 else ("server", "sqlite")
        for measure, run in measures:
            for side in order:
                seconds, extra = run(side)
                measure.times[side].append(seconds)
                if extra is not None:
                    measure.digests[side].add(extra)
        print(f"round {number + 1}/{rounds} done; {load()}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--authors", type=int, default=3)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.documents, args.annotations = 1, 50, 5_000
    formats = [name for name in args.formats.split(",") if name]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        parser.error(f"unknown format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}")
    authors = [f"analyst{i + 1}" for i in range(args.authors)]

    import annotator.core.dataset as dataset_module
    from annotator.core.model import utcnow
    from annotator.core.server_roles import add_user, init_server
    from annotator.core.store import open_store
    from tests.pg_cluster import PgCluster

    # One export clock for both sides, so that their files can be compared byte for byte.
    fixed = utcnow()
    dataset_module.utcnow = lambda: fixed  # type: ignore[attr-defined]

    started_load = load()
    with tempfile.TemporaryDirectory() as folder_name, ExitStack() as stack:
        folder = Path(folder_name)
        cluster = PgCluster().start(durable=True)
        stack.callback(cluster.stop)
        began = time.perf_counter()
        build_agreement_source(
            folder / "agreement-source.sqlite3", args.documents, authors, args.units
        )
        build_export_source(folder / "export-source.sqlite3", args.annotations)
        built = time.perf_counter() - began
        urls = {}
        for name in ("agreement", "export"):
            url = cluster.create_database()
            init_server(url).close()
            urls[name] = url
        fills = {}
        for name in ("agreement", "export"):
            source = folder / f"{name}-source.sqlite3"
            fills[name] = (
                fill(folder / f"{name}.sqlite3", source, fixed),
                fill(urls[name], source, fixed),
            )
        with open_store(urls["agreement"]) as admin:
            add_user(admin, ANALYST, "analyst")
        stores = {
            name: {
                "sqlite": stack.enter_context(open_store(folder / f"{name}.sqlite3")),
                "server": stack.enter_context(
                    open_store(urls[name].replace("annotator_test@", f"{ANALYST}@"))
                ),
            }
            for name in ("agreement", "export")
        }
        print(
            f"built the sources in {built:.1f} s; merged into SQLite / the server: agreement "
            f"{fills['agreement'][0]:.1f} / {fills['agreement'][1]:.1f} s, export "
            f"{fills['export'][0]:.1f} / {fills['export'][1]:.1f} s",
            file=sys.stderr,
            flush=True,
        )

        agreement = Measure(
            f"agreement, {args.documents:,} documents x {args.authors} authors "
            "(load_dataset + compute_agreement)"
        )

        def run_agreement(side: str) -> tuple[float, Any]:
            loaded, computed, cpu, as_json, report = agreement_once(
                stores["agreement"][side], authors
            )
            agreement.json[side].append(as_json)
            agreement.digests[side].add(hashlib.sha256(repr(report).encode()).hexdigest())
            agreement.loads[side].append(loaded)
            agreement.cpu[side].append(cpu)
            return loaded + computed, None

        measures: list[tuple[Measure, Callable[[str], tuple[float, Any]]]] = [
            (agreement, run_agreement)
        ]
        for name in formats:
            suffix = {
                "csv": ".csv",
                "w3c": ".jsonld",
                "xlsx": ".xlsx",
                "html": ".html",
                "qdpx": ".qdpx",
                "brat": "",
            }.get(name, ".jsonl")

            def run_export(side: str, name: str = name, suffix: str = suffix) -> tuple[float, Any]:
                return export_once(stores["export"][side], name, folder / f"{side}-{name}{suffix}")

            measures.append(
                (Measure(f"export {name}, {args.annotations:,} annotations"), run_export)
            )
        run_rounds(args.rounds, measures)
        ended_load = load()

    print(f"{args.rounds} interleaved rounds; load before: {started_load}; after: {ended_load}")
    print(
        "| measure | SQLite s, best / median | server s, best / median | ratio of medians "
        "| ratio of bests | same output |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for measure, _run in measures:
        print(measure.row())
    lite, server = agreement.loads["sqlite"], agreement.loads["server"]
    print(
        f"agreement: load_dataset alone {statistics.median(lite):.3f} s on SQLite, "
        f"{statistics.median(server):.3f} s on the server; this process's CPU time "
        f"{statistics.median(agreement.cpu['sqlite']):.3f} s / "
        f"{statistics.median(agreement.cpu['server']):.3f} s; then the JSON report with every "
        f"document's report (`--json`) {statistics.median(agreement.json['sqlite']):.3f} s / "
        f"{statistics.median(agreement.json['server']):.3f} s more (medians)"
    )
    slow_agreement = statistics.median(agreement.times["server"]) > AGREEMENT_TARGET_S
    slow_exports = [
        measure.name
        for measure, _run in measures[1:]
        if statistics.median(measure.times["server"]) / statistics.median(measure.times["sqlite"])
        > EXPORT_RATIO_TARGET
    ]
    print(
        f"targets: agreement on the server <= {AGREEMENT_TARGET_S:.0f} s (median): "
        f"{'SLOW' if slow_agreement else 'met'}; exports <= {EXPORT_RATIO_TARGET}x SQLite "
        f"(ratio of medians): {'not met: ' + ', '.join(slow_exports) if slow_exports else 'met'}"
    )
    return 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    raise SystemExit(main())
