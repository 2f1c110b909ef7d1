"""Writing the search indexes of migration 0004 (issue 16).

The triggers queue every changed unit and annotation in `search_pending` and drop its old index
rows; `refresh` folds the queued rows' text (folding.fold) into the indexes and copies the
annotations' text into `search_sort_text`, reading each document's text once and folding each
distinct span once (a merge of 100,000 annotations queues them all: issue 15's merge goal).
The store calls it before each commit of `Store.write`, after an upgrade and when it opens a
writable database, so the queue is empty in normal use; rows written by another client (a hand
edit) wait there until then, and the readers (search.py, annotation_table.py) read them
directly meanwhile.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from annotator.core.folding import fold

_PENDING_UNITS = (
    'SELECT u.id, u.document_id, u.start, u."end" FROM search_pending p '
    "JOIN units u ON u.id = p.id WHERE p.kind = 'u'"
)
_PENDING_ANNOTATIONS = (
    'SELECT a.id, a.document_id, a.start, a."end", a.note FROM search_pending p '
    "JOIN annotations a ON a.id = p.id WHERE p.kind = 'a'"
)

_INDEXES = (("search_units", "u"), ("search_annotations", "a"), ("search_notes", "a"))


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
        pending_units = cursor.execute(_PENDING_UNITS).fetchall()
        pending_annotations = cursor.execute(_PENDING_ANNOTATIONS).fetchall()
        spans = _FoldedSpans(cursor)
        units = [(i, spans.get(doc, start, end)) for i, doc, start, end in pending_units]
        annotations = [
            (i, spans.get(doc, start, end), fold(note))
            for i, doc, start, end, note in pending_annotations
        ]
        cursor.executemany(
            "INSERT OR REPLACE INTO search_sort_text (annotation_id, text) VALUES (?, ?)",
            [(i, spans.text(doc, start, end)) for i, doc, start, end, _ in pending_annotations],
        )
        # the triggers already dropped the old index rows of what they queued; these deletes
        # (one statement each, no Python per row) only guard against a row indexed twice
        for table, kind in _INDEXES:
            cursor.execute(
                f"DELETE FROM {table} WHERE rowid IN "
                f"(SELECT id FROM search_pending WHERE kind = '{kind}')"
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
