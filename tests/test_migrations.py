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


def test_row_level_security_goes_down_and_up_again_on_postgresql():
    """Migration 0011e on a scratch PostgreSQL database: its policies go with a downgrade and come back."""
    import pytest
    from alembic import command
    from sqlalchemy import text

    from service.migrate import alembic_config
    from tests.conftest import BACKEND, _create_pg_database, _drop_pg_database

    if BACKEND != "postgresql":
        pytest.skip("row-level security is PostgreSQL's; on SQLite migration 0011e does nothing")
    name, role, owner_url, _app_url = _create_pg_database()
    forced = "SELECT count(*) FROM pg_class WHERE relrowsecurity AND relforcerowsecurity"
    try:
        config = alembic_config(owner_url)
        command.upgrade(config, "0011e")
        with get_engine(owner_url).connect() as connection:
            assert connection.scalar(text(forced)) > 30
        command.downgrade(config, "0010")
        with get_engine(owner_url).connect() as connection:
            assert connection.scalar(text(forced)) == 0
            assert connection.scalar(text("SELECT count(*) FROM pg_policies")) == 0
        command.upgrade(config, "0011e")
        with get_engine(owner_url).connect() as connection:
            assert connection.scalar(text(forced)) > 30
    finally:
        get_engine(owner_url).dispose()
        _drop_pg_database(name, role)
