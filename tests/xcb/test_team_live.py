"""Two analysts at two real windows on one team database, on the X11 desktop.

Two Annotator processes are started as an analyst starts one (`python -m annotator --db
postgresql://alice@...`, and bob's), each with a fresh profile of its own (HOME, XDG folders),
on the display of the xcb run (Xvfb with openbox). The window manager gives one window the
keyboard and real keys (xdotool: XTest, through the keymap, the window manager and Qt's xcb
plugin) select a sentence and tag it; the other window, raised but not touched, must show the
tag by itself. Then the other way round, Bob's Delete on Alice's sentence deleting nothing.
What a window shows is read off the screen: its pixels, grabbed from the X server (the app has
no probe, and needs none: the highlight is what the analyst would see)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication, QImage
from pytestqt.exceptions import TimeoutError as WaitTimeout
from pytestqt.qtbot import QtBot

from tests.conftest import REPO_ROOT
from tests.gui.test_team_live import as_user, raw, team  # noqa: F401  (team: a fixture)
from tests.xcb.desktop import xdotool

pytestmark = pytest.mark.xcb

START_MS = 60_000  # a cold start of two windows on a loaded machine: a guard, not a speed check
LIVE_MS = 15_000
BRIEFING = "Northern Corridor Security Outlook"  # the title of the sample briefing
# Newly blue pixels (one in four counted) that only a highlighted line of text makes: the
# briefing's title highlighted is about 1,400; the list's "claim" chip alone is about 150.
HIGHLIGHTED = 800


class App:
    """One Annotator process, its window and what it printed."""

    def __init__(self, name: str, url: str, folder: Path) -> None:
        self.name = name
        home = folder / f"home-{name}"
        env = {
            key: value for key, value in os.environ.items()
            if key not in ("ANNOTATOR_DB", "QT_QPA_PLATFORM")
        }
        env.update(HOME=str(home), QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO_ROOT))
        for var, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                         ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state")):
            (home / sub).mkdir(parents=True)
            env[var] = str(home / sub)
        self.log = folder / f"{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "annotator", "--db", url],
                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder,
            )
        self.window = ""

    def printed(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def find_window(self, qtbot: QtBot) -> str:
        """The X window id of its main window, once the team database is open and the briefing
        shown in it: the title names both then ("Northern Corridor... — bob@host/db"). (While
        the database opens, the window is up with its actions off: keys would do nothing.)"""
        def found() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name}'s Annotator exited: {self.printed()}")
            # --all: xdotool's search matches ANY of its conditions unless told otherwise (by
            # pid alone, the window would be found before its database is open).
            result = subprocess.run(
                ["xdotool", "search", "--all", "--onlyvisible", "--pid", str(self.process.pid),
                 "--name", f"^{BRIEFING} — {self.name}@"],
                capture_output=True, text=True, check=False,
            )
            ids = result.stdout.split()
            self.window = ids[0] if len(ids) == 1 else ""
            return bool(self.window)

        try:
            qtbot.waitUntil(found, timeout=START_MS)
        except WaitTimeout:
            pytest.fail(f"{self.name}'s window never showed: {self.printed()}")
        return self.window

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def apps(qtbot: QtBot, team: str, tmp_path: Path) -> Iterator[dict[str, App]]:  # noqa: F811
    """Bob's window, then Alice's: the window manager gives the newest the keyboard."""
    started: dict[str, App] = {}
    try:
        for name in ("bob", "alice"):
            started[name] = App(name, as_user(team, name), tmp_path)
            started[name].find_window(qtbot)
        yield started
    finally:
        for app in started.values():
            app.stop()


def grab(window: str) -> QImage:
    """What the X server shows of `window` (a foreign window: another process's)."""
    screen = QGuiApplication.primaryScreen()
    return screen.grabWindow(int(window)).toImage().convertToFormat(QImage.Format.Format_RGB32)


def steady_grab(qtbot: QtBot, app: App) -> QImage:
    """`app`'s window once it stopped changing (painted, its document opened and settled):
    two grabs 300 ms apart alike."""
    last = grab(app.window)
    deadline = time.monotonic() + LIVE_MS / 1000
    while time.monotonic() < deadline:
        qtbot.wait(300)
        now = grab(app.window)
        if now == last:
            return now
        last = now
    pytest.fail(f"{app.name}'s window kept changing for {LIVE_MS} ms\n{app.printed()}")


def blue(red: int, green: int, blue: int) -> bool:
    """The claim tag's fill (#0072B2, translucent over the page)."""
    return blue >= red + 30 and blue >= green + 10


def orange(red: int, green: int, blue: int) -> bool:
    """The assessment tag's fill (#E69F00, translucent over the page)."""
    return red >= blue + 60 and red >= green + 20


def newly(tint: Callable[[int, int, int], bool], before: QImage, after: QImage) -> int:
    """How many pixels turned to `tint` between the two grabs (one in four counted): a tag's
    fill is one, the black text and grey chrome are not."""
    assert before.size() == after.size(), "the window changed size between the grabs"
    count = 0
    for y in range(0, after.height(), 2):  # every other row and column: plenty, and fast
        for x in range(0, after.width(), 2):
            colour = after.pixelColor(x, y)
            if colour != before.pixelColor(x, y) and tint(
                colour.red(), colour.green(), colour.blue()
            ):
                count += 1
    return count


def keys_to(qtbot: QtBot, app: App, *keys: str) -> None:
    """Type `keys` on the keyboard, which the window manager gave to `app`'s window: XTest
    events, as typed keys are (not `--window`, which sends synthetic events, no keyboard's)."""
    assert xdotool(qtbot, "getactivewindow").strip() == app.window
    xdotool(qtbot, "key", "--delay", "50", *keys)


def saved(qtbot: QtBot, team: str, query: str, expected: object, what: str) -> None:  # noqa: F811
    try:
        qtbot.waitUntil(lambda: raw(team, query) == expected, timeout=LIVE_MS)
    except WaitTimeout:
        pytest.fail(f"{what}: {query} gave {raw(team, query)}, not {expected}")


def shows(
    qtbot: QtBot, app: App, before: QImage, tint: Callable[[int, int, int], bool],
    what: str, folder: Path,
) -> None:
    """Wait until `app`'s window, untouched, shows `what` on the screen (newly tinted pixels
    that only a highlighted line of text makes)."""
    seen: list[int] = []

    def shown() -> bool:
        seen.append(newly(tint, before, grab(app.window)))
        return seen[-1] >= HIGHLIGHTED

    try:
        qtbot.waitUntil(shown, timeout=LIVE_MS)
    except WaitTimeout:
        before.save(str(folder / f"{app.name}-before.png"))
        grab(app.window).save(str(folder / f"{app.name}-after.png"))
        pytest.fail(
            f"{app.name}'s window never showed {what} (newly tinted pixels: {seen[-5:]}; "
            f"grabs in {folder})\n{app.printed()}"
        )


def test_each_analyst_sees_the_others_tag_typed_with_real_keys(
    qtbot: QtBot, team: str, apps: dict[str, App], tmp_path: Path  # noqa: F811
) -> None:
    alice, bob = apps["alice"], apps["bob"]
    # Bob's window above Alice's, without the keyboard (a raise is no activation): all of it
    # on the screen to grab, and Alice's window still gets the keys.
    xdotool(qtbot, "windowactivate", "--sync", alice.window)
    xdotool(qtbot, "windowraise", bob.window)
    before = steady_grab(qtbot, bob)
    assert raw(team, "SELECT count(*) FROM annotations") == [(0,)]

    # Alice: J selects the first sentence, 1 tags it a claim (the app's own shortcuts).
    keys_to(qtbot, alice, "j", "1")
    saved(qtbot, team, "SELECT a.author, t.name FROM annotations a JOIN annotation_tags x ON "
          "x.annotation_id = a.id JOIN tags t ON t.id = x.tag_id", [("alice", "claim")],
          "J then 1 in Alice's window")
    # Bob does nothing; his window's watcher brings the tag in, and the screen shows it.
    shows(qtbot, bob, before, blue, "Alice's claim", tmp_path)

    # Bob's turn, Alice's window raised without the keyboard. J selects Alice's sentence:
    # Delete deletes nothing of hers. J, 2: the next sentence, his assessment.
    xdotool(qtbot, "windowactivate", "--sync", bob.window)
    xdotool(qtbot, "windowraise", alice.window)
    before = steady_grab(qtbot, alice)
    keys_to(qtbot, bob, "j", "Delete", "j", "2")
    saved(qtbot, team, "SELECT author FROM annotations ORDER BY start", [("alice",), ("bob",)],
          "J, Delete, J, 2 in Bob's window")
    shows(qtbot, alice, before, orange, "Bob's assessment", tmp_path)

    # Each quits with the key (Ctrl+Q): both exit cleanly, having printed nothing (no Qt
    # warning, no traceback).
    for app in (alice, bob):
        xdotool(qtbot, "windowactivate", "--sync", app.window)
        keys_to(qtbot, app, "ctrl+q")
        deadline = time.monotonic() + 30
        while app.process.poll() is None and time.monotonic() < deadline:
            qtbot.wait(100)
        assert app.process.returncode == 0, f"{app.name}: {app.process.returncode}"
        assert app.printed() == "", app.printed()
