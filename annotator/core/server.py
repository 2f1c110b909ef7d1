"""A team database on a PostgreSQL server: its engine, the look before opening it, and the
watcher that tells a window what colleagues committed.

store.py opens a `postgresql://` URL through `open_server`; everything above the Store works
on both back ends alike. What differs, and lives here:
- no file: nothing is backed up, inspected on disk or removed; a server is backed up by its
  administrator (README "Team database");
- the revision is read from `alembic_version`; a database with tables but without it is not
  ours and is refused untouched;
- commits made elsewhere are announced by the server (LISTEN/NOTIFY on `annotator_changes`,
  sent by triggers of the migrations): `ServerWatcher` counts the announcements that did not
  come from this process's own connections;
- the engine of one URL is shared in this process, as a file's is (connections.py);
- the write lock (`WRITE_LOCK`, an advisory lock) in two modes, taken as a write transaction
  begins (`take_write_lock`, called by `Store.write`: not an event of the engine's, whose mere
  presence makes every statement dispatch the execution events). A write that changes only
  given annotations (an analyst's edit at a key press: `Store.write(annotations=...)`) takes
  it shared, and a lock of each of those annotations (`ANNOTATION_LOCKS`, exclusive): analysts
  editing other annotations write at once and commit together, two edits of one annotation
  take turns, each reading what the other committed (READ COMMITTED: every statement after
  the lock sees it), so its history's before/after and its owner check hold. New annotations
  take their ids from the sequences. Any other write (imports, merges, sync, bulk edits,
  removals, adjudication, undo: the ids they pick with max()+1, the rows they read and
  replace) takes it exclusive, as SQLite's BEGIN IMMEDIATE: it waits for the edits in
  progress and holds new ones until it commits. Advisory locks, not SELECT ... FOR UPDATE:
  under row-level security a locking read needs the UPDATE policy, so an analyst's edit of a
  colleague's annotation would find nothing instead of being told whose it is.
- no ping per checkout: a connection the server closed (a restart) is found by a look at its
  socket as the pool hands it out, without a round trip (`_stale`), and replaced.
"""

from __future__ import annotations

import atexit
import select
import threading
from collections.abc import Collection
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

from annotator.core.connections import SharedObjects
from annotator.core.driver_sql import run_sql
from annotator.core.errors import DatabaseRefused
from annotator.core.facts import APPLICATION_ID
from annotator.core.inspection import KNOWN_REVISIONS
from annotator.core.server_address import ServerAddress

CHANNEL = "annotator_changes"
CONNECT_TIMEOUT_S = 10
WRITE_LOCK = APPLICATION_ID  # the advisory lock every write transaction holds (one per database)
# an annotation's own lock: the two-key advisory locks (APPLICATION_ID, annotation id), a key
# space apart from WRITE_LOCK's one bigint key
ANNOTATION_LOCKS = APPLICATION_ID

_registry_lock = threading.Lock()
_servers: dict[str, ServerDatabase] = {}


class PasswordNeeded(DatabaseRefused):
    """The server wants a password and libpq found none: the caller may ask for one (never
    kept) and open the database again with it (`ServerAddress.with_password`)."""


class ServerDatabase(SharedObjects):
    """This process's shared engine of one server database, and its connections' server
    process ids (what `ServerWatcher` takes for this process's own commits)."""

    def __init__(self, address: ServerAddress) -> None:
        super().__init__()
        self.address = address
        self.backend_pids: set[int] = set()

    def close_all(self) -> None:
        with self.lock:
            for name in list(self._shared):
                shared = self._shared.pop(name)
                with suppress(Exception):  # at exit, close what can be closed
                    shared.close(shared.value)


def server_database(address: ServerAddress) -> ServerDatabase:
    """The owner of `address`'s engine in this process (one per URL, password aside)."""
    with _registry_lock:
        owner = _servers.get(address.key)
        if owner is None:
            owner = _servers[address.key] = ServerDatabase(address)
        elif not owner.in_use:
            owner.address = address  # the next engine connects as this open asks (password)
        return owner


def make_server_engine(owner: ServerDatabase) -> Engine:
    """An engine on the server; every connection's server process id is noted in `owner`."""
    engine = create_engine(
        owner.address.driver_url,
        # a restarted server: the next action reconnects (_stale, without a round trip)
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "annotator"},
    )

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if _stale(dbapi_connection):
            raise DisconnectionError("the server closed the connection")  # the pool replaces it

    # before SQLAlchemy's own first look at the server, which a database that is not UTF8
    # breaks with a TypeError (psycopg hands SQL_ASCII text over as bytes)
    @event.listens_for(engine, "connect", insert=True)
    def _refuse_other_encodings(dbapi_connection: Any, _record: Any) -> None:
        encoding = dbapi_connection.info.parameter_status("server_encoding") or "?"
        if encoding.upper() not in ("UTF8", "UTF-8"):
            dbapi_connection.close()
            raise DatabaseRefused(
                f"{owner.address.display}: the database's encoding is {encoding}; Annotator "
                "keeps text in any language and needs a UTF8 database (CREATE DATABASE ... "
                "ENCODING 'UTF8' TEMPLATE template0); it was left untouched"
            )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        owner.backend_pids.add(int(dbapi_connection.info.backend_pid))

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection: Any, _record: Any) -> None:
        with suppress(Exception):  # a broken connection has no pid to forget
            owner.backend_pids.discard(int(dbapi_connection.info.backend_pid))

    return engine


def take_write_lock(
    connection: Connection, annotations: Collection[int] | None, *, wait: bool = True
) -> int:
    """Begin a user action's transaction (Store.write) with the write lock (module
    docstring), in one statement with the locks of the annotations it changes; the search
    queue's mark read in the same statement (search_index.mark: what this transaction queues
    is numbered above it). Readers never wait. Without `wait`, raises psycopg's
    LockNotAvailable at once when another connection holds what this write needs, as SQLite's
    "database is locked" (lock_not_available: storage_errors calls it locked)."""
    ids = () if annotations is None else tuple(sorted(int(n) for n in annotations))
    statement = lock_statement(None if annotations is None else len(ids), no_wait=not wait)
    (row,) = run_sql(connection, statement, ids)  # on the cursor (driver_sql.py)
    if not wait and not row[0]:
        from psycopg.errors import LockNotAvailable  # the team extra: only on a server

        raise LockNotAvailable("database is locked (another connection is writing)")
    return int(row[-1])


# the highest number in the search queue (search_index.mark), read after the locks (the
# target list is evaluated in order; read before them, rows another write committed meanwhile
# would only be folded with this write's own, which is harmless)
_SEARCH_MARK = "(SELECT coalesce(max(seq), 0) FROM search_pending)"
# An edit's statements (prepared, each finding its rows by an id or two: driver_sql.py) planned
# once per connection: left to choose, PostgreSQL plans each at least five more times (custom
# plans, 0.05-0.2 ms each with row-level security and CTEs) before it settles on the generic
# plan, which for them is the same plan; a window's first minutes of key presses paid it. For
# the edit's transaction only: a bulk write plans as PostgreSQL chooses.
_GENERIC_PLANS = "set_config('plan_cache_mode', 'force_generic_plan', true)"


def lock_statement(annotations: int | None, *, no_wait: bool = False) -> str:
    """The one statement that takes a write transaction's locks: `WRITE_LOCK` exclusive when
    `annotations` is None, else shared with the own lock of each of that many annotations,
    whose ids are its parameters (%s, in id order: two writers never wait on each other
    crosswise; the same text for every write of as many annotations, so that the server
    plans it once: psycopg prepares it; such an edit's transaction then takes generic plans).
    Without wait, its first column is whether all were taken (nothing is waited for); its last
    is the search queue's mark."""
    if annotations is None:
        function = "pg_try_advisory_xact_lock" if no_wait else "pg_advisory_xact_lock"
        return f"SELECT {function}({WRITE_LOCK}), {_SEARCH_MARK}"
    prefix = "pg_try_" if no_wait else "pg_"
    locks = [f"{prefix}advisory_xact_lock_shared({WRITE_LOCK})"]
    locks += [f"{prefix}advisory_xact_lock({ANNOTATION_LOCKS}, %s)"] * annotations
    taken = (" AND " if no_wait else ", ").join(locks)
    return f"SELECT {taken}, {_GENERIC_PLANS}, {_SEARCH_MARK}"


def _stale(dbapi_connection: Any) -> bool:
    """Whether the server closed this idle connection (or said something unasked, which
    an idle connection of the pool never hears but on its way out): its socket has something
    to read. One poll, no round trip; a connection already known broken is stale too."""
    import psycopg  # the team extra: only on a server

    try:
        if dbapi_connection.closed or dbapi_connection.broken:
            return True
        socket = dbapi_connection.fileno()
        if not hasattr(select, "poll"):  # Windows: select() takes sockets, any number
            return bool(select.select([socket], [], [], 0)[0])
        poll = select.poll()  # no limit on the descriptor's number, as select() has
        poll.register(socket, select.POLLIN | select.POLLPRI)
        return bool(poll.poll(0))
    except (OSError, ValueError, psycopg.Error):
        return True


def server_revision(engine: Engine, address: ServerAddress) -> str | None:
    """The schema revision of the database, None when it is empty (to be created).

    Raises DatabaseRefused when the server cannot be reached, the database is not UTF8
    (make_server_engine), holds tables that are not Annotator's, or was written by a newer
    version."""
    try:
        with engine.connect() as conn:
            tables = set(
                conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = current_schema()"
                    )
                ).scalars()
            )
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            conn.rollback()
    except OperationalError as exc:
        if "no password supplied" in str(exc.orig):
            raise PasswordNeeded(
                f"{address.display}: the server asks for a password, and none was found "
                "(~/.pgpass, a service file, PGPASSWORD)"
            ) from exc
        raise DatabaseRefused(f"{address.display}: {connection_problem(exc)}") from exc
    if revision is None:
        if tables - {"alembic_version"}:
            raise DatabaseRefused(
                f"{address.display}: this database holds tables that are not Annotator's; "
                "it was left untouched (give Annotator a database of its own)"
            )
        return None
    revision = str(revision)
    if revision not in KNOWN_REVISIONS:
        raise DatabaseRefused(
            f"{address.display}: written by a newer version of Annotator (schema {revision}); "
            "it was left untouched"
        )
    return revision


def connection_problem(exc: DBAPIError) -> str:
    """The server's own short reason for a failed connection, never the statement."""
    orig = exc.orig
    message = str(orig).strip().splitlines()[0] if orig is not None else ""
    if not message:
        message = type(orig if orig is not None else exc).__name__
    return f"cannot connect to the server ({message})"


class ServerWatcher:
    """Counts commits announced on `annotator_changes` by connections of other processes.

    `token()` drains the announcements on a private connection (LISTEN) and returns how many
    came from others so far; a commit of this process's own engine is not counted. When the
    connection is lost the token changes (-1), so the window refreshes after a reconnect.
    """

    def __init__(self, owner: ServerDatabase) -> None:
        self._owner = owner
        self._count = 0
        self._conn: Any = None
        self._connect()

    def _connect(self) -> None:
        import psycopg

        address = self._owner.address
        url = address.driver_url.replace("postgresql+psycopg://", "postgresql://", 1)
        try:
            self._conn = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="annotator-watch",
            )
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error:
            self._conn = None

    def token(self) -> int:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._connect()
            if self._conn is None:
                return -1
        own = self._owner.backend_pids
        try:
            for notice in self._conn.notifies(timeout=0):
                if notice.pid not in own:
                    self._count += 1
        except psycopg.Error:
            self.close()
            return -1
        return self._count

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def close_all() -> None:
    """Close every server engine of this process (registered to run at exit)."""
    with _registry_lock:
        owners = list(_servers.values())
    for owner in owners:
        owner.close_all()


atexit.register(close_all)
