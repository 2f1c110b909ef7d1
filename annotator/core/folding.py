"""Case- and accent-insensitive text (issue 16), its SQL function, and its words.

`fold` is the one folding of the application: the annotations table's free-text filter and the
full-text index (migration 0004) both store and compare folded text. Every connection to a
database gets it as the SQL function `annotator_fold` (connections.py), because the triggers
that keep the search indexes (search_units, search_notes, search_annotations) call it.

`word_spans` splits text into words as SQLite's unicode61 tokenizer does (FTS5, migration
0004): Find in All Documents parses queries and highlights hits with it, and a team database
(PostgreSQL, migration 0007) indexes exactly these words of the folded text.
"""

from __future__ import annotations

import re
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


_ALNUM = re.compile(r"[^\W_]+")  # letters and numbers (str.isalnum), as unicode61 sees them


def _joins(ch: str) -> bool:
    """A character that stays inside a word without being a letter or number: combining
    marks (accents, harakat: folded away) and private use characters (unicode61 keeps them)."""
    category = unicodedata.category(ch)
    return category[0] == "M" or category == "Co"


def word_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each word in `text`: runs of letters and numbers, joined across
    combining marks ("كَتَبَ" is one word) and carrying the marks that end them."""
    if text.isascii():  # no marks to join across: the runs themselves (most English text)
        return [match.span() for match in _ALNUM.finditer(text)]
    size = len(text)
    runs: list[tuple[int, int]] = []
    for match in _ALNUM.finditer(text):
        start, end = match.span()
        # (an ASCII character never joins: most gaps are a space, decided without a lookup)
        if runs:
            gap = runs[-1][1]
            if gap == start or (text[gap] > "\x7f" and all(_joins(ch) for ch in text[gap:start])):
                start = runs.pop()[0]
        while end < size and text[end] > "\x7f" and _joins(text[end]):
            end += 1
        runs.append((start, end))
    return runs


def folded_words(text: str) -> list[str]:
    """The words of `fold(text)`, in order."""
    folded = fold(text)
    return [folded[s:e] for s, e in word_spans(folded)]
