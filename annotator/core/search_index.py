"""Writing the search indexes of migration 0004 (issue 16).

The triggers queue every changed unit and annotation in `search_pending` (numbered by `seq` in
the order queued) and drop its old index rows; `refresh` folds queued rows' text (folding.fold)
into the indexes and copies the annotations' text into `search_sort_text`, reading each
document's text once and folding each distinct span once.

When: `Store.write` folds the rows its own transaction queued (those numbered after `mark`,
read when the transaction began) before it commits, if they are at most OWN_ROWS_FOLDED, so a
key press never pays for anything but its own few rows. A bulk write (a merge, an import, a
bulk edit of many rows) commits with its rows left queued: FTS5 writing the index of 100,000
annotations would double a merge. That backlog is folded afterwards in short transactions of
at most a batch of rows (`fold_step`, oldest first): by the window in idle time
(gui/search_folding.py), by the command line at the end of an import or merge (`fold_all`),
and when the store opens a database whose backlog is small. Until then the readers
(search.py, annotation_table.py) read the queued rows directly, so no result is ever stale.
Folding is idempotent (a row's old index entries are deleted before it is written) and a
row leaves the queue only in the transaction that indexes it: a crash loses nothing.

A team database (PostgreSQL, migration 0007) has the same queue, triggers and tables, written
the same way at the same moments; its word indexes hold a `tsvector` of the folded words
instead of FTS5's copy of the folded text (search_server.py). There a key press saves the round
trips of reading the queue: a tag, its fields, a review or a deletion queue nothing
(`Store.write(search_text=False)`), and a create or a note writes its own row's index entries
in the statement of its change, having read the span's text with the annotation
(annotation_rows.indexing, `note_indexed`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from annotator.core import search_server
from annotator.core.folding import fold

if TYPE_CHECKING:
    from annotator.core.store import Store

# A transaction folds its own queued rows before it commits when they are at most this many
# (about 10 ms of folding); more are left for `fold_step`.
OWN_ROWS_FOLDED = 500
# Rows folded per transaction by `fold_all` (the command line: about 0.3 s each); the window
# folds smaller steps in idle time (gui/search_folding.py).
BATCH_ROWS = 20_000

# the queued rows numbered in (?, ?]: a range of the rowid (`+kind`: not the (kind, id)
# index, which would read every queued row of that kind)
_BATCH = "p.seq > ? AND p.seq <= ?"
_PENDING_UNITS = (
    'SELECT u.id, u.document_id, u.start, u."end" FROM search_pending p '
    f"JOIN units u ON u.id = p.id WHERE +p.kind = 'u' AND {_BATCH}"
)
_PENDING_ANNOTATIONS = (
    'SELECT a.id, a.document_id, a.start, a."end", a.note FROM search_pending p '
    f"JOIN annotations a ON a.id = p.id WHERE +p.kind = 'a' AND {_BATCH}"
)

_INDEXES = (("search_units", "u"), ("search_annotations", "a"), ("search_notes", "a"))


def on_server(driver: Any) -> bool:
    """Whether the DB-API connection `driver` is a team database's (psycopg), not sqlite3's."""
    return not isinstance(driver, sqlite3.Connection)


def has_index(driver: Any) -> bool:
    """Whether the database behind the DB-API connection `driver` has the search indexes."""
    if on_server(driver):
        row = driver.execute("SELECT to_regclass('search_pending')").fetchone()
        return row is not None and row[0] is not None
    row = driver.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_pending'"
    ).fetchone()
    return row is not None


def mark(driver: Any) -> int:
    """The highest number in the queue (0 when empty): the rows a transaction queues after
    reading it are numbered above it (`refresh(after=...)`)."""
    row = driver.execute("SELECT max(seq) FROM search_pending").fetchone()
    return int(row[0] or 0)


def queued(driver: Any, after: int = 0, at_most: int | None = None) -> int:
    """How many rows are queued with a number above `after`, counted up to `at_most`."""
    server = on_server(driver)
    limit = (None if server else -1) if at_most is None else at_most
    row = driver.execute(
        _marks(
            "SELECT count(*) FROM (SELECT 1 FROM search_pending WHERE seq > ? LIMIT ?) AS q",
            server,
        ),
        (after, limit),
    ).fetchone()
    return int(row[0])


# Session.info: set when the session's write indexed what it changed itself (`note_indexed`)
INDEXED_BY_WRITE = "annotator_search_indexed_by_write"


def note_indexed(session: Any) -> None:
    """Tell `Store.write` that its write's statements indexed what they changed of the
    searched text themselves (annotation_rows.indexing: a team database's create or note
    change), so its queue holds nothing of its own: on a team database it is not read
    before the commit (a round trip less). A file's write reads its queue as always
    (in-process)."""
    session.info[INDEXED_BY_WRITE] = True


def refresh_own(driver: Any, after: int) -> bool:
    """Fold the rows queued after `after` (a transaction's own) if they are at most
    OWN_ROWS_FOLDED, inside the caller's transaction; False when more were left queued."""
    return refresh_own_and_left(driver, after)[0]


def refresh_own_and_left(driver: Any, after: int) -> tuple[bool, bool]:
    """`refresh_own`, and whether rows stay queued afterwards (older ones, or these)."""
    if on_server(driver):  # one round trip when nothing was queued (search_server.py)
        cursor = driver.cursor()
        try:
            return search_server.refresh_own(cursor, after, OWN_ROWS_FOLDED)
        finally:
            cursor.close()
    count = queued(driver, after, OWN_ROWS_FOLDED + 1)
    if count > OWN_ROWS_FOLDED:
        return False, True
    if count:
        refresh(driver, after=after)
    return True, queued(driver, 0, 1) > 0


def refresh(driver: sqlite3.Connection | Any, *, after: int = 0, limit: int | None = None) -> int:
    """Fold queued rows into the indexes, inside the caller's transaction: those numbered
    above `after`, the `limit` oldest of them when given; the number of rows written. Nothing
    to do (one indexed read) when none is queued."""
    if on_server(driver):  # the same, as a team database writes it (search_server.py)
        cursor = driver.cursor()
        try:
            return search_server.refresh(cursor, after, limit)
        finally:
            cursor.close()
    cursor = driver.cursor()
    try:
        if limit is None:
            last = cursor.execute(
                "SELECT max(seq) FROM search_pending WHERE seq > ?", (after,)
            ).fetchone()[0]
        else:
            last = cursor.execute(
                "SELECT max(seq) FROM (SELECT seq FROM search_pending WHERE seq > ? "
                "ORDER BY seq LIMIT ?) AS q",
                (after, limit),
            ).fetchone()[0]
        if last is None:
            return 0
        batch = (after, last)
        pending_units = cursor.execute(_PENDING_UNITS, batch).fetchall()
        pending_annotations = cursor.execute(_PENDING_ANNOTATIONS, batch).fetchall()
        spans = _FoldedSpans(cursor)
        units = [(i, spans.get(doc, start, end)) for i, doc, start, end in pending_units]
        annotations = [
            (i, spans.get(doc, start, end), fold(note))
            for i, doc, start, end, note in pending_annotations
        ]
        sort_texts = [
            (i, spans.text(doc, start, end)) for i, doc, start, end, _ in pending_annotations
        ]
        _write_indexes(cursor, batch, units, annotations, sort_texts)
        return len(units) + len(annotations)
    finally:
        cursor.close()


def _write_indexes(
    cursor: Any,
    batch: tuple[int, int],
    units: list[tuple[int, str]],
    annotations: list[tuple[int, str, str]],
    sort_texts: list[tuple[int, str]],
) -> None:
    """Write the folded rows of `batch` into SQLite's FTS5 indexes and leave the queue."""
    cursor.executemany(
        "INSERT OR REPLACE INTO search_sort_text (annotation_id, text) VALUES (?, ?)", sort_texts
    )
    # the triggers already dropped the old index rows of what they queued; these deletes
    # (one statement each, no Python per row) make folding a row twice harmless
    for table, kind in _INDEXES:
        cursor.execute(
            f"DELETE FROM {table} WHERE rowid IN (SELECT id FROM search_pending p "
            f"WHERE +p.kind = '{kind}' AND {_BATCH})",
            batch,
        )
    cursor.executemany("INSERT INTO search_units (rowid, text) VALUES (?, ?)", units)
    cursor.executemany(
        "INSERT INTO search_annotations (rowid, text, note) VALUES (?, ?, ?)", annotations
    )
    cursor.executemany(
        "INSERT INTO search_notes (rowid, text) VALUES (?, ?)",
        [(a[0], a[2]) for a in annotations if a[2]],
    )
    cursor.execute("DELETE FROM search_pending WHERE seq > ? AND seq <= ?", batch)


def _marks(sql: str, server: bool) -> str:
    """`sql` written with `?` marks, in the marks of the connection's driver (psycopg: %s)."""
    return sql.replace("?", "%s") if server else sql


# --- a backlog, folded after the write that left it -----------------------------------------


def backlog(store: Store, at_most: int | None = None) -> int:
    """How many rows wait in the queue of `store`'s database (counted up to `at_most`)."""
    with store.read() as session:
        return queued(_driver(session), 0, at_most)


def fold_step(store: Store, rows: int = BATCH_ROWS, *, wait: bool = True) -> int | None:
    """Fold the `rows` oldest queued rows in one transaction of their own; the number folded
    (0: nothing was queued). Without `wait`, None at once when another connection holds the
    write lock (instead of waiting for it, as a write does), so that idle time never blocks."""
    try:
        with store.write(wait=wait) as session:
            return refresh(_driver(session), limit=rows)
    except Exception as exc:
        if not wait and is_busy(exc):
            return None
        raise


def fold_all(
    store: Store, rows: int = BATCH_ROWS, progress: Callable[[int], None] | None = None
) -> int:
    """Fold the whole backlog, `rows` per transaction; the number folded."""
    total = 0
    while True:
        done = fold_step(store, rows)
        if not done:
            return total
        total += done
        if progress is not None:
            progress(total)


def _driver(session: Any) -> Any:
    return session.connection().connection.driver_connection


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` (sqlite3's, or SQLAlchemy's around it) is SQLite's "database is locked",
    or a team database's write lock taken by another connection (lock_not_available)."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == "55P03":
        return True
    return isinstance(orig, sqlite3.OperationalError) and (
        getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or "locked" in str(orig)
    )


class _FoldedSpans:
    """The folded text of (document, start, end) spans: each document's text read once (not
    once per row, which reads the whole text from its overflow pages every time) and each
    distinct span folded once (many annotations share a sentence, and units are sentences)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._texts: dict[int, str] = {}
        self._folded: dict[tuple[int, int, int], str] = {}

    def text(self, document_id: int, start: int, end: int) -> str:
        """The span's text as stored (the same code points as SQL `substr`)."""
        text = self._texts.get(document_id)
        if text is None:
            row = self._cursor.execute(
                "SELECT text FROM documents WHERE id = ?", (document_id,)
            ).fetchone()
            text = self._texts[document_id] = row[0] if row is not None else ""
        return text[start:end]

    def get(self, document_id: int, start: int, end: int) -> str:
        """The span's folded text."""
        key = (document_id, start, end)
        folded = self._folded.get(key)
        if folded is None:
            folded = self._folded[key] = fold(self.text(document_id, start, end))
        return folded
