"""Applying the Alembic migrations (forestall migrate, make run, the test suite), and granting the
application's database role what it needs (PostgreSQL: docs/row-level-security.md)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url

import migrations
from service.db import get_engine


def alembic_config(database_url: str) -> Config:
    config = Config()
    # The migrations ship inside the installed package (a wheel has no repository around it).
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head", app_role: str | None = None) -> None:
    """Migrate with database_url (the tables' owner); then, on PostgreSQL, grant app_role (the role the
    application connects as, subject to row-level security) the use of every table and sequence. The grant
    runs after every migration, so tables added later are granted too."""
    command.upgrade(alembic_config(database_url), revision)
    if app_role and database_url.startswith("postgresql"):
        grant_app_role(database_url, app_role)


def app_role_for(database_url: str, migration_database_url: str) -> str | None:
    """The application's role when it connects as another role than the migrations, else None."""
    if not database_url.startswith("postgresql"):
        return None
    app_user, owner = make_url(database_url).username, make_url(migration_database_url).username
    return app_user if app_user and app_user != owner else None


def grant_app_role(database_url: str, role: str) -> None:
    engine = get_engine(database_url)
    with engine.begin() as connection:
        name = connection.dialect.identifier_preparer.quote(role)
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {name}"))
        connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"))
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}"))
        # The application reads which revision it runs on; only the migrations write it.
        connection.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {name}"))
