"""Where attachments' bytes live: content-addressed by SHA-256, behind one small interface with two
backends, chosen by ATTACHMENTS_STORAGE:

- filesystem (the default, for `make run`): files under ATTACHMENTS_DIR, one host's disk;
- database: the `blobs` and `blob_chunks` tables, so every API process and worker on any host reads the
  same objects (use it in production, with PostgreSQL).

Both write chunk by chunk while hashing and read chunk by chunk; every read checks the SHA-256 as it goes
and raises ObjectCorrupt at the end when the bytes are not the ones stored, so a reader must not treat
what it has read as good before the iterator is exhausted (see service.communications.attachments)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import IO, Protocol

CHUNK = 1024 * 1024
BACKENDS = ("filesystem", "database")


class StorageError(Exception):
    """A stored object cannot be read as stored."""

    def __init__(self, sha256: str, message: str):
        super().__init__(message)
        self.sha256 = sha256


class ObjectMissing(StorageError):
    pass


class ObjectCorrupt(StorageError):
    pass


class Storage(Protocol):
    name: str

    def put(self, stream: IO[bytes]) -> tuple[str, int]:
        """Store the stream (read to its end); answer its SHA-256 and size. The same bytes are kept once."""

    def open(self, sha256: str) -> Iterator[bytes]:
        """The object's bytes in chunks; ObjectMissing before the first, ObjectCorrupt after the last."""

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...

    def list(self) -> Iterator[str]:
        """The SHA-256 of every stored object."""


def verified(sha256: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks as they come, hashed on the way; ObjectCorrupt once the last has gone by if they are
    not the object named sha256."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != sha256:
        raise ObjectCorrupt(
            sha256, f"The stored object {sha256} does not match its SHA-256 (it reads as {digest.hexdigest()})."
        )


def storage_for(settings, session=None) -> Storage:  # noqa: ANN001 - service.config.Settings, a Session
    """The backend the settings choose. Given a session, the database backend writes in its transaction (an
    attachment's object is then committed or rolled back with the attachment's row)."""
    if settings.attachments_storage == "database":
        from service.storage.database import DatabaseStorage

        return DatabaseStorage(settings.database_url, session)
    from service.storage.filesystem import FilesystemStorage

    return FilesystemStorage(settings.attachments_dir)


class ChunkReader:
    """A stream over chunks (e.g. another storage's open()), for put(): each read() answers the next chunk."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)

    def read(self, _size: int = -1) -> bytes:
        return next(self._chunks, b"")


def copy_object(source: Storage, target: Storage, sha256: str) -> None:
    """Copy one object, checked on the way: a corrupt source raises ObjectCorrupt and the target keeps nothing."""
    stored, _size = target.put(ChunkReader(source.open(sha256)))  # type: ignore[arg-type]
    if stored != sha256:  # cannot happen once the read was verified; a guard all the same
        raise ObjectCorrupt(sha256, f"The object {sha256} was copied as {stored}.")
