"""A read-only look at a file before it is opened as a database: is it ours, sound, known?

Anything that is not an Annotator database of a schema this version knows is refused with a
message and left untouched. The header is read with plain file I/O only while this process has
no connection to the file (see connections.py); otherwise SQLite itself is asked.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from annotator.core.connections import DatabaseFile, OwnedConnection, database_file, list_backups
from annotator.core.errors import DatabaseDamaged, DatabaseRefused
from annotator.core.facts import APPLICATION_ID

# Schema revisions in order, oldest first. A test checks this against the alembic scripts, so
# the fast open path never has to import alembic unless an upgrade is due.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
HEAD_REVISION = KNOWN_REVISIONS[-1]
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class DatabaseState:
    """What a read-only look at a file found."""

    exists: bool
    revision: str | None  # None: new or empty database, to be created
    writable: bool = True  # False: the file or its folder cannot be written (opened read-only)


def refuse(path: Path, reason: str) -> DatabaseRefused:
    return DatabaseRefused(f"{path}: {reason}; the file was left untouched")


def damaged(path: Path, reason: str) -> DatabaseDamaged:
    backups = list_backups(path)
    offer = (
        f"; the newest backup is {backups[0]} (restore it with: annotator restore "
        f"\"{backups[0]}\" --db \"{path}\")"
        if backups
        else "; no backup of it exists"
    )
    return DatabaseDamaged(f"{path}: {reason}; the file was left untouched{offer}")


def writable(path: Path) -> bool:
    """Whether SQLite can write `path` and make its `-wal` and `-shm` files beside it."""
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def connect_for_reading(owner: DatabaseFile, *, any_thread: bool = False) -> OwnedConnection:
    """A read-only connection; in a folder that cannot hold the `-shm` file, an immutable one
    (nobody can be writing there). Raises sqlite3.Error."""
    conn = owner.connect(read_only=True, any_thread=any_thread)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        if writable(owner.path):
            raise
        conn = owner.connect(read_only=True, immutable=True, any_thread=any_thread)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def attached_for_reading(
    owner: DatabaseFile, conn: sqlite3.Connection, schema: str
) -> Iterator[None]:
    """`owner`'s file attached read-only to `conn` as `schema` for a `with` block, as
    `connect_for_reading` connects: immutable in a folder that cannot hold its `-shm` file.
    Raises sqlite3.Error."""
    with ExitStack() as stack:
        try:
            stack.enter_context(owner.attached(conn, schema))
            conn.execute(f"SELECT count(*) FROM {schema}.sqlite_master").fetchone()
        except sqlite3.OperationalError:
            stack.close()
            if writable(owner.path):
                raise
            stack.enter_context(owner.attached(conn, schema, immutable=True))
        yield


def inspect_database(path: Path) -> DatabaseState:
    """Look at `path` without changing it; raise DatabaseRefused if it is not ours or unusable.

    DatabaseDamaged (a DatabaseRefused) for a damaged file, including an empty (0-byte) file
    that has backups: an Annotator database does not become empty by itself.
    """
    if path.is_dir():
        raise refuse(path, "is a folder, not a database file")
    if not path.exists():
        return DatabaseState(exists=False, revision=None)
    owner = database_file(path)
    with owner.lock:
        try:
            header = owner.read_header(len(SQLITE_MAGIC))
        except OSError as exc:
            raise refuse(path, f"cannot be read ({exc.strerror or exc})") from exc
        if header is not None:
            _check_header(path, header)
            if not header:
                return DatabaseState(exists=True, revision=None, writable=writable(path))
        revision = _read_revision(owner, path)
    return DatabaseState(exists=True, revision=revision, writable=writable(path))


def _check_header(path: Path, header: bytes) -> None:
    if not header:
        if list_backups(path):
            raise damaged(path, "is empty (0 bytes), though backups of it exist")
        return
    if header != SQLITE_MAGIC:
        if list_backups(path):
            raise damaged(path, "is not an SQLite file any more (damaged or overwritten)")
        raise refuse(path, "is not an Annotator database (not an SQLite file)")


def _read_revision(owner: DatabaseFile, path: Path) -> str | None:
    try:
        conn = connect_for_reading(owner)
    except sqlite3.OperationalError as exc:
        raise refuse(path, f"cannot be opened ({exc})") from exc
    except sqlite3.DatabaseError as exc:  # SQLite read the file and found it damaged
        raise damaged(path, f"is damaged or not a database ({exc})") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if app_id != APPLICATION_ID:
            if app_id == 0 and not tables:
                if list_backups(path):
                    raise damaged(path, "holds no data any more, though backups of it exist")
                return None
            raise refuse(
                path, "is an SQLite database of another program, not an Annotator database"
            )
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise damaged(path, f"is damaged (integrity check: {check})")
        if "alembic_version" not in tables:
            raise damaged(path, "is damaged (its schema version is missing)")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise damaged(path, f"is damaged or not a database ({exc})") from exc
    finally:
        conn.close()
    revision = row[0] if row else None
    if revision not in KNOWN_REVISIONS:
        raise refuse(
            path,
            f"was written by a newer version of Annotator (schema {revision}; this version "
            f"knows up to {HEAD_REVISION}). Update Annotator to open it",
        )
    return str(revision) if revision is not None else None
