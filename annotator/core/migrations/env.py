"""Alembic environment: always run on a connection handed over by `annotator.core.store`."""

from __future__ import annotations

from alembic import context

from annotator.core.model import Base, compared_by_alembic

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running alembic by hand
    raise RuntimeError("run migrations through annotator.core.store.upgrade_database")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_name=compared_by_alembic,  # the search indexes are FTS5 tables outside the model
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
