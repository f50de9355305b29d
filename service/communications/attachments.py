"""Attachments: proof of submission kept with a communication. The upload is streamed to disk while it is
hashed, its type read from its content (magic bytes, not the name), and kept once under its SHA-256."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from models import Case
from models.communications import Attachment, Communication
from service import audit
from service.auth import Caller
from service.db import paginate
from service.errors import Problem, validation_error

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_CHUNK = 1024 * 1024


def get_attachment(session, org_id: int, attachment_id: int) -> Attachment:
    row = session.scalars(
        select(Attachment)
        .join(Communication, Communication.id == Attachment.communication_id)
        .join(Case, Case.id == Attachment.case_id)
        .where(Attachment.id == attachment_id, Attachment.org_id == org_id,
               Communication.deleted_at.is_(None), Case.deleted_at.is_(None))
    ).one_or_none()
    if row is None:
        raise Problem(404, f"No attachment {attachment_id}.")
    return row


def attachment_document(row: Attachment) -> dict[str, Any]:
    return {"id": row.id, "communication_id": row.communication_id, "case_id": row.case_id,
            "filename": row.filename, "content_type": row.content_type, "size": row.size, "sha256": row.sha256,
            "url": f"/api/v1/attachments/{row.id}", "created_at": row.created_at, "created_by": row.created_by_id}


def attachments_of(session, ids: list[int]) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {i: [] for i in ids}
    if ids:
        for row in session.scalars(select(Attachment).where(Attachment.communication_id.in_(ids))
                                   .order_by(Attachment.id)).all():
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


def detect_content_type(head: bytes, path: Path) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return "text/plain" if _is_text(path) else None


def _is_text(path: Path) -> bool:
    """UTF-8 without control characters (tabs, new lines and form feeds allowed)."""
    with path.open("rb") as handle:
        data = handle.read()
    if not data or _TEXT_CONTROL.search(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def safe_filename(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = re.sub(r"[\x00-\x1f\x7f]", "", base)[:255]
    return base or "attachment"


def storage_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def store_attachment(session, caller: Caller, row: Communication, stream: IO[bytes], filename: str | None,
                     root: Path) -> Attachment:
    """Stream the upload to a temporary file while hashing it, check size and type, then keep it under its
    SHA-256 (the same bytes are stored once)."""
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".upload-")
    temp_path = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_ATTACHMENT_BYTES:
                    raise Problem(413, "An attachment may be at most 20 MB (20,971,520 bytes).")
                if len(head) < 16:
                    head += chunk[:16 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise validation_error({"file": ["The file is empty."]})
        content_type = detect_content_type(head, temp_path)
        if content_type is None:
            raise validation_error({"file": ["Only PDF, PNG, JPEG, TIFF or plain text (UTF-8) files are accepted; "
                                              "the type is read from the file's content, not its name."]})
        sha256 = digest.hexdigest()
        final = storage_path(root, sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            temp_path.unlink()
        else:
            os.replace(temp_path, final)
    finally:
        if temp_path.exists():
            temp_path.unlink()
    attachment = Attachment(org_id=row.org_id, case_id=row.case_id, communication_id=row.id, sha256=sha256,
                            size=size, content_type=content_type, filename=safe_filename(filename),
                            created_by_id=caller.user_id)
    session.add(attachment)
    session.flush()
    audit.record(session, caller, "create", "attachment", attachment.id, org_id=row.org_id, case_id=row.case_id,
                 after={"communication_id": row.id, "filename": attachment.filename, "sha256": sha256, "size": size,
                        "content_type": content_type})
    return attachment


def list_attachments(session, row: Communication, page: int, per_page: int):
    query = select(Attachment).where(Attachment.communication_id == row.id).order_by(Attachment.id)
    return paginate(session, query, page, per_page)
