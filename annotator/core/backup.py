"""Backups of the database (SQLite online backup API), restore, and plain-words checks.

Backups live in a folder next to the database, `<name>.backups/`, named
`<UTC time>-<reason>.sqlite3`. One is made when a database is opened (at most once a day) and
before every schema migration; the newest `keep` (default 7) are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from annotator.core.connections import (
    backup_folder,
    database_file,
    file_key,
    in_use,
    list_backups,
    open_databases,
)
from annotator.core.errors import AnnotatorError, DatabaseRefused
from annotator.core.files import atomic_output
from annotator.core.inspection import connect_for_reading, inspect_database
from annotator.core.stored_checks import rejected_field_values, text_hash_mismatches
from annotator.core.times import is_time_text

__all__ = [
    "DEFAULT_KEEP", "backup_folder", "list_backups", "make_backup", "prune_backups",
    "backup_if_due", "restore_backup", "save_copy", "check_database", "CheckReport",
]

DEFAULT_KEEP = 7
DAILY = dt.timedelta(hours=24)


def _copy_live(source: Path, destination: Path) -> None:
    """Copy the database `source` into a new self-contained file at `destination` with SQLite's
    online backup API (consistent while others write); the copy appears whole or not at all."""
    with atomic_output(destination) as tmp:
        try:
            src = connect_for_reading(database_file(source))
        except sqlite3.Error as exc:
            raise AnnotatorError(f"{source}: cannot be read for a copy ({exc})") from exc
        try:
            with database_file(tmp).connection() as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # a copy is one self-contained file
        except sqlite3.Error as exc:
            raise AnnotatorError(f"{source}: the copy failed ({exc}); nothing written") from exc
        finally:
            src.close()


def make_backup(db_path: Path, reason: str = "manual", keep: int = DEFAULT_KEEP) -> Path:
    """Copy the live database into its backup folder; prune to the newest `keep`."""
    folder = backup_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    destination = folder / f"{stamp}-{reason}.sqlite3"
    _copy_live(db_path, destination)
    prune_backups(db_path, keep)
    return destination


def save_copy(db_path: Path, destination: Path) -> Path:
    """Write the whole database as one self-contained file at `destination` (to send to a
    colleague or keep); the database stays open and in use. Raises AnnotatorError when
    `destination` is a database this program has open, or cannot be written."""
    target = file_key(destination)
    if target == file_key(db_path) or in_use(target) or any(
        target == file_key(Path(f"{open_db}{suffix}"))
        for open_db in open_databases()
        for suffix in ("", "-wal", "-shm", "-journal")
    ):
        raise AnnotatorError(
            f"{destination}: that is a database open in Annotator; choose another file name"
        )
    if destination.is_dir():
        raise AnnotatorError(f"{destination}: is a folder; choose a file name")
    _copy_live(db_path, destination)
    return destination


def prune_backups(db_path: Path, keep: int = DEFAULT_KEEP) -> None:
    for old in list_backups(db_path)[max(keep, 1) :]:
        old.unlink(missing_ok=True)


def backup_if_due(db_path: Path, keep: int = DEFAULT_KEEP) -> Path | None:
    """The once-a-day backup made when a database is opened; None when one is recent."""
    newest = list_backups(db_path)
    if newest:
        age = dt.datetime.now().timestamp() - newest[0].stat().st_mtime
        if age < DAILY.total_seconds():
            return None
    return make_backup(db_path, "daily", keep)


def restore_backup(db_path: Path, backup: Path, keep: int = DEFAULT_KEEP) -> Path | None:
    """Put `backup` in the place of the database after saving the current file; returns that
    copy.

    The backup is checked first (it must be a sound Annotator database). The current file is
    kept as a `before-restore` backup, copied byte for byte when it is too damaged to open. A
    sound database is overwritten through SQLite (its backup API, under SQLite's locks), so
    that a window or command that has it open sees the restored content instead of writing on
    into a file that has been replaced; a damaged or missing one is replaced as a file.
    """
    try:
        inspect_database(backup)
    except DatabaseRefused as exc:
        raise AnnotatorError(f"{backup} cannot be restored: {exc}") from exc
    try:
        sound = inspect_database(db_path).revision is not None
    except DatabaseRefused:
        sound = False
    saved = _save_before_restore(db_path, sound)
    if sound and _restore_through_sqlite(db_path, backup):
        pass
    else:
        _replace_file(db_path, backup)
    if saved is not None:
        prune_backups(db_path, keep + 1)
    return saved


def _save_before_restore(db_path: Path, sound: bool) -> Path | None:
    if not db_path.exists():
        return None
    folder = backup_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    saved = folder / f"{stamp}-before-restore.sqlite3"
    if sound:
        _copy_live(db_path, saved)
    else:
        with database_file(db_path).exclusive(), atomic_output(saved) as tmp:
            shutil.copyfile(db_path, tmp)  # damaged: keep its bytes as they are
    return saved


def _restore_through_sqlite(db_path: Path, backup: Path) -> bool:
    """Copy `backup` into the live database; False when SQLite cannot (page sizes differ)."""
    try:
        with closing(connect_for_reading(database_file(backup))) as src, database_file(
            db_path
        ).connection(create=False) as dst:
            src.backup(dst)
    except sqlite3.Error:
        return False
    return True


def _replace_file(db_path: Path, backup: Path) -> None:
    owner = database_file(db_path)
    with owner.exclusive(), atomic_output(db_path) as tmp:
        shutil.copyfile(backup, tmp)
        # A stale write-ahead log would be replayed onto the restored file: remove it first.
        for companion in owner.companions:
            companion.unlink(missing_ok=True)


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    lines: tuple[str, ...]


def _unreadable_values(conn: sqlite3.Connection) -> list[str]:
    """Stored times and JSON texts that do not read back (a damaged or hand-edited database)."""
    found: list[str] = []
    conn.create_function("is_time", 1, lambda value: int(is_time_text(value)), deterministic=True)
    conn.create_function("is_json", 1, lambda value: int(_is_json(value)), deterministic=True)
    checks = (
        ("SELECT id FROM annotations WHERE NOT is_time(created) OR NOT is_time(modified) "
         "OR (reviewed_at IS NOT NULL AND NOT is_time(reviewed_at))",
         "annotation {}: a time"),
        ("SELECT annotation_id FROM annotation_tags "
         "WHERE NOT is_json(fields) OR NOT is_json(suggested)",
         "annotation {}: the form fields of a tag"),
        ("SELECT annotation_id FROM annotation_history WHERE NOT is_time(at) "
         "OR (before IS NOT NULL AND NOT is_json(before)) "
         "OR (after IS NOT NULL AND NOT is_json(after))",
         "annotation {}: a history entry"),
    )
    for query, what in checks:
        found.extend(what.format(row[0]) for row in conn.execute(query))
    return found


def _is_json(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _report(lines: list[str], found: list[str], fine: str, problems: str) -> None:
    """One part of the check: `fine`, or `problems` (with the count) and the first 20 found."""
    if not found:
        lines.append(fine)
        return
    lines.append(problems.format(len(found)))
    lines.extend(f"  {line}" for line in found[:20])


def check_database(db_path: Path) -> CheckReport:
    """Run SQLite's integrity and foreign-key checks and say what they found in plain words."""
    if not db_path.exists():
        return CheckReport(False, (f"{db_path}: no such file",))
    try:
        inspect_database(db_path)
    except DatabaseRefused as exc:
        return CheckReport(False, (str(exc),))
    try:
        conn = connect_for_reading(database_file(db_path))
    except sqlite3.Error as exc:
        return CheckReport(False, (f"{db_path}: cannot be opened for the check ({exc})",))
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        counts = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in ("documents", "units", "annotations", "annotation_history")
        }
        sound = integrity == ["ok"]
        unreadable = _unreadable_values(conn) if sound else []
        rejected = rejected_field_values(conn) if sound else []
        mismatched = text_hash_mismatches(conn) if sound else []
    except sqlite3.DatabaseError as exc:
        return CheckReport(False, (f"{db_path}: the check itself failed ({exc})",))
    finally:
        conn.close()
    lines = []
    ok = integrity == ["ok"] and not foreign and not unreadable and not rejected and not mismatched
    if integrity == ["ok"]:
        lines.append("Integrity: the file is sound (no damaged pages or indexes).")
    else:
        lines.append("Integrity: PROBLEMS FOUND:")
        lines.extend(f"  {line}" for line in integrity[:20])
    if not foreign:
        lines.append("References: every annotation, unit and tag points at a row that exists.")
    else:
        lines.append(f"References: {len(foreign)} row(s) point at rows that do not exist.")
    if integrity == ["ok"]:
        _report(
            lines, unreadable,
            "Stored values: every time, form field and history entry reads back.",
            "Stored values: {} cannot be read (exports and merges that need them stop with a "
            "message):",
        )
        _report(
            lines, rejected, "Form fields: every stored value is one the form accepts.",
            "Form fields: {} stored value(s) the form would reject (correct them in the form; "
            "exports that carry them are refused on import):",
        )
        _report(
            lines, mismatched, "Document texts: each matches the SHA-256 it was imported with.",
            "Document texts: {} no longer match their SHA-256 (changed outside Annotator; "
            "restore a backup to get the original text back):",
        )
    lines.append(
        f"Contents: {counts['documents']} document(s), {counts['units']} unit(s), "
        f"{counts['annotations']} annotation(s), {counts['annotation_history']} history entries."
    )
    backups = list_backups(db_path)
    lines.append(
        f"Backups: {len(backups)}, newest {backups[0].name}" if backups else "Backups: none yet."
    )
    return CheckReport(ok, tuple(lines))
