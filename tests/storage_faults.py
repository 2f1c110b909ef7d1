"""Real storage failures for tests: SQLite itself raises them, nothing is made up.

- `faults.full()`: `PRAGMA max_page_count` is lowered on every connection taken from a pool, so
  the next write that needs a page fails with SQLITE_FULL ("database or disk is full"), as on a
  full disk.
- `faults.read_only()`: `PRAGMA query_only` makes every write fail with SQLITE_READONLY ("attempt
  to write a readonly database"), as when the file was made read-only (the tests run as root,
  for whom permission bits stop nothing).
- `holding_write_lock(db)`: another connection holds the write lock (`BEGIN IMMEDIATE`), as
  another Annotator window or command would; with `short_busy_timeout` (connections opened
  later) or `faults.impatient()` (connections already open) the app gives up with SQLITE_BUSY
  ("database is locked") at once instead of after 10 s.
- `failing_from(name, fault)`: turns a fault on when the import reaches the file `name`, so
  that the files before it are imported and it is the one that fails.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from annotator.core import connections, importing

NO_LIMIT = 1_073_741_823  # SQLite's default max_page_count


class Faults:
    """What every connection checked out of a pool gets told (see the module docstring)."""

    def __init__(self) -> None:
        self.mode: str | None = None
        self.busy_timeout_ms = connections.BUSY_TIMEOUT_MS

    def full(self) -> None:
        self.mode = "full"

    def read_only(self) -> None:
        self.mode = "read-only"

    def impatient(self) -> None:
        self.busy_timeout_ms = 50

    def clear(self) -> None:
        self.mode = None
        self.busy_timeout_ms = connections.BUSY_TIMEOUT_MS

    def on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Set on every checkout either way: the pool hands the same connections out again.
        limit = 1 if self.mode == "full" else NO_LIMIT  # 1: no page beyond the current ones
        dbapi_connection.execute(f"PRAGMA max_page_count={limit}")
        query_only = "ON" if self.mode == "read-only" else "OFF"
        dbapi_connection.execute(f"PRAGMA query_only={query_only}")
        dbapi_connection.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")


@pytest.fixture
def faults() -> Iterator[Faults]:
    installed = Faults()
    event.listen(Pool, "checkout", installed.on_checkout)
    try:
        yield installed
    finally:
        event.remove(Pool, "checkout", installed.on_checkout)


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections opened from now on wait 50 ms for a lock, not 10 s."""
    monkeypatch.setattr(connections, "BUSY_TIMEOUT_MS", 50)


@contextmanager
def holding_write_lock(db: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the database's write lock for the `with` block."""
    other = sqlite3.connect(db, isolation_level=None, timeout=0.05)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield other
        other.execute("ROLLBACK")
    finally:
        other.close()


def failing_from(
    monkeypatch: pytest.MonkeyPatch, name: str, start: Callable[[], None]
) -> None:
    """Call `start` (turn a fault on) when the import reads the file called `name`."""
    real = importing.read_document

    def reading(path: Path, **options: Any) -> Any:
        if path.name == name:
            start()
        return real(path, **options)

    monkeypatch.setattr(importing, "read_document", reading)


def briefing(folder: Path, name: str, marker: str, paragraphs: int = 40) -> Path:
    """A briefing whose text carries `marker` (to check no message shows document text), long
    enough that storing it needs new database pages."""
    body = "\n\n".join(
        f"Paragraph {index}: officials reported {marker} near the border crossing {index}."
        for index in range(paragraphs)
    )
    path = folder / name
    path.write_text(f"Briefing {name}\n\n{body}\n", encoding="utf-8")
    return path


SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "[SQL", "[parameters")


def assert_plain(message: str, *secrets: str) -> None:
    """No SQL, no parameters, none of the document texts `secrets`, on one line."""
    assert "\n" not in message.strip(), message
    for word in (*SQL_WORDS, *secrets):
        assert word not in message, f"{word!r} shown in: {message}"
