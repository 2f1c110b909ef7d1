"""View > Sources' speed (issue 16): 100,000 annotations over 1,000 documents (table_bench's
generator), their claims naming 500 sources in several spellings each.

Run: `.venv/bin/python benchmarks/sources_bench.py` (`--annotations N`, `--documents N`,
`--sources N`, `--rounds N`).

Timed interleaved, best of `--rounds`:
- floor: reading the fields of every claim on a raw sqlite3 connection (the query
  `sources.list_sources` runs, without decoding or counting anything);
- list_sources: the core call (the query, folding each spelling, joining the registered
  sources);
- window: View > Sources opened afresh in a real window (offscreen unless DISPLAY is set): read,
  model filled, sorted, shown and painted;
- completion names: what the claim form reads for completion and grades (`default_grades`).
Ratios are app / floor. Target (ours): the window opens in <= 0.3 s, like the annotations table.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import table_bench  # noqa: E402

from annotator.core import ops  # noqa: E402
from annotator.core.sources import default_grades, list_sources  # noqa: E402
from annotator.core.store import open_store  # noqa: E402

TARGET = 0.3


def source_names(count: int) -> list[str]:
    """`count` source names, each also written in lower case and upper case by some claims."""
    bases = [f"Agence Régionale {i:03d}" if i % 3 else f"Ministry of Trade {i:03d}"
             for i in range(count)]
    return bases


def build(path: Path, documents: int, annotations: int, sources: int) -> None:
    rng = random.Random(16)
    names = source_names(sources)
    with open_store(path, create=True) as store:
        per_document = annotations // documents
        for index in range(documents):
            new = table_bench.new_document(index, rng)
            document_id = ops.add_document(store, new, allow_duplicate=True).created_id
            assert document_id is not None
            made = []
            for annotation in table_bench.new_annotations(new.text, per_document, rng):
                if "claim" in annotation.fields:
                    name = rng.choice(names)
                    name = rng.choice((name, name, name.lower(), name.upper()))
                    fields = dict(annotation.fields)
                    fields["claim"] = {**fields["claim"], "attributed_to": name}
                    annotation = dataclasses.replace(annotation, fields=fields)
                made.append(annotation)
            ops.bulk_add_annotations(store, document_id, made)
        from annotator.core.sources import set_default_reliability

        for name in names[::2]:  # half of them graded, as if by the analysts
            set_default_reliability(store, name, rng.choice("ABCDEF"), actor="Ana")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY")
                          else os.environ.get("QT_QPA_PLATFORM", "xcb"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sources.db"
        start = time.perf_counter()
        build(path, args.documents, args.annotations, args.sources)
        built = time.perf_counter() - start
        raw = sqlite3.connect(path)

        def floor() -> object:
            return raw.execute(
                "SELECT t.fields FROM annotation_tags AS t "
                "WHERE t.tag_id = (SELECT id FROM tags WHERE name = 'claim')"
            ).fetchall()

        from PySide6.QtWidgets import QApplication

        from annotator.core.settings import Settings
        from annotator.gui.app import build_window
        from annotator.gui.sources_window import SourcesWindow, show_sources

        app = QApplication.instance() or QApplication([])
        window = build_window(path, Settings(author="Ana"))
        window.show()
        app.processEvents()
        store = window.ctx.store
        book = window.sources

        def core() -> object:
            return list_sources(store)

        def grades() -> object:
            return default_grades(store)

        def open_window() -> object:
            for old in window.findChildren(SourcesWindow):
                old.close()
                old.setParent(None)
                old.deleteLater()
            app.processEvents()
            shown = show_sources(window, book)
            assert shown is not None
            shown.repaint()  # painted, not only laid out
            app.processEvents()
            return shown

        first = time.perf_counter()
        opened = open_window()
        first_open = time.perf_counter() - first
        rows = opened.model.rowCount()
        claims = sum(info.claims for info in opened.model.sources)
        times: dict[str, list[float]] = {"floor": [], "core": [], "window": [], "grades": []}
        for _ in range(args.rounds):
            for name, run in (("floor", floor), ("core", core), ("window", open_window),
                              ("grades", grades)):
                began = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - began)
        best = {name: min(found) for name, found in times.items()}
        window.close()
        store.close()
        raw.close()
    load = os.getloadavg()
    print(
        f"{args.annotations} annotations over {args.documents} documents, {claims} claims "
        f"naming {rows} sources (built in {built:.1f} s); best of {args.rounds}, load "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    print("| measure | seconds (best) | ratio to floor | target | met |")
    print("|---|---:|---:|---:|---|")
    floor_seconds = best["floor"]
    print(f"| floor: every claim's fields read, raw sqlite3 | {floor_seconds:.4f} | 1.0 | | |")
    print(f"| sources.list_sources | {best['core']:.4f} | "
          f"{best['core'] / floor_seconds:.2f} | | |")
    for label, seconds in (("View > Sources, first open", first_open),
                           ("View > Sources, open again", best["window"])):
        print(f"| {label} | {seconds:.4f} | {seconds / floor_seconds:.2f} | {TARGET} | "
              f"{'yes' if seconds <= TARGET else 'NO'} |")
    print(f"| form: default_grades (completion names) | {best['grades']:.4f} | "
          f"{best['grades'] / floor_seconds:.2f} | | |")


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
