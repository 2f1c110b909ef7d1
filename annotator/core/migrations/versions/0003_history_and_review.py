"""Annotation history (who, when, before/after) and review status per annotation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotator.core.migrations import postgres

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annotation_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("annotation_id", sa.Integer, nullable=False),
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("before", postgres.JSON),
        sa.Column("after", postgres.JSON),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_index(
        "ix_annotation_history_annotation", "annotation_history", ["annotation_id", "id"]
    )
    op.create_index(
        "ix_annotation_history_document_id", "annotation_history", ["document_id"]
    )
    if postgres.is_postgresql():
        postgres.track_changes("annotation_history")
        postgres.ids_follow("annotation_history")
    with op.batch_alter_table("annotations") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="draft")
        )
        batch.add_column(sa.Column("reviewer", sa.Text))
        batch.add_column(sa.Column("reviewed_at", sa.String(32)))
        batch.add_column(
            sa.Column("review_comment", sa.Text, nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("annotations") as batch:
        batch.drop_column("review_comment")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewer")
        batch.drop_column("status")
    op.drop_index("ix_annotation_history_document_id", "annotation_history")
    op.drop_index("ix_annotation_history_annotation", "annotation_history")
    op.drop_table("annotation_history")
