"""Objects as files: ROOT/ab/abcdef... (the first two hex digits make 256 directories)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from service.storage import CHUNK, ObjectMissing, verified

_SHA256 = re.compile(r"[0-9a-f]{64}")


class FilesystemStorage:
    name = "filesystem"

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, stream: IO[bytes]) -> tuple[str, int]:
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        temp_path = Path(temporary)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            final = self.path(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            if not final.exists():
                os.replace(temp_path, final)
        finally:
            temp_path.unlink(missing_ok=True)
        return sha256, size

    def open(self, sha256: str) -> Iterator[bytes]:
        try:
            handle = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise ObjectMissing(sha256, f"The stored object {sha256} is missing.") from None
        return verified(sha256, _chunks(handle))

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def list(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/*")):
            if _SHA256.fullmatch(path.name) and path.name[:2] == path.parent.name:
                yield path.name


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
