"""`annotator server init` and `annotator server add-user`: a team database on PostgreSQL."""

from __future__ import annotations

import argparse
from typing import Any

from annotator.cli_common import EXIT_OK, UsageError

ROLE_NAMES = ("analyst", "reviewer", "admin")  # annotator.core.server_roles.ROLES


def add_server_parser(sub: Any, common: argparse.ArgumentParser, parser_class: Any) -> None:
    p_server = sub.add_parser(
        "server", parents=[common], help="set up a team database on a PostgreSQL server",
        description="Set up a team database: `init` creates the schema, the roles "
        "annotator_analyst, annotator_reviewer and annotator_admin and the row-level security "
        "that keeps each analyst's layer theirs; `add-user` lets a login role work as one of "
        "them. Run both as the database's administrator: --db postgresql://ADMIN@HOST/DB.",
    )
    actions = p_server.add_subparsers(
        dest="server_command", metavar="ACTION", parser_class=parser_class
    )
    actions.add_parser(
        "init", parents=[common], help="create the schema, roles and policies",
        description="Create (or upgrade) the schema, the group roles and the policies. "
        "Running it again is harmless.",
    )
    p_add = actions.add_parser(
        "add-user", parents=[common], help="let a login role work as analyst/reviewer/admin",
        description="Create the login role NAME if missing (no password: set one with psql's "
        "\\password, or use certificates) and make it a member of one group role.",
    )
    p_add.add_argument("name", metavar="NAME")
    p_add.add_argument("--role", choices=ROLE_NAMES, required=True)


def cmd_server(args: argparse.Namespace) -> int:
    from annotator.core.server_address import is_server_url
    from annotator.core.server_roles import add_user, init_server

    action = getattr(args, "server_command", None)
    if action is None:
        raise UsageError("annotator server: give an action, init or add-user (see --help)")
    db = getattr(args, "db", None)
    if not is_server_url(db):
        raise UsageError(f"annotator server {action}: --db postgresql://ADMIN@HOST/DB is needed")
    from annotator.cli_common import with_password

    with with_password(str(db), init_server) as store:
        if action == "init":
            print(f"{store.label}: schema, roles and policies are in place")
        else:
            add_user(store, args.name, args.role)
            print(f"{store.label}: {args.name} works as {args.role}")
    return EXIT_OK


def add_sync_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p_sync = sub.add_parser(
        "sync", parents=[common], help="sync a laptop's database file with the team database",
        description="Pull the team database's documents and everyone's annotations into the "
        "database file (--db), and push your own layer (annotations whose author is the role "
        "you connect as) to the server, in one transaction under row-level security. Syncing "
        "again changes nothing. Deletions and moved spans are carried both ways (only your own "
        "deletions are pushed). An annotation changed on both sides since the last sync keeps "
        "the later version; one deleted on one side and changed on the other is kept with the "
        "change; both are recorded in its history and the conflict is listed. The file's "
        "annotations by other authors are not pushed: the report counts them by author.",
    )
    p_sync.add_argument(
        "--server", required=True, metavar="URL", help="the team database: postgresql://USER@HOST/DB"
    )
    p_sync.add_argument(
        "--mine", action="append", default=[], metavar="NAME",
        help="first make the file's annotations by NAME yours (the role you connect as), then "
        "push them: for the name the window wrote (Preferences) when it differs from your "
        "user on the server. Repeatable. A name the server knows (another user, or an author "
        "of annotations there) is refused and nothing is synced",
    )
    p_sync.add_argument("--json", action="store_true", help="print the outcome as JSON")


def cmd_sync(args: argparse.Namespace) -> int:
    from annotator.cli_common import fold_search_backlog, open_db, print_json, with_password
    from annotator.core.server_address import is_server_url
    from annotator.core.store import open_store
    from annotator.core.sync import sync
    from annotator.core.text import printable

    if not is_server_url(args.server):
        raise UsageError("annotator sync: --server postgresql://USER@HOST/DB is needed")
    if is_server_url(getattr(args, "db", None)):
        raise UsageError("annotator sync: --db is the laptop's database file, not a server")
    with open_db(args, create=True) as local, with_password(
        str(args.server), lambda target: open_store(target, create=False)
    ) as server:
        report = sync(local, server, mine=args.mine)
        # what the sync wrote in bulk was committed queued for the search indexes: folded now
        # on both sides, as after an import (a failure there is a warning, the sync is saved)
        fold_search_backlog(local)
        fold_search_backlog(server)
    if args.json:
        print_json({
            "server": report.server,
            "pulled": {"documents": report.pulled_documents,
                       "annotations": report.pulled_annotations,
                       "updated": report.pulled_updates,
                       "deleted": report.pulled_deletions},
            "pushed": {"documents": report.pushed_documents,
                       "annotations": report.pushed_annotations,
                       "updated": report.pushed_updates,
                       "deleted": report.pushed_deletions},
            "user": report.role,
            "taken": report.taken,
            "not_pushed": report.not_pushed,
            "conflicts": [
                {"document_sha256": c.identity[0], "start": c.identity[1], "end": c.identity[2],
                 "author": c.identity[3], "winner": c.winner, "kind": c.kind,
                 "description": c.describe()}
                for c in report.conflicts
            ],
        })
    else:
        for line in report.lines():
            print(printable(line))
    return EXIT_OK
