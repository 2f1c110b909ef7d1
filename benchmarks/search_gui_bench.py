"""Find in All Documents in the window (issue 16): a query typed until its results are painted.

Run: `.venv/bin/python benchmarks/search_gui_bench.py` (`--megabytes N`, `--documents N`,
`--rounds N`); offscreen Qt unless a display is set.

Builds the database of benchmarks/search_bench.py (generated briefings, 50 MB by default),
opens the real main window on it (1366x768) and its Find in All Documents panel, then times,
per query of search_bench.QUERIES, interleaved round by round:
- "core": `search.search(store, query, LIMIT)`, what the panel asks of the database, with the
  panel's limit (the first 500 sentences and 500 notes);
- "GUI": the query put in the box and searched (`SearchPanel.run`: the search, the tree
  filled and expanded, the current hit chosen) until the results are painted.
The ratio GUI / core is the cost of showing the results. Not counted: the pause the panel waits
for after the last key (DEBOUNCE_MS, deliberate). Prints a Markdown table (median and best).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


from painted import Painted, until_painted  # noqa: E402


def main() -> None:
    import search_bench

    from annotator.core.search import search
    from annotator.core.settings import Settings
    from annotator.gui.app import application, build_window
    from annotator.gui.search_panel import DEBOUNCE_MS, LIMIT, show_panel

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    app = application()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "search.db"
        start = time.perf_counter()
        size, rare = search_bench.build(path, args.megabytes, args.documents)
        built = time.perf_counter() - start
        window = build_window(path, Settings(author="Ana"))
        window.resize(1366, 768)
        window.show()
        for _ in range(20):
            app.processEvents()
        panel = show_panel(window)
        painted = Painted()
        panel.tree.viewport().installEventFilter(painted)
        store = window.ctx.store
        rows = []
        for name, query in search_bench.QUERIES:
            query = query.format(rare=rare)

            def core(query: str = query) -> object:
                return search(store, query, LIMIT)

            def gui(query: str = query) -> object:
                panel.query_box.setText(query)
                before = painted.count
                panel.run()
                until_painted(app, painted, before)
                return panel.results

            found = search(store, query, LIMIT)
            times = search_bench.runs(args.rounds, core, gui)
            rows.append((name, query, found, *times))
        window.close()
        window.ctx.store.close()
    load = os.getloadavg()
    print(
        f"{size / 1e6:.1f} MB of text, {args.documents} documents (built in {built:.0f} s); "
        f"{args.rounds} rounds, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"the panel searches {DEBOUNCE_MS} ms after the last key (not counted)\n"
    )
    print(
        "| query | hits shown | core p50 (ms) | best | GUI to painted p50 (ms) | best | "
        "ratio p50 | ratio best |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, query, found, core_times, gui_times in rows:
        core50, gui50 = statistics.median(core_times), statistics.median(gui_times)
        core_best, gui_best = min(core_times), min(gui_times)
        shown = f"{found.hit_count}{'+' if found.truncated else ''}"
        print(
            f"| {name}: `{query}` | {shown} | {core50 * 1e3:.1f} | {core_best * 1e3:.1f} | "
            f"{gui50 * 1e3:.1f} | {gui_best * 1e3:.1f} | {gui50 / core50:.2f} | "
            f"{gui_best / core_best:.2f} |"
        )


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    main()
