"""Qt for the whole suite: any Qt warning fails the test it came from, and the xcb split.

Warnings: one message handler is installed for the process (pytest-qt's own capture is off,
`--no-qt-log` in pyproject.toml, because it swallows messages and misses teardown). Every
Qt warning or critical message is printed (so it shows in the test's captured output) and
recorded; the report of the setup, call or teardown during which it came fails, unless the
message is one of ALLOWED_OFFSCREEN: notices of the offscreen plugin, not the app's fault.

The xcb split: tests marked `xcb` (every test under tests/xcb/) drive the real window on the
`xcb` platform under Xvfb with a window manager. Elsewhere they are skipped. `--xcb-only`
(used by `scripts/dev test` for its second run) collects tests/xcb/ alone and deselects any
other test, so the offscreen suite never runs twice.

tests/conftest.py imports the hooks, so every way of running the suite has them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Generator
from pathlib import Path

import pytest
from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

XCB_DIR = Path(__file__).resolve().parent / "xcb"

# Notices of the offscreen plugin (QPlatformWindow's defaults), which has no window manager,
# no stacking order and no keyboard to grab: the app's call is right and works on a real
# platform, so they are allowed offscreen only; the xcb run allows nothing.
ALLOWED_OFFSCREEN = tuple(
    re.compile(pattern)
    for pattern in (
        # Every window shown passes its size hints to the window manager there is none of.
        r"^This plugin does not support propagateSizeHints\(\)$",
        # A dialog or window brought to the front (QWidget.raise_, activating a window).
        r"^This plugin does not support raise\(\)$",
        # A popup (a combo box's list, a menu) grabs the keyboard while it is open.
        r"^This plugin does not support grabbing the keyboard$",
    )
)

_FAILING = {QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg}
_recorded: list[str] = []
_installed = False


def _handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = context.category or ""
    line = f"Qt {kind.name.removeprefix('Qt').removesuffix('Msg').lower()}"
    line += f" [{category}]: {message}" if category not in ("", "default") else f": {message}"
    if on_xcb() or not any(pattern.search(message) for pattern in ALLOWED_OFFSCREEN):
        print(line, file=sys.stderr)  # where Qt's default handler would print it
        if kind in _FAILING:
            _recorded.append(line)


def install() -> None:
    """Install the handler once per process (tests/conftest.py calls it at import)."""
    global _installed
    if not _installed:
        qInstallMessageHandler(_handle)
        _installed = True


def pytest_unconfigure(config: pytest.Config) -> None:
    # Qt may still speak while the interpreter shuts down, when Python can no longer be called.
    qInstallMessageHandler(None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    messages = _recorded[:]
    del _recorded[: len(messages)]
    if messages and not report.failed:
        report.outcome = "failed"
        report.longrepr = (
            f"Qt printed {len(messages)} warning(s) during {call.when} "
            "(tests/qt_guard.py fails every Qt warning):\n  " + "\n  ".join(messages)
        )
    elif messages:
        report.sections.append(("Qt warnings", "\n".join(messages)))
    return report


def on_xcb() -> bool:
    return os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] == "xcb"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--xcb-only", action="store_true",
        help="run only the tests marked xcb (tests/xcb/); needs QT_QPA_PLATFORM=xcb and an X "
        "display with a window manager (scripts/dev test does this under Xvfb with openbox)",
    )


def _xcb_only(config: pytest.Config) -> bool:
    return bool(config.getoption("--xcb-only", default=False))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not _xcb_only(config):
        return None
    path = collection_path.resolve()
    related = path == XCB_DIR or XCB_DIR in path.parents or path in XCB_DIR.parents
    return None if related else True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _xcb_only(config) and not on_xcb():
        raise pytest.UsageError("--xcb-only needs QT_QPA_PLATFORM=xcb and an X display")
    for item in items:
        if XCB_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.xcb)
    if _xcb_only(config):
        kept = [item for item in items if item.get_closest_marker("xcb")]
        deselected = [item for item in items if not item.get_closest_marker("xcb")]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = kept
    elif not on_xcb():
        skip = pytest.mark.skip(
            reason="needs the xcb platform with a window manager: `scripts/dev test` runs it "
            "under Xvfb and openbox"
        )
        for item in items:
            if item.get_closest_marker("xcb"):
                item.add_marker(skip)
