"""Failures of the storage (the database file, its disk) told in one line the analyst can act on.

SQLAlchemy's text of a failed statement carries the SQL and its parameters, which hold document
text; an OSError's text is the system's. Neither is fit for the analyst, and neither says what
to do. Every place where a storage failure reaches the analyst (the window's status bar and
dialogs, background tasks, the command line) goes through `describe_storage_error`.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from annotator.core.errors import AnnotatorError, DatabaseReadOnly

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "StorageProblem", "describe_storage_error", "is_storage_failure", "storage_problem",
]

KEPT = "your change is kept and retried"
CHECK = (
    "run `annotator check`, and if it reports damage restore a backup "
    "(`annotator backup --list`, `annotator restore`)"
)


class Problem(StrEnum):
    FULL = "full"
    READ_ONLY = "read-only"
    LOCKED = "locked"
    IO = "io"
    DAMAGED = "damaged"
    CANNOT_OPEN = "cannot-open"
    OFFLINE = "offline"  # a database server that cannot be reached
    REFUSED = "refused"  # the server does not let this role write that
    OTHER = "other"


class StorageProblem(NamedTuple):
    """What happened, in the analyst's words, and what to do about it."""

    kind: Problem
    cause: str
    remedy: str = ""
    remedy_when_kept: str = ""  # when the window keeps the change, if "try again" is wrong

    @property
    def known(self) -> bool:
        """False for a failure we cannot explain: the details are in the traceback only."""
        return self.kind is not Problem.OTHER

    def line(self, *, kept: bool = False) -> str:
        """`cause; remedy`, with a note that the change is kept when `kept` (the window)."""
        if kept and self.remedy_when_kept:
            return f"{self.cause}; {self.remedy_when_kept}"
        text = f"{self.cause}; {self.remedy}" if self.remedy else self.cause
        return f"{text} ({KEPT})" if kept else text


# SQLite's primary result codes (the low byte of `sqlite_errorcode`).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED = 3, 5, 6
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26
_SQLITE_READONLY_DBMOVED = _SQLITE_READONLY | (4 << 8)

_BY_CODE = {
    _SQLITE_FULL: Problem.FULL,
    _SQLITE_READONLY: Problem.READ_ONLY,
    _SQLITE_PERM: Problem.READ_ONLY,
    _SQLITE_BUSY: Problem.LOCKED,
    _SQLITE_LOCKED: Problem.LOCKED,
    _SQLITE_IOERR: Problem.IO,
    _SQLITE_CORRUPT: Problem.DAMAGED,
    _SQLITE_NOTADB: Problem.DAMAGED,
    _SQLITE_CANTOPEN: Problem.CANNOT_OPEN,
}

# An sqlite3 error made by hand (or by an older SQLite) has no code: its own short text (never
# the statement) still says what it is.
_BY_TEXT = (
    ("database or disk is full", Problem.FULL),
    ("readonly database", Problem.READ_ONLY),
    ("access permission denied", Problem.READ_ONLY),
    ("is locked", Problem.LOCKED),
    ("disk i/o error", Problem.IO),
    ("malformed", Problem.DAMAGED),
    ("file is not a database", Problem.DAMAGED),
    ("unable to open database file", Problem.CANNOT_OPEN),
)

_BY_ERRNO = {
    errno.ENOSPC: Problem.FULL,
    errno.EDQUOT: Problem.FULL,
    errno.EROFS: Problem.READ_ONLY,
    errno.EACCES: Problem.READ_ONLY,
    errno.EPERM: Problem.READ_ONLY,
    errno.EIO: Problem.IO,
}

_DATABASE = "the database file"


def _problem(kind: Problem, subject: str = _DATABASE) -> StorageProblem:
    if kind is Problem.FULL:
        return StorageProblem(kind, "the disk is full", "free some space")
    if kind is Problem.READ_ONLY:
        remedy = "make it writable (its permissions, or a drive mounted read-only)"
        if subject == _DATABASE:
            remedy += ", or work on a copy in a writable folder"
        cause = f"{subject} or its folder cannot be written (read-only)"
        return StorageProblem(kind, cause, remedy)
    if kind is Problem.LOCKED:
        return StorageProblem(
            kind,
            "another program (another Annotator window or command) is holding the database",
            "try again when it has finished",
            "your change is kept and saved when it has finished",
        )
    if kind is Problem.IO:
        return StorageProblem(
            kind, f"{subject} could not be read or written (disk I/O error)",
            f"check the drive, then {CHECK}",
        )
    if kind is Problem.DAMAGED:
        return StorageProblem(kind, "the database file is damaged", CHECK)
    if kind is Problem.CANNOT_OPEN:
        return StorageProblem(
            kind, "the database file cannot be opened (moved, deleted, or its drive is gone)",
            "check that the file and its drive are still there",
        )
    raise ValueError(kind)


def _sqlalchemy_errors() -> tuple[type[BaseException], type[BaseException]] | None:
    """(SQLAlchemyError, DBAPIError) once SQLAlchemy is imported; None before, when no error
    can be one of them. Not imported here on purpose: the window explains a failure to save
    its settings before SQLAlchemy is loaded, and must not load it for that."""
    module = sys.modules.get("sqlalchemy.exc")
    if module is None:
        return None
    return module.SQLAlchemyError, module.DBAPIError


def _orig(exc: BaseException) -> object:
    """What a SQLAlchemy DBAPIError wraps (`orig`); None for any other error."""
    errors = _sqlalchemy_errors()
    return exc.orig if errors is not None and isinstance(exc, errors[1]) else None  # type: ignore[attr-defined]


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    errors = _sqlalchemy_errors()
    return errors is not None and isinstance(exc, errors[0])


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what SQLAlchemy wraps (`orig`), and what it was raised from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = _orig(current)
        if isinstance(orig, BaseException) and id(orig) not in seen:
            seen.add(id(orig))
            yield orig
        current = current.__cause__


def _sqlite_problem(error: sqlite3.Error) -> StorageProblem | None:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        if code == _SQLITE_READONLY_DBMOVED:
            return StorageProblem(
                Problem.READ_ONLY, "the database file was moved or deleted while open",
                "put it back, or open it where it is now (File > Open Database)",
            )
        kind = _BY_CODE.get(code & 0xFF)
        if kind is not None:
            return _problem(kind)
    text = str(error).lower()
    for fragment, kind in _BY_TEXT:
        if fragment in text:
            return _problem(kind)
    return None


_SERVER = "the database server"
# PostgreSQL's SQLSTATE codes (psycopg's `Error.sqlstate`), by class or in full.
_BY_SQLSTATE = {
    "53100": Problem.FULL,  # disk_full
    "40001": Problem.LOCKED,  # serialization_failure
    "40P01": Problem.LOCKED,  # deadlock_detected
    "55P03": Problem.LOCKED,  # lock_not_available
    "25006": Problem.READ_ONLY,  # read_only_sql_transaction (a standby)
    "42501": Problem.REFUSED,  # insufficient_privilege, row-level security
    "28000": Problem.CANNOT_OPEN,  # invalid_authorization_specification
    "28P01": Problem.CANNOT_OPEN,  # invalid_password
    "3D000": Problem.CANNOT_OPEN,  # invalid_catalog_name (no such database)
    "08": Problem.OFFLINE,  # connection_exception
    "57P": Problem.OFFLINE,  # admin_shutdown, crash_shutdown, cannot_connect_now
}


def _server_problem(error: BaseException) -> StorageProblem | None:
    """What a psycopg error means; None for one that is not psycopg's."""
    if not type(error).__module__.startswith("psycopg"):
        return None
    state = getattr(error, "sqlstate", None) or ""
    kind = _BY_SQLSTATE.get(state) or _BY_SQLSTATE.get(state[:3]) or _BY_SQLSTATE.get(state[:2])
    if kind is None and not state and type(error).__name__ == "OperationalError":
        kind = Problem.OFFLINE  # no SQLSTATE: the connection itself failed
    if kind is Problem.OFFLINE:
        return StorageProblem(
            kind, f"{_SERVER} cannot be reached (the network, or the server is down)",
            "check the connection and try again",
            "your change is kept and saved when the server is back",
        )
    if kind is Problem.FULL:
        return StorageProblem(kind, f"{_SERVER}'s disk is full", "ask its administrator")
    if kind is Problem.READ_ONLY:
        return StorageProblem(
            kind, f"{_SERVER} accepts no changes now (read-only)", "ask its administrator"
        )
    if kind is Problem.REFUSED:
        return StorageProblem(
            kind, f"{_SERVER} does not allow your role to change this",
            "only its author (or a reviewer, an administrator) can",
        )
    if kind is Problem.CANNOT_OPEN:
        return StorageProblem(
            kind, f"{_SERVER} refused the connection (user, password or database name)",
            "check the URL, your ~/.pgpass or service file",
        )
    if kind is Problem.LOCKED:
        return StorageProblem(
            kind, "a colleague's change to the same data was saved at the same moment",
            "try again",
        )
    return None


def _os_problem(error: OSError) -> StorageProblem:
    subject = str(error.filename) if error.filename else "the file"
    kind = _BY_ERRNO.get(error.errno) if error.errno is not None else None
    if kind is not None:
        problem = _problem(kind, subject)
        if kind is Problem.FULL and error.filename:
            return StorageProblem(kind, f"{subject}: the disk is full", problem.remedy)
        return problem
    reason = error.strerror or type(error).__name__
    return StorageProblem(Problem.OTHER, f"{subject}: {reason}")


def storage_problem(exc: BaseException) -> StorageProblem:
    """What a failed read or write means for the analyst; never the SQL or its parameters
    (an OSError we cannot explain shows its file name and the system's short reason)."""
    import sqlite3  # here, not at start: the window is shown before any database (issue 15)

    for error in _chain(exc):
        if isinstance(error, sqlite3.Error):
            found = _sqlite_problem(error)
            if found is not None:
                return found
        elif (server := _server_problem(error)) is not None:
            return server
        elif isinstance(error, OSError):
            return _os_problem(error)
    if _is_sqlalchemy_error(exc) or isinstance(exc, sqlite3.Error):
        inner = _orig(exc)
        name = type(inner if isinstance(inner, BaseException) else exc).__name__
        return StorageProblem(Problem.OTHER, f"an unexpected database error ({name})")
    return StorageProblem(Problem.OTHER, f"an unexpected error ({type(exc).__name__})")


def describe_storage_error(exc: BaseException, action: str, *, kept: bool = False) -> str:
    """One line, `action: what happened; what to do`, for a failure of the storage.

    `action` says what did not happen ("Tag claim was not saved"); `kept` adds that the
    change is kept and retried (the window keeps failed edits). An AnnotatorError's message,
    already written for the analyst, is used as it is.
    """
    if isinstance(exc, AnnotatorError):
        return f"{action}: {exc}"
    return f"{action}: {storage_problem(exc).line(kept=kept)}"


def is_storage_failure(exc: BaseException) -> bool:
    """True for a failure of the database or the disk rather than of the file being read:
    one that would fail the next file of a batch just the same."""
    import sqlite3  # see storage_problem

    return _is_sqlalchemy_error(exc) or isinstance(exc, sqlite3.Error | OSError | DatabaseReadOnly)
