"""Opening, checking, creating and migrating the SQLite database; sessions and pragmas.

This is the only module that talks to SQLite directly. Every other module works through the
`Store` sessions (`read()` for queries, `write()` for one committed user action).

Opening a file is careful: the file is inspected read-only first, and anything that is not an
Annotator database of a schema this version knows is refused with a message and left untouched.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_path
from sqlalchemy import ClauseElement, Connection, Engine, create_engine, event
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from annotator.core.errors import AnnotatorError, DatabaseDamaged, DatabaseRefused
from annotator.core.model import APPLICATION_ID

# Schema revisions in order, oldest first. A test checks this against the alembic scripts, so
# the fast open path never has to import alembic unless an upgrade is due.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003")
HEAD_REVISION = KNOWN_REVISIONS[-1]

SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DB_ENV_VAR = "ANNOTATOR_DB"


def default_db_path() -> Path:
    """The database used when no --db is given: $ANNOTATOR_DB, else the user data folder."""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return user_data_path("annotator", appauthor=False) / "annotator.sqlite3"


@dataclass(frozen=True)
class DatabaseState:
    """What a read-only look at a file found."""

    exists: bool
    revision: str | None  # None: new or empty database, to be created


def _refuse(path: Path, reason: str) -> DatabaseRefused:
    return DatabaseRefused(f"{path}: {reason}; the file was left untouched")


def _damaged(path: Path, reason: str) -> DatabaseDamaged:
    from annotator.core.backup import list_backups

    backups = list_backups(path)
    offer = (
        f"; the newest backup is {backups[0]} (restore it with: annotator restore "
        f"\"{backups[0]}\" --db \"{path}\")"
        if backups
        else "; no backup of it exists"
    )
    return DatabaseDamaged(f"{path}: {reason}; the file was left untouched{offer}")


def list_backups_of(path: Path) -> list[Path]:
    from annotator.core.backup import list_backups

    return list_backups(path)


def inspect_database(path: Path) -> DatabaseState:
    """Look at `path` without changing it; raise DatabaseRefused if it is not ours or unusable."""
    if path.is_dir():
        raise _refuse(path, "is a folder, not a database file")
    if not path.exists():
        return DatabaseState(exists=False, revision=None)
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not header:
        return DatabaseState(exists=True, revision=None)
    if header != SQLITE_MAGIC:
        if list_backups_of(path):
            raise _damaged(path, "is not an SQLite file any more (damaged or overwritten)")
        raise _refuse(path, "is not an Annotator database (not an SQLite file)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _refuse(path, f"cannot be opened ({exc})") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if app_id != APPLICATION_ID:
            if app_id == 0 and not tables:
                return DatabaseState(exists=True, revision=None)
            raise _refuse(
                path, "is an SQLite database of another program, not an Annotator database"
            )
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise _damaged(path, f"is damaged (integrity check: {check})")
        if "alembic_version" not in tables:
            raise _damaged(path, "is damaged (its schema version is missing)")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, f"is damaged or not a database ({exc})") from exc
    finally:
        conn.close()
    revision = row[0] if row else None
    if revision not in KNOWN_REVISIONS:
        raise _refuse(
            path,
            f"was written by a newer version of Annotator (schema {revision}; this version "
            f"knows up to {HEAD_REVISION}). Update Annotator to open it",
        )
    return DatabaseState(exists=True, revision=revision)


def _configure_engine(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below) so that transactions mean what they say.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an edit shown as saved survives a power cut (about 1-2 ms per commit here).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: no deadlock when two processes upgrade locks.
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def bulk_insert(
    connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """One executemany of rows already in their stored form (ISO times, JSON text).

    The bulk paths (import of annotations, merge) use this: it skips per-row type processing,
    which costs more than SQLite itself on 100,000 rows.
    """
    if not rows:
        return
    names = ", ".join(f'"{column}"' for column in columns)
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def bulk_select(connection: Connection, statement: ClauseElement) -> list[tuple[Any, ...]]:
    """Every row of a Core select as plain tuples, read straight from the DB-API cursor.

    The bulk reads (exports) use this: no result rows or type processing, which cost about as
    much as SQLite itself on 100,000 rows. Values come back as SQLite stores them, so select
    times and JSON as text (`type_coerce(column, Text)`).
    """
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    assert isinstance(compiled, SQLCompiler)
    values = compiled.params
    parameters = [values[name] for name in compiled.positiontup or ()]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.execute(compiled.string, parameters).fetchall()  # type: ignore[no-any-return]
    finally:
        cursor.close()


def _upgrade(engine: Engine, target: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
        config.attributes["connection"] = connection
        command.upgrade(config, target)


class Store:
    """An open Annotator database."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._write_engine = engine.execution_options(write=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one user action: committed on success, rolled back on any error."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchone()
            conn.rollback()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    _configure_engine(engine)
    return engine


def _backup_on_open(db_path: Path, revision: str, daily: bool, keep: int) -> None:
    from annotator.core.backup import backup_if_due, make_backup

    if revision != HEAD_REVISION:
        # Never migrate without a copy to go back to: a failure here stops the open.
        make_backup(db_path, f"before-schema-{HEAD_REVISION}-from-{revision}", keep)
    elif daily:
        # A read-only folder must not stop the analyst from opening the database.
        with suppress(OSError, AnnotatorError):
            backup_if_due(db_path, keep)


def open_store(
    path: Path | str | None = None,
    *,
    create: bool = True,
    daily_backup: bool = True,
    backup_keep: int = 7,
) -> Store:
    """Open (and if needed create or upgrade) the database at `path`.

    An existing database is backed up when opened (at most once a day) and before a schema
    migration. Raises DatabaseRefused (DatabaseDamaged for a damaged file) for a file that is
    not an Annotator database, is damaged, or was written by a newer version; such a file is
    never modified.
    """
    db_path = Path(path).expanduser() if path is not None else default_db_path()
    state = inspect_database(db_path)
    if state.revision is None and not create:
        raise DatabaseRefused(f"{db_path}: no Annotator database here")
    if not state.exists:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseRefused(f"{db_path}: cannot create its folder ({exc.strerror})") from exc
    if state.revision is not None:
        _backup_on_open(db_path, state.revision, daily_backup, backup_keep)
    engine = _make_engine(db_path)
    try:
        if state.revision != HEAD_REVISION:
            _upgrade(engine)
    except Exception:
        engine.dispose()
        if not state.exists:
            for suffix in ("", "-wal", "-shm"):
                with suppress(OSError):
                    Path(f"{db_path}{suffix}").unlink()
        raise
    return Store(db_path, engine)


class ChangeWatcher:
    """Notices commits made through other connections (another window, the CLI).

    SQLite's `PRAGMA data_version` changes on this private read-only connection whenever any
    other connection commits. The caller remembers the value after its own writes.
    """

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    def token(self) -> int:
        try:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return -1

    def close(self) -> None:
        self._conn.close()
