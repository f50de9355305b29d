"""Objects in the database: `blobs` (one row per object) and `blob_chunks` (its bytes, 1 MB a row).

An upload is written chunk by chunk under a temporary key while it is hashed, then renamed to its SHA-256
in the same transaction (or dropped when the object is already stored). It runs on its own connection and
commits on its own, like a file written to disk: an object no attachment row points at is harmless."""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import IO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from models.storage import Blob, BlobChunk
from service.db import get_engine
from service.storage import CHUNK, ObjectMissing, verified

_blobs = Blob.__table__
_chunks = BlobChunk.__table__


class DatabaseStorage:
    name = "database"

    def __init__(self, database_url: str):
        self.engine = get_engine(database_url)

    def put(self, stream: IO[bytes]) -> tuple[str, int]:
        key = f"upload-{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        size = seq = 0
        try:
            with self.engine.begin() as connection:
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
        except IntegrityError:
            # The same bytes stored at the same moment by another process: theirs is the object.
            if not self.exists(digest.hexdigest()):
                raise
        return digest.hexdigest(), size

    def open(self, sha256: str) -> Iterator[bytes]:
        if not self.exists(sha256):
            raise ObjectMissing(sha256, f"The stored object {sha256} is missing.")
        return verified(sha256, self._read(sha256))

    def _read(self, sha256: str) -> Iterator[bytes]:
        """One chunk per query, so memory holds one chunk whatever the object's size."""
        seq = 0
        while True:
            with self.engine.connect() as connection:
                data = connection.scalar(select(_chunks.c.data).where(_chunks.c.sha256 == sha256,
                                                                      _chunks.c.seq == seq))
            if data is None:
                return
            yield bytes(data)
            seq += 1

    def exists(self, sha256: str) -> bool:
        with self.engine.connect() as connection:
            return connection.scalar(select(_blobs.c.size).where(_blobs.c.sha256 == sha256)) is not None

    def delete(self, sha256: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(_chunks).where(_chunks.c.sha256 == sha256))
            connection.execute(delete(_blobs).where(_blobs.c.sha256 == sha256))

    def list(self) -> Iterator[str]:
        with self.engine.connect() as connection:
            shas = list(connection.scalars(select(_blobs.c.sha256).order_by(_blobs.c.sha256)))
        yield from shas
