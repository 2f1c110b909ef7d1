"""GUI benchmarks: open a 1 MB briefing with 10,000 annotations, tag-toggle latency, cold start.

Used by `benchmarks/run.py`; can also run alone: `.venv/bin/python benchmarks/gui_bench.py`.
Runs offscreen unless a display is set.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

COLD_START_SCRIPT = """
import sys, time
t0 = float(sys.argv[2])
from annotator.gui.app import application, build_window
from annotator.core.settings import Settings
app = application()
window = build_window(__import__("pathlib").Path(sys.argv[1]), Settings(author="bench"))
window.show()
app.processEvents()
window.reader.viewport().repaint()
print(time.time() - t0)
window.ctx.store.close()
"""


def build_large_database(path: Path, size: int = 1_000_000, annotations: int = 10_000) -> int:
    """A database with one ~1 MB briefing (about 10,000 units) and `annotations` annotations."""
    from annotator.core import ops
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
    return doc_id


def measure(db: Path, doc_id: int, toggles: int = 1000) -> dict[str, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from annotator.core.settings import Settings
    from annotator.gui.app import application, build_window

    app = application()
    window = build_window(db, Settings(author="bench"))
    window.resize(1400, 860)
    window.show()
    app.processEvents()
    window.workspace.close_document()
    app.processEvents()

    t0 = time.perf_counter()
    window.open_document(doc_id)
    app.processEvents()
    window.reader.viewport().repaint()
    open_seconds = time.perf_counter() - t0

    reader = window.reader
    reader.setFocus()
    units = [(s, e) for s, e, k in window.workspace.units if k != "skipped"]
    latencies = []
    for i in range(toggles):
        start, end = units[(i * 7) % len(units)]
        reader.select_span(start, end, scroll=True)
        app.processEvents()
        t1 = time.perf_counter()
        QTest.keyClick(reader, Qt.Key.Key_1)
        reader.viewport().repaint()
        latencies.append((time.perf_counter() - t1) * 1000)
    latencies.sort()
    window.ctx.store.close()
    window.close()
    return {
        "open_s": open_seconds,
        "toggle_p50_ms": statistics.median(latencies),
        "toggle_p95_ms": latencies[int(len(latencies) * 0.95) - 1],
    }


def cold_start(db: Path, runs: int = 3) -> float:
    """Seconds from launching a fresh Python process to the first painted window (best run)."""
    times = []
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", COLD_START_SCRIPT, str(db), repr(time.time())],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=120,
            check=True,
        )
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return min(times)


def main() -> int:
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
    sys.exit(main())
