"""Search indexes on a team database (issue 17): Find in All Documents and the annotations
table's free-text filter on PostgreSQL.

The tables of migration 0004, in PostgreSQL's form, kept the same way:
- search_units (id = units.id, words): the folded words of every unit with their positions, a
  `tsvector` written by the application (search_server.py), GIN-indexed;
- search_notes (id = annotations.id, words): the same of every non-empty note;
- search_annotations (id, text, note): the folded annotated text and note of every annotation
  (the table's free-text filter scans them: no trigram index without pg_trgm);
- search_sort_text (annotation_id, text): the annotated text as stored, indexed, for sorting;
- search_pending (seq, kind, id): the units ('u') and annotations ('a') still to be folded,
  each once, numbered in the order queued.

Triggers in PL/pgSQL (no extension, nothing that needs a superuser) drop the index rows of
changed units, annotations and document texts and queue them, whoever writes: the application
folds what its own transaction queued before it commits, and a bulk write's backlog later
(search_index.py). The insert and delete triggers of units and annotations run once per
statement over its transition table, so a bulk insert of 100,000 rows queues them in one
statement; an update queues a row only when its span or note changed (a row trigger whose
WHEN clause PostgreSQL checks itself: a review status or a modification time costs nothing).

Nothing here announces itself on `annotator_changes`: the index follows the tables whose own
changes are announced (migrations/postgres.py), and folding a backlog changes no answer.

Every existing unit and annotation is queued; the store folds them right after the upgrade.
Where `annotator server init` made the group roles already, they get the writes their
members' triggers and folding need (server_roles.py grants them to a new database).

On SQLite this revision does nothing: migration 0004 made the FTS5 indexes there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from annotator.core.migrations import postgres

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = (
    "CREATE TABLE search_pending (seq bigserial PRIMARY KEY, kind text NOT NULL, "
    "id bigint NOT NULL, UNIQUE (kind, id))",
    "CREATE TABLE search_units (id bigint PRIMARY KEY, words tsvector NOT NULL)",
    "CREATE INDEX search_units_words ON search_units USING gin (words)",
    "CREATE TABLE search_notes (id bigint PRIMARY KEY, words tsvector NOT NULL)",
    "CREATE INDEX search_notes_words ON search_notes USING gin (words)",
    "CREATE TABLE search_annotations (id bigint PRIMARY KEY, text text NOT NULL, "
    "note text NOT NULL)",
    "CREATE TABLE search_sort_text (annotation_id bigint PRIMARY KEY, text text NOT NULL)",
    "CREATE INDEX search_sort_text_ix ON search_sort_text (text, annotation_id)",
)
SEARCH_TABLES = (
    "search_pending",
    "search_units",
    "search_notes",
    "search_annotations",
    "search_sort_text",
)

_FORGET_UNITS = """
    DELETE FROM search_units WHERE id IN (SELECT id FROM {rows});
"""
_FORGET_ANNOTATIONS = """
    DELETE FROM search_annotations WHERE id IN (SELECT id FROM {rows});
    DELETE FROM search_notes WHERE id IN (SELECT id FROM {rows});
    DELETE FROM search_sort_text WHERE annotation_id IN (SELECT id FROM {rows});
"""
_QUEUE = """
    INSERT INTO search_pending (kind, id) SELECT '{kind}', id FROM {rows} ORDER BY id
    ON CONFLICT DO NOTHING;
"""
_UNQUEUE = """
    DELETE FROM search_pending WHERE kind = '{kind}' AND id IN (SELECT id FROM {rows});
"""


def _function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body}\n    RETURN NULL;\nEND $$"
    )


# an update that moved a row (or changed its note): its old index rows go, the new one queued
_MOVED = """
    {forget}
    IF NEW.id <> OLD.id THEN
        DELETE FROM search_pending WHERE kind = '{kind}' AND id = OLD.id;
    END IF;
    INSERT INTO search_pending (kind, id) VALUES ('{kind}', NEW.id) ON CONFLICT DO NOTHING;
"""

FUNCTIONS = {
    "annotator_search_units_added": _QUEUE.format(kind="u", rows="new_rows"),
    "annotator_search_units_removed": _FORGET_UNITS.format(rows="old_rows")
    + _UNQUEUE.format(kind="u", rows="old_rows"),
    "annotator_search_unit_moved": _MOVED.format(
        kind="u", forget="DELETE FROM search_units WHERE id = OLD.id;"
    ),
    "annotator_search_annotations_added": _QUEUE.format(kind="a", rows="new_rows"),
    "annotator_search_annotations_removed": _FORGET_ANNOTATIONS.format(rows="old_rows")
    + _UNQUEUE.format(kind="a", rows="old_rows"),
    "annotator_search_annotation_moved": _MOVED.format(
        kind="a",
        forget="DELETE FROM search_annotations WHERE id = OLD.id; "
        "DELETE FROM search_notes WHERE id = OLD.id; "
        "DELETE FROM search_sort_text WHERE annotation_id = OLD.id;",
    ),
    # a document's text changed (never done by the application; a hand edit): all its rows
    "annotator_search_document_changed": """
    DELETE FROM search_units WHERE id IN (SELECT id FROM units WHERE document_id = NEW.id);
    DELETE FROM search_annotations
        WHERE id IN (SELECT id FROM annotations WHERE document_id = NEW.id);
    DELETE FROM search_notes WHERE id IN (SELECT id FROM annotations WHERE document_id = NEW.id);
    DELETE FROM search_sort_text
        WHERE annotation_id IN (SELECT id FROM annotations WHERE document_id = NEW.id);
    INSERT INTO search_pending (kind, id)
        SELECT 'u', id FROM units WHERE document_id = NEW.id ORDER BY id ON CONFLICT DO NOTHING;
    INSERT INTO search_pending (kind, id)
        SELECT 'a', id FROM annotations WHERE document_id = NEW.id ORDER BY id
        ON CONFLICT DO NOTHING;
""",
}

TRIGGERS = {
    "search_units_added": "AFTER INSERT ON units REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION annotator_search_units_added()",
    "search_units_removed": "AFTER DELETE ON units REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION annotator_search_units_removed()",
    "search_units_changed": 'AFTER UPDATE OF id, document_id, start, "end" ON units '
    'FOR EACH ROW WHEN ((OLD.id, OLD.document_id, OLD.start, OLD."end") IS DISTINCT FROM '
    '(NEW.id, NEW.document_id, NEW.start, NEW."end")) '
    "EXECUTE FUNCTION annotator_search_unit_moved()",
    "search_annotations_added": "AFTER INSERT ON annotations REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION annotator_search_annotations_added()",
    "search_annotations_removed": "AFTER DELETE ON annotations "
    "REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION annotator_search_annotations_removed()",
    "search_annotations_changed": 'AFTER UPDATE OF id, document_id, start, "end", note '
    "ON annotations FOR EACH ROW WHEN "
    '((OLD.id, OLD.document_id, OLD.start, OLD."end", OLD.note) IS DISTINCT FROM '
    '(NEW.id, NEW.document_id, NEW.start, NEW."end", NEW.note)) '
    "EXECUTE FUNCTION annotator_search_annotation_moved()",
    "search_document_changed": "AFTER UPDATE OF text ON documents FOR EACH ROW "
    "WHEN (OLD.text IS DISTINCT FROM NEW.text) "
    "EXECUTE FUNCTION annotator_search_document_changed()",
}
TRIGGER_TABLES = {
    "search_units_added": "units",
    "search_units_removed": "units",
    "search_units_changed": "units",
    "search_annotations_added": "annotations",
    "search_annotations_removed": "annotations",
    "search_annotations_changed": "annotations",
    "search_document_changed": "documents",
}


def grant_writes() -> str:
    """The writes the group roles need (their triggers queue, their folding writes), given
    only where `annotator server init` made the roles."""
    tables = ", ".join(SEARCH_TABLES)
    return f"""DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'annotator_analyst') THEN
            GRANT SELECT, INSERT, UPDATE, DELETE ON {tables}
                TO annotator_analyst, annotator_reviewer, annotator_admin;
            GRANT USAGE, SELECT, UPDATE ON search_pending_seq_seq
                TO annotator_analyst, annotator_reviewer, annotator_admin;
        END IF;
    END $$"""


def upgrade() -> None:
    if not postgres.is_postgresql():
        return  # SQLite: migration 0004's FTS5 indexes
    for statement in TABLES:
        op.execute(statement)
    for name, body in FUNCTIONS.items():
        op.execute(_function(name, body))
    for name, spec in TRIGGERS.items():
        op.execute(f'CREATE TRIGGER "{name}" {spec}')
    op.execute(grant_writes())
    # every row already there is queued; the store folds them right after the upgrade
    op.execute("INSERT INTO search_pending (kind, id) SELECT 'u', id FROM units ORDER BY id")
    op.execute("INSERT INTO search_pending (kind, id) SELECT 'a', id FROM annotations ORDER BY id")


def downgrade() -> None:
    if not postgres.is_postgresql():
        return
    for name, table in TRIGGER_TABLES.items():
        op.execute(f'DROP TRIGGER IF EXISTS "{name}" ON {table}')
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    for name in SEARCH_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {name}")
