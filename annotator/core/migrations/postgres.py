"""What the migrations do on PostgreSQL only (each caller checks the dialect first).

- `JSON`: the JSON columns are text on PostgreSQL, as SQLite keeps them: the bulk reads and
  writes pass JSON as stored text on both back ends (model.py's `StoredJSON` reads it).
- `track_changes(table)`: a commit that changed the table announces itself on the
  `annotator_changes` channel (LISTEN/NOTIFY): every open window refreshes (server.py). Every
  table a later migration adds gets it too.
- `ids_follow(table)`: the table's id sequence follows ids written explicitly (undo puts an
  annotation back under its own id; imports and merges write theirs), so that the next id the
  sequence gives is free, as SQLite's AUTOINCREMENT counter does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

JSON = sa.JSON().with_variant(sa.Text(), "postgresql")
CHANNEL = "annotator_changes"


def is_postgresql() -> bool:
    return bool(op.get_context().dialect.name == "postgresql")


def create_functions() -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION annotator_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION annotator_ids_follow() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            sequence_name text := pg_get_serial_sequence(quote_ident(TG_TABLE_NAME), 'id');
            highest bigint;
        BEGIN
            SELECT max(id) INTO highest FROM inserted;
            IF highest IS NOT NULL
               AND highest > coalesce(pg_sequence_last_value(sequence_name::regclass), 0) THEN
                PERFORM setval(sequence_name, highest);
            END IF;
            RETURN NULL;
        END $$
        """
    )


def track_changes(table: str) -> None:
    op.execute(
        f'CREATE TRIGGER "{table}_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
        f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION annotator_changed()'
    )


def ids_follow(table: str) -> None:
    op.execute(
        f'CREATE TRIGGER "{table}_ids_follow" AFTER INSERT ON "{table}" '
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
        "EXECUTE FUNCTION annotator_ids_follow()"
    )
