"""The suite never touches the real user's Annotator settings or data: a session-level check.

When pytest starts, before the autouse fixture of tests/conftest.py points HOME and XDG_* at a
temporary folder, the real `user_config_path("annotator")` and `user_data_path("annotator")` are
recorded: every file and folder with its size and modification time, and a SHA-256 of each small
file. After each test they are looked at again (sizes and times only, which is cheap) to name the
first test after which something changed; at the end of the session they are compared in full,
and any difference fails the run with a message naming what changed.

The hooks are imported into tests/conftest.py, so every way of running the suite has them.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from platformdirs import user_config_path, user_data_path

HASHED_UP_TO = 1 << 20  # bytes; a larger file (a user's database) is compared by size and time

# relative path -> (kind, size, mtime in ns, SHA-256 or "" when not hashed)
Snapshot = dict[str, tuple[str, int, int, str]]


def snapshot(folder: Path, *, hashed: bool) -> Snapshot:
    """What `folder` holds now; {} when it does not exist. Symbolic links are not followed."""
    entries: Snapshot = {}
    if not folder.exists():
        return entries
    for root, folders, files in os.walk(folder):
        for name in [*folders, *files]:
            path = Path(root, name)
            try:
                info = path.lstat()
            except FileNotFoundError:  # removed while we looked: it shows as removed
                continue
            kind = "folder" if path.is_dir() and not path.is_symlink() else "file"
            digest, mtime = "", info.st_mtime_ns
            if kind == "folder":  # its entries tell what was added or removed
                mtime = 0
            if hashed and kind == "file" and info.st_size <= HASHED_UP_TO:
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    digest = "unreadable"
            size = info.st_size if kind == "file" else 0
            entries[str(path.relative_to(folder))] = (kind, size, mtime, digest)
    entries["."] = ("folder", 0, 0, "")
    return entries


def _without_digests(entries: Snapshot) -> Snapshot:
    return {name: (*entry[:3], "") for name, entry in entries.items()}


def differences(before: Snapshot, after: Snapshot) -> dict[str, str]:
    """relative path -> what happened to it ("created", "removed", "changed: ...")."""
    found = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None:
            found[name] = "created"
        elif new is None:
            found[name] = "removed"
        else:
            what = []
            if old[1] != new[1]:
                what.append(f"size {old[1]} -> {new[1]} bytes")
            if old[3] != new[3]:
                what.append("content")
            if old[2] != new[2]:
                what.append("modification time")
            found[name] = "changed: " + ", ".join(what)
    return found


@dataclass
class ProfileGuard:
    """The real profile folders, what they held at the start, and who changed them first."""

    folders: dict[str, Path]
    start: dict[str, Snapshot] = field(default_factory=dict)
    last: dict[str, Snapshot] = field(default_factory=dict)
    first_seen: dict[Path, str] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)

    @classmethod
    def of_this_environment(cls) -> ProfileGuard:
        guard = cls({
            "config": user_config_path("annotator", appauthor=False),
            "data": user_data_path("annotator", appauthor=False),
        })
        guard.start = {key: snapshot(path, hashed=True) for key, path in guard.folders.items()}
        guard.last = {key: _without_digests(entries) for key, entries in guard.start.items()}
        return guard

    def after_test(self, nodeid: str) -> None:
        for key, folder in self.folders.items():
            now = snapshot(folder, hashed=False)
            for name in differences(self.last[key], now):
                self.first_seen.setdefault(folder / name, nodeid)
            self.last[key] = now

    def at_end(self) -> list[str]:
        """One line per change since the start (empty: nothing changed)."""
        lines = []
        for key, folder in self.folders.items():
            changed = differences(self.start[key], snapshot(folder, hashed=True))
            for name, what in changed.items():
                path = folder if name == "." else folder / name
                culprit = self.first_seen.get(path, "a test or fixture (not seen after any test)")
                lines.append(f"{path}: {what}; first seen after {culprit}")
        return lines


# The guard of this pytest run (a hook like pytest_runtest_logfinish gets no config to look in).
_guards: list[ProfileGuard] = []


def pytest_configure(config: pytest.Config) -> None:
    del config
    # Runs before any fixture, so HOME and XDG_* are still the ones the run was started with.
    _guards[:] = [ProfileGuard.of_this_environment()]


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    del location
    for guard in _guards:
        guard.after_test(nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    del exitstatus
    for guard in _guards:
        guard.report = guard.at_end()
        if not guard.report:
            continue
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if session.config.pluginmanager.get_plugin("terminalreporter") is None:
            print("\n".join(_message(guard.report)), file=sys.stderr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for guard in _guards:
        if not guard.report:
            continue
        terminalreporter.write_sep("=", "the real user profile was changed", red=True, bold=True)
        for line in _message(guard.report):
            terminalreporter.write_line(line, red=True)


def _message(report: list[str]) -> list[str]:
    return [
        "FAILED: this run changed the real user's Annotator folders; tests and fixtures must",
        "write only under tmp_path (tests/conftest.py points HOME and XDG_* there; undoing",
        "monkeypatch as a whole undoes that too). Another program writing there at the same",
        "time (the app, a second test run) shows up here as well.",
        *(f"  {line}" for line in report),
    ]
