"""Backups that restore: `forestall backup DIR` and `forestall restore DIR`.

A backup directory holds the database (PostgreSQL: pg_dump's custom format, database.dump; SQLite: a copy
made with SQLite's online backup API, database.sqlite), the attachments of the filesystem storage
(attachments/ab/abcdef..., each checked against its SHA-256 as it is copied; with the database storage they
are in the dump), and manifest.json: the SHA-256 of every file and the row count of every table.

Consistency: on PostgreSQL the row counts and pg_dump read one exported snapshot; on SQLite the counts are
read from the copy. Attachments are written once under their SHA-256 and never changed, and they are copied
after the database, so every attachment the backed-up database names is in the backup.

A restore checks every file against the manifest first, refuses a database that is not empty, restores the
database, puts the attachments into the configured storage, and checks the row counts again."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Connection, make_url

from models.communications import Attachment
from service.config import Settings
from service.storage import copy_object, storage_for
from service.storage.filesystem import FilesystemStorage

FORMAT = "forestall-backup/1"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why and what to do."""


def backup(settings: Settings, directory: Path) -> dict[str, Any]:
    """Write a backup of the settings' database and attachments into directory (new or empty)."""
    started = time.monotonic()
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; give a new or empty directory.")
    directory.mkdir(parents=True, exist_ok=True)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        # With the attachments in the database the dump is mostly bytea, written as hex: gzip takes ten times
        # longer to squeeze that back than to write it (measured: 100 MB of scans, 35 s against 3 s), and
        # scans are compressed already. The dump of a database without them is compressed (the default).
        database = _dump_postgresql(
            settings.database_url, directory / "database.dump", compress=settings.attachments_storage != "database"
        )
    elif url.get_backend_name() == "sqlite":
        database = _copy_sqlite(_sqlite_path(settings.database_url), directory / "database.sqlite")
    else:
        raise BackupError(f"Cannot back up a {url.get_backend_name()} database.")
    storage = storage_for(settings)
    copied = 0
    if storage.name == "filesystem":
        into = FilesystemStorage(directory / "attachments")
        for sha256 in storage.list():
            copy_object(storage, into, sha256)
            copied += 1
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "forestall_version": version("forestall"),
        "database": database,
        "attachments_storage": storage.name,
        "attachment_files": copied,
        "tables": database.pop("tables"),
        "files": {
            path.relative_to(directory).as_posix(): _sha256_file(path)
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        },
        "seconds": round(time.monotonic() - started, 3),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def restore(settings: Settings, directory: Path) -> dict[str, Any]:
    """Restore a backup into the settings' database, which must be empty, and its attachment storage."""
    directory = Path(directory)
    manifest = verify(directory)
    backend = make_url(settings.database_url).get_backend_name()
    if backend != manifest["database"]["backend"]:
        raise BackupError(
            f"This backup is of a {manifest['database']['backend']} database; DATABASE_URL is "
            f"{backend}. Restore it into the same kind of database."
        )
    tables = _table_names(settings.database_url)
    if tables:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables, e.g. {tables[0]}); a restore needs "
            "an empty database. Create a new one (or drop this one) and run restore again."
        )
    if backend == "postgresql":
        _restore_postgresql(settings.database_url, directory / manifest["database"]["file"], manifest)
    else:
        _restore_sqlite(directory / manifest["database"]["file"], _sqlite_path(settings.database_url))
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            counts = _row_counts(connection)
            needed = set(connection.scalars(select(Attachment.sha256).distinct()))
    finally:
        engine.dispose()
    if counts != manifest["tables"]:
        wrong = sorted(
            name for name in set(counts) | set(manifest["tables"]) if counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(f"The restored row counts differ from the manifest in: {', '.join(wrong)}.")
    storage = storage_for(settings)
    source = FilesystemStorage(directory / "attachments")
    for sha256 in source.list():
        copy_object(source, storage, sha256)
    missing = sorted(sha for sha in needed if not storage.exists(sha))
    if missing:
        raise BackupError(
            f"{len(missing)} attachment(s) named by the database are not in the storage, e.g. "
            f"{missing[0]} (was the backup made with ATTACHMENTS_STORAGE={storage.name}?)."
        )
    return manifest


def verify(directory: Path) -> dict[str, Any]:
    """The manifest, once every file it lists is there with its SHA-256 (and no file is unlisted)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"No readable {MANIFEST} in {directory}: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{directory / MANIFEST} is not a {FORMAT} manifest.")
    present = {path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()}
    unlisted = sorted(present - set(manifest["files"]) - {MANIFEST})
    if unlisted:
        raise BackupError(f"Files not in the manifest: {', '.join(unlisted[:5])}.")
    for name, sha256 in manifest["files"].items():
        path = directory / name
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if _sha256_file(path) != sha256:
            raise BackupError(f"The backup is damaged: {name} does not match its SHA-256 in the manifest.")
    return manifest


# PostgreSQL ---------------------------------------------------------------------------------------------


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool_major(tool: str) -> tuple[int, str]:
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed (Debian: apt-get install postgresql-client-NN, the "
            "server's major version or newer)."
        )
    answer = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    match = re.search(r"(\d+)(?:\.\d+)?", answer)
    if match is None:
        raise BackupError(f"Cannot read the version of {tool}: {answer!r}")
    return int(match.group(1)), answer


def _dump_postgresql(database_url: str, out: Path, compress: bool) -> dict[str, Any]:
    major, tool = _tool_major("pg_dump")
    engine = create_engine(database_url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection:
            server = int(connection.scalar(text("SHOW server_version_num")))
            if major < server // 10000:
                raise BackupError(
                    f"{tool} cannot dump a PostgreSQL {server // 10000} server; install "
                    f"postgresql-client-{server // 10000} (or newer) and put it first on PATH."
                )
            # The counts and pg_dump read the same snapshot: the transaction stays open until pg_dump ends.
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            tables = _row_counts(connection)
            result = subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={out}",
                    *([] if compress else ["--compress=0"]),
                    f"--dbname={_libpq_url(database_url)}",
                ],
                capture_output=True,
                text=True,
            )
            connection.rollback()
    finally:
        engine.dispose()
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return {
        "backend": "postgresql",
        "file": out.name,
        "tool": tool,
        "tool_major": major,
        "server_version_num": server,
        "tables": tables,
    }


def _restore_postgresql(database_url: str, dump: Path, manifest: dict[str, Any]) -> None:
    major, tool = _tool_major("pg_restore")
    if major < manifest["database"]["tool_major"]:
        raise BackupError(
            f"{tool} is older than the pg_dump that made this backup "
            f"({manifest['database']['tool']}); install a newer postgresql-client."
        )
    result = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_libpq_url(database_url)}",
            str(dump),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was restored): {result.stderr.strip()}")


# SQLite -------------------------------------------------------------------------------------------------


def _sqlite_path(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore into.")
    return Path(name)


def _copy_sqlite(source: Path, out: Path) -> dict[str, Any]:
    """SQLite's online backup API: a consistent copy while the application keeps writing."""
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    _sqlite_backup(source, out)
    engine = create_engine(f"sqlite:///file:{out}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            tables = _row_counts(connection)
    finally:
        engine.dispose()
    return {"backend": "sqlite", "file": out.name, "tool": f"sqlite {sqlite3.sqlite_version}", "tables": tables}


def _restore_sqlite(copy: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_backup(copy, target)


def _sqlite_backup(source: Path, target: Path) -> None:
    """Copy with the online backup API; the copy is one self-contained file (no -wal beside it). The
    application turns write-ahead logging on again when it opens a restored database."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        src.close()
        dst.close()


# Both ---------------------------------------------------------------------------------------------------


def _row_counts(connection: Connection) -> dict[str, int]:
    names = sorted(inspect(connection).get_table_names())
    preparer = connection.dialect.identifier_preparer
    return {name: int(connection.scalar(text(f"SELECT count(*) FROM {preparer.quote(name)}"))) for name in names}


def _table_names(database_url: str) -> list[str]:
    if make_url(database_url).get_backend_name() == "sqlite" and not _sqlite_path(database_url).exists():
        return []
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
