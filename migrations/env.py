"""Alembic environment: the URL comes from DATABASE_URL (or the embedded SQLite default)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

import models
from service.config import load_settings
from service.db import get_engine

config = context.config
target_metadata = models.Base.metadata


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = database_url()
    connectable = get_engine(url)
    with connectable.connect() as connection:
        # render_as_batch: SQLite can only ALTER tables by copying them; batch mode does that for us.
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Row-level security (0011e) is forced on the tables' owner too: a data migration works
                # across organisations, for this transaction only.
                connection.execute(text("SELECT set_config('app.across_orgs', 'on', true)"))
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
