"""Reader benchmark: a ~1 MB briefing with 10,000 units and 10,000 annotations.

Run: `.venv/bin/python benchmarks/reader_bench.py` (offscreen unless QT_QPA_PLATFORM is set).
Uses the briefings in ../shared/corpus when present (else generated sentences) as text material.
Prints a Markdown table of load time, full viewport paint, and the cost of one annotation change.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtGui import QColor  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.gui.reader import PaintedAnnotation, ReaderPane  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "briefings"
COLOURS = {"claim": QColor("#0072B2"), "assessment": QColor("#E69F00"), "figure": QColor("#009E73")}
TAG_SETS = [("claim",), ("assessment",), ("figure",), ("claim", "figure"), ("assessment", "claim")]
SENTENCE = re.compile(r"[^\s][^\n.!?]*[.!?]?")


def material() -> list[str]:
    """Sentences of real briefings when available, else generated ones."""
    sentences: list[str] = []
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            sentences.extend(m.group().strip() for m in SENTENCE.finditer(text))
    sentences = [s for s in sentences if len(s) > 20]
    if not sentences:
        rng = random.Random(1)
        words = ["the", "of", "and", "shipping", "attacks", "assessed", "likely", "figure"]
        sentences = [
            " ".join(rng.choice(words) for _ in range(rng.randint(10, 25))).capitalize() + "."
            for _ in range(500)
        ]
    return sentences


def briefing(size: int = 1_000_000, units_wanted: int = 10_000) -> tuple[
    str, list[tuple[int, int, str]], list[PaintedAnnotation]
]:
    sentences = material()
    # Sentences long enough that 10,000 of them make about `size` characters.
    target = size // units_wanted
    parts: list[str] = []
    units: list[tuple[int, int, str]] = []
    position = 0
    index = 0
    while len(units) < units_wanted:
        sentence = sentences[index % len(sentences)]
        while len(sentence) < target - 20:
            index += 1
            sentence += " " + sentences[index % len(sentences)]
        index += 1
        sentence = sentence[: target + 20]
        kind = "skipped" if len(units) % 97 == 0 else "sentence"
        units.append((position, position + len(sentence), kind))
        separator = "\n\n" if len(units) % 5 == 0 else " "
        parts.extend((sentence, separator))
        position += len(sentence) + len(separator)
    text = "".join(parts)
    annotations = [
        PaintedAnnotation(i, start, end, TAG_SETS[i % len(TAG_SETS)])
        for i, (start, end, _kind) in enumerate(units)
    ]
    return text, units, annotations


def timings(runs: int, fn: Callable[[], object]) -> list[float]:
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        found.append(time.perf_counter() - started)
    return found


def ms(values: list[float], quantile: float) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000:.2f} ms"


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    text, units, annotations = briefing()
    pane = ReaderPane()
    pane.resize(1200, 800)
    pane.set_tag_styles(COLOURS)
    pane.show()
    app.processEvents()
    view = pane.view
    viewport = view.viewport()

    started = time.perf_counter()
    view.load(text, units, annotations)
    loaded = time.perf_counter() - started
    viewport.repaint()
    app.processEvents()
    first_paint = time.perf_counter() - started

    view.scroll_to(len(text) // 2, fraction=0.0)
    app.processEvents()
    full_paint = timings(100, viewport.repaint)

    shown_start, shown_end = view.visible_span()
    on_screen = [a for a in annotations if shown_start <= a.start < shown_end]
    target = on_screen[len(on_screen) // 2]
    variants = [target, PaintedAnnotation(target.id, target.start, target.end, ("figure",))]
    flips = iter(range(10**9))

    def change_and_repaint() -> None:
        view.update_annotations([variants[next(flips) % 2]])
        viewport.repaint()

    def change_and_process() -> None:
        view.update_annotations([variants[next(flips) % 2]])
        app.processEvents()  # paints only the region update_annotations marked

    def remove_and_restore() -> None:
        view.update_annotations([], removed=[target.id])
        view.update_annotations([target])
        app.processEvents()

    changed_full = timings(300, change_and_repaint)
    changed_region = timings(300, change_and_process)
    removed = timings(300, remove_and_restore)

    rng = random.Random(3)

    def jump() -> None:
        view.scroll_to(rng.randrange(len(text)))
        viewport.repaint()

    jumps = timings(100, jump)

    rows = [
        ("text size / units / annotations", f"{len(text):,} chars / {len(units):,} / "
         f"{len(annotations):,}"),
        ("load (setPlainText, indexes, dim skipped units)", f"{loaded * 1000:.1f} ms"),
        ("load + first paint", f"{first_paint * 1000:.1f} ms"),
        ("full viewport paint, p50 / p95", f"{ms(full_paint, 0.5)} / {ms(full_paint, 0.95)}"),
        ("update_annotations(1) + viewport().repaint(), p50 / p95",
         f"{ms(changed_full, 0.5)} / {ms(changed_full, 0.95)}"),
        ("update_annotations(1) + processEvents (dirty region only), p50 / p95",
         f"{ms(changed_region, 0.5)} / {ms(changed_region, 0.95)}"),
        ("remove + re-add one annotation + processEvents, p50 / p95",
         f"{ms(removed, 0.5)} / {ms(removed, 0.95)}"),
        ("jump to a random place + repaint, p50 / p95", f"{ms(jumps, 0.5)} / {ms(jumps, 0.95)}"),
        ("annotations on screen", str(len(on_screen))),
    ]
    print(f"Reader benchmark (Python {sys.version.split()[0]}, "
          f"{os.environ.get('QT_QPA_PLATFORM')}, viewport {viewport.width()}x{viewport.height()})")
    print()
    print("| measure | result |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
