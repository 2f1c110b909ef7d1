"""A laptop's annotations whose author is not the role that syncs them (sync.py).

A sync pushes only the analyst's own layer: the annotations whose author is the role connected
to the server. On a laptop the window writes the name in Preferences ("Dana"), which may differ
from the role ("dana"): those annotations stay on the laptop. A sync never does that silently:
its report counts the laptop's annotations it did not push, by author (`not_pushed`).

`take_as_mine` makes them the role's layer before a sync (`annotator sync --mine NAME`, File >
Sync's question): renamed to the role on the laptop, in one transaction, with an "author"
history row per annotation saying so; their history rows written by NAME are recorded as the
role's (the server's policies accept only the connected role's history). Only a name the
server knows nothing of may be taken (`refusals`): not another role of the server's cluster,
not an author with annotations on the server (a colleague's layer is theirs), not a reviewer's
adjudicated layer.

The file also remembers the role of each server it synced with (`synced_role`): a window on a
file that synced as one role only writes as that role (gui/context.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, insert, select, text, update

from annotator.core import annotation_rows as rows
from annotator.core.errors import InvalidValue
from annotator.core.history import snapshot_to_json
from annotator.core.model import Annotation, AnnotationHistory, Meta
from annotator.core.review_terms import ADJUDICATED_PREFIX
from annotator.core.store import Store

AUTHOR_ACTION = "author"  # the history action of an annotation given to another author
CHUNK = 500
ROLE_KEY = "sync-role:"  # + the server's key (sync.py): the role the file synced as
NOT_PUSHED_KEY = "sync-not-pushed:"  # + the server's key: `not_pushed` of the last sync
NOT_MINE_KEY = "sync-not-mine"  # the names File > Sync was told are not the analyst's


def laptop_authors(local: Store) -> dict[str, int]:
    """Every author of the file's annotations, with how many each has."""
    with local.read() as session:
        return {
            author: int(count)
            for author, count in session.execute(
                select(Annotation.author, func.count()).group_by(Annotation.author)
            )
        }


def known_names(server: Store, names: Iterable[str]) -> dict[str, str]:
    """Which of `names` the server knows, and as what: a role of its cluster, or the author of
    annotations it holds (a colleague's layer)."""
    wanted = sorted(set(names))
    known: dict[str, str] = {}
    with server.read() as session:
        for first in range(0, len(wanted), CHUNK):
            some = wanted[first : first + CHUNK]
            for author, count in session.execute(
                select(Annotation.author, func.count())
                .where(Annotation.author.in_(some))
                .group_by(Annotation.author)
            ):
                known[author] = f"the author of {count} annotation(s) on the team database"
            if server.on_server:
                for (name,) in session.execute(
                    text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"),
                    {"names": some},
                ):
                    known.setdefault(name, "a user of the team database")
    return known


def unknown_authors(local: Store, server: Store, role: str) -> dict[str, int]:
    """The file's authors that `role` may take as theirs (the server knows nothing of them),
    with how many annotations each has."""
    authors = {
        author: count
        for author, count in laptop_authors(local).items()
        if author != role and not author.startswith(ADJUDICATED_PREFIX)
    }
    known = known_names(server, authors)
    return {author: count for author, count in sorted(authors.items()) if author not in known}


def refusals(server: Store, role: str, names: Iterable[str]) -> list[str]:
    """Why each of `names` may not be taken as `role`'s layer (empty: all may)."""
    wanted = [name for name in dict.fromkeys(names) if name != role]
    reasons = [
        f"{name!r}: a reviewer's adjudicated layer, not an analyst's name"
        for name in wanted
        if name.startswith(ADJUDICATED_PREFIX)
    ]
    reasons += ["an empty name" for name in wanted if not name.strip()]
    for name, what in known_names(server, wanted).items():
        reasons.append(f"{name!r} is {what}: a colleague's layer stays theirs")
    return reasons


def take_as_mine(
    local: Store, role: str, names: Iterable[str], server_label: str
) -> dict[str, int]:
    """Give the file's annotations by `names` to `role`, in one transaction, with an "author"
    history row each; how many each name had. The caller checked `refusals`."""
    wanted = [name for name in dict.fromkeys(names) if name and name != role]
    taken = dict.fromkeys(wanted, 0)
    if not wanted:
        return taken
    now = dt.datetime.now(dt.UTC)
    with local.write() as session:
        connection = session.connection()
        found = connection.execute(
            select(Annotation.id, Annotation.author)
            .where(Annotation.author.in_(wanted))
            .order_by(Annotation.id)
        ).all()
        if not found:
            return taken
        history: list[dict[str, Any]] = []
        for annotation_id, author in found:
            taken[author] += 1
            before = rows.read_snapshot(connection, annotation_id)
            after = dataclasses.replace(before, author=role)
            history.append({
                "annotation_id": annotation_id, "document_id": before.document_id,
                "action": AUTHOR_ACTION, "actor": role, "at": now,
                "before": snapshot_to_json(before), "after": snapshot_to_json(after),
                "comment": f"sync: {author}'s annotation taken as {role}'s layer, to be "
                f"pushed to {server_label}",
            })
        ids = [annotation_id for annotation_id, _author in found]
        for first in range(0, len(ids), CHUNK):
            some = ids[first : first + CHUNK]
            connection.execute(update(Annotation).where(Annotation.id.in_(some)).values(
                author=role
            ))
            connection.execute(
                update(AnnotationHistory)
                .where(AnnotationHistory.annotation_id.in_(some),
                       AnnotationHistory.actor.in_(wanted))
                .values(actor=role)
            )
        connection.execute(insert(AnnotationHistory), history)
    return taken


def check_and_take(
    local: Store, server: Store, role: str, names: Iterable[str]
) -> dict[str, int]:
    """`take_as_mine` after `refusals`: InvalidValue (nothing written) if any is refused."""
    chosen = list(dict.fromkeys(name.strip() for name in names))
    refused = refusals(server, role, chosen)
    if refused:
        raise InvalidValue(
            f"not taken as {role}'s (nothing was synced): " + "; ".join(refused)
        )
    return take_as_mine(local, role, chosen, server.label)


MINE_HINT = "annotator sync --mine NAME"  # how to take a name as the role's (the window's differs)


def not_pushed_lines(
    not_pushed: Mapping[str, int], role: str, how_to_take: str = MINE_HINT
) -> list[str]:
    """The report's lines on the file's annotations a sync did not push (none: no line)."""
    if not not_pushed:
        return []
    count = sum(not_pushed.values())
    authors = ", ".join(f"{n} by {author}" for author, n in sorted(not_pushed.items()))
    return [
        f"not pushed: {count} annotation(s) of this file ({authors}): their author is not "
        f"{role}, the user you synced as; they are only in this file",
        f"to push those that are yours as {role}'s: {how_to_take}; a colleague's go in by "
        "their own sync",
    ]


def not_mine(local: Store) -> set[str]:
    """The names the analyst said were not theirs when a sync asked (File > Sync)."""
    with local.read() as session:
        value = session.scalar(select(Meta.value).where(Meta.key == NOT_MINE_KEY))
    names = json.loads(value) if value else []
    return {str(name) for name in names} if isinstance(names, list) else set()


def remember_not_mine(local: Store, names: Iterable[str]) -> None:
    """Add `names` to those the analyst said were not theirs (asked about no more)."""
    known = not_mine(local)
    if known.issuperset(names):
        return
    with local.write() as session:
        set_meta(session, NOT_MINE_KEY, json.dumps(sorted(known.union(names))))


def save_sync_names(
    session: Any, key: str, role: str, not_pushed: Mapping[str, int] | None
) -> None:
    """Remember the role the file synced as with the server `key`, and (when the sync scanned
    both sides) what it did not push."""
    set_meta(session, ROLE_KEY + key, role)
    if not_pushed is not None:
        set_meta(session, NOT_PUSHED_KEY + key, json.dumps(dict(sorted(not_pushed.items()))))


def kept_not_pushed(local: Store, key: str) -> dict[str, int]:
    """`not_pushed` as the last sync with the server `key` saved it."""
    with local.read() as session:
        value = session.scalar(select(Meta.value).where(Meta.key == NOT_PUSHED_KEY + key))
    kept = json.loads(value) if value else {}
    return {str(k): int(v) for k, v in kept.items()} if isinstance(kept, dict) else {}


def synced_role(local: Store) -> str | None:
    """The role the file synced as, when it always synced as the same one (None: it never
    synced, or as several)."""
    with local.read() as session:
        names = set(session.scalars(select(Meta.value).where(Meta.key.startswith(ROLE_KEY))))
    return names.pop() if len(names) == 1 else None


def set_meta(session: Any, key: str, value: str) -> None:
    """Write `value` under `key` in the file's meta table (added or replaced)."""
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value
