"""The search indexes of a team database (PostgreSQL, migration 0006), as search_index.py and
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

from annotator.core.folding import word_spans

if TYPE_CHECKING:
    from annotator.core.search import Term

MAX_WORD_BYTES = 2046  # PostgreSQL's longest lexeme

# queued rows of a batch (seq in (%s, %s]), as search_index.py folds them
_BATCH = "p.seq > %s AND p.seq <= %s"
PENDING_UNITS = (
    'SELECT u.id, u.document_id, u.start, u."end" FROM search_pending p '
    f"JOIN units u ON u.id = p.id WHERE p.kind = 'u' AND {_BATCH}"
)
PENDING_ANNOTATIONS = (
    'SELECT a.id, a.document_id, a.start, a."end", a.note FROM search_pending p '
    f"JOIN annotations a ON a.id = p.id WHERE p.kind = 'a' AND {_BATCH}"
)
# the batch leaves the queue and its rows' old index entries go, in one statement
_FORGET_BATCH = f"""
WITH b AS (DELETE FROM search_pending p WHERE {_BATCH} RETURNING kind, id),
u AS (DELETE FROM search_units WHERE id IN (SELECT id FROM b WHERE kind = 'u')),
n AS (DELETE FROM search_notes WHERE id IN (SELECT id FROM b WHERE kind = 'a'))
DELETE FROM search_annotations WHERE id IN (SELECT id FROM b WHERE kind = 'a')
"""


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


def write_indexes(
    cursor: Any,
    batch: tuple[int, int],
    units: list[tuple[int, str]],
    annotations: list[tuple[int, str, str]],
    sort_texts: list[tuple[int, str]],
) -> None:
    """Write the folded rows of `batch` (folded text, and note) into the indexes and leave the
    queue: one statement per table, the rows passed as arrays."""
    cursor.execute(_FORGET_BATCH, batch)
    if units:
        cursor.execute(
            "INSERT INTO search_units (id, words) "
            "SELECT * FROM unnest(%s::bigint[], %s::text[]::tsvector[])",
            ([i for i, _ in units], [tsvector(text) for _, text in units]),
        )
    if annotations:
        cursor.execute(
            "INSERT INTO search_annotations (id, text, note) "
            "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[])",
            ([a[0] for a in annotations], [a[1] for a in annotations], [a[2] for a in annotations]),
        )
        noted = [(a[0], tsvector(a[2])) for a in annotations if a[2]]
        if noted:
            cursor.execute(
                "INSERT INTO search_notes (id, words) "
                "SELECT * FROM unnest(%s::bigint[], %s::text[]::tsvector[])",
                ([i for i, _ in noted], [words for _, words in noted]),
            )
    if sort_texts:
        cursor.execute(
            "INSERT INTO search_sort_text (annotation_id, text) "
            "SELECT * FROM unnest(%s::bigint[], %s::text[]) "
            "ON CONFLICT (annotation_id) DO UPDATE SET text = excluded.text",
            ([i for i, _ in sort_texts], [text for _, text in sort_texts]),
        )


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


PENDING_UNITS_ALL = """
SELECT u.id, u.document_id, u.start, u."end"
FROM search_pending p JOIN units u ON u.id = p.id WHERE p.kind = 'u'
"""
PENDING_NOTES_ALL = """
SELECT a.id, a.document_id, a.start, a."end", a.note
FROM search_pending p JOIN annotations a ON a.id = p.id WHERE p.kind = 'a' AND a.note != ''
"""
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
