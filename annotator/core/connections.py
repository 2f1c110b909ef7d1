"""The one owner, in this process, of the connections to each database file.

SQLite locks a database with POSIX advisory locks, which belong to the process and the file:
closing *any* descriptor of the file in the process (a Python `open()` that reads the header, a
copy of the file, a second library's connection) silently drops every lock that process holds
on it. Another process may then take the database for unused, checkpoint it and delete the
write-ahead log that this process is still writing to: "Saved" changes vanish while the file
stays sound (SQLite's "How To Corrupt An SQLite Database File", section 2.2).

So, in a process:
- every SQLite connection to a database file is made here (`DatabaseFile.connect`), and the
  `DatabaseFile` knows how many are open;
- the file and its companions (`-wal`, `-shm`, `-journal`) are read or replaced by anything but
  SQLite only under the owner's lock and only while none of its connections is open
  (`DatabaseFile.read_header`, `DatabaseFile.exclusive`);
- what several parts of the app share (the SQLAlchemy engine of `store.py`) is shared through
  the owner (`DatabaseFile.share`), so a dialog or a background task borrows the window's
  connections instead of opening the file a second time;
- every connection is closed at exit, so that the last one checkpoints the log and the
  `.sqlite3` file alone holds the data.

No SQLAlchemy here: `store.py` builds its engine on `DatabaseFile.connect`.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from annotator.core.errors import AnnotatorError
from annotator.core.folding import register_fold

T = TypeVar("T")

COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
BUSY_TIMEOUT_MS = 10_000

_registry_lock = threading.RLock()
_files: dict[Path, DatabaseFile] = {}
_making = threading.local()  # set while this module itself calls sqlite3.connect


def backup_folder(db_path: Path) -> Path:
    """Where the backups of `db_path` live: `<name>.backups/` beside it."""
    return db_path.with_name(db_path.name + ".backups")


def list_backups(db_path: Path) -> list[Path]:
    """Backups of `db_path`, newest first."""
    folder = backup_folder(db_path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.sqlite3"), key=lambda p: p.name, reverse=True)


def file_key(path: Path | str) -> Path:
    """The absolute, symlink-free form of `path`: one owner per file, however it is named."""
    return Path(os.path.realpath(Path(path).expanduser()))


def database_file(path: Path | str) -> DatabaseFile:
    """The owner of `path`'s connections in this process (made on first use)."""
    key = file_key(path)
    with _registry_lock:
        owner = _files.get(key)
        if owner is None:
            owner = _files[key] = DatabaseFile(key)
        return owner


def owner_of(path: Path | str) -> DatabaseFile | None:
    """The owner of `path` or of the database whose companion (`-wal`...) `path` is, if any."""
    key = file_key(path)
    name = key.name
    for suffix in COMPANION_SUFFIXES:
        if name.endswith(suffix):
            key = key.with_name(name[: -len(suffix)])
            break
    with _registry_lock:
        return _files.get(key)


def in_use(path: Path | str) -> bool:
    """True while this process has a connection (or a shared engine) open on `path`'s database.

    `path` may name the database or one of its companions (`-wal`, `-shm`, `-journal`).
    """
    owner = owner_of(path)
    return owner is not None and owner.in_use


def refuse_if_open(path: Path, what: str = "imported") -> None:
    """Raise ImportRefused when `path` is a database this process has open, or one of its
    working files: reading it as a plain file would drop this process's locks on it."""
    if in_use(path):
        from annotator.core.errors import ImportRefused

        raise ImportRefused(
            f"{path.name}: is a database open in Annotator (or one of its working files); "
            f"nothing {what}"
        )


def open_databases() -> list[Path]:
    """The database files this process has connections open to."""
    with _registry_lock:
        return [owner.path for owner in _files.values() if owner.in_use]


def making_connection() -> bool:
    """True inside `DatabaseFile.connect` (the test guard tells our connects from others)."""
    return bool(getattr(_making, "active", False))


class OwnedConnection(sqlite3.Connection):
    """An sqlite3 connection that tells its owner when it is closed."""

    owner: DatabaseFile | None = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            owner, self.owner = self.owner, None
            if owner is not None:
                owner._forget(self)


@dataclass
class _Shared:
    value: Any
    users: int
    close: Callable[[Any], None]


class SharedObjects:
    """What several parts of the app share of one database (the SQLAlchemy engine of
    store.py), made once and closed by its last user. A `DatabaseFile` is one; so is the
    owner of a server database's engine (server.py)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._shared: dict[str, _Shared] = {}

    def share(self, name: str, make: Callable[[], T], close: Callable[[T], None]) -> T:
        """The object `name` shared by every user of this database in the process, made once.

        Each call must be matched by one `unshare(name)`; the last one closes the object.
        """
        with self.lock:
            shared = self._shared.get(name)
            if shared is None:
                shared = self._shared[name] = _Shared(make(), 0, close)
            shared.users += 1
            return shared.value  # type: ignore[no-any-return]

    @property
    def in_use(self) -> bool:
        with self.lock:
            return bool(self._shared)

    def shared(self, name: str) -> Any:
        """The object `name` while it is shared, else None."""
        with self.lock:
            entry = self._shared.get(name)
            return None if entry is None else entry.value

    def unshare(self, name: str) -> None:
        with self.lock:
            shared = self._shared.get(name)
            if shared is None:
                return
            shared.users -= 1
            if shared.users <= 0:
                del self._shared[name]
                shared.close(shared.value)


class DatabaseFile(SharedObjects):
    """The connections of this process to one database file, and its companion files."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._live: weakref.WeakSet[OwnedConnection] = weakref.WeakSet()
        self._attached = 0  # ATTACHes of this file to another file's connections (`attached`)

    # -- companions ------------------------------------------------------------------------

    @property
    def companions(self) -> tuple[Path, ...]:
        return tuple(self.path.with_name(self.path.name + s) for s in COMPANION_SUFFIXES)

    @property
    def in_use(self) -> bool:
        with self.lock:
            return bool(self._shared) or self._attached > 0 or any(True for _ in self._live)

    # -- connections -----------------------------------------------------------------------

    def connect(
        self,
        *,
        read_only: bool = False,
        immutable: bool = False,
        query_only: bool = False,
        any_thread: bool = False,
        create: bool = True,
    ) -> OwnedConnection:
        """A new SQLite connection to this file, with the pragmas every connection needs.

        `read_only` opens it read-only (nothing is created or changed; the file must exist),
        `immutable` also tells SQLite that nobody writes the file (a read-only folder that
        cannot hold the `-shm` file), `any_thread` lets a connection pool hand it to another
        thread (one at a time), `create=False` refuses to create a missing file. Raises
        sqlite3.Error.
        """
        uri = self.path.as_uri()
        if read_only or immutable:
            uri += "?mode=ro" + ("&immutable=1" if immutable else "")
        elif not create:
            uri += "?mode=rw"
        with self.lock:
            _making.active = True
            try:
                conn = sqlite3.connect(
                    uri,
                    uri=True,
                    factory=OwnedConnection,
                    check_same_thread=not any_thread,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                )
            finally:
                _making.active = False
            assert isinstance(conn, OwnedConnection)
            conn.owner = self
            self._live.add(conn)
        try:
            # We issue BEGIN ourselves, so that transactions mean what they say.
            conn.isolation_level = None
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys=ON")
            register_fold(conn)  # the search index triggers call it (migration 0004)
            if query_only:
                conn.execute("PRAGMA query_only=ON")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    @contextmanager
    def connection(self, **options: bool) -> Iterator[OwnedConnection]:
        """`connect(**options)` for the length of a `with` block, closed after it."""
        conn = self.connect(**options)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def attached(
        self, conn: sqlite3.Connection, schema: str, *, immutable: bool = False
    ) -> Iterator[None]:
        """This file attached read-only (`immutable` as in `connect`) to `conn`, a connection
        of another file outside any transaction, as `schema` for the length of a `with` block,
        detached after it: one consistent read of both files in one transaction. Meanwhile
        SQLite holds the file open, so it counts as a connection (`in_use`). Raises
        sqlite3.Error."""
        if not schema.isidentifier():
            raise ValueError(f"not a schema name: {schema!r}")
        uri = self.path.as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")
        with self.lock:
            conn.execute(f"ATTACH DATABASE ? AS {schema}", (uri,))
            self._attached += 1
        try:
            yield
        finally:
            with self.lock:
                conn.execute(f"DETACH DATABASE {schema}")
                self._attached -= 1

    def _forget(self, conn: OwnedConnection) -> None:
        with self.lock:
            self._live.discard(conn)

    # -- the file itself ---------------------------------------------------------------------

    def read_header(self, size: int) -> bytes | None:
        """The first `size` bytes of the file, or None when this process has it open.

        Reading with anything but SQLite would drop this process's locks on the file, so the
        bytes are read only while no connection to it is open (the caller holds `lock`).
        Raises OSError when the file cannot be read.
        """
        with self.lock:
            if self.in_use:
                return None
            with open(self.path, "rb") as handle:
                return handle.read(size)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the owner's lock while no connection is open: the file may be replaced or its
        companions removed. Raises DatabaseBusy when this process has it open."""
        with self.lock:
            if self.in_use:
                raise DatabaseBusy(self.path)
            yield

    def close_all(self) -> None:
        """Close everything this process has open on the file (at exit)."""
        with self.lock:
            for name in list(self._shared):
                shared = self._shared.pop(name)
                with suppress(Exception):
                    shared.close(shared.value)
            for conn in list(self._live):
                with suppress(Exception):
                    conn.close()


class DatabaseBusy(AnnotatorError):
    """The file cannot be replaced: this process has connections open on it."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: the database is open in this program; close it first")
        self.path = path


def close_all() -> None:
    """Close every connection of this process (registered to run at exit)."""
    with _registry_lock:
        owners = list(_files.values())
    for owner in owners:
        owner.close_all()


atexit.register(close_all)
