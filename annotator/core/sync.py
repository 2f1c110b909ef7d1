"""Syncing an offline laptop's database file with the team database on a server.

`sync(local, server)` pulls the server's documents and every annotation the file does not have
yet (the general merge path, `interchange.merge.merge_incoming`, reading the server through its
Store), and pushes the analyst's own layer (annotations whose author is the analyst: by default
the role connected to the server) the same way into the server, where row-level security judges
every row; it carries deletions and span moves both ways.

The same annotation on both sides is recognised by its uid (`annotations.uid`, migration 0006,
annotation_uid.py), which a span move keeps; a row without a uid of its own has the one derived
from its document's SHA-256, span, author and creation time (how a sync recognised it before
0006), and two annotations whose uids differ but whose identities match are the same too (the
laptop takes the server's uid). When their content (span, tags with fields, note, review)
differs, the side changed since the last sync wins; changed on both sides, the later
modification wins and this is a conflict, reported. The other side takes the winning version
with a history row whose snapshots hold both versions ("before" the losing one, "after" the
winner) and whose comment says which won; a conflict also leaves that row on the winning side.
Annotations of others are never pushed: the server's version of them always wins on the laptop.
The laptop's own annotations under another name (the window's Preferences name, not the role)
are not pushed either: the report counts them by author, and `mine` first takes such a name as
the analyst's layer (sync_mine.py).

Deletions: the laptop keeps, per server, the uids both sides held at the last sync with the
version each agreed on (`sync_state`). An annotation of that list missing on one side was
deleted there: the other side deletes it too (a "delete" history row keeps its snapshot, so
Edit > History restores it), unless it was changed on the other side since the last sync; then
the change survives: the annotation is put back where it was deleted, with its history and a
row saying it had been deleted there, and the report lists it as a conflict. Only the
analyst's own deletions are pushed; a colleague's annotation missing on the laptop comes back.
An annotation missing on the server counts as deleted there only when the server records it
(a "delete" history row, or its document removed): one merely missing (a server restored from
an older backup) is kept on the laptop, and the analyst's own are pushed back.
A file that has not synced with the server since 0006 has no list: nothing is deleted by that
sync (the sides are joined, as before), and the next one carries deletions.

The time of the last sync is kept in the file's `meta` table. Syncing twice changes nothing
the second time, and a sync with nothing to do reads only the two sides' scans (sync_read.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from annotator.core import annotation_rows as rows
from annotator.core.errors import AnnotatorError
from annotator.core.history import (
    AnnotationSnapshot,
    record,
    record_row,
    snapshot_of,
    snapshot_to_json,
)
from annotator.core.interchange.merge import merge_incoming
from annotator.core.interchange.records import IncomingAnnotation, IncomingSet
from annotator.core.model import (
    Annotation,
    AnnotationHistory,
    AnnotationTag,
    Meta,
    SyncState,
)
from annotator.core.ops import stored_time
from annotator.core.store import Store, bulk_select
from annotator.core.sync_mine import (
    MINE_HINT,
    check_and_take,
    kept_not_pushed,
    not_pushed_lines,
    save_sync_names,
    set_meta,
)
from annotator.core.sync_read import (
    Identity,
    Scan,
    Scanned,
    Version,
    deleted_on,
    marks,
    new_ids,
    read_documents,
    read_history,
    read_versions,
    scan,
)
from annotator.core.sync_take import SYNC_ACTION, snapshot, take_all

SYNC_FORMAT = "annotator-sync"


class SyncFailed(AnnotatorError):
    """The sync stopped (the server unreachable...); what it had not committed is not written."""


@dataclass(frozen=True)
class Conflict:
    """An annotation changed on both sides since the last sync (`kind` "edit"), or deleted on
    one side and changed on the other ("deleted on laptop" / "deleted on server": the changed
    version is kept on both sides, and the deleted side's time is None)."""

    identity: Identity
    winner: str  # "laptop" | "server"
    laptop_modified: dt.datetime | None
    server_modified: dt.datetime | None
    kind: str = "edit"

    def describe(self) -> str:
        sha, start, end, author, _created = self.identity
        where = f"annotation [{start}, {end}) by {author} in document {sha[:12]}"
        loser = "server" if self.winner == "laptop" else "laptop"
        if self.kind != "edit":
            return (
                f"{where}: deleted on the {loser}, changed on the {self.winner} since the last "
                f"sync: the {self.winner}'s version kept on both, the deletion in its history"
            )
        return (
            f"{where}: the {self.winner}'s version kept (modified later), the {loser}'s kept "
            "in history"
        )


@dataclass
class SyncReport:
    server: str  # the server database as shown (never a password)
    pulled_documents: int = 0
    pulled_annotations: int = 0
    pulled_updates: int = 0
    pulled_deletions: int = 0
    pushed_documents: int = 0
    pushed_annotations: int = 0
    pushed_updates: int = 0
    pushed_deletions: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    role: str = ""  # the analyst whose layer was pushed
    taken: dict[str, int] = field(default_factory=dict)  # author -> annotations taken (--mine)
    not_pushed: dict[str, int] = field(default_factory=dict)  # author -> left on the laptop

    @property
    def changed_nothing(self) -> bool:
        return not (
            self.pulled_documents
            or self.pulled_annotations
            or self.pulled_updates
            or self.pulled_deletions
            or self.pushed_documents
            or self.pushed_annotations
            or self.pushed_updates
            or self.pushed_deletions
            or any(self.taken.values())
        )

    def lines(self, how_to_take: str = MINE_HINT) -> list[str]:
        """One line per direction, what was taken as the analyst's and not pushed
        (sync_mine.py; `how_to_take` says how to push the analyst's), then one per conflict."""
        taken = ", ".join(f"{n} by {author}" for author, n in self.taken.items())
        return [
            f"pulled from {self.server}: {self.pulled_documents} document(s), "
            f"{self.pulled_annotations} annotation(s) added, {self.pulled_updates} updated, "
            f"{self.pulled_deletions} deleted",
            f"pushed to {self.server}: {self.pushed_documents} document(s), "
            f"{self.pushed_annotations} annotation(s) added, {self.pushed_updates} updated, "
            f"{self.pushed_deletions} deleted",
            *([f"taken as {self.role}'s layer before pushing: {taken}"] if taken else []),
            *not_pushed_lines(self.not_pushed, self.role, how_to_take),
            *(f"conflict: {c.describe()}" for c in self.conflicts),
        ]


def _meta_key(server: Store) -> str:
    return "sync:" + hashlib.sha256(server.key.encode()).hexdigest()[:40]


def _state_key(server: Store) -> str:
    return hashlib.sha256(server.key.encode()).hexdigest()[:40]


def last_sync(local: Store, server: Store) -> dt.datetime | None:
    """When `local` last synced with `server` (None: never)."""
    with local.read() as session:
        value = session.scalar(select(Meta.value).where(Meta.key == _meta_key(server)))
    return dt.datetime.fromisoformat(value) if value else None


def sync(
    local: Store, server: Store, analyst: str | None = None, mine: Iterable[str] = ()
) -> SyncReport:
    """Pull the server's documents and annotations into `local`, push `analyst`'s layer
    (default: the role connected to the server) into `server`, deletions and moves included;
    first the file's annotations by the names `mine` become the analyst's (sync_mine.py:
    InvalidValue, nothing written, for a name the server knows).
    SyncFailed when the server cannot be reached or refuses a write; what was committed stays
    (a retry completes it)."""
    try:
        run = _Sync(local, server, analyst or server.user or "")
        names = list(mine)
        taken = check_and_take(local, server, run.analyst, names) if names else {}
        report = run.run()
        report.taken = taken
        return report
    except DBAPIError as exc:
        # the server's own first line (never the statement or its values)
        lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
        reason = lines[0] if lines else type(exc.orig or exc).__name__
        raise SyncFailed(
            f"sync with {server.label} stopped ({reason}); nothing of the unfinished step was "
            "written, sync again to complete it"
        ) from exc


def _read_state(local: Store, key: str) -> dict[str, str] | None:
    """uid -> agreed version at the last sync with the server; None: no list kept yet."""
    if _kept_marks(local, key) is None:
        return None
    with local.read() as session:
        return dict(bulk_select(
            session.connection(),
            select(SyncState.uid, SyncState.version).where(SyncState.server == key),
        ))


class _Sync:
    def __init__(self, local: Store, server: Store, analyst: str) -> None:
        if not analyst:
            raise SyncFailed("sync needs the analyst whose layer to push")
        self.local, self.server, self.analyst = local, server, analyst
        self.report = SyncReport(server=server.label, role=analyst)
        self.key = _state_key(server)
        self.pull: list[Scanned] = []  # server rows the laptop takes
        self.push: list[Scanned] = []  # laptop rows the server takes
        self.delete_here: list[Scanned] = []
        self.delete_there: list[Scanned] = []
        self.revived: list[tuple[Identity, Conflict]] = []  # put back where deleted
        self.adopted = 0  # laptop annotations that took the server's uid
        self.written: set[int] = set()  # id() of the stores this sync wrote
        self.derived: dict[Identity, str] = {}  # uids derived from identities (sync_read.py)
        # by "the laptop wins": (losing version, winning version, comment, note the conflict)
        self.takes: dict[bool, list[tuple[Version, Version, str, bool]]] = {False: [], True: []}

    def run(self) -> SyncReport:
        since = last_sync(self.local, self.server)
        started = dt.datetime.now(dt.UTC)
        if _kept_marks(self.local, self.key) == f"{marks(self.local)}|{marks(self.server)}":
            self._save_state(None, None, None, started)  # nothing changed since the last sync
            self.report.not_pushed = kept_not_pushed(self.local, self.key)
            return self.report
        state = _read_state(self.local, self.key)
        here, there = scan(self.local, self.derived), scan(self.server, self.derived)
        self._same_identity(here, there)
        self._classify(here, there, state)
        self._copy(here, there)
        both = [uid for uid in here.annotations if uid in there.annotations]
        self._settle(here, there, both, state, since)
        self._apply_takes()
        self._delete()
        self._note_revived()
        # the sides this sync wrote, as it left them
        if id(self.local) in self.written:
            here = scan(self.local, self.derived)
        if id(self.server) in self.written:
            there = scan(self.server, self.derived)
        self._save_state(here, there, state, started)
        return self.report

    def _same_identity(self, here: Scan, there: Scan) -> None:
        """Annotations with different uids but the same identity are the same (a file from
        before 0006, an annotation deleted and put back by undo): the laptop takes the
        server's uid."""
        theirs = {
            row.identity: row
            for uid, row in there.annotations.items()
            if uid not in here.annotations
        }
        adopted: list[tuple[int, str]] = []
        for uid, row in list(here.annotations.items()):
            match = theirs.get(row.identity) if uid not in there.annotations else None
            if match is None or match.uid in here.annotations:
                continue
            del here.annotations[uid]
            here.annotations[match.uid] = Scanned(
                row.id, match.uid, match.uid, row.document_id, row.identity, row.version
            )
            adopted.append((row.id, match.uid))
        self.adopted = len(adopted)
        if adopted:
            self.written.add(id(self.local))
            with self.local.write() as session:
                for annotation_id, uid in adopted:
                    session.execute(
                        update(Annotation).where(Annotation.id == annotation_id).values(uid=uid)
                    )

    def _classify(self, here: Scan, there: Scan, state: dict[str, str] | None) -> None:
        own = self.analyst
        gone = [
            row for uid, row in here.annotations.items()
            if uid not in there.annotations and state is not None and uid in state
        ]
        deleted = deleted_on(self.server, there, gone)
        for uid, row in here.annotations.items():
            if uid in there.annotations:
                continue
            agreed = state.get(uid) if state is not None else None
            if agreed is None or uid not in deleted:
                # new on the laptop, or missing on the server with no deletion recorded there
                # (a server restored from a backup): the analyst's own go (back) to the server
                if row.author == own:
                    self.push.append(row)
                else:  # not the analyst's: left on the laptop, and the report says so
                    not_pushed = self.report.not_pushed
                    not_pushed[row.author] = not_pushed.get(row.author, 0) + 1
            elif row.version != agreed and row.author == own:  # deleted there, changed here
                self.push.append(row)
                self.revived.append(
                    (
                        row.identity,
                        Conflict(row.identity, "laptop", None, None, "deleted on server"),
                    )
                )
            else:
                self.delete_here.append(row)
        for uid, row in there.annotations.items():
            if uid in here.annotations:
                continue
            agreed = state.get(uid) if state is not None else None
            if agreed is None or row.author != own:  # new there, or not ours to delete
                self.pull.append(row)
            elif row.version != agreed:  # deleted on the laptop, changed on the server
                self.pull.append(row)
                self.revived.append(
                    (
                        row.identity,
                        Conflict(row.identity, "server", None, None, "deleted on laptop"),
                    )
                )
            else:
                self.delete_there.append(row)

    def _incoming(
        self, store: Store, scanned: Scan, chosen: list[Scanned], documents: set[str]
    ) -> IncomingSet:
        versions = read_versions(store, chosen)
        history = read_history(store, sorted(v.id for v in versions.values()))
        stored_uid = {row.uid: row.stored_uid for row in chosen}
        incoming = IncomingSet(source=store.label, format=SYNC_FORMAT)
        incoming.documents = read_documents(store, documents)
        incoming.annotations = [
            IncomingAnnotation(
                v.identity[0],
                v.identity[1],
                v.identity[2],
                v.identity[3],
                v.tags,
                v.created,
                v.modified,
                v.note,
                None,
                None,
                None,
                v.status,
                v.reviewer,
                v.reviewed_at,
                v.review_comment,
                history.get(v.id, ()),
                stored_times=v.stored_times,
                uid=stored_uid[v.uid],
            )
            for v in (versions[row.uid] for row in chosen)
        ]
        return incoming

    def _copy(self, here: Scan, there: Scan) -> None:
        """Pull what the laptop lacks (and the server's new documents), push what it has."""
        here_shas = set(here.shas.values())
        new_documents = set(there.shas.values()) - here_shas
        if self.pull or new_documents:
            needed = new_documents | ({row.identity[0] for row in self.pull} - here_shas)
            self.written.add(id(self.local))
            pulled = merge_incoming(
                self.local, self._incoming(self.server, there, self.pull, needed)
            )
            self.report.pulled_documents = pulled.documents_added
            self.report.pulled_annotations = pulled.annotations_added
        if self.push:
            needed = {row.identity[0] for row in self.push} - set(there.shas.values())
            self.written.add(id(self.server))
            pushed = merge_incoming(
                self.server, self._incoming(self.local, here, self.push, needed)
            )
            self.report.pushed_documents = pushed.documents_added
            self.report.pushed_annotations = pushed.annotations_added

    def _settle(
        self,
        here: Scan,
        there: Scan,
        both: list[str],
        state: dict[str, str] | None,
        since: dt.datetime | None,
    ) -> None:
        """Both sides have it: the changed (or, changed on both, the later) version wins."""
        differ = [
            uid for uid in both if here.annotations[uid].version != there.annotations[uid].version
        ]
        if not differ:
            return
        mine_all = read_versions(self.local, [here.annotations[uid] for uid in differ])
        theirs_all = read_versions(self.server, [there.annotations[uid] for uid in differ])
        for uid in differ:
            mine, theirs = mine_all[uid], theirs_all[uid]
            if mine.content() == theirs.content():
                continue
            agreed = state.get(uid) if state is not None else None
            if agreed is not None:
                changed_here = here.annotations[uid].version != agreed
                changed_there = there.annotations[uid].version != agreed
            else:
                changed_here = since is None or mine.modified > since
                changed_there = since is None or theirs.modified > since
            self._settle_one(mine, theirs, changed_here, changed_there)

    def _settle_one(
        self, mine: Version, theirs: Version, changed_here: bool, changed_there: bool
    ) -> None:
        ours = mine.identity[3] == self.analyst
        conflict = changed_here and changed_there
        if not ours or (changed_there and not changed_here):
            laptop_wins = False
        elif changed_here and not changed_there:
            laptop_wins = True
        else:
            laptop_wins = mine.modified > theirs.modified
        winner, loser = ("laptop", "server") if laptop_wins else ("server", "laptop")
        if conflict:
            self.report.conflicts.append(
                Conflict(mine.identity, winner, mine.modified, theirs.modified)
            )
        kept, lost = (mine, theirs) if laptop_wins else (theirs, mine)
        comment = (
            f"sync conflict: the {winner}'s version kept (modified "
            f"{stored_time(kept.modified)}), the {loser}'s lost (modified "
            f"{stored_time(lost.modified)})"
            if conflict
            else f"sync: the {winner}'s version taken"
        )
        # a conflict leaves its row on the winning side too (on the server: ana's own only)
        self.takes[laptop_wins].append((lost, kept, comment, conflict and (laptop_wins or ours)))

    def _apply_takes(self) -> None:
        """The winners' versions taken, one transaction per side; a conflict's row on the
        winning side after."""
        for laptop_wins in (False, True):
            takes = self.takes[laptop_wins]
            if not takes:
                continue
            target, source = (self.server, self.local) if laptop_wins else (
                self.local, self.server
            )
            notes: list[tuple[Version, AnnotationSnapshot, str]] = []
            with target.write() as session:
                befores = take_all(session, takes, self.analyst)
            self.written.add(id(target))
            for (_lost, kept, comment, note), before in zip(takes, befores, strict=True):
                if note and before is not None:
                    notes.append((kept, before, comment))
            if laptop_wins:
                self.report.pushed_updates += len(takes)
            else:
                self.report.pulled_updates += len(takes)
            if notes:
                self.written.add(id(source))
                with source.write() as session:
                    for kept, before, comment in notes:
                        annotation = session.get(Annotation, kept.id)
                        if annotation is not None:
                            record(session, SYNC_ACTION, self.analyst, before,
                                   snapshot_of(annotation), comment)

    def _delete(self) -> None:
        for store, chosen, side in (
            (self.local, self.delete_here, "server"),
            (self.server, self.delete_there, "laptop"),
        ):
            if not chosen:
                continue
            self.written.add(id(store))
            versions = read_versions(store, chosen)
            now = dt.datetime.now(dt.UTC)
            ids = [v.id for v in versions.values()]
            with store.write() as session:
                connection = session.connection()
                for first in range(0, len(ids), 500):
                    some = ids[first : first + 500]
                    connection.execute(
                        delete(AnnotationTag).where(AnnotationTag.annotation_id.in_(some))
                    )
                    connection.execute(delete(Annotation).where(Annotation.id.in_(some)))
                connection.execute(insert(AnnotationHistory), [
                    {"annotation_id": v.id, "document_id": v.document_id, "action": "delete",
                     "actor": self.analyst, "at": now,
                     "before": snapshot_to_json(snapshot(v, v.id, v.document_id)),
                     "after": None, "comment": f"sync: deleted on the {side}"}
                    for v in versions.values()
                ])
            if store is self.local:
                self.report.pulled_deletions = len(chosen)
            else:
                self.report.pushed_deletions = len(chosen)

    def _note_revived(self) -> None:
        """An annotation deleted on one side and changed on the other is kept: a history row
        on both sides says so."""
        if not self.revived:
            return
        identities = [identity for identity, _conflict in self.revived]
        for store in (self.local, self.server):
            ids = new_ids(store, identities)
            self.written.add(id(store))
            with store.write() as session:
                connection = session.connection()
                for identity, conflict in self.revived:
                    if identity not in ids:
                        continue
                    snapshot = rows.read_snapshot(connection, ids[identity])
                    record_row(
                        connection,
                        SYNC_ACTION,
                        self.analyst,
                        None,
                        snapshot,
                        "sync conflict: " + conflict.describe().split(": ", 1)[1],
                    )
        self.report.conflicts.extend(conflict for _identity, conflict in self.revived)

    def _save_state(
        self, here: Scan | None, there: Scan | None, old: dict[str, str] | None,
        started: dt.datetime,
    ) -> None:
        """What both sides hold now, with the version both have (an annotation that differs
        keeps the version agreed before), and the marks of the scans (sync_read.py); without
        scans, only the time of the sync."""
        with self.local.write() as session:
            set_meta(session, _meta_key(self.server), stored_time(started))
            save_sync_names(
                session, self.key, self.analyst, None if here is None else self.report.not_pushed
            )
            if here is None or there is None:
                return
            set_meta(session, "sync-state:" + self.key, f"{here.marks}|{there.marks}")
        old = old or {}
        agreed: dict[str, str] = {}
        for uid, row in there.annotations.items():
            mine = here.annotations.get(uid)
            if mine is None:
                continue
            if mine.version == row.version:
                agreed[uid] = row.version
            elif uid in old:
                agreed[uid] = old[uid]
        gone = [uid for uid in old if uid not in agreed]
        changed = [(uid, version) for uid, version in agreed.items() if old.get(uid) != version]
        with self.local.write() as session:
            for first in range(0, len(gone), 500):
                session.execute(
                    delete(SyncState).where(
                        SyncState.server == self.key, SyncState.uid.in_(gone[first : first + 500])
                    )
                )
            replaced = [uid for uid, _version in changed if uid in old]
            for first in range(0, len(replaced), 500):
                session.execute(
                    delete(SyncState).where(
                        SyncState.server == self.key,
                        SyncState.uid.in_(replaced[first : first + 500]),
                    )
                )
            if changed:
                session.execute(
                    SyncState.__table__.insert(),  # type: ignore[attr-defined]
                    [{"server": self.key, "uid": uid, "version": v} for uid, v in changed],
                )


def _kept_marks(local: Store, key: str) -> str | None:
    """The marks both sides had at the last sync (None: no list of what they held kept)."""
    with local.read() as session:
        return session.scalar(select(Meta.value).where(Meta.key == "sync-state:" + key))
