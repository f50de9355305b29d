"""Attachments: proof of submission kept with a communication. The upload is streamed into the storage
(service.storage) while it is hashed, its type read from its content (magic bytes, not the name), and kept
once under its SHA-256; it is served only after its bytes have matched that SHA-256 again."""

from __future__ import annotations

import codecs
import logging
import os
import re
import tempfile
from typing import IO, Any

from sqlalchemy import select

from models import Case
from models.communications import Attachment, Communication
from service import audit
from service.auth import Caller
from service.db import paginate
from service.errors import Problem, validation_error
from service.storage import ObjectCorrupt, ObjectMissing, Storage

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_CHUNK = 1024 * 1024


def get_attachment(session, org_id: int, attachment_id: int) -> Attachment:
    row = session.scalars(
        select(Attachment)
        .join(Communication, Communication.id == Attachment.communication_id)
        .join(Case, Case.id == Attachment.case_id)
        .where(
            Attachment.id == attachment_id,
            Attachment.org_id == org_id,
            Communication.deleted_at.is_(None),
            Case.deleted_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        raise Problem(404, f"No attachment {attachment_id}.")
    return row


def attachment_document(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.id,
        "communication_id": row.communication_id,
        "case_id": row.case_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "url": f"/api/v1/attachments/{row.id}",
        "created_at": row.created_at,
        "created_by": row.created_by_id,
    }


def attachments_of(session, ids: list[int]) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {i: [] for i in ids}
    if ids:
        for row in session.scalars(
            select(Attachment).where(Attachment.communication_id.in_(ids)).order_by(Attachment.id)
        ).all():
            found[row.communication_id].append(row)
    return found


# Magic bytes: the type is what the file is, not what the client claims.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
ALLOWED_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain")


def detect_content_type(head: bytes, is_text: bool) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return "text/plain" if is_text else None


class _Upload:
    """The upload as the storage reads it: counted against the limit, its first bytes kept for the type, and
    checked for text (UTF-8 without control characters; tabs, new lines and form feeds allowed) chunk by
    chunk. At its end it raises the validation error when it is empty or of a type not accepted, so the
    storage keeps nothing of it."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.size = 0
        self.head = b""
        self.is_text = True
        self.content_type: str | None = None
        self._utf8 = codecs.getincrementaldecoder("utf-8")()

    def read(self, n: int = -1) -> bytes:
        chunk = self.stream.read(n)
        if chunk:
            self.size += len(chunk)
            if self.size > MAX_ATTACHMENT_BYTES:
                raise Problem(413, "An attachment may be at most 20 MB (20,971,520 bytes).")
            if len(self.head) < 16:
                self.head += chunk[: 16 - len(self.head)]
            self._check_text(chunk, final=False)
            return chunk
        if self.size == 0:
            raise validation_error({"file": ["The file is empty."]})
        self._check_text(b"", final=True)
        self.content_type = detect_content_type(self.head, self.is_text)
        if self.content_type is None:
            raise validation_error(
                {
                    "file": [
                        "Only PDF, PNG, JPEG, TIFF or plain text (UTF-8) files are accepted; "
                        "the type is read from the file's content, not its name."
                    ]
                }
            )
        return b""

    def _check_text(self, chunk: bytes, final: bool) -> None:
        if not self.is_text:
            return
        try:
            self._utf8.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.is_text = False
        if _TEXT_CONTROL.search(chunk):
            self.is_text = False


def safe_filename(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = re.sub(r"[\x00-\x1f\x7f]", "", base)[:255]
    return base or "attachment"


def store_attachment(
    session, caller: Caller, row: Communication, stream: IO[bytes], filename: str | None, storage: Storage
) -> Attachment:
    """Stream the upload into the storage while it is hashed and its size and type checked; the storage
    keeps it under its SHA-256 (the same bytes are stored once)."""
    upload = _Upload(stream)
    sha256, size = storage.put(upload)
    content_type = upload.content_type
    attachment = Attachment(
        org_id=row.org_id,
        case_id=row.case_id,
        communication_id=row.id,
        sha256=sha256,
        size=size,
        content_type=content_type,
        filename=safe_filename(filename),
        created_by_id=caller.user_id,
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "attachment",
        attachment.id,
        org_id=row.org_id,
        case_id=row.case_id,
        after={
            "communication_id": row.id,
            "filename": attachment.filename,
            "sha256": sha256,
            "size": size,
            "content_type": content_type,
        },
    )
    return attachment


def verified_file(storage: Storage, row: Attachment) -> IO[bytes]:
    """The attachment's bytes, read from the storage chunk by chunk into a spooled temporary file (memory up to
    1 MB, then disk) while the SHA-256 is checked; answered only once the whole file has matched, so bytes
    that are not the ones stored are never served. A mismatch or a missing object is logged and answers 500."""
    spool = tempfile.SpooledTemporaryFile(max_size=_CHUNK)  # noqa: SIM115 - handed to send_file, which closes it
    try:
        for chunk in storage.open(row.sha256):
            spool.write(chunk)
    except ObjectCorrupt as error:
        spool.close()
        log.error("attachment %s (org %s): %s", row.id, row.org_id, error)
        raise Problem(
            500,
            f"The stored file of attachment {row.id} does not match its SHA-256 {row.sha256}; "
            "it is not served. The error has been logged.",
            title="Stored file failed its integrity check",
        ) from None
    except ObjectMissing as error:
        spool.close()
        log.error("attachment %s (org %s): %s", row.id, row.org_id, error)
        raise Problem(
            500,
            f"The stored file of attachment {row.id} is missing from storage. The error has been logged.",
            title="Stored file missing",
        ) from None
    spool.seek(0)
    return spool


def list_attachments(session, row: Communication, page: int, per_page: int):
    query = select(Attachment).where(Attachment.communication_id == row.id).order_by(Attachment.id)
    return paginate(session, query, page, per_page)
