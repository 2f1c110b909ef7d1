"""Find in all documents (issue 16): full-text search over the text of every document and the
notes of every annotation, with the FTS5 indexes of migration 0004. No Qt.

Query syntax: words (all must occur in the sentence or note), "a phrase" (those words in that
order), prefix* (any word starting so; `"a phra"*` is a phrase whose last word is a prefix).
Matching is case- and accent-insensitive, Arabic harakat and tatweel included: the indexes hold
`folding.fold` of the text, and the query is folded the same way. Anything the analyst types
is turned into quoted FTS5 strings, so it never reaches FTS5 as syntax: no input raises an
SQL error; a query with nothing to search for is an InvalidValue with a message.

A team database (PostgreSQL, migration 0007) has the same indexes in its own form, folded by
the application in the same way: the same query finds the same hits there (search_server.py).

Results are grouped by document, in the order of the documents and of the sentences in them;
each hit carries the sentence (or note), the spans to highlight as code point offsets within
it, and the tags of the annotations over it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from annotator.core import search_server
from annotator.core.errors import InvalidValue
from annotator.core.folding import fold, folded_words, word_spans
from annotator.core.store import Store

__all__ = [
    "DocumentHits",
    "Hit",
    "SearchResults",
    "Term",
    "fts_expression",
    "highlights",
    "parse_query",
    "search",
]

DEFAULT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Term:
    """One part of a query: folded words that must follow each other; the last one matches
    as a prefix when `prefix`."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A sentence (kind "text": `start`/`end` its span in the document) or a note (kind "note":
    `start`/`end` the span of its annotation, `annotation_id` set) that matches. `text` is the
    sentence or the note, `spans` what to highlight in it (code point offsets into `text`)."""

    kind: Literal["text", "note"]
    document_id: int
    start: int
    end: int
    text: str
    spans: tuple[tuple[int, int], ...]
    tags: tuple[str, ...]
    unit_id: int | None = None
    annotation_id: int | None = None


@dataclass(frozen=True, slots=True)
class DocumentHits:
    document_id: int
    title: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    documents: tuple[DocumentHits, ...]
    hit_count: int
    truncated: bool  # more hits than `limit` matched; only the first ones are here


# --- the query ------------------------------------------------------------------------------


_words = word_spans
_folded_words = folded_words


def parse_query(query: str) -> tuple[Term, ...]:
    """The terms of `query`: "quoted phrases" (an unclosed quote runs to the end), words, and
    either with a trailing * for a prefix. Punctuation separates words, as in the index.
    Raises InvalidValue when nothing is left to search for."""
    terms: list[Term] = []
    index, size = 0, len(query)
    while index < size:
        ch = query[index]
        if ch.isspace():
            index += 1
            continue
        if ch == '"':
            close = query.find('"', index + 1)
            end = size if close < 0 else close
            raw = query[index + 1 : end]
            index = end + 1
            prefix = index < size and query[index] == "*"
            if prefix:
                index += 1
            words = _folded_words(raw)
            if words:
                terms.append(Term(tuple(words), prefix))
            continue
        end = index
        while end < size and not query[end].isspace() and query[end] != '"':
            end += 1
        raw = query[index:end]
        index = end
        prefix = raw.endswith("*")
        words = _folded_words(raw)
        # "e-mail" or "U.S." are several tokens in the index: a phrase of them
        if words:
            terms.append(Term(tuple(words), prefix))
    if not terms:
        if query.strip():
            raise InvalidValue(
                f'Nothing to search for in {query.strip()!r}: type a word, a "phrase" or a prefix*'
            )
        raise InvalidValue('Type a word, a "phrase" or a prefix* to search for')
    return tuple(terms)


def fts_expression(terms: tuple[Term, ...]) -> str:
    """An FTS5 MATCH expression for `terms`: each a quoted string (never syntax), all required."""
    parts = []
    for term in terms:
        quoted = '"' + " ".join(terms_word.replace('"', '""') for terms_word in term.words) + '"'
        parts.append(quoted + ("*" if term.prefix else ""))
    return " AND ".join(parts)


def highlights(text: str, terms: tuple[Term, ...]) -> tuple[tuple[int, int], ...]:
    """The spans of `text` (code point offsets) where a term matches, merged and in order."""
    tokens: list[tuple[int, int, str]] = []
    for start, end in _words(text):
        for word in _folded_words(text[start:end]):
            tokens.append((start, end, word))
    found: list[tuple[int, int]] = []
    for term in terms:
        size = len(term.words)
        for first in range(len(tokens) - size + 1):
            window = tokens[first : first + size]
            if all(
                token[2] == word or (term.prefix and i == size - 1 and token[2].startswith(word))
                for i, (token, word) in enumerate(zip(window, term.words, strict=True))
            ):
                found.append((window[0][0], window[-1][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


# --- the search -----------------------------------------------------------------------------

_UNITS = """
SELECT u.id, u.document_id, u.start, u."end", substr(d.text, u.start + 1, u."end" - u.start)
FROM search_units s JOIN units u ON u.id = s.rowid JOIN documents d ON d.id = u.document_id
WHERE search_units MATCH ? ORDER BY s.rowid LIMIT ?
"""
_NOTES = """
SELECT a.id, a.document_id, a.start, a."end", a.note
FROM search_notes s JOIN annotations a ON a.id = s.rowid
WHERE search_notes MATCH ? ORDER BY s.rowid LIMIT ?
"""
# rows queued for the indexes (search_index.py), in SQL both back ends read alike; their text
# is cut in Python, each document read once (SQL's substr would read the whole document once
# per row)
_PENDING_UNITS = """
SELECT u.id, u.document_id, u.start, u."end"
FROM search_pending p JOIN units u ON u.id = p.id WHERE p.kind = 'u'
"""
_PENDING_NOTES = """
SELECT a.id, a.document_id, a.start, a."end", a.note
FROM search_pending p JOIN annotations a ON a.id = p.id WHERE p.kind = 'a' AND a.note != ''
"""
# the tags of the annotations over each (document, start, end) given as JSON
_TAGS = """
WITH h(k, doc, s, e) AS (
  SELECT key, value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)
)
SELECT h.k, t.name FROM h
JOIN annotations a ON a.document_id = h.doc AND a.start < h.e AND a."end" > h.s
JOIN annotation_tags x ON x.annotation_id = a.id
JOIN tags t ON t.id = x.tag_id
GROUP BY h.k, t.id ORDER BY h.k, t.position, t.id
"""
_NOTE_TAGS = """
SELECT x.annotation_id, t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id
WHERE x.annotation_id IN (SELECT value FROM json_each(?)) ORDER BY t.position, t.id
"""


_TITLES = "SELECT id, title FROM documents WHERE id IN (SELECT value FROM json_each(?))"
_DOCUMENT_TEXT = "SELECT text FROM documents WHERE id = ?"


@dataclass(frozen=True, slots=True)
class _Reads:
    """The statements of a search, in one back end's SQL (its matches: `search`)."""

    pending_units: str
    pending_notes: str
    tags: str
    note_tags: str
    titles: str
    document_text: str


_SQLITE = _Reads(_PENDING_UNITS, _PENDING_NOTES, _TAGS, _NOTE_TAGS, _TITLES, _DOCUMENT_TEXT)
_SERVER = _Reads(
    _PENDING_UNITS,
    _PENDING_NOTES,
    search_server.TAGS,
    search_server.NOTE_TAGS,
    search_server.TITLES,
    search_server.DOCUMENT_TEXT,
)


def search(store: Store, query: str, limit: int = DEFAULT_LIMIT) -> SearchResults:
    """The sentences and notes that match `query`, grouped by document. At most `limit` of
    each kind. Raises InvalidValue for a query with nothing to search for.

    A team database (PostgreSQL) answers the same from its own indexes (search_server.py)."""
    terms = parse_query(query)
    reads = _SERVER if store.on_server else _SQLITE
    expression = search_server.tsquery(terms) if store.on_server else fts_expression(terms)
    if not expression:  # a word longer than any a team database indexes
        return SearchResults(query, (), 0, False)
    with store.read() as session:
        driver: Any = session.connection().connection.driver_connection
        cursor = driver.cursor()
        try:
            if store.on_server:
                units = search_server.first_units(cursor, expression, limit + 1)
                notes = search_server.first_notes(cursor, expression, limit + 1)
            else:
                units = cursor.execute(_UNITS, (expression, limit + 1)).fetchall()
                notes = cursor.execute(_NOTES, (expression, limit + 1)).fetchall()
            # rows not folded into the indexes yet: a bulk write's backlog (search_index.py)
            units += _pending_units(cursor, reads, terms, limit)
            notes += _pending_notes(cursor, reads, terms, limit)
            units.sort(key=lambda r: (r[1], r[2], r[0]))
            notes.sort(key=lambda r: (r[1], r[2], r[0]))
            truncated = len(units) > limit or len(notes) > limit
            units, notes = units[:limit], notes[:limit]
            spans = [[doc, start, end] for _id, doc, start, end, _text in units]
            unit_tags: dict[int, list[str]] = {}
            for key, name in cursor.execute(reads.tags, (json.dumps(spans),)).fetchall():
                unit_tags.setdefault(int(key), []).append(name)
            note_tags: dict[int, list[str]] = {}
            note_ids = json.dumps([row[0] for row in notes])
            for annotation_id, name in cursor.execute(reads.note_tags, (note_ids,)).fetchall():
                note_tags.setdefault(annotation_id, []).append(name)
            documents = sorted({row[1] for row in units} | {row[1] for row in notes})
            titles = dict(cursor.execute(reads.titles, (json.dumps(documents),)).fetchall())
        finally:
            cursor.close()
    by_document: dict[int, list[Hit]] = {doc: [] for doc in documents}
    for index, (unit_id, doc, start, end, text) in enumerate(units):
        by_document[doc].append(
            Hit(
                "text",
                doc,
                start,
                end,
                text,
                highlights(text, terms),
                tuple(unit_tags.get(index, ())),
                unit_id=unit_id,
            )
        )
    for annotation_id, doc, start, end, note in notes:
        by_document[doc].append(
            Hit(
                "note",
                doc,
                start,
                end,
                note,
                highlights(note, terms),
                tuple(note_tags.get(annotation_id, ())),
                annotation_id=annotation_id,
            )
        )
    grouped = tuple(
        DocumentHits(doc, titles.get(doc) or "", tuple(sorted(hits, key=_position)))
        for doc, hits in by_document.items()
    )
    return SearchResults(query, grouped, len(units) + len(notes), truncated)


def _matches(text: str, terms: tuple[Term, ...]) -> bool:
    return all(highlights(text, (term,)) for term in terms)


def _first_matches(
    rows: list[tuple[Any, ...]], terms: tuple[Term, ...], limit: int, text: Any
) -> list[tuple[Any, ...]]:
    """The first `limit` + 1 of `rows` (id, document, start, end, ...) in the order of the
    results whose `text(row)` matches `terms`: each row's folded text must contain every word
    (cheap) before the words are looked for as the index would; more than `limit` + 1 could
    never be shown, since the results are cut at `limit` after sorting."""
    rows.sort(key=lambda r: (r[1], r[2], r[0]))
    words = [word for term in terms for word in term.words]
    found: list[tuple[Any, ...]] = []
    for row in rows:
        content = text(row)
        folded = fold(content)
        if all(word in folded for word in words) and _matches(content, terms):
            found.append((*row[:4], content))
            if len(found) > limit:
                break
    return found


def _pending_units(
    cursor: Any, reads: _Reads, terms: tuple[Term, ...], limit: int
) -> list[tuple[Any, ...]]:
    rows = cursor.execute(reads.pending_units).fetchall()
    if not rows:
        return []
    texts: dict[int, str] = {}

    def sentence(row: tuple[Any, ...]) -> str:
        document = texts.get(row[1])
        if document is None:
            found = cursor.execute(reads.document_text, (row[1],))
            document = texts[row[1]] = (found.fetchone() or ("",))[0]
        return document[row[2] : row[3]]

    return _first_matches(rows, terms, limit, sentence)


def _pending_notes(
    cursor: Any, reads: _Reads, terms: tuple[Term, ...], limit: int
) -> list[tuple[Any, ...]]:
    rows = cursor.execute(reads.pending_notes).fetchall()
    return _first_matches(rows, terms, limit, lambda row: row[4]) if rows else []


def _position(hit: Hit) -> tuple[int, int, int]:
    return (hit.start, 0 if hit.kind == "text" else 1, hit.end)
