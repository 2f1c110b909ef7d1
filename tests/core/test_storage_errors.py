"""Storage failures in one plain line (what happened, what to do), from real SQLite errors."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError

from annotator.core.importing import ImportStopped, import_file, import_files
from annotator.core.storage_errors import (
    describe_storage_error,
    is_storage_failure,
    storage_problem,
)
from annotator.core.store import DatabaseReadOnly, open_store
from tests.storage_faults import (
    Faults,
    assert_plain,
    briefing,
    failing_from,
    faults,
    holding_write_lock,
    short_busy_timeout,
)

__all__ = ["faults", "short_busy_timeout"]  # fixtures

SECRET = "Operation NIGHTJAR"


def failed_write(store_path: Path, folder: Path, fail: Callable[[], None]) -> SQLAlchemyError:
    """The exception of storing a briefing (whose text holds SECRET) while `fail()` holds."""
    with open_store(store_path) as store:
        import_file(store, briefing(folder, "first.txt", "nothing"))
        fail()
        with pytest.raises(SQLAlchemyError) as raised:
            import_file(store, briefing(folder, "secret.txt", SECRET))
    return raised.value


def test_disk_full_says_free_some_space(tmp_path: Path, faults: Faults) -> None:
    exc = failed_write(tmp_path / "db.sqlite3", tmp_path, faults.full)
    assert isinstance(exc, OperationalError)
    assert exc.orig.sqlite_errorcode == sqlite3.SQLITE_FULL  # type: ignore[union-attr]
    assert SECRET in str(exc) and "INSERT" in str(exc)  # what used to be shown
    message = describe_storage_error(exc, "Tag claim was not saved", kept=True)
    assert message == (
        "Tag claim was not saved: the disk is full; free some space "
        "(your change is kept and retried)"
    )
    assert_plain(message, SECRET)
    assert describe_storage_error(exc, "secret.txt: not imported") == (
        "secret.txt: not imported: the disk is full; free some space"
    )


def test_read_only_says_the_file_cannot_be_written(tmp_path: Path, faults: Faults) -> None:
    exc = failed_write(tmp_path / "db.sqlite3", tmp_path, faults.read_only)
    assert exc.orig.sqlite_errorcode == sqlite3.SQLITE_READONLY  # type: ignore[union-attr]
    message = describe_storage_error(exc, "The change could not be saved")
    assert message.startswith(
        "The change could not be saved: the database file or its folder cannot be written "
        "(read-only); make it writable"
    )
    assert "work on a copy in a writable folder" in message
    assert_plain(message, SECRET)


def test_a_lock_held_too_long_names_another_program(
    tmp_path: Path, short_busy_timeout: None
) -> None:
    db = tmp_path / "db.sqlite3"
    with open_store(db) as store, holding_write_lock(db):
        with pytest.raises(OperationalError) as raised:
            import_file(store, briefing(tmp_path, "secret.txt", SECRET))
        assert raised.value.orig.sqlite_errorcode == sqlite3.SQLITE_BUSY  # type: ignore[union-attr]
        message = describe_storage_error(raised.value, "secret.txt: not imported")
    assert message == (
        "secret.txt: not imported: another program (another Annotator window or command) is "
        "holding the database; try again when it has finished"
    )
    assert_plain(message, SECRET)
    assert storage_problem(raised.value).line(kept=True) == (
        "another program (another Annotator window or command) is holding the database; "
        "your change is kept and saved when it has finished"
    )


def real_sqlite_error(path: Path, damage: bytes, offset: int) -> sqlite3.Error:
    """The error SQLite raises reading a database file damaged at `offset`."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.executemany("INSERT INTO notes VALUES (?)", [(SECRET * 50,)] * 200)
    conn.commit()
    conn.close()
    with path.open("r+b") as stream:
        stream.seek(offset)
        stream.write(damage)
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.Error) as raised:
            conn.execute("SELECT count(*) FROM notes WHERE text LIKE '%x%'").fetchall()
    finally:
        conn.close()
    return raised.value


@pytest.mark.parametrize(
    ("damage", "offset", "code"),
    [(b"\xff" * 4096, 4096, sqlite3.SQLITE_CORRUPT), (b"garbage" * 3, 0, sqlite3.SQLITE_NOTADB)],
)
def test_a_damaged_file_points_at_check_and_backups(
    tmp_path: Path, damage: bytes, offset: int, code: int
) -> None:
    error = real_sqlite_error(tmp_path / "damaged.sqlite3", damage, offset)
    assert error.sqlite_errorcode & 0xFF == code
    wrapped = DatabaseError("SELECT text FROM notes WHERE text = ?", (SECRET,), error)
    message = describe_storage_error(wrapped, "The document could not be opened")
    assert message.startswith("The document could not be opened: the database file is damaged;")
    assert "annotator check" in message and "annotator backup --list" in message
    assert_plain(message, SECRET)


def test_codes_come_first_and_the_text_is_the_fallback() -> None:
    io_error = sqlite3.OperationalError("disk I/O error")
    assert storage_problem(io_error).kind == "io"
    coded = sqlite3.OperationalError("some future wording")
    coded.sqlite_errorcode = sqlite3.SQLITE_IOERR_WRITE  # type: ignore[attr-defined]
    message = describe_storage_error(coded, "Not saved")
    assert message.startswith("Not saved: the database file could not be read or written "
                              "(disk I/O error); check the drive, then run `annotator check`")
    assert storage_problem(sqlite3.OperationalError("database or disk is full")).kind == "full"
    moved = sqlite3.OperationalError("attempt to write a readonly database")
    moved.sqlite_errorcode = sqlite3.SQLITE_READONLY_DBMOVED  # type: ignore[attr-defined]
    assert "moved or deleted" in storage_problem(moved).cause


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (errno.ENOSPC, "/data/out.csv: the disk is full; free some space"),
        (errno.EROFS, "/data/out.csv or its folder cannot be written (read-only); make it "
                      "writable (its permissions, or a drive mounted read-only)"),
        (errno.EACCES, "/data/out.csv or its folder cannot be written (read-only); make it "
                       "writable (its permissions, or a drive mounted read-only)"),
        (errno.EIO, "/data/out.csv could not be read or written (disk I/O error); check the "
                    "drive, then run `annotator check`"),
        (errno.ENOENT, "/data/out.csv: No such file or directory"),
    ],
)
def test_os_errors_by_errno(number: int, expected: str) -> None:
    error = OSError(number, os.strerror(number), "/data/out.csv")
    assert describe_storage_error(error, "Not written").startswith(f"Not written: {expected}")


def test_anything_else_names_only_the_error_class() -> None:
    statement = f"INSERT INTO documents (text) VALUES ('{SECRET}')"
    odd = OperationalError(statement, (SECRET,), sqlite3.OperationalError("no such table: x"))
    message = describe_storage_error(odd, "The change could not be saved")
    assert message == (
        "The change could not be saved: an unexpected database error (OperationalError)"
    )
    assert not storage_problem(odd).known
    assert describe_storage_error(ValueError(SECRET), "Stopped") == (
        "Stopped: an unexpected error (ValueError)"
    )
    assert_plain(message, SECRET)


def test_an_annotator_error_keeps_its_own_message() -> None:
    refused = DatabaseReadOnly("db.sqlite3 is open read-only")
    assert describe_storage_error(refused, "Not saved") == "Not saved: db.sqlite3 is open read-only"
    assert is_storage_failure(refused)
    assert not is_storage_failure(ValueError("x"))


def test_a_storage_failure_stops_the_batch_and_keeps_the_files_before(
    tmp_path: Path, faults: Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "db.sqlite3"
    files = [briefing(tmp_path, f"{name}.txt", f"{name} {SECRET}") for name in "abcd"]
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")  # a bad file is reported and the batch goes on
    failing_from(monkeypatch, "c.txt", faults.full)
    with open_store(db) as store, pytest.raises(ImportStopped) as raised:
        import_files(store, [files[0], empty, *files[1:]])
    stopped = raised.value
    assert stopped.failed == files[2] and stopped.not_tried == [files[3]]
    assert [o.path for o in stopped.outcomes] == [files[0], empty, files[1]]
    assert [o.ok for o in stopped.outcomes] == [True, False, True]
    assert str(stopped) == (
        "c.txt: not imported: the disk is full; free some space; not tried: d.txt"
    )
    assert isinstance(stopped.__cause__, OperationalError)  # --debug shows the original
    faults.clear()
    conn = sqlite3.connect(db)
    try:
        stored = [row[0] for row in conn.execute("SELECT source_name FROM documents ORDER BY id")]
    finally:
        conn.close()
    assert stored == ["a.txt", "b.txt"]


def test_a_read_only_store_stops_the_batch_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [briefing(tmp_path, f"{name}.txt", name) for name in "abc"]
    with open_store(tmp_path / "db.sqlite3") as store:
        monkeypatch.setattr(store, "read_only", True)
        with pytest.raises(ImportStopped) as raised:
            import_files(store, files)
    assert raised.value.failed == files[0] and raised.value.outcomes == []
    assert str(raised.value).startswith("a.txt: not imported: db.sqlite3 is open read-only")
    assert str(raised.value).endswith("; not tried: b.txt, c.txt")


def test_a_long_list_of_files_not_tried_is_counted(tmp_path: Path) -> None:
    rest = [tmp_path / f"f{index}.txt" for index in range(14)]
    stopped = ImportStopped(tmp_path / "x.txt", "x.txt: not imported: why", [], rest)
    assert str(stopped).endswith("f8.txt, f9.txt and 4 more")
