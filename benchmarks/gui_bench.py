"""GUI benchmarks of the app: cold start, opening a long briefing, tag toggles, peak memory.

Used by `benchmarks/run.py`, which puts each figure beside its floor (floors.py) measured in the
same run. Can also run alone: `.venv/bin/python benchmarks/gui_bench.py` (app figures only).
Runs offscreen unless a display is set. Child processes: `gui_bench.py cold-start DB T0` and
`gui_bench.py memory DB DOC_ID` print one JSON line.

The app is changing under these benchmarks (issue 15), so they use its newer entry points when
present and today's otherwise: `annotator.gui.app.launch(db, settings)` (else `application()` +
`build_window()` + `show()`), `MainWindow.database_ready()`, `Workspace.is_settled()` and
`AppContext.flush_writes()` (each treated as done/absent when missing). Phases are timed from
outside by wrapping module and widget attributes (phases.py); a missing one reads 0.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCHMARKS))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import floors  # noqa: E402  (light: the cold-start child imports it too)

WINDOW_SIZE = (1400, 860)


def build_large_database(path: Path, size: int = 1_000_000, annotations: int = 10_000) -> int:
    """A database with one briefing of about `size` characters and `annotations` annotations."""
    from annotator.core import ops, search_index
    from annotator.core.importing import document_from_text
    from annotator.core.store import open_store

    sentence = (
        "In 2024 the ministry reported {n} incidents along the northern route, and analysts "
        "judge it likely that the number will rise by about 15% next year."
    )
    paragraphs = []
    total = 0
    n = 0
    while total < size:
        body = " ".join(sentence.format(n=n + k) for k in range(3))
        paragraphs.append(body)
        total += len(body) + 2
        n += 3
    text = "\n\n".join(paragraphs)
    new_document = document_from_text(
        text, title="Large briefing", source_name="large.txt", language="en"
    )
    units = new_document.units
    tag_sets = (
        ["claim"],
        ["assessment"],
        ["figure"],
        ["claim", "figure"],
        ["assessment", "figure"],
    )
    with open_store(path) as store:
        doc_id = ops.add_document(store, new_document).created_id
        assert doc_id is not None
        new = [
            ops.NewAnnotation(
                units[i % len(units)][0],
                units[i % len(units)][1],
                "bench",
                tag_sets[i % len(tag_sets)],
            )
            for i in range(annotations)
        ]
        ops.bulk_add_annotations(store, doc_id, new)
        # as the app leaves it once idle: these bulk writes left their rows queued for the
        # search indexes, which the window would otherwise fold while it is being timed
        search_index.fold_all(store)
    return doc_id


# -- the window ----------------------------------------------------------------------------


def _settings() -> Any:
    from annotator.core.settings import Settings

    return Settings(author="bench")


def database_ready(window: Any) -> bool:
    ready = getattr(window, "database_ready", None)
    return bool(ready()) if callable(ready) else True


def library_listed(window: Any) -> bool:
    return bool(window.library.model.rowCount() > 0)


def is_settled(window: Any) -> bool:
    settled = getattr(window.workspace, "is_settled", None)
    return bool(settled()) if callable(settled) else True


def _application(appmod: Any) -> Any:
    make = getattr(appmod, "application", None)
    if callable(make):
        return make()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    return app if app is not None else QApplication(sys.argv[:1])


def _start(appmod: Any, db: Path) -> Any:
    """The shown main window on `db`: `launch` when the app has it, else today's way."""
    launch = getattr(appmod, "launch", None)
    if callable(launch):
        return launch(db, _settings())
    window = appmod.build_window(db, _settings())
    window.show()
    return window


_QUIET = ("This plugin does not support propagateSizeHints()",)


def quiet_offscreen_notes() -> None:
    """Drop the offscreen plugin's note that it cannot propagate size hints (each window
    shown prints it); every other Qt message still goes to stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode: Any, _context: Any, message: str) -> None:
        if message not in _QUIET:
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(handler)


def make_window(db: Path) -> tuple[Any, Any]:
    """(QApplication, main window) on `db`, shown at WINDOW_SIZE with the database read."""
    import annotator.gui.app as appmod

    quiet_offscreen_notes()
    app = _application(appmod)
    window = _start(appmod, db)
    window.resize(*WINDOW_SIZE)
    if not floors.wait_until(app, lambda: database_ready(window) and is_settled(window)):
        raise RuntimeError("the window never read its database")
    app.processEvents()
    return app, window


def close_window(app: Any, window: Any) -> None:
    store = getattr(getattr(window, "ctx", None), "store", None)
    window.close()
    app.processEvents()
    if store is not None:
        store.close()
    window.deleteLater()
    app.processEvents()


# -- open ----------------------------------------------------------------------------------


def open_once(app: Any, window: Any, doc_id: int) -> dict[str, float]:
    """One open of `doc_id` (after closing it): first screen, settled, and phases (seconds)."""
    from phases import wrapped

    import annotator.gui.workspace as workspace_module

    window.workspace.close_document()
    app.processEvents()
    reader = window.reader
    wraps = [
        (workspace_module, "document_detail", "read"),
        (workspace_module, "document_annotations", "read"),
        (workspace_module, "review_info", "read"),
        (reader, "load", "reader"),
        (reader, "setPlainText", "layout"),
        (window.annotation_list, "load", "list"),
    ]
    with wrapped(wraps) as timers:
        started = time.perf_counter()
        window.open_document(doc_id)
        returned = time.perf_counter()
        reader.viewport().repaint()
        first = time.perf_counter()
        if reader.document().characterCount() <= 1:
            raise RuntimeError("the reader shows no text after open_document")
        if not floors.wait_until(app, lambda: is_settled(window)):
            raise RuntimeError("the workspace never settled")
        app.processEvents()
        reader.viewport().repaint()
        settled = time.perf_counter()
    read, layout = timers.get("read"), timers.get("layout")
    formats = max(0.0, timers.get("reader") - layout)
    listing = timers.get("list")
    return {
        "first": first - started,
        "settled": settled - started,
        "read": read,
        "layout": layout,
        "formats": formats,
        "list": listing,
        "other": max(0.0, returned - started - read - layout - formats - listing),
        "paint": first - returned,
        "deferred": settled - first,
    }


# -- toggles -------------------------------------------------------------------------------


def activate(app: Any, window: Any) -> None:
    """Make `window` the active window (its tag shortcuts act only then)."""
    window.activateWindow()
    floors.wait_until(app, window.isActiveWindow, timeout=5.0)


def annotation_state(window: Any) -> frozenset[tuple[int, int, int, str]]:
    """What the workspace shows of each annotation (id, span, tags): a toggle changes it."""
    return frozenset(
        (view.id, view.start, view.end, repr(getattr(view, "tag_names", None)))
        for view in window.workspace.annotations.values()
    )


def toggle_units(window: Any) -> list[tuple[int, int]]:
    return [(s, e) for s, e, kind in window.workspace.units if kind != "skipped"]


def toggles(app: Any, window: Any, offset: int, count: int) -> dict[str, Any]:
    """`count` presses of key 1 on selected units: milliseconds per toggle and phase sums."""
    from phases import wrapped
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    import annotator.core.ops as ops_module

    reader = window.reader
    activate(app, window)
    reader.setFocus()
    units = toggle_units(window)
    flush = getattr(window.ctx, "flush_writes", None)
    totals: list[float] = []
    to_repaint: list[float] = []
    repaints = 0.0
    flushes = 0.0
    wraps = [
        (ops_module, "create_annotation", "write"),
        (ops_module, "set_tag", "write"),
        (ops_module, "delete_annotation", "write"),
        (window.ctx, "apply", "refresh"),
    ]
    before = annotation_state(window)
    with wrapped(wraps) as timers:
        for i in range(offset, offset + count):
            start, end = units[(i * 7) % len(units)]
            reader.select_span(start, end, scroll=True)
            app.processEvents()
            began = time.perf_counter()
            QTest.keyClick(reader, Qt.Key.Key_1)
            keyed = time.perf_counter()
            reader.viewport().repaint()
            painted = time.perf_counter()
            if callable(flush):
                flush()
            done = time.perf_counter()
            totals.append((done - began) * 1000)
            to_repaint.append((painted - began) * 1000)
            repaints += painted - keyed
            flushes += done - painted
        write, refresh = timers.get("write"), timers.get("refresh")
        if count and annotation_state(window) == before:
            raise RuntimeError("key 1 changed no annotation: the toggles measured nothing")
    return {
        "total_ms": totals,
        "repaint_ms": to_repaint,
        "write": write,
        "refresh": refresh,
        "repaint": repaints,
        "flush": flushes,
        "flushes": callable(flush),
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(len(ordered) * fraction) - 1))]


# -- child processes -----------------------------------------------------------------------


def spawn(script: str, *args: str, with_t0: bool = False) -> dict[str, float]:
    """Run `benchmarks/<script> args... [T0]` in a fresh Python; its JSON line."""
    import subprocess

    command = [sys.executable, str(BENCHMARKS / script), *args]
    if with_t0:
        command.append(repr(time.time()))
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=REPO, timeout=300, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{script} {args[0]} failed:\n{result.stderr[-2000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _cold_start_child(db: Path, t0: float) -> dict[str, float]:
    from PySide6 import QtWidgets  # noqa: F401  (timed apart from the app's own modules)

    imported_qt = time.time()
    from phases import Timers

    import annotator.gui.app as appmod

    imported_app = time.time()
    app = _application(appmod)
    watcher = floors.paint_watcher(app)
    timers = Timers()
    timers.wrap(appmod, "open_store", "open")  # today's path opens the database in build_window
    building = time.time()
    window = _start(appmod, db)
    shown = time.time()
    if not floors.wait_until(app, lambda: watcher.painted):
        raise SystemExit("the main window was never painted")
    painted = time.time()
    app.removeEventFilter(watcher)
    if not floors.wait_until(app, lambda: database_ready(window) and library_listed(window)):
        raise SystemExit("the window never listed the database's documents")
    usable = time.time()
    opened = timers.get("open")
    timers.restore()
    store = getattr(getattr(window, "ctx", None), "store", None)
    if store is not None:
        store.close()
    return {
        "import_qt": imported_qt - t0,
        "import_app": imported_app - imported_qt,
        "build": shown - building - opened,
        "open_db": opened,
        "first_paint": painted - shown,
        "after_paint": usable - painted,
        "shown": painted - t0,
        "usable": usable - t0,
    }


def _memory_child(db: Path, doc_id: int) -> dict[str, float]:
    app, window = make_window(db)
    if window.workspace.document_id != doc_id:
        window.open_document(doc_id)
    floors.wait_until(app, lambda: is_settled(window))
    window.reader.viewport().repaint()
    app.processEvents()
    if window.reader.document().characterCount() <= 1:
        raise SystemExit("the reader shows no text")
    peak = floors.peak_rss_mb()  # VmHWM: see there why not ru_maxrss
    close_window(app, window)
    return {"peak_mb": peak}


# -- alone ---------------------------------------------------------------------------------


def measure(db: Path, doc_id: int, toggles_count: int = 1000) -> dict[str, float]:
    """The app's figures on `db` (no floors): open (first screen, settled) and toggle latency."""
    app, window = make_window(db)
    try:
        opened = open_once(app, window, doc_id)
        toggled = toggles(app, window, 0, toggles_count)
    finally:
        close_window(app, window)
    return {
        "open_s": opened["first"],
        "open_settled_s": opened["settled"],
        "toggle_p50_ms": percentile(toggled["total_ms"], 0.5),
        "toggle_p95_ms": percentile(toggled["total_ms"], 0.95),
    }


def cold_start(db: Path, runs: int = 3) -> float:
    """Seconds from launching a fresh Python process to the first painted window (best run)."""
    return min(
        spawn("gui_bench.py", "cold-start", str(db), with_t0=True)["shown"] for _ in range(runs)
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["cold-start"]:
        print(json.dumps(_cold_start_child(Path(argv[1]), float(argv[2]))))
        return 0
    if argv[:1] == ["memory"]:
        print(json.dumps(_memory_child(Path(argv[1]), int(argv[2]))))
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "large.sqlite3"
        doc_id = build_large_database(db)
        numbers = measure(db, doc_id)
        small = Path(tmp) / "small.sqlite3"
        build_large_database(small, size=20_000, annotations=100)
        numbers["cold_start_s"] = cold_start(small)
    for key, value in numbers.items():
        print(f"{key}: {value:.3f}")
    return 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main(sys.argv[1:]))
