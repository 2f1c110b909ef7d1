"""The one-owner guard: fails any test in which a database file that this process has open is
touched by anything but SQLite, or in which app code connects to a database on its own.

Why: SQLite's locks are per process and per file, and closing *any* descriptor of the file
drops them all (connections.py explains what that cost). The guard watches Python's audit
events (PEP 578), so it sees every `open()`, `os.open`, `io.open`, `shutil.copyfile`, rename,
removal and truncation, from the app and from the tests alike, while SQLite's own C-level file
access is not reported. An audit hook cannot be removed, so it is installed once per process
and only records; the autouse fixture below turns what it recorded during a test into a
failure.

A test that means to damage an open file marks itself `@pytest.mark.plain_db_access`.
tests/conftest.py installs the hook and uses the fixture.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core import connections

PACKAGE_DIR = str(Path(connections.__file__).resolve().parents[1]) + os.sep
WATCHED_EVENTS = {"open", "os.remove", "os.rename", "os.truncate", "sqlite3.connect"}

_violations: list[str] = []
_inside = threading.local()
_installed = False


def _as_path(value: object) -> str | None:
    if isinstance(value, int) or value is None:
        return None  # a descriptor: its opening was seen already
    try:
        return os.fsdecode(os.fspath(value))  # type: ignore[arg-type]
    except TypeError:
        return None


def _caller_outside_sqlite3() -> str:
    stack = traceback.extract_stack(limit=14)[:-3]
    lines = [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in stack[-6:]]
    return "\n    ".join(lines)


def _app_frame() -> str | None:
    """The first frame of annotator/ code on the stack, if the call came from the app."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(PACKAGE_DIR) and not name.endswith("db_guard.py"):
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _check(event: str, args: tuple[object, ...]) -> None:
    if event == "sqlite3.connect":
        target = _as_path(args[0]) if args else None
        if target is None or target == ":memory:" or connections.making_connection():
            return
        where = _app_frame()
        if where is not None:
            _violations.append(
                f"{where} connects to {target} with sqlite3 directly, not through "
                "connections.DatabaseFile"
            )
        return
    paths = [_as_path(arg) for arg in args[:2]] if event == "os.rename" else [
        _as_path(args[0]) if args else None
    ]
    for path in paths:
        if path and connections.in_use(path):
            _violations.append(
                f"{event} {path} while this process has the database open:\n    "
                + _caller_outside_sqlite3()
            )


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event not in WATCHED_EVENTS or getattr(_inside, "active", False):
        return
    _inside.active = True
    try:
        _check(event, args)
    except Exception:  # noqa: BLE001 - an audit hook must never break the code it watches
        pass
    finally:
        _inside.active = False


def install() -> None:
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


def take_violations() -> list[str]:
    """What the guard recorded since the last call (and forget it)."""
    found = list(_violations)
    _violations.clear()
    return found


@pytest.fixture(autouse=True)
def _one_owner_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    take_violations()
    yield
    found = take_violations()
    if found and request.node.get_closest_marker("plain_db_access") is None:
        pytest.fail(
            "A database file was touched by something other than SQLite while this process "
            "had it open (or app code opened its own connection):\n  " + "\n  ".join(found[:5]),
            pytrace=False,
        )
