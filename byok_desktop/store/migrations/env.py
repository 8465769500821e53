"""Alembic environment: the engine is handed in by byok_desktop.store.migrate."""

from __future__ import annotations

from alembic import context

from byok_desktop.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    # render_as_batch: SQLite needs table rebuilds for most ALTERs.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
    )
    context.run_migrations()
