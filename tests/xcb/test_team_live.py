"""Two analysts at two real windows on one team database, on the X11 desktop.

Two Annotator processes are started as an analyst starts one (`python -m annotator --db
postgresql://alice@...`, and bob's), each with a fresh profile of its own (HOME, XDG folders),
on the display of the xcb run (Xvfb with openbox). Alice's window gets the keyboard from the
window manager and real keys (xdotool: XTest, through the keymap, the window manager and Qt's
xcb plugin) select a sentence and tag it; Bob's window, never touched, must show the tag by
itself. What Bob's window shows is read off the screen: its pixels, grabbed from the X server
(the app has no probe, and needs none: the highlight is what Bob would see).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
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
        """The X window id of its main window, once mapped with the team database open (the
        title names `user@host/db` then)."""
        def found() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name}'s Annotator exited: {self.printed()}")
            result = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--pid", str(self.process.pid),
                 "--name", f"{self.name}@"],
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


def newly_blue(before: QImage, after: QImage) -> int:
    """How many pixels turned to a blue tint between the two grabs: the claim tag's fill
    (#0072B2, translucent over the page) is one, the black text and grey chrome are not."""
    assert before.size() == after.size(), "the window changed size between the grabs"
    count = 0
    for y in range(0, after.height(), 2):  # every other row and column: plenty, and fast
        for x in range(0, after.width(), 2):
            colour = after.pixelColor(x, y)
            if colour == before.pixelColor(x, y):
                continue
            red, green, blue = colour.red(), colour.green(), colour.blue()
            if blue >= red + 30 and blue >= green + 10:
                count += 1
    return count


def test_alice_tags_with_real_keys_and_bobs_window_shows_it(
    qtbot: QtBot, team: str, apps: dict[str, App], tmp_path: Path  # noqa: F811
) -> None:
    alice, bob = apps["alice"], apps["bob"]
    # Bob's window above Alice's, without the keyboard (a raise is no activation): all of it
    # on the screen to grab, and Alice's window still gets the keys.
    xdotool(qtbot, "windowactivate", "--sync", alice.window)
    xdotool(qtbot, "windowraise", bob.window)
    qtbot.wait(1500)  # both settled (the first paint, the document opened)
    before = grab(bob.window)
    assert raw(team, "SELECT count(*) FROM annotations") == [(0,)]

    # Alice: J selects the first sentence, 1 tags it a claim (the app's own shortcuts). The
    # keys go to the window that has the keyboard (XTest), as typed keys do: not `--window`,
    # which sends synthetic events that are no keyboard's.
    assert xdotool(qtbot, "getactivewindow").strip() == alice.window
    xdotool(qtbot, "key", "--delay", "50", "j", "1")
    try:
        qtbot.waitUntil(
            lambda: raw(team, "SELECT author FROM annotations") == [("alice",)], timeout=LIVE_MS
        )
    except WaitTimeout:
        pytest.fail(
            "J then 1 in Alice's window saved nothing: "
            f"{raw(team, 'SELECT author FROM annotations')}\n{alice.printed()}"
        )
    (tagged,) = raw(team, "SELECT t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id")
    assert tagged == ("claim",)

    # Bob does nothing; his window's watcher brings the tag in, and the screen shows it.
    seen: list[int] = []

    def shown() -> bool:
        seen.append(newly_blue(before, grab(bob.window)))
        return seen[-1] >= HIGHLIGHTED

    try:
        qtbot.waitUntil(shown, timeout=LIVE_MS)
    except WaitTimeout:
        after = grab(bob.window)
        before.save(str(tmp_path / "bob-before.png"))
        after.save(str(tmp_path / "bob-after.png"))
        pytest.fail(
            f"Bob's window never showed Alice's claim (newly blue pixels: {seen[-5:]}; "
            f"grabs in {tmp_path})\n{bob.printed()}"
        )
    # Each quits with the key (Ctrl+Q): both exit cleanly, having printed nothing (no Qt
    # warning, no traceback).
    for app in (alice, bob):
        xdotool(qtbot, "windowactivate", "--sync", app.window)
        assert xdotool(qtbot, "getactivewindow").strip() == app.window
        xdotool(qtbot, "key", "ctrl+q")
        deadline = time.monotonic() + 30
        while app.process.poll() is None and time.monotonic() < deadline:
            qtbot.wait(100)
        assert app.process.returncode == 0, f"{app.name}: {app.process.returncode}"
        assert app.printed() == "", app.printed()
