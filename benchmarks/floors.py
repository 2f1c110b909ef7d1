"""The floors of issue 15: what bare Qt, SQLite and a regex need for the work the app does.

Each floor is measured in the same run as the app's figure, interleaved with it (run.py):
- cold start: a fresh Python process imports PySide6 and shows a QMainWindow with a
  QPlainTextEdit until the end of its first paint (child process: `floors.py cold-start T0`);
- open: a shown QPlainTextEdit gets the briefing's text (setPlainText) and one background
  char format per annotation (QTextCursor.mergeCharFormat) in one edit block, then repaints;
- toggle: mergeCharFormat on one fragment + viewport repaint + one INSERT committed by sqlite3
  in WAL mode with synchronous=FULL on a temporary file;
- memory: a fresh process shows that editor with the text and formats, painted, and reports
  its peak RSS, VmHWM (`floors.py memory DB DOC_ID`);
- segmentation: a plain regex sentence split of the same text.
This module imports nothing heavy at the top: the cold-start child must import PySide6 only.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Five background colours, one per tag set of the benchmark databases (as the reader shows).
COLOURS = ("#ffe08a", "#a8d8ff", "#c4f0b0", "#ffc0c8", "#e0c8ff")
# A sentence ends at . ! or ? (closing quotes and brackets kept) before white space, or at a
# blank line.
BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+|\n\s*\n")
FIRST_PAINT_TIMEOUT_S = 60.0


# -- material ------------------------------------------------------------------------------


def utf16_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Code-point spans of `text` as Qt (UTF-16) positions."""
    if text.isascii():
        return list(spans)
    prefix = [0]
    for char in text:
        prefix.append(prefix[-1] + (2 if ord(char) > 0xFFFF else 1))
    return [(prefix[s], prefix[e]) for s, e in spans]


def document_material(db: Path, doc_id: int) -> tuple[str, list[tuple[int, int]]]:
    """The text of document `doc_id` and its annotations' spans (code points), read with sqlite3."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (text,) = conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        spans = conn.execute(
            'SELECT start, "end" FROM annotations WHERE document_id = ? ORDER BY id', (doc_id,)
        ).fetchall()
    finally:
        conn.close()
    return text, [(s, e) for s, e in spans]


# -- first paint ---------------------------------------------------------------------------


def paint_watcher(app: Any) -> Any:
    """An application event filter noting the first paint of a main window (then removed).

    It runs for every event of every object until then, so it does as little as it can: the
    event's class name tells a paint (PySide6 hands a QPaintEvent), without `event.type()`,
    whose enum conversion, a few microseconds each time, would cost the app, which has more
    widgets and so more events than the floor, some milliseconds the floor does not pay (and
    without importing QPaintEvent, which only one side would pay for)."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QMainWindow, QWidget

    class FirstPaint(QObject):
        painted = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if (
                not self.painted
                and type(event).__name__ == "QPaintEvent"
                and isinstance(watched, QWidget)
                and isinstance(watched.window(), QMainWindow)
            ):
                self.painted = True
            return False

    watcher = FirstPaint()
    app.installEventFilter(watcher)
    return watcher


def wait_until(app: Any, done: Any, timeout: float = FIRST_PAINT_TIMEOUT_S) -> bool:
    """Process events until `done()` is true; False on timeout."""
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        if not done():
            time.sleep(0.0005)
    return True


def _cold_start_child(t0: float) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication, QMainWindow, QPlainTextEdit

    imported = time.time()
    app = QApplication(sys.argv[:1])
    watcher = paint_watcher(app)
    window = QMainWindow()
    editor = QPlainTextEdit(window)
    editor.setPlainText("The ministry reported 14 incidents along the northern route.\n" * 40)
    window.setCentralWidget(editor)
    window.resize(1400, 860)
    window.show()
    shown = time.time()
    if not wait_until(app, lambda: watcher.painted):
        raise SystemExit("the floor window was never painted")
    painted = time.time()
    app.removeEventFilter(watcher)
    return {
        "import_qt": imported - t0,
        "build": shown - imported,
        "first_paint": painted - shown,
        "shown": painted - t0,
    }


# -- the in-process editor -----------------------------------------------------------------


class FloorEditor:
    """A shown QMainWindow whose central widget is a QPlainTextEdit of a given size."""

    def __init__(self, width: int, height: int) -> None:
        from PySide6.QtWidgets import QMainWindow, QPlainTextEdit

        self.window = QMainWindow()
        self.editor = QPlainTextEdit(self.window)
        self.editor.setReadOnly(True)
        self.window.setCentralWidget(self.editor)
        self.window.resize(width, height)
        self.window.show()
        self._commit: Any = None
        self._toggled: dict[int, bool] = {}

    def _formats(self) -> list[Any]:
        from PySide6.QtGui import QColor, QTextCharFormat

        formats = []
        for colour in COLOURS:
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(colour))
            formats.append(fmt)
        return formats

    def open(self, app: Any, text: str, spans: list[tuple[int, int]]) -> dict[str, float]:
        """setPlainText + one format per span in one edit block + repaint (Qt positions)."""
        from PySide6.QtGui import QTextCursor

        self.editor.setPlainText("")
        app.processEvents()
        formats = self._formats()
        started = time.perf_counter()
        self.editor.setPlainText(text)
        laid_out = time.perf_counter()
        cursor = QTextCursor(self.editor.document())
        cursor.beginEditBlock()
        keep = QTextCursor.MoveMode.KeepAnchor
        for index, (start, end) in enumerate(spans):
            cursor.setPosition(start)
            cursor.setPosition(end, keep)
            cursor.mergeCharFormat(formats[index % len(formats)])
        cursor.endEditBlock()
        formatted = time.perf_counter()
        self.editor.viewport().repaint()
        first = time.perf_counter()
        app.processEvents()
        self.editor.viewport().repaint()
        settled = time.perf_counter()
        if self.editor.document().characterCount() <= 1:
            raise RuntimeError("the floor editor shows no text")
        return {
            "first": first - started,
            "settled": settled - started,
            "layout": laid_out - started,
            "formats": formatted - laid_out,
            "paint": first - formatted,
        }

    def start_toggles(self, folder: Path) -> None:
        """The sqlite3 side of the toggle floor: a WAL database with synchronous=FULL."""
        import sqlite3

        conn = sqlite3.connect(folder / "toggle-floor.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS annotations (id INTEGER PRIMARY KEY, document_id INTEGER,"
            ' start INTEGER, "end" INTEGER, author TEXT, created TEXT, tag TEXT)'
        )
        self._commit = conn

    def stop_toggles(self) -> None:
        if self._commit is not None:
            self._commit.close()
            self._commit = None

    def toggles(
        self, app: Any, spans: list[tuple[int, int]], offset: int, count: int
    ) -> list[float]:
        """Milliseconds of `count` toggles: format one fragment, repaint, commit one INSERT."""
        from PySide6.QtGui import QTextCursor

        formats = self._formats()
        latencies = []
        keep = QTextCursor.MoveMode.KeepAnchor
        conn = self._commit
        for i in range(offset, offset + count):
            start, end = spans[(i * 7) % len(spans)]
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(start)
            cursor.setPosition(end, keep)
            self.editor.setTextCursor(cursor)
            self.editor.ensureCursorVisible()
            app.processEvents()
            on = not self._toggled.get(start, False)
            self._toggled[start] = on
            began = time.perf_counter()
            cursor.mergeCharFormat(formats[1 if on else 0])
            self.editor.viewport().repaint()
            conn.execute("BEGIN")
            conn.execute(
                'INSERT INTO annotations (document_id, start, "end", author, created, tag)'
                " VALUES (1, ?, ?, 'bench', ?, 'claim')",
                (start, end, time.time()),
            )
            conn.execute("COMMIT")
            latencies.append((time.perf_counter() - began) * 1000)
        return latencies

    def close(self) -> None:
        self.stop_toggles()
        self.window.close()
        self.window.deleteLater()


# -- memory --------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB) since it started its program.

    Read from /proc/self/status (VmHWM), not `ru_maxrss`: Linux carries the parent's peak over
    into a child's `ru_maxrss` at exec, so a child of `run.py` (which has built the benchmark
    database with SQLAlchemy, about 87 MB) reported at least that much, hiding the floor's own
    70 MB. `ru_maxrss` only where there is no /proc."""
    with suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _memory_child(db: Path, doc_id: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    text, spans = document_material(db, doc_id)
    app = QApplication(sys.argv[:1])
    editor = FloorEditor(1400, 860)
    app.processEvents()
    editor.open(app, text, utf16_spans(text, spans))
    app.processEvents()
    peak = peak_rss_mb()
    editor.close()
    return {"peak_mb": peak}


# -- segmentation --------------------------------------------------------------------------


def regex_split(text: str) -> list[tuple[int, int]]:
    """Sentence spans by a plain regex split at sentence ends and blank lines."""
    spans = []
    start = 0
    for match in BOUNDARY.finditer(text):
        spans.append((start, match.start() + len(match.group().rstrip())))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


# -- child processes -----------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if argv[:1] == ["cold-start"]:
        result = _cold_start_child(float(argv[1]))
    elif argv[:1] == ["memory"]:
        result = _memory_child(Path(argv[1]), int(argv[2]))
    else:
        print("usage: floors.py cold-start T0 | memory DB DOC_ID", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main(sys.argv[1:]))
