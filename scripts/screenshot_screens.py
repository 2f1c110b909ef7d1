"""Take the workspace as it first opens on a screen of a given size (the user guide's "Screens").

The window is not resized here: it takes the size Annotator gives a first window on that
screen, so the picture shows what an analyst sees on a laptop (1366x768), a desktop monitor
(1920x1080) and a 4K monitor at 200% (3840x2160 with QT_SCALE_FACTOR=2). The whole screen is
saved, so a window that does not fit would show cut off.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshot_screens.py \
        docs/screenshot-1366x768.png
    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshot_screens.py \
        docs/screenshot-1920x1080.png
    QT_SCALE_FACTOR=2 xvfb-run -a -s "-screen 0 3840x2160x24" .venv/bin/python \
        scripts/screenshot_screens.py docs/screenshot-2x.png

`--wm` starts openbox first (when installed), so the window gets a title bar as on a desktop.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shots import settle  # noqa: E402

from annotator.core.importing import import_file  # noqa: E402
from annotator.core.settings import Settings  # noqa: E402
from annotator.core.store import open_store  # noqa: E402
from annotator.gui.app import application, build_window  # noqa: E402

# (words that identify a unit, tag keys to press on it); the last one stays selected, with a
# claim's fields in the form: the common case the small screen must show without scrolling.
TAGGING = (
    ("Attacks on commercial convoys", "13"),
    ("We assess that the Free Valley Front", "2"),
    ("Since October 2024, armed groups", "13"),
    ("Local authorities reported", "1"),
    ("The Ministry of Transport said", "1"),
)


def main(out: Path, with_wm: bool, theme: str = "system") -> int:
    wm = start_window_manager() if with_wm else None
    app = application()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "Corridor briefings.sqlite3"
            with open_store(db) as store:
                import_file(store, REPO / "resources" / "sample-briefing.txt")
            window = build_window(db, Settings(author="Dana Analyst", theme=theme))
            window.show()
            QTest.qWaitForWindowExposed(window)
            window.activateWindow()
            QTest.qWaitForWindowActive(window)
            tag_units(window)
            window.reader.scroll_to(0, 0.0)
            settle(app, 12)
            out.parent.mkdir(parents=True, exist_ok=True)
            screen = window.screen()
            screen.grabWindow(0).save(str(out))
            frame = window.frameGeometry()
            print(f"{out}: screen {screen.geometry().width()}x{screen.geometry().height()} "
                  f"(available {screen.availableGeometry().getRect()}, "
                  f"x{screen.devicePixelRatio():g}); window frame {frame.getRect()}; "
                  f"title {window.windowTitle()!r}")
            window.close()
            window.ctx.store.close()
    finally:
        if wm is not None:
            wm.terminate()
            wm.wait(5)
    return 0


def tag_units(window: object) -> None:
    workspace = window.workspace  # type: ignore[attr-defined]
    reader = window.reader  # type: ignore[attr-defined]
    for needle, keys in TAGGING:
        start, end = next(
            (s, e) for s, e, _k in workspace.units if needle in workspace.text[s:e]
        )
        reader.select_span(start, end)
        for key in keys:
            QTest.keyClick(reader, getattr(Qt.Key, f"Key_{key}"))


def start_window_manager() -> subprocess.Popen[bytes] | None:
    openbox = shutil.which("openbox")
    if openbox is None:
        print("openbox not found: no window manager, no title bar", file=sys.stderr)
        return None
    process = subprocess.Popen([openbox], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.8)  # openbox takes the screen before the window maps
    return process


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "benchmarks"))
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--wm", action="store_true", help="run openbox for a title bar")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system")
    args = parser.parse_args()
    sys.exit(main(args.out, args.wm, args.theme))
