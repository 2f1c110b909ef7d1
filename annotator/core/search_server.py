"""The search indexes of a team database (PostgreSQL, migration 0007), as search_index.py and
search.py write and read them there. No Qt.

PostgreSQL runs no Python, and its own text search would not find what SQLite's does: its
parser cuts "e-mail" into "e-mail", "e" and "mail" and keeps "U.S." or "3.5" whole, and under
the C locale it takes no Arabic letter for a letter; its `lower` is not `casefold` ("ß", final
sigma). So the application folds the text (`folding.fold`) and splits it into words
(`folding.word_spans`, the words SQLite's unicode61 tokenizer makes) when a row is folded from
the queue, exactly as for SQLite, and stores the words with their positions as a `tsvector`
literal; a GIN index answers `@@`. A query becomes a `tsquery` literal of the same folded
words: `&` between terms, `<->` between a phrase's words, `:*` on a prefix. Neither literal
goes through a PostgreSQL parser or dictionary, so no input is ever syntax or a stop word.

Limits (PostgreSQL's): a word over 2,046 bytes is left out of the index (and of a query, as
nothing could match it), and positions stop at 16,383, so a phrase after the 16,383rd word of
a very long note is not found. Sentences never come near either.

The annotations table's free-text filter reads `search_annotations` (folded text and note, as
on SQLite) with `strpos`: a scan of short folded strings instead of FTS5's trigram index, which
PostgreSQL has only with the pg_trgm extension (not assumed: a server's administrator may not
be allowed to create it).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from annotator.core.folding import fold, word_spans

if TYPE_CHECKING:
    from annotator.core.search import Term

MAX_WORD_BYTES = 2046  # PostgreSQL's longest lexeme

# The oldest queued seq, and the rows queued after %s (at most %s of them, oldest first) with
# what folding them needs: one round trip, as a write's own rows are folded before every commit.
_ROWS = """
    SELECT p.seq, p.kind, p.id, coalesce(u.document_id, a.document_id) AS doc,
           coalesce(u.start, a.start) AS s, coalesce(u."end", a."end") AS e, a.note
    FROM search_pending p
    LEFT JOIN units u ON p.kind = 'u' AND u.id = p.id
    LEFT JOIN annotations a ON p.kind = 'a' AND a.id = p.id
    WHERE p.seq > %s ORDER BY p.seq LIMIT %s
"""
_QUEUED = f"""
SELECT (SELECT min(seq) FROM search_pending), (
  SELECT json_agg(json_build_array(q.seq, q.kind, q.id, q.doc, q.s, q.e, q.note) ORDER BY q.seq)
  FROM ({_ROWS}) q
)
"""
# The same, each row with its span's text as the server cuts it (code points, as Python's
# str): for a write's few own rows, so that folding them reads no document, which a 1 MB
# briefing would send whole for the sake of one sentence. Many rows read the documents once.
SPANS_INLINE = 4
_QUEUED_SPANS = f"""
SELECT (SELECT min(seq) FROM search_pending), (
  SELECT json_agg(json_build_array(q.seq, q.kind, q.id, q.doc, q.s, q.e, q.note,
                                   substr(d.text, q.s + 1, q.e - q.s)) ORDER BY q.seq)
  FROM ({_ROWS}) q LEFT JOIN documents d ON d.id = q.doc
)
"""
# The folded rows written and the batch (seq in (after, last]) leaving the queue, in one
# statement: an upsert makes folding a row twice harmless (the triggers dropped the index rows
# of what they queued); a note emptied since it was indexed leaves search_notes.
_WRITE = """
WITH gone AS ({gone}),
u AS (
  INSERT INTO search_units (id, words)
  SELECT * FROM unnest(%(unit_ids)s::bigint[], %(unit_words)s::text[]::tsvector[])
  ON CONFLICT (id) DO UPDATE SET words = excluded.words
),
a AS (
  INSERT INTO search_annotations (id, text, note)
  SELECT * FROM unnest(%(ids)s::bigint[], %(texts)s::text[], %(notes)s::text[])
  ON CONFLICT (id) DO UPDATE SET text = excluded.text, note = excluded.note
),
n AS (
  INSERT INTO search_notes (id, words)
  SELECT * FROM unnest(%(note_ids)s::bigint[], %(note_words)s::text[]::tsvector[])
  ON CONFLICT (id) DO UPDATE SET words = excluded.words
),
blank AS (DELETE FROM search_notes WHERE id = ANY(%(blank)s::bigint[]))
INSERT INTO search_sort_text (annotation_id, text)
SELECT * FROM unnest(%(ids)s::bigint[], %(sort_texts)s::text[])
ON CONFLICT (annotation_id) DO UPDATE SET text = excluded.text
"""
_WRITE_BATCH = _WRITE.format(
    gone="DELETE FROM search_pending WHERE seq > %(after)s AND seq <= %(last)s"
)

_TEXTS_BY_ID = "SELECT id, text FROM documents WHERE id = ANY(%s)"


def refresh(cursor: Any, after: int, limit: int | None) -> int:
    """Fold the `limit` oldest rows queued after `after` (all when None), inside the caller's
    transaction: search_index.refresh on a team database. The number of rows folded."""
    _oldest, rows = cursor.execute(_QUEUED, (after, limit)).fetchone()
    return _fold(cursor, after, rows or [])


def refresh_own(cursor: Any, after: int, at_most: int) -> tuple[bool, bool]:
    """Fold the rows queued after `after` (a transaction's own) if they are at most `at_most`:
    whether they were (else all are left queued), and whether rows stay queued (older ones, or
    these)."""
    oldest, rows = cursor.execute(_QUEUED_SPANS, (after, SPANS_INLINE + 1)).fetchone()
    rows = rows or []
    if len(rows) > SPANS_INLINE:  # more than a key press's: the documents read once
        oldest, rows = cursor.execute(_QUEUED, (after, at_most + 1)).fetchone()
    if len(rows) > at_most:
        return False, True
    _fold(cursor, after, rows)
    return True, oldest is not None and oldest <= after


def annotation_entries(text: str, note: str) -> tuple[str, str, str, str | None]:
    """What the indexes hold of an annotation over `text` with `note`: its folded text and
    note (search_annotations), its text as it sorts (search_sort_text) and its note's words
    (search_notes; None for no note: no row)."""
    return fold(text), fold(note), text, tsvector_of(note) if note else None


def _fold(cursor: Any, after: int, rows: list[list[Any]]) -> int:
    """Fold queued `rows` (_QUEUED's, or _QUEUED_SPANS' with each span's text) into the
    indexes and take the rows in (after, the last one's seq] out of the queue."""
    if not rows:
        return 0
    inline = len(rows[0]) > 7
    documents = [] if inline else sorted({row[3] for row in rows if row[3] is not None})
    texts = dict(cursor.execute(_TEXTS_BY_ID, (documents,)).fetchall()) if documents else {}
    spans: dict[tuple[int, int, int], str] = {}

    def span_text(row: list[Any]) -> str:
        return str(row[7] or "") if inline else texts.get(row[3], "")[row[4] : row[5]]

    def folded(row: list[Any]) -> str:
        key = (row[3], row[4], row[5])
        found = spans.get(key)
        if found is None:
            found = spans[key] = tsvector_of(span_text(row))
        return found

    unit_ids: list[int] = []
    unit_words: list[str] = []
    ids: list[int] = []
    sort_texts: list[str] = []
    texts_folded: list[str] = []
    notes: list[str] = []
    note_ids: list[int] = []
    note_words: list[str] = []
    blank: list[int] = []
    for row in rows:
        _seq, kind, row_id, doc, _start, _end, note = row[:7]
        if doc is None:  # gone since it was queued (its delete trigger unqueues it too)
            continue
        if kind == "u":
            unit_ids.append(row_id)
            unit_words.append(folded(row))
            continue
        folded_text, folded_note, sort_text, words = annotation_entries(span_text(row), note)
        ids.append(row_id)
        sort_texts.append(sort_text)
        texts_folded.append(folded_text)
        notes.append(folded_note)
        if words is not None:
            note_ids.append(row_id)
            note_words.append(words)
        else:
            blank.append(row_id)
    cursor.execute(
        _WRITE_BATCH,
        {
            "after": after,
            "last": rows[-1][0],
            "unit_ids": unit_ids,
            "unit_words": unit_words,
            "ids": ids,
            "texts": texts_folded,
            "notes": notes,
            "sort_texts": sort_texts,
            "note_ids": note_ids,
            "note_words": note_words,
            "blank": blank,
        },
    )
    return len(rows)


def tsvector_of(text: str) -> str:
    """The `tsvector` literal of `text` as stored: its folded words."""
    return tsvector(fold(text))


def _lexeme(word: str) -> str:
    """`word` quoted for a tsvector or tsquery literal (quotes doubled, backslashes escaped)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _fits(word: str) -> bool:
    return len(word.encode("utf-8")) <= MAX_WORD_BYTES


def tsvector(folded: str) -> str:
    """The `tsvector` literal of already folded text: each word with its positions (from 1)."""
    positions: dict[str, list[str]] = {}
    for number, (start, end) in enumerate(word_spans(folded), 1):
        word = folded[start:end]
        if _fits(word):
            positions.setdefault(word, []).append(str(min(number, 16383)))
    return " ".join(f"{_lexeme(word)}:{','.join(where)}" for word, where in positions.items())


def tsquery(terms: tuple[Term, ...]) -> str:
    """The `tsquery` literal of parsed terms (search.parse_query): every term required, a
    phrase's words in order, a prefix term's last word a prefix. '' when a word is too long to
    be indexed (nothing can match)."""
    parts = []
    for term in terms:
        if not all(_fits(word) for word in term.words):
            return ""
        words = [_lexeme(word) for word in term.words]
        if term.prefix:
            words[-1] += ":*"
        parts.append(" <-> ".join(words) if len(words) == 1 else f"({' <-> '.join(words)})")
    return " & ".join(parts)


# --- what search.py reads -------------------------------------------------------------------

# Sentences (or notes) read in id order before a query is taken for a rare one.
FIRST_ROWS = 20_000
# The first matches by id, without their text. A GIN index finds every match but in no order:
# for a common word sorting them all takes long (0.4 s for a word in 116,226 sentences of
# 676,151), and reading the table in id order stops at the `limit`th match instead (2-4 ms);
# but for a rare word that reads every row's tsvector (0.3 s for a word in 22 sentences). So
# the first FIRST_ROWS rows are read in id order; when they hold fewer than `limit` matches the
# query is a rare one, and the index finds all its matches, then sorted (`id + 0`: not in id
# order). PostgreSQL's own guess of which is which misses words it has no statistics for.
_ORDERED = """
SELECT s.id FROM (SELECT id, words FROM {index} ORDER BY id LIMIT {rows}) s
WHERE s.words @@ %s::tsquery ORDER BY s.id LIMIT %s
"""
_INDEXED = "SELECT id FROM {index} WHERE words @@ %s::tsquery ORDER BY id + 0 LIMIT %s"
_ROWS = "SELECT {columns} FROM {table} x WHERE x.id = ANY(%s) ORDER BY x.id"


def _first(cursor: Any, index: str, table: str, columns: str, expression: str, limit: int) -> Any:
    sql = _ORDERED.format(index=index, rows=FIRST_ROWS)
    ids = [row[0] for row in cursor.execute(sql, (expression, limit)).fetchall()]
    if len(ids) < limit:  # a rare match in the first rows: the index finds them all
        sql = _INDEXED.format(index=index)
        ids = [row[0] for row in cursor.execute(sql, (expression, limit)).fetchall()]
    if not ids:
        return []
    return cursor.execute(_ROWS.format(columns=columns, table=table), (ids,)).fetchall()


def first_units(cursor: Any, expression: str, limit: int) -> list[tuple[Any, ...]]:
    """The first `limit` units (by id) whose words match the tsquery `expression`: (id,
    document, start, end, sentence), each document's text read once (PostgreSQL would cut
    each sentence out of its compressed document anew)."""
    rows = _first(
        cursor, "search_units", "units", 'x.id, x.document_id, x.start, x."end"', expression, limit
    )
    return cut_sentences(cursor, rows)


def first_notes(cursor: Any, expression: str, limit: int) -> list[tuple[Any, ...]]:
    """The first `limit` annotations (by id) whose note matches: (id, document, start, end,
    note)."""
    columns = 'x.id, x.document_id, x.start, x."end", x.note'
    return list(_first(cursor, "search_notes", "annotations", columns, expression, limit))


TAGS = """
WITH h(k, doc, s, e) AS (
  SELECT (j.i - 1)::int, (j.v ->> 0)::bigint, (j.v ->> 1)::int, (j.v ->> 2)::int
  FROM json_array_elements(%s::json) WITH ORDINALITY AS j(v, i)
)
SELECT h.k, t.name FROM h
JOIN annotations a ON a.document_id = h.doc AND a.start < h.e AND a."end" > h.s
JOIN annotation_tags x ON x.annotation_id = a.id
JOIN tags t ON t.id = x.tag_id
GROUP BY h.k, t.id, t.name, t.position ORDER BY h.k, t.position, t.id
"""
NOTE_TAGS = """
SELECT x.annotation_id, t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id
WHERE x.annotation_id IN (SELECT value::bigint FROM json_array_elements_text(%s::json))
ORDER BY t.position, t.id
"""
TITLES = """
SELECT id, title FROM documents
WHERE id IN (SELECT value::bigint FROM json_array_elements_text(%s::json))
"""
DOCUMENT_TEXT = "SELECT text FROM documents WHERE id = %s"
_TEXTS = """
SELECT id, text FROM documents
WHERE id IN (SELECT value::bigint FROM json_array_elements_text(%s::json))
"""


def cut_sentences(cursor: Any, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """`rows` of (id, document, start, end) with each one's text added, each document's text
    read once."""
    if not rows:
        return []
    documents = sorted({row[1] for row in rows})
    texts = dict(cursor.execute(_TEXTS, (json.dumps(documents),)).fetchall())
    return [(*row[:4], texts.get(row[1], "")[row[2] : row[3]]) for row in rows]
