"""Settings: SECRET_KEY is required outside development; nothing is created on import."""

from __future__ import annotations

import pytest

from service.config import DEVELOPMENT_SECRET_KEY, SettingsError, load_settings


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("FORESTALL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", "a-long-random-string")
    assert load_settings().secret_key == "a-long-random-string"


def test_a_database_given_without_an_environment_is_production(monkeypatch):
    monkeypatch.delenv("FORESTALL_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://forestall@db/forestall")
    with pytest.raises(SettingsError):
        load_settings()


def test_the_embedded_defaults_are_development(monkeypatch, tmp_path):
    monkeypatch.delenv("FORESTALL_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("FORESTALL_VAR", str(tmp_path / "var"))
    settings = load_settings()
    assert settings.is_development and settings.secret_key == DEVELOPMENT_SECRET_KEY
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'forestall.sqlite'}"
    assert not (tmp_path / "var").exists()  # created by an entry point when it starts, not by reading settings


def test_the_attachment_storage_is_filesystem_or_database(monkeypatch):
    monkeypatch.delenv("ATTACHMENTS_STORAGE", raising=False)
    assert load_settings().attachments_storage == "filesystem"
    monkeypatch.setenv("ATTACHMENTS_STORAGE", "database")
    assert load_settings().attachments_storage == "database"
    monkeypatch.setenv("ATTACHMENTS_STORAGE", "s3")
    with pytest.raises(SettingsError, match="ATTACHMENTS_STORAGE"):
        load_settings()


def test_migrations_connect_as_the_owner_and_grant_the_applications_role(monkeypatch):
    """Two roles on PostgreSQL (docs/row-level-security.md): DATABASE_URL for the application, subject to
    row-level security, MIGRATION_DATABASE_URL (the tables' owner) for `forestall migrate`."""
    from service.migrate import app_role_for

    monkeypatch.setenv("FORESTALL_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://forestall_app:pw@db/forestall")
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)
    assert load_settings().migration_database_url == "postgresql+psycopg://forestall_app:pw@db/forestall"
    monkeypatch.setenv("MIGRATION_DATABASE_URL", "postgresql+psycopg://forestall_owner:pw@db/forestall")
    settings = load_settings()
    assert app_role_for(settings.database_url, settings.migration_database_url) == "forestall_app"
    assert app_role_for(settings.database_url, settings.database_url) is None  # one role: nothing to grant
    assert app_role_for("sqlite:///x.sqlite", "sqlite:///x.sqlite") is None
