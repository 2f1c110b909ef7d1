"""Database-wide meta table (handling caveat...) and suggested-field markers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotator.core.migrations import postgres

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    if postgres.is_postgresql():
        postgres.track_changes("meta")
    with op.batch_alter_table("annotation_tags") as batch:
        batch.add_column(sa.Column("suggested", postgres.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("annotation_tags") as batch:
        batch.drop_column("suggested")
    op.drop_table("meta")
