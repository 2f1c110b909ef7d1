"""Backups of the database (SQLite online backup API), restore, and plain-words checks.

Backups live in a folder next to the database, `<name>.backups/`, named
`<UTC time>-<reason>.sqlite3`. One is made when a database is opened (at most once a day) and
before every schema migration; the newest `keep` (default 7) are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import AnnotatorError, DatabaseRefused
from annotator.core.store import inspect_database
from annotator.core.times import is_time_text

DEFAULT_KEEP = 7
DAILY = dt.timedelta(hours=24)


def backup_folder(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".backups")


def list_backups(db_path: Path) -> list[Path]:
    """Backups of `db_path`, newest first."""
    folder = backup_folder(db_path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.sqlite3"), key=lambda p: p.name, reverse=True)


def _copy_live(source: Path, destination: Path) -> None:
    tmp = destination.with_name(destination.name + ".part")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
        finally:
            dst.close()
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise AnnotatorError(f"{source}: backup failed ({exc})") from exc
    finally:
        src.close()
    os.replace(tmp, destination)


def make_backup(db_path: Path, reason: str = "manual", keep: int = DEFAULT_KEEP) -> Path:
    """Copy the live database into its backup folder; prune to the newest `keep`."""
    folder = backup_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    destination = folder / f"{stamp}-{reason}.sqlite3"
    _copy_live(db_path, destination)
    prune_backups(db_path, keep)
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
    """Replace the database by `backup` after saving the current file; returns that copy.

    The backup is checked first (it must be a sound Annotator database). The current file is
    kept as a `before-restore` backup, copied byte for byte when it is too damaged to open.
    """
    try:
        inspect_database(backup)
    except DatabaseRefused as exc:
        raise AnnotatorError(f"{backup} cannot be restored: {exc}") from exc
    saved = None
    if db_path.exists():
        folder = backup_folder(db_path)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        saved = folder / f"{stamp}-before-restore.sqlite3"
        try:
            _copy_live(db_path, saved)
        except AnnotatorError:
            shutil.copyfile(db_path, saved)  # damaged: keep its bytes as they are
    tmp = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup, tmp)
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    # A stale write-ahead log would be replayed onto the restored file: remove it first.
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, db_path)
    if saved is not None:
        prune_backups(db_path, keep + 1)
    return saved


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


def check_database(db_path: Path) -> CheckReport:
    """Run SQLite's integrity and foreign-key checks and say what they found in plain words."""
    if not db_path.exists():
        return CheckReport(False, (f"{db_path}: no such file",))
    try:
        inspect_database(db_path)
    except DatabaseRefused as exc:
        return CheckReport(False, (str(exc),))
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        counts = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in ("documents", "units", "annotations", "annotation_history")
        }
        unreadable = _unreadable_values(conn) if integrity == ["ok"] else []
    except sqlite3.DatabaseError as exc:
        return CheckReport(False, (f"{db_path}: the check itself failed ({exc})",))
    finally:
        conn.close()
    lines = []
    ok = integrity == ["ok"] and not foreign and not unreadable
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
        if unreadable:
            lines.append(
                f"Stored values: {len(unreadable)} cannot be read (exports and merges that need "
                "them stop with a message):"
            )
            lines.extend(f"  {line}" for line in unreadable[:20])
        else:
            lines.append("Stored values: every time, form field and history entry reads back.")
    lines.append(
        f"Contents: {counts['documents']} document(s), {counts['units']} unit(s), "
        f"{counts['annotations']} annotation(s), {counts['annotation_history']} history entries."
    )
    backups = list_backups(db_path)
    lines.append(
        f"Backups: {len(backups)}, newest {backups[0].name}" if backups else "Backups: none yet."
    )
    return CheckReport(ok, tuple(lines))
