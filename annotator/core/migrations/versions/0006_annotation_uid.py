"""A stable id per annotation, and what a laptop last agreed with each server (issue 17).

`annotations.uid` (text, NULL allowed, indexed) identifies an annotation across databases, so
that a sync recognises a span moved on one side (annotation_uid.py). Existing rows are
backfilled by definition, deterministically and without rewriting them: a NULL uid reads as the
id derived from the document's SHA-256, span, author and creation time, which is exactly how a
sync recognised an annotation before this revision. A laptop file synced before it therefore
finds every annotation it shares with the server under the same uid, and nothing is duplicated.
Imports, exports and merges of other files are unchanged (the uid is not in any file format).

`sync_state` is written by `annotator sync` in the laptop's file only: for each server (a hash
of its address) the uids of the annotations both sides held at the last sync, each with the
version (span, modified time, review) both agreed on. The next sync tells from it what was
deleted or changed on each side since. A team database has the table and never writes it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("annotations", sa.Column("uid", sa.String(32)))
    op.create_index("ix_annotations_uid", "annotations", ["uid"])
    op.create_table(
        "sync_state",
        sa.Column("server", sa.String(40), primary_key=True),
        sa.Column("uid", sa.String(32), primary_key=True),
        sa.Column("version", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_index("ix_annotations_uid", "annotations")
    # in place on both back ends (SQLite 3.35+): rebuilding the table would drop the search
    # index's triggers (0004)
    op.execute("ALTER TABLE annotations DROP COLUMN uid")
