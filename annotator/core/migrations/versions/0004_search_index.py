"""Full-text search indexes (issue 16).

- search_units: the folded text of every unit (sentence), FTS5 word index (unicode61), rowid =
  units.id. Find in all documents searches it.
- search_notes: the folded note of every annotation with a note, same tokenizer, rowid =
  annotations.id.
- search_annotations: the folded annotated text and note of every annotation, FTS5 trigram
  index (case_sensitive: the text is already folded), rowid = annotations.id: the annotations
  table's free-text filter, a substring match.
- search_sort_text: the annotated text of every annotation as stored (not folded), with an
  index, so that the annotations table sorts by text without cutting 100,000 substrings;
  written with the indexes from the queue (a trigger cutting it would read the whole document
  text once per inserted annotation: seconds in a merge of 100,000).
- search_pending: the units ('u') and annotations ('a') whose index rows are still to be
  written, each once (UNIQUE kind, id), numbered in the order they were queued (`seq`, the
  rowid): a transaction folds the rows numbered after the highest it saw when it began, i.e.
  its own, and leaves an older backlog (a merge's) to be folded in batches (search_index.py).

The indexes hold `folding.fold` of the text, so that Arabic harakat, tatweel and accents never
split or change a token (unicode61 alone treats a combining mark as a separator: "كَتَبَ" would
become three tokens). They store their own folded copy: a unit has no text column of its own.

Triggers keep them right on every write of units, annotations and document text, whoever
writes (the app, a merge inside SQLite, a removal and its undo, a hand edit with the sqlite3
shell): they delete the changed rows' index entries and queue the rows in search_pending,
using no application function, so any SQLite client can still write the database. The
application folds the rows a transaction queued before it commits when they are few, and a
larger backlog (a merge, an import) afterwards in short transactions (search_index.py); until
then a search reads the queued rows directly.

On PostgreSQL (a team database) this revision creates nothing: FTS5 is SQLite's. There the
annotations table filters by text with a scan (annotation_table.py) and Find in All Documents
asks for a local database (gui/search_panel.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = {
    "search_units": "text, tokenize = 'unicode61 remove_diacritics 2'",
    "search_notes": "text, tokenize = 'unicode61 remove_diacritics 2'",
    "search_annotations": "text, note, tokenize = 'trigram case_sensitive 1'",
}

_QUEUE = "INSERT OR IGNORE INTO search_pending (kind, id) VALUES ('{kind}', new.id)"
_FORGET_UNIT = "DELETE FROM search_units WHERE rowid = old.id"
_FORGET_ANNOTATION = (
    "DELETE FROM search_annotations WHERE rowid = old.id; "
    "DELETE FROM search_notes WHERE rowid = old.id"
)

_FORGET_SORT_TEXT = "DELETE FROM search_sort_text WHERE annotation_id = old.id"

TRIGGERS = {
    "search_units_insert": f"AFTER INSERT ON units BEGIN {_QUEUE.format(kind='u')}; END",
    "search_units_delete": (
        f"AFTER DELETE ON units BEGIN {_FORGET_UNIT}; "
        "DELETE FROM search_pending WHERE kind = 'u' AND id = old.id; END"
    ),
    "search_units_update": (
        'AFTER UPDATE OF id, document_id, start, "end" ON units BEGIN '
        f"{_FORGET_UNIT}; {_QUEUE.format(kind='u')}; END"
    ),
    "search_annotations_insert": (
        f"AFTER INSERT ON annotations BEGIN {_QUEUE.format(kind='a')}; END"
    ),
    "search_annotations_delete": (
        f"AFTER DELETE ON annotations BEGIN {_FORGET_ANNOTATION}; "
        f"{_FORGET_SORT_TEXT}; DELETE FROM search_pending WHERE kind = 'a' AND id = old.id; END"
    ),
    "search_annotations_update": (
        'AFTER UPDATE OF id, document_id, start, "end", note ON annotations BEGIN '
        f"{_FORGET_ANNOTATION}; {_FORGET_SORT_TEXT}; {_QUEUE.format(kind='a')}; END"
    ),
    "search_documents_update": (
        "AFTER UPDATE OF text ON documents BEGIN "
        "DELETE FROM search_units WHERE rowid IN "
        "(SELECT id FROM units WHERE document_id = new.id); "
        "DELETE FROM search_annotations WHERE rowid IN "
        "(SELECT id FROM annotations WHERE document_id = new.id); "
        "DELETE FROM search_notes WHERE rowid IN "
        "(SELECT id FROM annotations WHERE document_id = new.id); "
        "INSERT OR IGNORE INTO search_pending (kind, id) "
        "SELECT 'u', id FROM units WHERE document_id = new.id; "
        "INSERT OR IGNORE INTO search_pending (kind, id) "
        "SELECT 'a', id FROM annotations WHERE document_id = new.id; "
        "DELETE FROM search_sort_text WHERE annotation_id IN "
        "(SELECT id FROM annotations WHERE document_id = new.id); END"
    ),
}


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return  # FTS5 is SQLite's: a team database (PostgreSQL) has no search indexes
    op.execute(
        "CREATE TABLE search_pending (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
        "id INTEGER NOT NULL, UNIQUE (kind, id))"
    )
    op.execute(
        "CREATE TABLE search_sort_text (annotation_id INTEGER PRIMARY KEY, text TEXT NOT NULL)"
    )
    op.execute("CREATE INDEX search_sort_text_ix ON search_sort_text (text, annotation_id)")
    for name, spec in TABLES.items():
        op.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({spec})")
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    # every row already there is queued; the store folds them right after the upgrade
    op.execute("INSERT INTO search_pending (kind, id) SELECT 'u', id FROM units")
    op.execute("INSERT INTO search_pending (kind, id) SELECT 'a', id FROM annotations")


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in (*TABLES, "search_pending", "search_sort_text"):
        op.execute(f"DROP TABLE IF EXISTS {name}")
