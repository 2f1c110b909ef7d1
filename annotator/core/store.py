"""Opening, creating and migrating the database; sessions and pragmas.

This is the only module that talks to the database through SQLAlchemy. Every other module works
through the `Store` sessions (`read()` for queries, `write()` for one committed user action).
Connections are made by the file's one owner in this process (connections.py): a second
`open_store` of a file that is already open borrows its engine instead of opening the file again.

Opening a file is careful: the file is inspected read-only first (inspection.py), and anything
that is not an Annotator database of a schema this version knows is refused with a message and
left untouched.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ClauseElement, Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.compiler import SQLCompiler

from annotator.core import search_index
from annotator.core.backup import backup_if_due, make_backup
from annotator.core.connections import (
    DatabaseFile,
    SharedObjects,
    backup_folder,
    database_file,
)
from annotator.core.errors import AnnotatorError, DatabaseReadOnly, DatabaseRefused
from annotator.core.facts import APPLICATION_ID
from annotator.core.files import remove_stale_parts
from annotator.core.inspection import (
    HEAD_REVISION,
    KNOWN_REVISIONS,
    SQLITE_MAGIC,
    DatabaseState,
    attached_for_reading,
    connect_for_reading,
    inspect_database,
)
from annotator.core.server import (
    ServerDatabase,
    ServerWatcher,
    make_server_engine,
    server_database,
    server_revision,
    take_write_lock,
)
from annotator.core.server_address import (
    ServerAddress,
    is_server_url,
    mangled_url,
    parse_server_url,
)
from annotator.core.settings import DB_ENV_VAR, default_db_path

__all__ = [
    "HEAD_REVISION", "KNOWN_REVISIONS", "SQLITE_MAGIC", "DatabaseState", "inspect_database",
    "ChangeWatcher", "DatabaseReadOnly", "Store", "default_db_path", "open_store", "DB_ENV_VAR",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
ENGINE = "engine"  # the name under which a file's engine is shared (connections.DatabaseFile)


SEARCH_MARK = "search_mark"  # connection info: the search queue's mark when the write began


def _configure_engine(engine: Engine) -> None:  # SQLite's
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: no deadlock when two processes upgrade locks.
        options = conn.get_execution_options()
        if not options.get("write", False):
            conn.exec_driver_sql("BEGIN")
            return
        driver = conn.connection.driver_connection
        if options.get("no_wait", False):  # fail at once if another connection writes
            waits = int(driver.execute("PRAGMA busy_timeout").fetchone()[0])
            driver.execute("PRAGMA busy_timeout=0")
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                driver.execute(f"PRAGMA busy_timeout={waits}")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        # what this transaction queues for the search indexes is numbered above this
        try:
            conn.info[SEARCH_MARK] = search_index.mark(driver)
        except sqlite3.OperationalError:  # no search indexes (a schema before 0004)
            conn.info[SEARCH_MARK] = None


def bulk_insert(
    connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """One executemany of rows already in their stored form (ISO times, JSON text).

    The bulk paths (import of annotations, merge) use this: it skips per-row type processing,
    which costs more than SQLite itself on 100,000 rows. On PostgreSQL the rows go in with one
    COPY (a few times faster than an executemany over the network; triggers fire the same),
    unless row-level security applies to the connected role (an analyst): PostgreSQL refuses
    COPY FROM then, and one executemany writes them, each row judged by the policies.
    """
    if not rows:
        return
    names = ", ".join(f'"{column}"' for column in columns)
    if connection.dialect.name == "postgresql" and not _row_security_active(connection, table):
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        driver_sql(connection, f'INSERT INTO "{table}" ({names}) VALUES ({marks})'), rows
    )


def _row_security_active(connection: Connection, table: str) -> bool:
    """Whether row-level security judges the connected role's rows of `table` (PostgreSQL
    refuses COPY FROM then: an analyst's rows go in by executemany, each row judged)."""
    return bool(
        connection.exec_driver_sql(
            "SELECT row_security_active(%(table)s::regclass)", {"table": table}
        ).scalar()
    )


def driver_sql(connection: Connection, sql: str) -> str:
    """`sql`, written with `?` marks for `exec_driver_sql`, in the marks of the connection's
    driver: as it is on SQLite, `%s` on PostgreSQL (psycopg), where a literal `%` doubles."""
    if connection.dialect.paramstyle == "qmark":
        return sql
    return sql.replace("%", "%%").replace("?", "%s")


def bulk_select(connection: Connection, statement: ClauseElement) -> list[tuple[Any, ...]]:
    """Every row of a Core select as plain tuples, read straight from the DB-API cursor.

    The bulk reads (exports, the annotations a merge finds present) use this: no result rows or
    type processing, which cost about as much as SQLite itself on 100,000 rows. Values come back
    as SQLite stores them, so select times and JSON as text (`type_coerce(column, Text)`).
    """
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    assert isinstance(compiled, SQLCompiler)
    values = compiled.params
    parameters: Any = (
        [values[name] for name in compiled.positiontup]
        if compiled.positiontup is not None
        else values  # PostgreSQL (psycopg): named parameters
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.execute(compiled.string, parameters).fetchall()  # type: ignore[no-any-return]
    finally:
        cursor.close()


def id_counter(session: Session, table: str) -> int:
    """The highest id `table`'s counter has given (0 if none): SQLite's AUTOINCREMENT counter
    (`sqlite_sequence`), PostgreSQL's id sequence. Above any id the table ever held."""
    if session.get_bind().dialect.name == "postgresql":
        value = session.execute(
            text("SELECT pg_sequence_last_value(pg_get_serial_sequence(:name, 'id')::regclass)"),
            {"name": table},
        ).scalar()
    else:
        value = session.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": table}
        ).scalar()
    return int(value or 0)


def _upgrade(engine: Engine, target: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
        config.attributes["connection"] = connection
        command.upgrade(config, target)
        # the rows the migrations queued for the search indexes (0004; 0007 on a server)
        driver = connection.connection.driver_connection
        if search_index.has_index(driver):
            search_index.refresh(driver)


@contextmanager
def _committed(
    session: Session, before_commit: Callable[[Session], None] | None = None
) -> Iterator[None]:
    """Commit `session` when the block succeeds (after `before_commit`, inside the same
    transaction), roll it back on any error."""
    try:
        yield
        if before_commit is not None:
            before_commit(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise


@dataclass(frozen=True)
class _OpenDatabase:
    """What every Store of one file in this process shares."""

    engine: Engine
    read_only: bool
    user: str | None = None  # a server's connected role: the author of what is written


class Store:
    """An open Annotator database (one borrower of the file's shared engine): a file
    (`path`, `owner` its DatabaseFile) or a PostgreSQL database (`address`; `path` None)."""

    def __init__(
        self, location: Path | ServerAddress, owner: SharedObjects, opened: _OpenDatabase
    ) -> None:
        self.address = location if isinstance(location, ServerAddress) else None
        self.path: Path | None = None if isinstance(location, ServerAddress) else location
        self.owner = owner
        self.engine = opened.engine
        self.read_only = opened.read_only
        # On a team database the server knows who is connected: that role is the author of
        # what this Store writes (row-level security refuses any other, server_roles.py).
        self.user = opened.user
        self._write_engine = self.engine.execution_options(write=True)
        self._write_now_engine = self._write_engine.execution_options(no_wait=True)
        self._closed = False
        # set when a write of this store left rows in the search queue (search_index.py): a
        # caller with idle time folds them (gui/search_folding.py)
        self.search_backlog_left = False

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(
        self,
        *,
        wait: bool = True,
        annotations: Collection[int] | None = None,
        search_text: bool = True,
    ) -> Iterator[Session]:
        """A session for one user action: committed on success, rolled back on any error.

        Before it commits, the session folds the rows it queued for the search indexes when
        they are few (search_index.py); a bulk write leaves them queued, and any write after
        which rows are queued sets `search_backlog_left`.
        Without `wait`, beginning fails at once (sqlite3's "database is locked"; on a team
        database psycopg's LockNotAvailable, server.py) when another connection is writing,
        instead of waiting for it.
        `annotations`: the write changes only these annotations (their rows, tags and history;
        empty for none) and may add new ones with ids from the counter. On a team database
        such a write runs beside others and waits only for writes of the same annotations
        (server.py), so it must read what it changes after beginning, change nothing else,
        and pick no id itself. None (the default, for every bulk or structural write): one
        write at a time, as on a file. `search_text` False: the write changes no text the
        search indexes hold (no note, span, unit or document; a tag, its fields, a review, a
        deletion: the triggers queue nothing for them), so the queue is not read before it
        commits (a round trip to a server less) and `search_backlog_left` stays as it was.
        Raises DatabaseReadOnly when the database was opened read-only.
        """
        self._refuse_if_read_only()
        fold = self._refresh_search if search_text else None
        if self.on_server:  # its locks first, with the search queue's mark (server.py)
            with (
                Session(self.engine, expire_on_commit=False) as session,
                _committed(session, fold),
            ):
                connection = session.connection()
                connection.info[SEARCH_MARK] = take_write_lock(
                    connection, annotations, wait=wait
                )
                yield session
            return
        engine = self._write_engine if wait else self._write_now_engine
        with (
            Session(engine, expire_on_commit=False) as session,
            _committed(session, fold),
        ):
            yield session

    def _refresh_search(self, session: Session) -> None:
        """Fold the rows the session's transaction queued for the search indexes, in it,
        when they are few; leave a bulk write's rows queued (search_index.py)."""
        connection = session.connection()
        after = connection.info.get(SEARCH_MARK)
        if after is None:
            return
        driver = connection.connection.driver_connection
        if self.on_server and session.info.get(search_index.INDEXED_BY_WRITE):
            return  # it indexed its own rows: nothing of its own is queued
        # more than its own rows, or rows queued before it (a bulk write's, another client's)
        self.search_backlog_left = search_index.refresh_own_and_left(driver, after)[1]

    @contextmanager
    def write_attached(self, other: Path, schema: str) -> Iterator[Session]:
        """`write()`, with the database file `other` attached read-only as `schema` to the
        session's connection (through its owner, connections.py): the session reads it in the
        same transaction, one consistent state of both. Detached when the session ends.
        Raises DatabaseReadOnly as `write()` does, sqlite3.Error when `other` cannot be
        attached."""
        self._refuse_if_read_only()
        if self.on_server:
            raise AnnotatorError("a server database cannot attach a file (SQLite only)")
        with self._write_engine.connect() as connection:
            # before the session begins: SQLite attaches outside transactions only
            driver = connection.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            with attached_for_reading(database_file(other), driver, schema):
                try:
                    with (
                        Session(bind=connection, expire_on_commit=False) as session,
                        _committed(session, self._refresh_search),
                    ):
                        yield session
                finally:
                    if connection.in_transaction():
                        connection.rollback()

    @property
    def on_server(self) -> bool:
        return self.address is not None

    @property
    def location(self) -> Path | ServerAddress:
        """Where the database is, as `open_store` takes it: the file, or the server address
        (whose str() is its URL without any password: what settings remember)."""
        return self.address if self.address is not None else self.file

    @property
    def file(self) -> Path:
        """The database file; raises AnnotatorError for a server database (no file)."""
        if self.path is None:
            raise AnnotatorError(f"{self.label} is a server database, not a file")
        return self.path

    @property
    def label(self) -> str:
        """What the window calls the database: the file's path, or user@host/db."""
        return self.address.display if self.address is not None else str(self.path)

    @property
    def name(self) -> str:
        """A short name: the file's name, or user@host/db."""
        return self.address.display if self.address is not None else self.file.name

    @property
    def key(self) -> str:
        """What settings remember the database by: the file's path, or its URL without any
        password."""
        return self.address.key if self.address is not None else str(self.path)

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise DatabaseReadOnly(
                f"{self.name} is open read-only (its file or folder cannot be written), "
                "so nothing was saved; File > Save a Copy makes a copy you can work on"
            )

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchone()
            conn.rollback()
        return None if row is None else str(row[0])

    def watcher(self) -> ChangeWatcher | ServerWatcher:
        if isinstance(self.owner, ServerDatabase):
            return ServerWatcher(self.owner)
        return ChangeWatcher(self)

    @property
    def closed(self) -> bool:
        """Whether `close()` was called (the store must not be used any more)."""
        return self._closed

    def close(self) -> None:
        """Give the connections back; the last Store of a file closes them, and the last
        connection of all processes folds the write-ahead log into the file."""
        if not self._closed:
            self._closed = True
            self.owner.unshare(ENGINE)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unexpected() -> _OpenDatabase:
    raise AnnotatorError("the database was closed")


def _close_open(opened: _OpenDatabase) -> None:
    opened.engine.dispose()


def _make_engine(target: DatabaseFile | Path, *, read_only: bool = False) -> Engine:
    """An engine whose connections all come from the file's owner (connections.py)."""
    owner = target if isinstance(target, DatabaseFile) else database_file(target)

    def connect() -> sqlite3.Connection:
        if read_only:
            return connect_for_reading(owner, any_thread=True)
        conn = owner.connect(any_thread=True)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: an edit shown as saved survives a power cut (about 1-2 ms per commit here).
            conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    engine = create_engine(
        f"sqlite+pysqlite:///{owner.path}", creator=connect, poolclass=QueuePool
    )
    _configure_engine(engine)
    return engine


def _backup_on_open(db_path: Path, revision: str, daily: bool, keep: int) -> None:
    if revision != HEAD_REVISION:
        # Never migrate without a copy to go back to: a failure here stops the open.
        make_backup(db_path, f"before-schema-{HEAD_REVISION}-from-{revision}", keep)
    elif daily:
        # A read-only folder must not stop the analyst from opening the database.
        with suppress(OSError, AnnotatorError):
            backup_if_due(db_path, keep)


def open_store(
    path: Path | str | ServerAddress | None = None,
    *,
    create: bool = True,
    daily_backup: bool = True,
    backup_keep: int = 7,
) -> Store:
    """Open (and if needed create or upgrade) the database at `path`.

    A file that this process has open already is not inspected again: the new Store borrows
    its connections. An existing database is backed up when opened (at most once a day) and
    before a schema migration. A database whose file or folder cannot be written opens
    read-only (`Store.read_only`). Raises DatabaseRefused (DatabaseDamaged for a damaged file)
    for a file that is not an Annotator database, is damaged, or was written by a newer
    version; such a file is never modified.

    `path` may be a `postgresql://USER@HOST/DB` URL (or its ServerAddress): the database on
    that server is created, upgraded or opened the same way (server.py), with no backups.
    """
    if path is None and is_server_url(os.environ.get(DB_ENV_VAR)):
        path = os.environ[DB_ENV_VAR]
    if isinstance(path, ServerAddress) or is_server_url(path):
        address = path if isinstance(path, ServerAddress) else parse_server_url(str(path))
        return _open_server(address, create)
    if mangled_url(path):
        raise DatabaseRefused(
            f"{path}: a server URL taken for a file path; write it postgresql://USER@HOST/DB"
        )
    db_path = Path(path).expanduser() if path is not None else default_db_path()
    owner = database_file(db_path)
    with owner.lock:
        if owner.shared(ENGINE) is not None:
            return Store(db_path, owner, owner.share(ENGINE, _unexpected, _close_open))
        state = inspect_database(db_path)
        _refuse_unusable(db_path, state, create)
        if not state.exists:
            try:
                db_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseRefused(
                    f"{db_path}: cannot create its folder ({exc.strerror})"
                ) from exc
        if state.writable:
            # What a killed backup, copy or restore left behind (never a live process's).
            remove_stale_parts(db_path.parent)
            remove_stale_parts(backup_folder(db_path))
        if state.revision is not None and state.writable:
            _backup_on_open(db_path, state.revision, daily_backup, backup_keep)
        opened = owner.share(ENGINE, lambda: _open(owner, state), _close_open)
    return Store(db_path, owner, opened)


def _fold_on_open(engine: Engine) -> None:
    """Fold the rows another client left queued for a team database's search indexes, if few,
    as opening a file does (`_open`); optional: a colleague writing (never waited for) or a
    role that may not write leaves them queued (the readers read them)."""
    import psycopg  # the team extra: only on a server

    with suppress(DBAPIError, psycopg.Error), engine.begin() as conn:
        take_write_lock(conn, None, wait=False)  # alone, as any bulk write (server.py)
        search_index.refresh_own(conn.connection.driver_connection, 0)


def _open_server(address: ServerAddress, create: bool) -> Store:
    owner = server_database(address)
    with owner.lock:
        if owner.shared(ENGINE) is None:
            engine = make_server_engine(owner)
            try:
                revision = server_revision(engine, address)
                if revision is None and not create:
                    raise DatabaseRefused(f"{address.display}: no Annotator database here")
                if revision != HEAD_REVISION:
                    _upgrade(engine)
                with engine.connect() as conn:
                    user = str(conn.exec_driver_sql("SELECT current_user").scalar())
                    conn.rollback()
                _fold_on_open(engine)
                from annotator.core.annotation_rows import prepare_key_presses  # imports store

                prepare_key_presses(engine.dialect)
            except BaseException:
                engine.dispose()
                raise
            opened = owner.share(
                ENGINE, lambda: _OpenDatabase(engine, False, user), _close_open
            )
        else:
            opened = owner.share(ENGINE, _unexpected, _close_open)
    return Store(address, owner, opened)


def _refuse_unusable(db_path: Path, state: DatabaseState, create: bool) -> None:
    if state.revision is None and not create:
        raise DatabaseRefused(f"{db_path}: no Annotator database here")
    if state.writable:
        return
    if state.revision is None:
        raise DatabaseRefused(
            f"{db_path}: a database cannot be created here (the folder or file is read-only)"
        )
    if state.revision != HEAD_REVISION:
        raise DatabaseRefused(
            f"{db_path}: this database needs an upgrade to this version of Annotator, which "
            "cannot be written where it is (read-only); copy it to a writable folder first"
        )


def _open(owner: DatabaseFile, state: DatabaseState) -> _OpenDatabase:
    engine = _make_engine(owner, read_only=not state.writable)
    try:
        if state.revision != HEAD_REVISION:
            _upgrade(engine)
        else:
            with engine.connect() as conn:  # fail here, not at the analyst's first edit
                conn.exec_driver_sql("SELECT 1").fetchone()
                conn.rollback()
            if state.writable:  # rows a hand edit queued for the search indexes, if few (a
                # larger backlog is folded in batches later: search_index.py); optional, so
                # another writer (never waited for) or a full disk leaves them queued (the
                # readers read them)
                folding = engine.execution_options(write=True, no_wait=True)
                with suppress(OperationalError, sqlite3.OperationalError), folding.begin() as conn:
                    search_index.refresh_own(conn.connection.driver_connection, 0)
    except BaseException:
        engine.dispose()
        if not state.exists:
            with owner.exclusive():
                for leftover in (owner.path, *owner.companions):
                    with suppress(OSError):
                        leftover.unlink()
        raise
    return _OpenDatabase(engine, read_only=not state.writable)


class ChangeWatcher:
    """Notices commits made through other connections (another window, the CLI).

    SQLite's `PRAGMA data_version` changes on this private connection whenever any other
    connection commits. The caller remembers the value after its own writes. The connection
    is read-write (but query-only) so that, closed last, it can still fold the log into the file.
    """

    def __init__(self, store: Store) -> None:
        owner = store.owner
        assert isinstance(owner, DatabaseFile)
        self._conn = (
            connect_for_reading(owner) if store.read_only else owner.connect(query_only=True)
        )

    def token(self) -> int:
        try:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return -1

    def close(self) -> None:
        self._conn.close()
