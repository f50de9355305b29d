"""Attachment storage in the database (ATTACHMENTS_STORAGE=database): each stored object once under its
SHA-256, its bytes in chunks of at most 1 MB, so no process ever holds a whole file in memory."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Blob(Base):
    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class BlobChunk(Base):
    """A chunk of a blob, in order of seq (0, 1, ...). While an upload is written its chunks carry a
    temporary key ("upload-..."), renamed to the SHA-256 once the whole stream is hashed."""

    __tablename__ = "blob_chunks"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
