"""Named claim sources with a default Admiralty reliability (issue 16).

`sources` holds one row per source a claim can be attributed to: its name as written, the
folded name it is matched by (`sources.source_key`: case, accents and spacing ignored, unique),
the default reliability (A-F, or NULL) a new claim from it is offered as a suggestion, a note,
and who created and last changed it, and when.

A claim is linked to its source by the folded name of its `attributed_to` field (claims keep
their stored JSON: no id is added to them, so exports and older files are unchanged).

The existing claims fill the table: one source per folded `attributed_to`, named by its most
frequent spelling, graded with the reliability given most often to its claims (NULL when no
grade was given or two grades tie), created by the author of its first claim at that claim's
creation time.

On PostgreSQL (a team database) a change to `sources` is announced to the other windows as
changes to the other tables are (migrations/postgres.py); its ids are never written explicitly.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotator.core.migrations import postgres

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False, unique=True),
        sa.Column("reliability", sa.String(1)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("modified", sa.String(32), nullable=False),
        sa.Column("modified_by", sa.Text, nullable=False),
        sa.CheckConstraint(
            "reliability IS NULL OR reliability IN ('A', 'B', 'C', 'D', 'E', 'F')",
            name="ck_sources_reliability",
        ),
    )
    if postgres.is_postgresql():  # a team database: colleagues' windows see grades change
        postgres.track_changes("sources")
    from annotator.core.sources import backfill_sources  # no Qt, no ORM: plain SQL

    # the DB-API connection of either back end (sqlite3, psycopg): sources.py speaks both
    backfill_sources(op.get_bind().connection.driver_connection)


def downgrade() -> None:
    op.drop_table("sources")
