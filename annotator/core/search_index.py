"""Writing the search indexes of migration 0004 (issue 16).

The triggers queue every changed unit and annotation in `search_pending` and drop its old index
rows; `refresh` folds the queued rows' text (folding.fold) into the indexes. The store calls it
before each commit of `Store.write`, after an upgrade and when it opens a writable database,
so the queue is empty in normal use; rows written by another client (a hand edit) wait there
until then, and the readers (search.py, annotation_table.py) read them directly meanwhile.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from annotator.core.folding import fold

_UNIT_TEXT = 'substr(d.text, {t}.start + 1, {t}."end" - {t}.start)'

_PENDING_UNITS = (
    f"SELECT u.id, {_UNIT_TEXT.format(t='u')} FROM search_pending p "
    "JOIN units u ON u.id = p.id JOIN documents d ON d.id = u.document_id WHERE p.kind = 'u'"
)
_PENDING_ANNOTATIONS = (
    f"SELECT a.id, {_UNIT_TEXT.format(t='a')}, a.note FROM search_pending p "
    "JOIN annotations a ON a.id = p.id JOIN documents d ON d.id = a.document_id "
    "WHERE p.kind = 'a'"
)


def has_index(driver: Any) -> bool:
    """Whether the database behind the DB-API connection `driver` has the search indexes."""
    row = driver.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_pending'"
    ).fetchone()
    return row is not None


def refresh(driver: sqlite3.Connection | Any) -> int:
    """Fold the queued rows into the indexes, inside the caller's transaction; the number of
    rows written. Nothing to do (one indexed read) when the queue is empty."""
    cursor = driver.cursor()
    try:
        if cursor.execute("SELECT EXISTS (SELECT 1 FROM search_pending)").fetchone()[0] == 0:
            return 0
        units = [(i, fold(text)) for i, text in cursor.execute(_PENDING_UNITS)]
        annotations = [
            (i, fold(text), fold(note)) for i, text, note in cursor.execute(_PENDING_ANNOTATIONS)
        ]
        for table in ("search_units",):
            cursor.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(u[0],) for u in units])
        for table in ("search_annotations", "search_notes"):
            cursor.executemany(
                f"DELETE FROM {table} WHERE rowid = ?", [(a[0],) for a in annotations]
            )
        cursor.executemany("INSERT INTO search_units (rowid, text) VALUES (?, ?)", units)
        cursor.executemany(
            "INSERT INTO search_annotations (rowid, text, note) VALUES (?, ?, ?)", annotations
        )
        cursor.executemany(
            "INSERT INTO search_notes (rowid, text) VALUES (?, ?)",
            [(a[0], a[2]) for a in annotations if a[2]],
        )
        cursor.execute("DELETE FROM search_pending")
        return len(units) + len(annotations)
    finally:
        cursor.close()
