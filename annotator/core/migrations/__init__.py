"""Alembic environment and numbered schema revisions (run through `annotator.core.store`)."""
