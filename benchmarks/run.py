"""Annotator against its floors (issue 15): each figure beside what bare Qt/SQLite need for it.

Run: `.venv/bin/python benchmarks/run.py [--quick] [--only NAME[,NAME]] [--runs N]`.
NAME is one of: cold, open, toggle, memory, merge, export, segment, scaling.

Every floor is measured in the same run as the app's figure, interleaved (floor, app, floor,
app, ...), so the machine's load hits both alike; the tables print ratios (app / floor) beside
the absolute times, then a per-phase breakdown, then the scaling table at 0.25, 1 and 4 MB.
Goals (issue 15): each ratio within 1.5x of its floor, 2x for the merge, 3x for XLSX;
segmentation at >= 10 MB/s (by CPU time: the goal is absolute and the machine shared). Scaling:
opening must grow from 0.25 to 4 MB no faster than its floor does and the toggle's p95 stay
flat (grow no more than the floor's, itself flat but for the machine's drift), each with a
quarter of slack for noise. Exit status 1
when a goal is not met (everything is printed first). The floors are described in floors.py.
`--quick` is a smoke run at a tenth of the sizes (its ratios are not the goals' sizes).
Runs offscreen unless DISPLAY is set, with HOME and XDG_* in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import floors  # noqa: E402
import gui_bench  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "briefings"
SAMPLE = REPO / "resources" / "sample-briefing.txt"
SECTIONS = ("cold", "open", "toggle", "memory", "merge", "export", "segment", "scaling")
MB = 1_000_000
EXPORT_GOALS = {"xlsx": 3.0, "html": 1.5}  # ratio to the app's CSV export of the same rows


@dataclass
class Row:
    measure: str
    floor: str
    app: str
    ratio: float | None
    goal: str
    ok: bool | None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    phases: list[tuple[str, str, str, str]] = field(default_factory=list)  # measure, phase, ...
    scaling: list[list[str]] = field(default_factory=list)
    scaling_ok: list[bool] = field(default_factory=list)
    scaling_sizes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    quick: bool
    runs: int | None
    only: set[str]

    def wants(self, *names: str) -> bool:
        return any(name in self.only for name in names)

    def rounds(self, default: int, quick: int) -> int:
        return self.runs if self.runs is not None else (quick if self.quick else default)

    @property
    def scale(self) -> int:
        return 10 if self.quick else 1


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def ratio_row(measure: str, floor: float, app: float, goal: float | None, unit: str = "s") -> Row:
    ratio = app / floor if floor > 0 else float("inf")
    show = ms if unit == "s" else (lambda v: f"{v:.1f} {unit}")
    return Row(
        measure,
        show(floor),
        show(app),
        ratio,
        f"<= {goal:g}x" if goal is not None else "(report)",
        None if goal is None else ratio <= goal,
    )


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


# -- cold start and memory (child processes) -----------------------------------------------


def bench_cold(plan: Plan, workdir: Path, report: Report) -> None:
    small = workdir / "cold.sqlite3"
    gui_bench.build_large_database(small, size=20_000, annotations=100)
    floor_runs: list[dict[str, float]] = []
    app_runs: list[dict[str, float]] = []
    # One untimed start of each writes the bytecode cache (isolation.py), as an install does.
    # Both sides start from the same small script (cold_start.py), their code imported.
    gui_bench.spawn("cold_start.py", "floor", with_t0=True)
    gui_bench.spawn("cold_start.py", "app", str(small), with_t0=True)
    for _ in range(plan.rounds(5, 2)):
        floor_runs.append(gui_bench.spawn("cold_start.py", "floor", with_t0=True))
        app_runs.append(gui_bench.spawn("cold_start.py", "app", str(small), with_t0=True))
    floor = min(floor_runs, key=lambda r: r["shown"])
    app = min(app_runs, key=lambda r: r["shown"])
    usable = min(r["usable"] for r in app_runs)
    report.rows.append(
        ratio_row("cold start to a shown window (first paint)", floor["shown"], app["shown"], 1.5)
    )
    report.rows.append(
        ratio_row("cold start: window usable with the database read", floor["shown"], usable, None)
    )
    phases = (
        ("Python start + import PySide6", "import_qt", "import_qt"),
        ("import the app's modules", None, "import_app"),
        ("QApplication + build and show the window", "build", "build"),
        ("database open (before the first paint)", None, "open_db"),
        ("first paint", "first_paint", "first_paint"),
        ("after the paint until usable (database read, library listed)", None, "after_paint"),
    )
    for label, floor_key, app_key in phases:
        report.phases.append(
            (
                "cold start (best run)",
                label,
                ms(floor[floor_key]) if floor_key else "",
                ms(app[app_key]),
            )
        )


def bench_memory(plan: Plan, db: Path, doc_id: int, report: Report) -> None:
    floor_peaks, app_peaks = [], []
    for _ in range(1 if plan.quick else 2):
        floor_peaks.append(gui_bench.spawn("floors.py", "memory", str(db), str(doc_id))["peak_mb"])
        app_peaks.append(gui_bench.spawn("gui_bench.py", "memory", str(db), str(doc_id))["peak_mb"])
    report.rows.append(
        ratio_row(
            "peak memory with that document open (RSS)",
            min(floor_peaks),
            min(app_peaks),
            1.5,
            unit="MB",
        )
    )


# -- open and toggle (in this process, one QApplication) -----------------------------------


@dataclass
class SizeResult:
    label: str
    floor_first: float
    app_first: float
    floor_settled: float
    app_settled: float
    floor_p95: float
    app_p95: float
    floor_p50: float
    app_p50: float
    app_repaint_p95: float
    flushes: bool
    open_phases: dict[str, float]
    floor_phases: dict[str, float]
    toggle_phases: dict[str, float]
    editor_size: str


def bench_size(
    plan: Plan, workdir: Path, db: Path, doc_id: int, label: str, opens: int, toggles: int
) -> SizeResult:
    app, window = gui_bench.make_window(db)
    reader = window.reader
    floor = floors.FloorEditor(reader.width(), reader.height())
    text, spans = floors.document_material(db, doc_id)
    spans = floors.utf16_spans(text, spans)
    app.processEvents()
    floor_opens: list[dict[str, float]] = []
    app_opens: list[dict[str, float]] = []
    for _ in range(opens):
        floor_opens.append(floor.open(app, text, spans))
        app_opens.append(gui_bench.open_once(app, window, doc_id))
    # Toggles, interleaved in blocks; each side on its own copy of the same text.
    units = gui_bench.toggle_units(window)
    floor_units = floors.utf16_spans(text, units)
    block = 10 if plan.quick else 50
    floor_ms: list[float] = []
    app_results: list[dict[str, Any]] = []
    floor.start_toggles(workdir)
    for offset in range(0, toggles, block):
        count = min(block, toggles - offset)
        floor_ms.extend(floor.toggles(app, floor_units, offset, count))
        app_results.append(gui_bench.toggles(app, window, offset, count))
    editor_size = f"{floor.editor.width()}x{floor.editor.height()}"
    floor.close()
    gui_bench.close_window(app, window)
    app_ms = [v for r in app_results for v in r["total_ms"]]
    repaint_ms = [v for r in app_results for v in r["repaint_ms"]]
    best_open = min(app_opens, key=lambda r: r["first"])
    best_floor = min(floor_opens, key=lambda r: r["first"])
    toggle_phases = {
        key: sum(r[key] for r in app_results) / len(app_ms)
        for key in ("write", "refresh", "repaint", "flush")
    }
    toggle_phases["other"] = max(0.0, statistics.fmean(app_ms) / 1000 - sum(toggle_phases.values()))
    return SizeResult(
        label,
        best_floor["first"],
        best_open["first"],
        min(r["settled"] for r in floor_opens),
        min(r["settled"] for r in app_opens),
        gui_bench.percentile(floor_ms, 0.95),
        gui_bench.percentile(app_ms, 0.95),
        gui_bench.percentile(floor_ms, 0.5),
        gui_bench.percentile(app_ms, 0.5),
        gui_bench.percentile(repaint_ms, 0.95),
        bool(app_results[0]["flushes"]),
        best_open,
        best_floor,
        toggle_phases,
        editor_size,
    )


def _size_rows(result: SizeResult, plan: Plan, report: Report, toggles: int) -> None:
    size = result.label
    report.rows.append(
        ratio_row(
            f"open a {size} briefing: first screen painted",
            result.floor_first,
            result.app_first,
            1.5,
        )
    )
    report.rows.append(
        ratio_row(
            f"open a {size} briefing: settled (everything shown)",
            result.floor_settled,
            result.app_settled,
            None,
        )
    )
    report.rows.append(
        ratio_row(
            f"one tag toggle, key to commit and repaint, p95 ({toggles}x)",
            result.floor_p95 / 1000,
            result.app_p95 / 1000,
            1.5,
        )
    )
    report.rows.append(
        ratio_row("one tag toggle, p50", result.floor_p50 / 1000, result.app_p50 / 1000, None)
    )
    if result.flushes:
        report.rows.append(
            ratio_row(
                "one tag toggle, key to repaint alone (before the commit), p95",
                result.floor_p95 / 1000,
                result.app_repaint_p95 / 1000,
                None,
            )
        )
    app, fl = result.open_phases, result.floor_phases
    for label, floor_value, key in (
        ("database read (document, annotations, reviews)", None, "read"),
        ("text layout (setPlainText)", fl["layout"], "layout"),
        ("tag formats / spans (reader load beyond setPlainText)", fl["formats"], "formats"),
        ("annotation list", None, "list"),
        ("other work in open_document", None, "other"),
        ("first paint (repaint after open_document returns)", fl["paint"], "paint"),
        ("deferred rest (until settled)", fl["settled"] - fl["first"], "deferred"),
    ):
        report.phases.append(
            (
                f"open {size} (best run)",
                label,
                ms(floor_value) if floor_value is not None else "",
                ms(app[key]),
            )
        )
    for label, key in (
        ("write + commit (ops calls)", "write"),
        ("window refresh (AppContext.apply: Changes to the widgets)", "refresh"),
        ("repaint", "repaint"),
        ("waiting for the writer (flush_writes)", "flush"),
        ("other (key handling, undo, snapshots)", "other"),
    ):
        if key == "flush" and not result.flushes:
            continue
        report.phases.append(("toggle (mean per toggle)", label, "", ms(result.toggle_phases[key])))


def bench_gui(plan: Plan, workdir: Path, report: Report, big: tuple[Path, int] | None) -> None:
    sizes: list[tuple[str, int, int]] = []
    if plan.wants("scaling"):
        sizes = [("0.25 MB", MB // 4, 2_500), ("1 MB", MB, 10_000), ("4 MB", 4 * MB, 40_000)]
    elif plan.wants("open", "toggle"):
        sizes = [("1 MB", MB, 10_000)]
    results: dict[str, SizeResult] = {}
    for label, size, count in sizes:
        size //= plan.scale
        count //= plan.scale
        shown = f"{size / MB:g} MB, {count:,} annotations"
        if label == "1 MB" and big is not None:
            db, doc_id = big
        else:
            db = workdir / f"open-{count}.sqlite3"
            doc_id = gui_bench.build_large_database(db, size=size, annotations=count)
        main = label == "1 MB"
        opens = plan.rounds(5, 2) if label != "4 MB" else plan.rounds(3, 2)
        toggles = (400 if main else 200) // (4 if plan.quick else 1)
        results[label] = bench_size(plan, workdir, db, doc_id, shown, opens, toggles)
        if main and plan.wants("open", "toggle"):
            _size_rows(results[label], plan, report, toggles)
            report.notes.append(
                f"\nopen and toggle floors: a QPlainTextEdit of the reader's size "
                f"({results[label].editor_size} px) in its own shown window, same process"
            )
    if len(results) == 3:
        _scaling(results, report)


def _cell(floor: float, app: float, unit: float = 1000) -> str:
    return f"{floor * unit:,.1f} / {app * unit:,.1f} = {app / floor:.1f}x"


def _scaling(results: dict[str, SizeResult], report: Report) -> None:
    small, large = results["0.25 MB"], results["4 MB"]
    report.scaling_sizes = [results[label].label for label in ("0.25 MB", "1 MB", "4 MB")]
    measures: tuple[tuple[str, Callable[[SizeResult], tuple[float, float]], str], ...] = (
        ("open, first screen (ms)", lambda r: (r.floor_first, r.app_first), "open"),
        ("open, settled (ms)", lambda r: (r.floor_settled, r.app_settled), "open"),
        ("toggle p95 (ms)", lambda r: (r.floor_p95 / 1000, r.app_p95 / 1000), "toggle"),
    )
    for name, pick, kind in measures:
        cells = [_cell(*pick(results[label])) for label in ("0.25 MB", "1 MB", "4 MB")]
        floor_growth = pick(large)[0] / pick(small)[0]
        app_growth = pick(large)[1] / pick(small)[1]
        if kind == "open":
            # "no faster than the floor", with a quarter of slack for a loaded machine
            ok = app_growth <= floor_growth * 1.25
            goal = "app growth <= floor growth (x1.25 for noise)"
        else:
            # Flat: the floor's toggle does not depend on the size, so its growth is the
            # machine's drift between the blocks; the app may not grow more (a quarter of slack).
            ok = app_growth <= max(1.0, floor_growth) * 1.25
            goal = "flat (app growth <= max(1, floor growth), x1.25 for noise)"
        report.scaling.append(
            [
                name,
                *cells,
                f"app {app_growth:.1f}x vs floor {floor_growth:.1f}x",
                goal,
                "yes" if ok else "NO",
            ]
        )
        report.scaling_ok.append(ok)


# -- merge, export, segmentation -----------------------------------------------------------


def bench_merge(plan: Plan, workdir: Path, report: Report) -> None:
    import merge_bench

    from annotator.core.colleague import merge_colleague
    from annotator.core.store import open_store

    count, documents = 100_000 // plan.scale, 100 // plan.scale
    colleague = workdir / "colleague.sqlite3"
    merge_bench.build_colleague(colleague, documents, count, seed=7)
    schema = merge_bench._schema(colleague)
    floor_rows = merge_bench._rows(colleague, ("annotations",))
    full_rows: dict[str, list[tuple[Any, ...]]] = {}
    floor_times, full_times, merge_times = [], [], []
    for run in range(plan.rounds(2, 1)):
        floor_times.append(
            merge_bench.raw_insert(
                workdir / f"merge-floor{run}.sqlite3", schema, floor_rows, foreign_keys=False
            )
        )
        merged = workdir / f"merged{run}.sqlite3"
        with open_store(merged, daily_backup=False) as store:
            started = time.perf_counter()
            result = merge_colleague(store, colleague)
            merge_times.append(time.perf_counter() - started)
        if result.merge.annotations_added != count:
            raise RuntimeError(f"the merge added {result.merge.annotations_added} of {count}")
        if not full_rows:
            full_rows = merge_bench._rows(merged, merge_bench.FLOOR_TABLES)
        full_times.append(
            merge_bench.raw_insert(
                workdir / f"merge-full{run}.sqlite3", schema, full_rows, foreign_keys=True
            )
        )
        for leftover in workdir.glob(f"merge*{run}.sqlite3*"):
            leftover.unlink()
    best = min(merge_times)
    report.rows.append(
        ratio_row(
            f"merge {count:,} annotations (floor: raw sqlite3 insert of the annotation rows)",
            min(floor_times),
            best,
            merge_bench.GOAL_RATIO,
        )
    )
    report.rows.append(
        ratio_row(
            "merge, against the full-data floor (raw sqlite3 writing every row the merge writes)",
            min(full_times),
            best,
            None,
        )
    )


def bench_export(plan: Plan, workdir: Path, report: Report) -> None:
    import export_bench

    from annotator.core import ops
    from annotator.core.dataset import set_caveat
    from annotator.core.exporters.registry import export_store
    from annotator.core.store import open_store

    count = 100_000 // plan.scale
    text = export_bench.material(MB)
    best: dict[str, float] = {}
    runs: dict[str, int] = {}
    with open_store(workdir / "export.sqlite3") as store:
        doc_id = ops.add_document(store, export_bench.document(text)).created_id
        assert doc_id is not None
        ops.bulk_add_annotations(store, doc_id, export_bench.annotations(text, count))
        set_caveat(store, "TLP:AMBER")
        for round_ in range(plan.rounds(2, 1)):
            for name, suffix in (("csv", ".csv"), ("xlsx", ".xlsx"), ("html", ".html")):
                goal = EXPORT_GOALS.get(name)
                if round_ and goal and best[name] > best["csv"] * goal * 2 and plan.runs is None:
                    continue  # far from its goal: one more run would not change the verdict
                out = workdir / f"export{suffix}"
                started = time.perf_counter()
                export_store(store, name, out)
                seconds = time.perf_counter() - started
                best[name] = min(best.get(name, seconds), seconds)
                runs[name] = runs.get(name, 0) + 1
                out.unlink()
    for name, goal in EXPORT_GOALS.items():
        report.rows.append(
            ratio_row(
                f"export {count:,} annotations to {name.upper()} (best of {runs[name]}; "
                f"floor: the app's CSV export of the same rows, best of {runs['csv']})",
                best["csv"],
                best[name],
                goal,
            )
        )


def bench_segment(plan: Plan, report: Report) -> None:
    from annotator.core.segment import segment

    text = material(MB // plan.scale)
    mb = len(text.encode("utf-8")) / 1e6
    floor_s, app_s, app_cpu = [], [], []
    for _ in range(3):
        floor_s.append(best_of(1, lambda: floors.regex_split(text)))
        cpu = time.process_time()
        app_s.append(best_of(1, lambda: segment(text)))
        app_cpu.append(time.process_time() - cpu)
    floor, app = min(floor_s), min(app_s)
    rate, floor_rate = mb / app, mb / floor
    # The goal is absolute, so the machine's load would decide it: judged on CPU time (one
    # core's worth of work), with the wall-clock rate shown beside it.
    cpu_rate = mb / max(min(app_cpu), 1e-9)
    report.rows.append(
        Row(
            f"segmentation throughput ({mb:.1f} MB of briefings; floor: a plain regex split)",
            f"{floor_rate:.1f} MB/s ({ms(floor)})",
            f"{rate:.1f} MB/s ({ms(app)}); by CPU time {cpu_rate:.1f} MB/s",
            app / floor,
            ">= 10 MB/s (CPU time)",
            cpu_rate >= 10.0,
        )
    )


# -- output --------------------------------------------------------------------------------


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"


def print_report(report: Report, header: str, load_end: str, seconds: float) -> None:
    print(header)
    print()
    print("| measure | floor | Annotator | ratio | goal | met |")
    print("|---|---:|---:|---:|---|---|")
    for row in report.rows:
        met = "" if row.ok is None else ("yes" if row.ok else "NO")
        ratio = "" if row.ratio is None else f"{row.ratio:.1f}x"
        print(f"| {row.measure} | {row.floor} | {row.app} | {ratio} | {row.goal} | {met} |")
    if report.phases:
        print()
        print("Per-phase breakdown (floor blank where bare Qt has no such step):")
        print()
        print("| measure | phase | floor | Annotator |")
        print("|---|---|---:|---:|")
        for measure, phase, floor, app in report.phases:
            print(f"| {measure} | {phase} | {floor} | {app} |")
    if report.scaling:
        print()
        print("Scaling (each cell: floor / Annotator = ratio; open best run, toggle p95):")
        print()
        sizes = " | ".join(report.scaling_sizes)
        print(f"| measure | {sizes} | growth, largest / smallest | goal | met |")
        print("|---|---:|---:|---:|---|---|---|")
        for cells in report.scaling:
            print("| " + " | ".join(cells) + " |")
    for note in report.notes:
        print(note)
    print()
    print(f"load at the end (1, 5, 15 min): {load_end}; the whole run took {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes: smoke run")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of: {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help="rounds of each timed measure (default: 5 cold starts and opens "
        "(3 at 4 MB), 2 merges and exports; 2 with --quick)",
    )
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown --only name(s): {', '.join(sorted(unknown))}")
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    plan = Plan(quick=args.quick, runs=args.runs, only=only)
    started = time.perf_counter()
    header = (
        f"Annotator against its floors — Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores, commit {_commit()}, "
        f"Qt platform {os.environ.get('QT_QPA_PLATFORM', 'default')}"
        f"{', --quick (a tenth of the sizes)' if plan.quick else ''}; "
        f"load at the start (1, 5, 15 min): {_load()}"
    )
    report = Report()
    took: list[str] = []

    def section(name: str, fn: Callable[[], None]) -> None:
        if plan.wants(name):
            began = time.perf_counter()
            fn()
            took.append(f"{name} {time.perf_counter() - began:.0f} s")

    with tempfile.TemporaryDirectory(prefix="annotator-bench-") as tmp:
        workdir = Path(tmp)
        big: tuple[Path, int] | None = None
        if plan.wants("open", "toggle", "memory", "scaling"):
            db = workdir / "large.sqlite3"
            big = (db, gui_bench.build_large_database(db, MB // plan.scale, 10_000 // plan.scale))
        section("segment", lambda: bench_segment(plan, report))
        section("cold", lambda: bench_cold(plan, workdir, report))
        if big is not None:
            large = big
            section("memory", lambda: bench_memory(plan, *large, report))
        if plan.wants("open", "toggle", "scaling"):
            began = time.perf_counter()
            bench_gui(plan, workdir, report, big)
            took.append(f"open/toggle/scaling {time.perf_counter() - began:.0f} s")
        section("merge", lambda: bench_merge(plan, workdir, report))
        section("export", lambda: bench_export(plan, workdir, report))
    report.notes.append(f"\ntime per section: {', '.join(took)}")
    print_report(report, header, _load(), time.perf_counter() - started)
    met = all(row.ok is not False for row in report.rows) and all(report.scaling_ok)
    return 0 if met else 1


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
