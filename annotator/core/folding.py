"""Case- and accent-insensitive text (issue 16), and its SQL function.

`fold` is the one folding of the application: the annotations table's free-text filter and the
full-text index (migration 0004) both store and compare folded text. Every connection to a
database gets it as the SQL function `annotator_fold` (connections.py), because the triggers
that keep the search indexes (search_units, search_notes, search_annotations) call it.
"""

from __future__ import annotations

import sqlite3
import unicodedata

FOLD_FUNCTION = "annotator_fold"
_TATWEEL = "\u0640"


def fold(text: str | None) -> str:
    """`text` for case- and accent-insensitive matching: compatibility-decomposed, combining
    marks (accents, Arabic harakat) and tatweel dropped, casefolded."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch != _TATWEEL)
    return kept.casefold()


def register_fold(connection: sqlite3.Connection) -> None:
    """Make `annotator_fold(text)` callable in SQL (and so in the index triggers)."""
    connection.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)
