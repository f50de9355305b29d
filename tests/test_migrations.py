"""The migrated schema matches the models: no drift, on the suite's backend (SQLite and PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import models
from service.db import get_engine


def test_migrations_match_the_models(database_url):
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, models.Base.metadata)
    assert differences == []


def test_one_history():
    """Every migration leads to a single head, so `forestall migrate` has one place to go."""
    from alembic.script import ScriptDirectory

    from service.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


def test_downgrade_and_upgrade_again(tmp_path):
    """The migrations run down to nothing and up again on a scratch SQLite database."""
    from alembic import command

    from service.migrate import alembic_config

    config = alembic_config(f"sqlite:///{tmp_path / 'scratch.sqlite'}")
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")
