"""Full-text search indexes, kept by triggers (issue 16).

- search_units: the folded text of every unit (sentence), FTS5 word index (unicode61), rowid =
  units.id. Find in all documents searches it.
- search_notes: the folded note of every annotation with a note, same tokenizer, rowid =
  annotations.id.
- search_annotations: the folded annotated text and note of every annotation, FTS5 trigram
  index, rowid = annotations.id: the annotations table's free-text filter (a substring match).

The indexes hold `annotator_fold` of the text (folding.py; every connection registers it), so
that Arabic harakat, tatweel and accents never split or change a token: unicode61 alone treats a
combining mark as a separator ("كَتَبَ" would become three tokens). They store their own copy
of the folded text: units have no text column (a unit is a span of its document's text), so an
external-content table could not be read back.

Triggers fill them on every write of units, annotations and document text, so no write path
(ops, imports, merges inside SQLite, removal and its undo) can forget them; deleting a document
cascades to its units and annotations, whose delete triggers then run.

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

_UNIT_TEXT = (
    "annotator_fold(substr(d.text, {u}.start + 1, {u}.\"end\" - {u}.start))"
)
_INSERT_UNIT = (
    "INSERT INTO search_units(rowid, text) SELECT {u}.id, "
    + _UNIT_TEXT
    + " FROM documents d WHERE d.id = {u}.document_id"
)
_INSERT_NOTE = (
    "INSERT INTO search_notes(rowid, text) SELECT {a}.id, annotator_fold({a}.note) "
    "WHERE coalesce({a}.note, '') != ''"
)
_INSERT_ANNOTATION = (
    "INSERT INTO search_annotations(rowid, text, note) SELECT {a}.id, "
    + _UNIT_TEXT.replace("{u}", "{a}")
    + ", annotator_fold({a}.note) FROM documents d WHERE d.id = {a}.document_id"
)

TABLES = {
    "search_units": "text, tokenize = 'unicode61 remove_diacritics 2'",
    "search_notes": "text, tokenize = 'unicode61 remove_diacritics 2'",
    "search_annotations": "text, note, tokenize = 'trigram'",
}

TRIGGERS = {
    "search_units_insert": (
        "AFTER INSERT ON units BEGIN " + _INSERT_UNIT.format(u="new") + "; END"
    ),
    "search_units_delete": (
        "AFTER DELETE ON units BEGIN DELETE FROM search_units WHERE rowid = old.id; END"
    ),
    "search_units_update": (
        'AFTER UPDATE OF id, document_id, start, "end" ON units BEGIN '
        "DELETE FROM search_units WHERE rowid = old.id; " + _INSERT_UNIT.format(u="new") + "; END"
    ),
    "search_annotations_insert": (
        "AFTER INSERT ON annotations BEGIN "
        + _INSERT_ANNOTATION.format(a="new")
        + "; "
        + _INSERT_NOTE.format(a="new")
        + "; END"
    ),
    "search_annotations_delete": (
        "AFTER DELETE ON annotations BEGIN "
        "DELETE FROM search_annotations WHERE rowid = old.id; "
        "DELETE FROM search_notes WHERE rowid = old.id; END"
    ),
    "search_annotations_update": (
        'AFTER UPDATE OF id, document_id, start, "end", note ON annotations BEGIN '
        "DELETE FROM search_annotations WHERE rowid = old.id; "
        "DELETE FROM search_notes WHERE rowid = old.id; "
        + _INSERT_ANNOTATION.format(a="new")
        + "; "
        + _INSERT_NOTE.format(a="new")
        + "; END"
    ),
    "search_documents_update": (
        "AFTER UPDATE OF text ON documents BEGIN "
        "DELETE FROM search_units WHERE rowid IN "
        "(SELECT id FROM units WHERE document_id = new.id); "
        "DELETE FROM search_annotations WHERE rowid IN "
        "(SELECT id FROM annotations WHERE document_id = new.id); "
        "INSERT INTO search_units(rowid, text) SELECT u.id, "
        + _UNIT_TEXT.format(u="u")
        + " FROM units u JOIN documents d ON d.id = u.document_id WHERE u.document_id = new.id; "
        "INSERT INTO search_annotations(rowid, text, note) SELECT a.id, "
        + _UNIT_TEXT.format(u="a")
        + ", annotator_fold(a.note) FROM annotations a JOIN documents d "
        "ON d.id = a.document_id WHERE a.document_id = new.id; END"
    ),
}


def upgrade() -> None:
    for name, spec in TABLES.items():
        op.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({spec})")
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    # fill them for the rows already there
    op.execute(
        "INSERT INTO search_units(rowid, text) SELECT u.id, "
        + _UNIT_TEXT.format(u="u")
        + " FROM units u JOIN documents d ON d.id = u.document_id"
    )
    op.execute(
        "INSERT INTO search_notes(rowid, text) SELECT a.id, annotator_fold(a.note) "
        "FROM annotations a WHERE coalesce(a.note, '') != ''"
    )
    op.execute(
        "INSERT INTO search_annotations(rowid, text, note) SELECT a.id, "
        + _UNIT_TEXT.format(u="a")
        + ", annotator_fold(a.note) FROM annotations a JOIN documents d ON d.id = a.document_id"
    )


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {name}")
