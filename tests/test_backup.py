"""`forestall backup` and `forestall restore`, as real processes: the demo organisation (with an attachment,
and one more uploaded) is backed up, restored into a second, empty database of the suite's backend, and
every table's row count and every attachment's bytes are compared. A damaged backup and a database that is
not empty are refused before anything is written."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from tests.conftest import BACKEND, PG_ADMIN_URL

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


@pytest.fixture()
def scratch_database(tmp_path):
    """scratch_database() -> the URL of a new, empty database of the suite's backend (dropped afterwards)."""
    made: list[str] = []

    def make() -> str:
        if BACKEND != "postgresql":
            return f"sqlite:///{tmp_path / f'scratch-{len(made)}-{secrets.token_hex(3)}.sqlite'}"
        name = f"forestall_backup_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        made.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    yield make
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in made:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def forestall(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "forestall"), *args], capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {
            name: connection.scalar(text(f'SELECT count(*) FROM "{name}"'))
            for name in inspect(connection).get_table_names()
        }
    engine.dispose()
    return counts


def attachment_bytes(settings) -> dict[str, bytes]:  # noqa: ANN001
    """Every attachment row's object, read (and checked) through the storage of the settings."""
    from models.communications import Attachment
    from service.storage import storage_for

    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        shas = set(connection.scalars(select(Attachment.sha256)))
    engine.dispose()
    storage = storage_for(settings)
    return {sha: b"".join(storage.open(sha)) for sha in shas}


def populate(settings) -> None:  # noqa: ANN001
    """The demo organisation (its attachment goes through the storage), and a second, larger attachment."""
    from models import User
    from models.communications import Communication
    from service.auth import Caller
    from service.communications.attachments import store_attachment
    from service.db import session_factory
    from service.demo import seed_demo
    from service.migrate import upgrade
    from service.storage import storage_for

    upgrade(settings.database_url)
    with session_factory(settings.database_url, across_orgs="the tests' set-up and checks")() as session:
        seed_demo(session, storage_for(settings, session))
        session.commit()
        row = session.scalars(select(Communication).order_by(Communication.id)).first()
        admin = session.scalars(select(User).where(User.email == "admin@demo.example")).one()
        caller = Caller(user_id=admin.id, org_id=row.org_id, role="admin", email=admin.email)
        scan = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)  # more than one chunk
        store_attachment(session, caller, row, io.BytesIO(scan), "scan.pdf", storage_for(settings, session))
        session.commit()


@pytest.mark.parametrize("storage", ["filesystem", "database"])
def test_a_backup_restores_every_row_and_attachment(storage, scratch_database, settings, tmp_path, app):
    import dataclasses

    source = dataclasses.replace(
        settings,
        database_url=scratch_database(),
        attachments_storage=storage,
        attachments_dir=tmp_path / "source-attachments",
    )
    target = dataclasses.replace(
        source, database_url=scratch_database(), attachments_dir=tmp_path / "target-attachments"
    )
    populate(source)
    env_of = {
        s: {"DATABASE_URL": s.database_url, "ATTACHMENTS_STORAGE": storage, "ATTACHMENTS_DIR": str(s.attachments_dir)}
        for s in (source, target)
    }

    result = forestall(env_of[source], "backup", str(tmp_path / "backup"))
    assert result.returncode == 0, result.stderr
    assert "backed up" in result.stdout
    files = sorted(p.name for p in (tmp_path / "backup").iterdir())
    assert files == (["attachments"] if storage == "filesystem" else []) + [
        "database.dump" if BACKEND == "postgresql" else "database.sqlite",
        "manifest.json",
    ]

    result = forestall(env_of[target], "restore", str(tmp_path / "backup"))
    assert result.returncode == 0, result.stderr
    before, after = row_counts(source.database_url), row_counts(target.database_url)
    assert after == before and before["attachments"] == 2 and before["cases"] >= 12
    originals = attachment_bytes(source)
    assert attachment_bytes(target) == originals and len(originals) == 2
    assert all(hashlib.sha256(data).hexdigest() == sha for sha, data in originals.items())
    if storage == "filesystem":  # the files are in the target's own directory, not borrowed from the source
        assert sorted(p.name for p in target.attachments_dir.rglob("*") if p.is_file()) == sorted(originals)

    # Restoring again: the database is not empty any more.
    again = forestall(env_of[target], "restore", str(tmp_path / "backup"))
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_damaged_backup_is_refused_before_anything_is_restored(scratch_database, settings, tmp_path, app):
    import dataclasses

    source = dataclasses.replace(
        settings,
        database_url=scratch_database(),
        attachments_storage="filesystem",
        attachments_dir=tmp_path / "source-attachments",
    )
    populate(source)
    env = {
        "DATABASE_URL": source.database_url,
        "ATTACHMENTS_DIR": str(source.attachments_dir),
        "ATTACHMENTS_STORAGE": "filesystem",
    }
    assert forestall(env, "backup", str(tmp_path / "backup")).returncode == 0
    assert forestall(env, "backup", str(tmp_path / "backup")).returncode != 0  # never into a used directory

    one = next(p for p in (tmp_path / "backup" / "attachments").rglob("*") if p.is_file())
    data = bytearray(one.read_bytes())
    data[0] ^= 0x01
    one.write_bytes(bytes(data))
    target_url = scratch_database()
    result = forestall(
        {**env, "DATABASE_URL": target_url, "ATTACHMENTS_DIR": str(tmp_path / "target")},
        "restore",
        str(tmp_path / "backup"),
    )
    assert result.returncode != 0 and "does not match its SHA-256" in result.stderr and one.name in result.stderr
    assert not row_counts(target_url) and not (tmp_path / "target").exists()


def test_moving_the_files_into_the_database_storage(scratch_database, settings, tmp_path, app):
    """`forestall storage migrate-to-database`: every file, checked; a damaged one is named and left out."""
    import dataclasses

    from service.storage import storage_for

    files = dataclasses.replace(
        settings,
        database_url=scratch_database(),
        attachments_storage="filesystem",
        attachments_dir=tmp_path / "attachments",
    )
    populate(files)
    originals = attachment_bytes(files)
    damaged = storage_for(files).path(next(iter(originals)))
    kept = damaged.read_bytes()
    damaged.write_bytes(kept + b"!")
    env = {"DATABASE_URL": files.database_url, "ATTACHMENTS_DIR": str(files.attachments_dir)}
    result = forestall(env, "storage", "migrate-to-database")
    assert result.returncode == 1 and damaged.name in result.stderr and "copied 1 " in result.stdout

    damaged.write_bytes(kept)  # repaired (from a backup, say): a second run copies what is missing
    result = forestall(env, "storage", "migrate-to-database")
    assert result.returncode == 0 and "copied 1 " in result.stdout and "1 were there already" in result.stdout
    in_database = dataclasses.replace(files, attachments_storage="database")
    assert attachment_bytes(in_database) == originals


@pytest.mark.skipif(BACKEND != "postgresql", reason="pg_dump's version matters on PostgreSQL only")
def test_a_pg_dump_older_than_the_server_is_refused_with_what_to_install(settings, tmp_path, monkeypatch):
    from service import backup

    monkeypatch.setattr(backup, "_tool_major", lambda tool: (9, f"{tool} (PostgreSQL) 9.6.24"))
    with pytest.raises(backup.BackupError, match=r"install postgresql-client-\d+"):
        backup.backup(settings, tmp_path / "backup")
    assert not (tmp_path / "backup" / "database.dump").exists()
