"""Initial schema: documents, units, tags, annotations, annotation tags.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotator.core.migrations import postgres

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("issuer", sa.Text),
        sa.Column("published", sa.Date),
        sa.Column("date_certainty", sa.String(16), nullable=False),
        sa.Column("date_note", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("source_format", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_documents_sha256", "documents", ["sha256"])
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.CheckConstraint('start >= 0 AND "end" > start', name="ck_units_span"),
    )
    op.create_index("ix_units_document_ordinal", "units", ["document_id", "ordinal"], unique=True)
    tags = op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("colour", sa.String(16), nullable=False),
        sa.Column("shortcut", sa.String(16)),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("modified", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.CheckConstraint('start >= 0 AND "end" > start', name="ck_annotations_span"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_annotations_document_start", "annotations", ["document_id", "start"])
    op.create_table(
        "annotation_tags",
        sa.Column(
            "annotation_id",
            sa.Integer,
            sa.ForeignKey("annotations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "tag_id",
            sa.Integer,
            sa.ForeignKey("tags.id", ondelete="RESTRICT"),
            primary_key=True,
        ),
        sa.Column("fields", postgres.JSON, nullable=False),
    )
    op.create_index("ix_annotation_tags_tag", "annotation_tags", ["tag_id"])
    # Okabe-Ito colour-blind-safe colours; keys 1/2/3.
    op.bulk_insert(
        tags,
        [
            {"name": "claim", "colour": "#0072B2", "shortcut": "1", "position": 1},
            {"name": "assessment", "colour": "#E69F00", "shortcut": "2", "position": 2},
            {"name": "figure", "colour": "#009E73", "shortcut": "3", "position": 3},
        ],
    )
    if postgres.is_postgresql():
        postgres.create_functions()
        for table in ("documents", "units", "tags", "annotations", "annotation_tags"):
            postgres.track_changes(table)
        for table in ("documents", "units", "tags", "annotations"):
            postgres.ids_follow(table)


def downgrade() -> None:
    op.drop_table("annotation_tags")
    op.drop_table("annotations")
    op.drop_table("tags")
    op.drop_table("units")
    op.drop_table("documents")
