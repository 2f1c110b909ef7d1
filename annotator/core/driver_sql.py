"""The few statements of a key press, run on a team database's DB-API cursor. No Qt.

A tag key, a note or a deletion is a handful of statements (annotation_rows.py). On a file they
run in-process and SQLAlchemy's own execution costs little beside them; on a team database each
is a round trip, and SQLAlchemy's work around it (the compiled cache's key, the execution
context, a result object built from the cursor's description, one column object each) costs the
client twice what psycopg does, for every analyst at every key. So on PostgreSQL `run` compiles
each statement once (its text, the bind processors of its parameters, the result processors of
its columns: the types' own, so values are written and read exactly as SQLAlchemy would) and
executes it on the connection's psycopg cursor, in the caller's transaction, prepared on the
server at its first use. A team database's store compiles them when it opens
(annotation_rows.prepare_key_presses). An error is SQLAlchemy's, as `Connection.execute`
raises it (DBAPIError.instance), and a connection the server dropped is invalidated so that the
pool replaces it. On SQLite `run` is `Connection.execute`.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any]

# the cursor kept on each DB-API connection (Connection.info lives as long as it)
_CURSOR = "annotator_driver_cursor"


class _Compiled:
    """A statement compiled once for PostgreSQL: its text and what its values go through."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        self.sql: str = compiled.string
        self.compiled = compiled
        self.binds: dict[str, Processor | None] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        columns: list[Any] = list(getattr(statement, "selected_columns", None) or ())
        if not columns:  # an insert's RETURNING
            columns = list(getattr(statement, "_returning", None) or ())
        self.returns_rows = bool(columns)
        self.row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self.results: list[tuple[int, Processor]] = [
            (index, processor)
            for index, column in enumerate(columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
            is not None
        ]

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = self.compiled.construct_params(dict(given))
        for name, processor in self.binds.items():
            if processor is not None and name in values:
                values[name] = processor(values[name])
        return values

    def rows(self, fetched: Sequence[tuple[Any, ...]]) -> list[Any]:
        if not self.results:
            return [self.row._make(found) for found in fetched]
        made = []
        for found in fetched:
            row = list(found)
            for index, processor in self.results:
                row[index] = processor(row[index])
            made.append(self.row._make(row))
        return made


_COMPILED: dict[int, tuple[Executable, _Compiled]] = {}


def _compiled(statement: Executable, dialect: Dialect) -> _Compiled:
    found = _COMPILED.get(id(statement))
    if found is None or found[0] is not statement:  # kept with it: its id is never reused
        found = _COMPILED[id(statement)] = (statement, _Compiled(statement, dialect))
    return found[1]


def prepare(statement: Executable, dialect: Dialect) -> None:
    """Compile `statement` for `dialect` now (a team database's, when it opens), not at its
    first use by a key press."""
    _compiled(statement, dialect)


def run(connection: Connection, statement: Executable, values: Mapping[str, Any]) -> list[Any]:
    """Execute `statement` (a module-level construct: compiled once per process) with
    `values` in the connection's transaction; its rows (attributes by column name, as
    SQLAlchemy's), none for a statement that returns none."""
    if connection.dialect.name != "postgresql":
        result = connection.execute(statement, dict(values))
        return list(result.all()) if result.returns_rows else []
    compiled = _compiled(statement, connection.dialect)
    params = compiled.values(values)
    return compiled.rows(_execute(connection, compiled.sql, params, compiled.returns_rows))


def run_sql(connection: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """The rows (tuples) of `sql`, a PostgreSQL statement with positional %s parameters,
    run as `run` runs a statement: on the psycopg cursor, errors as SQLAlchemy's."""
    return _execute(connection, sql, params, True)


def _execute(connection: Connection, sql: str, params: Any, returns_rows: bool) -> list[Any]:
    fairy = connection.connection
    driver: Any = fairy.driver_connection
    kept = fairy.info.get(_CURSOR)
    if kept is not None and kept[0] is driver and not kept[1].closed:
        cursor = kept[1]
    else:  # the first statement on this DB-API connection (or a new one after a reconnect)
        cursor = driver.cursor()
        fairy.info[_CURSOR] = (driver, cursor)
    try:
        # prepared on the server at once, not after psycopg's five runs: these few statements
        # are the same all day, and planning each anew delayed the first key presses
        cursor.execute(sql, params, prepare=True)
        return list(cursor.fetchall()) if returns_rows else []
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(connection, sql, params, exc, cursor) from exc


def _wrapped(connection: Connection, sql: str, params: Any, exc: Any, cursor: Any) -> Exception:
    """`exc` as SQLAlchemy raises it; a connection the server dropped invalidated first."""
    dialect = connection.dialect
    dropped = dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor)
    if dropped:
        connection.invalidate(exc)
    wrapped: Exception = DBAPIError.instance(
        sql, params, exc, dialect.loaded_dbapi.Error, connection_invalidated=dropped,
        dialect=dialect,
    )
    return wrapped
