"""`annotator backup`, `restore` and `check`: keeping the database safe."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli_common import EXIT_FAILED, EXIT_OK, UsageError, db_path
from annotator.core.errors import AnnotatorError


def cmd_backup(args: argparse.Namespace) -> int:
    from annotator.core.backup import list_backups, make_backup
    from annotator.core.settings import backups_to_keep
    from annotator.core.store import inspect_database

    path = db_path(args, "annotator backup")
    if args.list:
        backups = list_backups(path)
        for backup in backups:
            print(backup)
        if not backups:
            print(f"no backups of {path}")
        return EXIT_OK
    if args.to is not None:
        return _save_copy(path, args.to)
    keep = backups_to_keep() if args.keep is None else args.keep
    if keep < 1:
        raise UsageError("annotator backup: --keep must be at least 1")
    if inspect_database(path).revision is None:
        raise AnnotatorError(f"{path}: no Annotator database here to back up")
    print(f"backed up to {make_backup(path, 'manual', keep)}")
    return EXIT_OK


def _save_copy(path: Path, destination: Path) -> int:
    from annotator.core.backup import save_copy
    from annotator.core.store import open_store

    # Opened, not just inspected: a damaged or foreign file is refused with the usual message,
    # and a database of an older schema is copied as this version's.
    with open_store(path, create=False, daily_backup=False) as store:
        save_copy(store.path, destination)
    print(f"saved a copy of {path} to {destination}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from annotator.core.backup import restore_backup
    from annotator.core.settings import backups_to_keep

    path = db_path(args, "annotator restore")
    if not args.backup.is_file():
        raise AnnotatorError(f"{args.backup}: no such backup file")
    saved = restore_backup(path, args.backup, backups_to_keep())
    if saved is not None:
        print(f"the current database was saved as {saved}")
    print(f"restored {args.backup} to {path}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from annotator.core.backup import check_database

    report = check_database(db_path(args, "annotator check"))
    for line in report.lines:
        print(line)
    return EXIT_OK if report.ok else EXIT_FAILED


