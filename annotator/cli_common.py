"""What every `annotator` subcommand shares: exit codes, usage errors, JSON output, opening the
database and naming a document."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from annotator.core.errors import AnnotatorError
from annotator.core.text import json_printable, printable

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


def print_json(data: Any) -> None:
    # C1 controls, bidi overrides and undecodable file-name bytes pass json.dump raw.
    sys.stdout.write(json_printable(json.dumps(data, ensure_ascii=False, indent=None)) + "\n")


def open_db(args: argparse.Namespace, *, create: bool = False) -> Any:
    """The database of `--db` (or the default one, created when missing, as the window does).

    A `--db` file that does not exist is created only when `create` (commands that add to a
    database); the others report it, so a mistyped path does not leave an empty database.
    """
    from annotator.core.settings import backups_to_keep
    from annotator.core.store import open_store

    path = getattr(args, "db", None)
    keep = backups_to_keep()
    return with_password(
        path, lambda target: open_store(target, create=create or path is None, backup_keep=keep)
    )


def with_password(target: Any, opener: Any) -> Any:
    """`opener(target)`; when a team database's server asks for a password that libpq did not
    find (~/.pgpass...), ask for it on the terminal (never echoed, kept, or logged) and try
    once more. Without a terminal the refusal stands."""
    from annotator.core.server import PasswordNeeded
    from annotator.core.server_address import ServerAddress, database_target, default_database

    try:
        return opener(target)
    except PasswordNeeded:
        address = database_target(target) if target is not None else default_database()
        if not isinstance(address, ServerAddress) or not sys.stdin.isatty():
            raise
        import getpass

        password = getpass.getpass(f"Password for {address.display}: ")
        return opener(address.with_password(password))


def resolve_document(store: Any, key: str) -> int:
    from annotator.core.queries import find_documents

    matches = find_documents(store, key)
    if not matches:
        raise AnnotatorError(f"no document matches {key!r} (see annotator list)")
    if len(matches) > 1:
        ids = ", ".join(str(m.id) for m in matches[:10])
        raise AnnotatorError(f"{key!r} matches {len(matches)} documents ({ids}); give an id")
    return int(matches[0].id)


def db_target(text: str) -> Path | str:
    """A `--db` value: a database file's path, or a `postgresql://` URL kept as given."""
    from annotator.core.server_address import is_server_url

    return text if is_server_url(text) else Path(text)


def db_path(args: argparse.Namespace, command: str = "this command") -> Path:
    """The database file of `--db` (or the default one). Raises AnnotatorError for a server
    database: backups, restores and checks of files do not apply to it."""
    import os

    from annotator.core.server_address import is_server_url, parse_server_url
    from annotator.core.store import DB_ENV_VAR, default_db_path

    db = getattr(args, "db", None)
    if db is None and is_server_url(os.environ.get(DB_ENV_VAR)):
        db = os.environ[DB_ENV_VAR]
    if is_server_url(db):
        address = parse_server_url(str(db))
        raise AnnotatorError(
            f"{address.display}: {command} works on database files; a team database on a "
            "server is backed up and checked by its administrator (README, \"Team database\")"
        )
    return Path(db).expanduser() if db is not None else default_db_path()


def failure_line(exc: BaseException, command: str | None) -> str:
    """The one stderr line for a failure that is not an AnnotatorError: what happened to the
    database or the disk and what to do, never the SQL, its parameters or document text."""
    from annotator.core.storage_errors import describe_storage_error, storage_problem

    line = describe_storage_error(exc, f"{command} stopped" if command else "stopped")
    if not storage_problem(exc).known:
        line += " (run with --debug for details)"
    return f"annotator: {line}"


def stopped_json(stopped: Any) -> list[dict[str, Any]]:
    """`annotator import --json` entries for an import stopped by the database or the disk
    (an ImportStopped, or None): the file that failed, then each file not tried."""
    if stopped is None:
        return []

    def entry(path: Path, error: str) -> dict[str, Any]:
        return {
            "file": str(path), "document_id": None, "units": 0, "title": "",
            "duplicate_of": None, "error": error, "annotations_added": None,
            "annotations_present": None, "warnings": [],
        }

    stop = f"not tried: the import stopped at {stopped.failed.name}"
    return [entry(stopped.failed, stopped.reason), *(entry(p, stop) for p in stopped.not_tried)]


def fold_search_backlog(store: Any) -> None:
    """Fold into the search indexes what an import or merge left queued (core/search_index.py:
    a bulk write commits without them), in short transactions. What was imported or merged is
    saved already: a failure here is a warning (searches read the queued rows meanwhile, and
    the window or the next import folds them), never a failure of the command."""
    from annotator.core.search_index import fold_all
    from annotator.core.storage_errors import describe_storage_error

    if store.read_only:
        return
    try:
        fold_all(store)
    except Exception as exc:  # noqa: BLE001 (reported; the data itself is committed)
        line = describe_storage_error(exc, "The search index was not brought up to date")
        print(f"warning: {printable(line)}", file=sys.stderr)
