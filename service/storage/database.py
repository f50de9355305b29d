"""Objects in the database: `blobs` (one row per object) and `blob_chunks` (its bytes, 1 MB a row).

An upload is written chunk by chunk under a temporary key while it is hashed, then renamed to its SHA-256
in the same transaction (or dropped when the object is already stored). Reads take one chunk per query, each
on a short connection of their own."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import IO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.storage import Blob, BlobChunk
from service.db import get_engine
from service.storage import CHUNK, ObjectMissing, verified

_blobs = Blob.__table__
_chunks = BlobChunk.__table__


class DatabaseStorage:
    name = "database"

    def __init__(self, database_url: str, session: Session | None = None):
        self.engine = get_engine(database_url)
        self.session = session

    def put(self, stream: IO[bytes]) -> tuple[str, int]:
        """With a session, the object is written in its transaction (kept or dropped with the rows that name
        it; on PostgreSQL inside a savepoint, so that losing the race below leaves the transaction usable);
        without one, on a connection of its own that commits at once."""
        digest = hashlib.sha256()
        try:
            if self.session is None:
                with self.engine.begin() as connection:
                    return self._write(connection, stream, digest)
            if self.session.get_bind().dialect.name == "postgresql":
                with self.session.begin_nested():
                    return self._write(self.session.connection(), stream, digest)
            return self._write(self.session.connection(), stream, digest)
        except IntegrityError:
            # The same bytes stored at the same moment by another process: theirs is the object.
            sha256 = digest.hexdigest()
            size = self._size(sha256, None if self.session is None else self.session.connection())
            if size is None:
                raise
            return sha256, size

    def _write(self, connection: Connection, stream: IO[bytes], digest) -> tuple[str, int]:  # noqa: ANN001
        key = f"upload-{uuid.uuid4().hex}"
        size = seq = 0
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            connection.execute(insert(_chunks).values(sha256=key, seq=seq, data=chunk))
            seq += 1
        sha256 = digest.hexdigest()
        if connection.scalar(select(_blobs.c.size).where(_blobs.c.sha256 == sha256)) is not None:
            connection.execute(delete(_chunks).where(_chunks.c.sha256 == key))
        else:
            connection.execute(update(_chunks).where(_chunks.c.sha256 == key).values(sha256=sha256))
            connection.execute(insert(_blobs).values(sha256=sha256, size=size))
        return sha256, size

    def _size(self, sha256: str, connection: Connection | None = None) -> int | None:
        if connection is not None:
            return connection.scalar(select(_blobs.c.size).where(_blobs.c.sha256 == sha256))
        with self.engine.connect() as own:
            return own.scalar(select(_blobs.c.size).where(_blobs.c.sha256 == sha256))

    def open(self, sha256: str) -> Iterator[bytes]:
        if not self.exists(sha256):
            raise ObjectMissing(sha256, f"The stored object {sha256} is missing.")
        return verified(sha256, self._read(sha256))

    def _read(self, sha256: str) -> Iterator[bytes]:
        """One chunk per query, so memory holds one chunk whatever the object's size."""
        seq = 0
        while True:
            with self.engine.connect() as connection:
                data = connection.scalar(select(_chunks.c.data).where(_chunks.c.sha256 == sha256, _chunks.c.seq == seq))
            if data is None:
                return
            yield bytes(data)
            seq += 1

    def exists(self, sha256: str) -> bool:
        return self._size(sha256) is not None

    def delete(self, sha256: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(_chunks).where(_chunks.c.sha256 == sha256))
            connection.execute(delete(_blobs).where(_blobs.c.sha256 == sha256))

    def list(self) -> Iterator[str]:
        with self.engine.connect() as connection:
            shas = list(connection.scalars(select(_blobs.c.sha256).order_by(_blobs.c.sha256)))
        yield from shas
