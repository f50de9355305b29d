"""Communications: the log of every contact on a case, its attachments (proof of submission), the servicer
clocks it starts and stops (through case events), and the servicer-compliance view.

Clock events (decided for issue 6; see also the OpenAPI descriptions):
- outbound notice_of_error -> notice_of_error_sent; outbound request_for_information -> request_for_information_sent;
  outbound qualified_written_request -> either one, by `qwr_treated_as` (default notice_of_error: a QWR asserting
  an error is a notice of error, 12 CFR 1024.35(a); one asking for information is an RFI, 1024.36(a));
- outbound loss_mit_application -> loss_mit_application_received (acknowledgment clock), and when
  `application_complete` also loss_mit_application_complete (evaluation clock);
- inbound acknowledgment / response with in_reply_to naming an entry that started clocks ->
  servicer_acknowledged / servicer_responded with details.in_reply_to = that entry's event id;
- inbound decision with decision_result denied -> loss_mit_denied (meets the evaluation clock, starts the
  appeal clock); modification_approved -> modification_approved.
The events are added, changed and deleted through service.events.service in the same transaction, so the
deadlines are recomputed as for any event. Received-on dates become details.received_on (the clocks run from
receipt)."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import AuditEntry, Case, CaseEvent, Deadline
from models.base import utcnow
from models.communications import Attachment, Communication
from service import audit
from service.auth import Caller
from service.clock.engine import SERVICER_RESPONSE_KINDS, business_days_between
from service.db import paginate
from service.errors import Problem, validation_error
from service.rulebook import local_today

DISCLAIMER = ("Not legal advice: a record of what was logged, with the clocks computed from the cited rules; "
              "verify against the source before relying on it.")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
CLOCK_KINDS = tuple(sorted(SERVICER_RESPONSE_KINDS))
REQUEST_EVENT = {"notice_of_error": "notice_of_error_sent", "request_for_information": "request_for_information_sent"}
REPLY_EVENT = {"acknowledgment": "servicer_acknowledged", "response": "servicer_responded"}
DECISION_EVENT = {"denied": "loss_mit_denied", "modification_approved": "modification_approved",
                  "modification_denied": "loss_mit_denied"}
# An offered option is a determination (1024.41(c)(1)(ii)) that the borrower must accept or reject (1024.41(e)).
OPTION_OFFERED = {"forbearance_offered": "forbearance", "repayment_plan_offered": "repayment_plan",
                  "trial_modification_offered": "trial_modification", "short_sale_approved": "short_sale",
                  "deed_in_lieu_approved": "deed_in_lieu"}
# Regulation X clocks start and stop only on writing: a notice of error (12 CFR 1024.35(a)), a request for
# information (1024.36(a)) and a QWR (RESPA § 6(e)) are written requests; the servicer's acknowledgment and
# response (1024.35(d)-(e), 1024.36(c)-(d)) and its loss-mitigation decision (1024.41(c)(1)(ii)) are written
# notices. A phone call or a meeting is logged but starts or stops no clock.
ORAL_CHANNELS = frozenset({"phone", "in_person"})
WRITTEN_ONLY = {
    ("outbound", "notice_of_error"): "12 CFR 1024.35(a)", ("outbound", "request_for_information"): "12 CFR 1024.36(a)",
    ("outbound", "qualified_written_request"): "12 U.S.C. § 2605(e)(1)(B)",
    ("inbound", "acknowledgment"): "12 CFR 1024.35(d), 1024.36(c)", ("inbound", "response"): "12 CFR 1024.35(e), 1024.36(d)",
    ("inbound", "decision"): "12 CFR 1024.41(c)(1)(ii)",
}


def oral_clock_note(row: Communication) -> str | None:
    """Why an oral entry starts or stops no servicer clock, with what to do instead; None otherwise."""
    citation = WRITTEN_ONLY.get((row.direction, row.category))
    if row.channel not in ORAL_CHANNELS or citation is None:
        return None
    if row.direction == "outbound":
        return (f"An oral request starts no servicer clock: only a written request does ({citation}). "
                f"Send it in writing and record the written follow-up as a new entry (letter, certified mail, "
                f"fax, e-mail or portal).")
    return (f"An oral {row.category.replace('_', ' ')} from the servicer does not satisfy or stop the clock: it "
            f"must be in writing ({citation}). Record the written one when it arrives.")
_CHUNK = 1024 * 1024


# --- loading ------------------------------------------------------------------------------------

def get_communication(session, org_id: int, communication_id: int) -> Communication:  # noqa: ANN001
    """The entry, or 404 (another organisation's, a deleted case's or entry's, or none)."""
    row = session.scalars(
        select(Communication).join(Case, Case.id == Communication.case_id)
        .where(Communication.id == communication_id, Communication.org_id == org_id,
               Communication.deleted_at.is_(None), Case.deleted_at.is_(None))
    ).one_or_none()
    if row is None:
        raise Problem(404, f"No communication {communication_id}.")
    return row


def get_attachment(session, org_id: int, attachment_id: int) -> Attachment:  # noqa: ANN001
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


def list_communications(session, case: Case, page: int, per_page: int, category: str | None = None,  # noqa: ANN001
                        direction: str | None = None) -> tuple[list[Communication], int]:
    query = select(Communication).where(Communication.case_id == case.id, Communication.org_id == case.org_id,
                                        Communication.deleted_at.is_(None))
    if category:
        query = query.where(Communication.category == category)
    if direction:
        query = query.where(Communication.direction == direction)
    return paginate(session, query.order_by(Communication.occurred_at, Communication.id), page, per_page)


# --- documents ----------------------------------------------------------------------------------

def attachment_document(row: Attachment) -> dict[str, Any]:
    return {"id": row.id, "communication_id": row.communication_id, "case_id": row.case_id,
            "filename": row.filename, "content_type": row.content_type, "size": row.size, "sha256": row.sha256,
            "url": f"/api/v1/attachments/{row.id}", "created_at": row.created_at, "created_by": row.created_by_id}


def _attachments_of(session, ids: list[int]) -> dict[int, list[Attachment]]:  # noqa: ANN001
    found: dict[int, list[Attachment]] = {i: [] for i in ids}
    if ids:
        for row in session.scalars(select(Attachment).where(Attachment.communication_id.in_(ids))
                                   .order_by(Attachment.id)).all():
            found[row.communication_id].append(row)
    return found


def _corrections_of(session, org_id: int, ids: list[int]) -> dict[int, list[dict[str, Any]]]:  # noqa: ANN001
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for entry in session.scalars(select(AuditEntry).where(
                AuditEntry.org_id == org_id, AuditEntry.entity_type == "communication",
                AuditEntry.action == "update", AuditEntry.entity_id.in_(ids)).order_by(AuditEntry.id)).all():
            found[entry.entity_id].append({"at": entry.at, "by": entry.actor_id, "changes": entry.changes})
    return found


def documents(session, rows: list[Communication]) -> list[dict[str, Any]]:  # noqa: ANN001
    """The API's view of entries, with attachments, earlier submissions and corrections (a few queries per page)."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    attachments = _attachments_of(session, ids)
    corrections = _corrections_of(session, rows[0].org_id, ids)
    earlier_cache: dict[int, list[tuple[Communication, list[Attachment]]]] = {}
    out = []
    for row in rows:
        previously_sent: list[dict[str, Any]] = []
        if row.category == "document_request" and row.documents_requested:
            if row.case_id not in earlier_cache:
                earlier_cache[row.case_id] = _outbound_of_case(session, row.case_id)
            previously_sent = match_previous_submissions(row, earlier_cache[row.case_id])
        events = [{"id": row.event_id, "type": _event_type(session, row.event_id)}] if row.event_id else []
        if row.complete_event_id:
            events.append({"id": row.complete_event_id, "type": "loss_mit_application_complete"})
        out.append({
            "id": row.id, "case_id": row.case_id, "occurred_at": row.occurred_at, "channel": row.channel,
            "direction": row.direction, "counterparty_type": row.counterparty_type,
            "counterparty_name": row.counterparty_name, "contact_person": row.contact_person,
            "department": row.department, "category": row.category, "subject": row.subject,
            "summary": row.summary, "in_reply_to": row.in_reply_to_id, "qwr_treated_as": row.qwr_treated_as,
            "application_complete": row.application_complete, "decision_result": row.decision_result,
            "received_on": row.received_on,
            "documents_sent": list(row.documents_sent or []),
            "documents_requested": list(row.documents_requested or []),
            "attachments": [attachment_document(a) for a in attachments[row.id]],
            "previously_sent": previously_sent, "duplicate_request": bool(previously_sent),
            "clock_events": events, "clock_note": oral_clock_note(row),
            "corrected": bool(corrections[row.id]), "corrections": corrections[row.id],
            "created_by": row.created_by_id, "created_at": row.created_at, "updated_at": row.updated_at,
            "disclaimer": DISCLAIMER,
        })
    return out


def document(session, row: Communication) -> dict[str, Any]:  # noqa: ANN001
    return documents(session, [row])[0]


def _event_type(session, event_id: int) -> str | None:  # noqa: ANN001
    event = session.get(CaseEvent, event_id)
    return event.type if event else None


def _audit_document(row: Communication) -> dict[str, Any]:
    return {
        "occurred_at": row.occurred_at.isoformat(), "channel": row.channel, "direction": row.direction,
        "counterparty_type": row.counterparty_type, "counterparty_name": row.counterparty_name,
        "contact_person": row.contact_person, "department": row.department, "category": row.category,
        "subject": row.subject, "summary": row.summary, "in_reply_to": row.in_reply_to_id,
        "qwr_treated_as": row.qwr_treated_as, "application_complete": row.application_complete,
        "decision_result": row.decision_result,
        "received_on": row.received_on.isoformat() if row.received_on else None,
        "documents_sent": list(row.documents_sent or []), "documents_requested": list(row.documents_requested or []),
    }


# --- duplicate document requests ------------------------------------------------------------------

def normalize_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def _outbound_of_case(session, case_id: int) -> list[tuple[Communication, list[Attachment]]]:  # noqa: ANN001
    rows = list(session.scalars(select(Communication).where(
        Communication.case_id == case_id, Communication.direction == "outbound",
        Communication.deleted_at.is_(None)).order_by(Communication.occurred_at, Communication.id)).all())
    attachments = _attachments_of(session, [r.id for r in rows])
    return [(r, attachments[r.id]) for r in rows]


def match_previous_submissions(request: Communication,
                               outbound: list[tuple[Communication, list[Attachment]]]) -> list[dict[str, Any]]:
    """Earlier outbound entries that sent a document this request asks for.

    A name matches an earlier entry's documents_sent name, or an attachment's file name with or without its
    extension, compared case-insensitively with runs of spaces collapsed. Only entries at or before the request."""
    matches: list[dict[str, Any]] = []
    for wanted in request.documents_requested or []:
        key = normalize_name(wanted)
        for earlier, files in outbound:
            if earlier.id == request.id or earlier.occurred_at > request.occurred_at:
                continue
            if any(normalize_name(n) == key for n in earlier.documents_sent or []):
                matches.append({"document": wanted, "communication_id": earlier.id,
                                "occurred_at": earlier.occurred_at, "channel": earlier.channel,
                                "matched": "documents_sent", "attachment_id": None, "sha256": None})
            for file in files:
                if key in (normalize_name(file.filename), normalize_name(Path(file.filename).stem)):
                    matches.append({"document": wanted, "communication_id": earlier.id,
                                    "occurred_at": earlier.occurred_at, "channel": earlier.channel,
                                    "matched": "attachment", "attachment_id": file.id, "sha256": file.sha256})
    return matches


# --- create, correct, delete ------------------------------------------------------------------------

FIELDS = ("occurred_at", "channel", "direction", "counterparty_type", "counterparty_name", "contact_person",
          "department", "category", "subject", "summary", "qwr_treated_as", "application_complete",
          "decision_result", "received_on", "documents_sent", "documents_requested")


def _aware(value: dt.datetime, timezone: str) -> dt.datetime:
    """A date-time without an offset is taken in the organisation's time zone (contract)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(dt.timezone.utc)


def local_date(row: Communication, timezone: str) -> dt.date:
    return row.occurred_at.astimezone(ZoneInfo(timezone)).date()


def _check(session, caller: Caller, case: Case, row: Communication, reply_to: int | None,  # noqa: ANN001
           extended: bool | None = None) -> None:
    errors: dict[str, list[str]] = {}
    now = utcnow()
    if row.occurred_at < EARLIEST:
        errors["occurred_at"] = ["Must be on or after 1970-01-01."]
    elif row.occurred_at > now + dt.timedelta(minutes=5):
        errors["occurred_at"] = ["A logged communication cannot be in the future."]
    today = local_today(caller.timezone)
    if row.received_on is not None and "occurred_at" not in errors:
        if not (local_date(row, caller.timezone) <= row.received_on <= today):
            errors["received_on"] = ["Must be on or after the day it was sent and not in the future."]
    if row.qwr_treated_as and row.category != "qualified_written_request":
        errors["qwr_treated_as"] = ["Only for a qualified_written_request."]
    if row.application_complete and row.category != "loss_mit_application":
        errors["application_complete"] = ["Only for a loss_mit_application."]
    if row.decision_result and not (row.category == "decision" and row.direction == "inbound"):
        errors["decision_result"] = ["Only for an inbound decision."]
    if extended and not (row.direction == "inbound" and row.category in REPLY_EVENT):
        errors["servicer_extended"] = ["Only for an inbound acknowledgment or response."]
    if row.documents_requested and row.category != "document_request":
        errors["documents_requested"] = ["Only for a document_request."]
    if reply_to is not None:
        target = session.scalars(select(Communication).where(
            Communication.id == reply_to, Communication.org_id == caller.org_id, Communication.case_id == case.id,
            Communication.deleted_at.is_(None))).one_or_none()
        if target is None or target.id == row.id:
            errors["in_reply_to"] = [f"No communication {reply_to} on this case."]
        elif target.occurred_at > row.occurred_at:
            errors["in_reply_to"] = [f"Communication {reply_to} came after this one."]
    if errors:
        raise validation_error(errors)


def _apply(row: Communication, data: dict[str, Any], timezone: str) -> None:
    for name in FIELDS:
        if name in data:
            value = data[name]
            if name == "occurred_at":
                value = _aware(value, timezone)
            elif name in ("documents_sent", "documents_requested"):
                value = list(value or [])
            elif name == "application_complete":
                value = bool(value)
            setattr(row, name, value)
    if "in_reply_to" in data:
        row.in_reply_to_id = data["in_reply_to"]
    if row.category == "qualified_written_request" and not row.qwr_treated_as:
        row.qwr_treated_as = "notice_of_error"


def create_communication(session, caller: Caller, case: Case, data: dict[str, Any]) -> Communication:  # noqa: ANN001
    row = Communication(org_id=case.org_id, case_id=case.id, created_by_id=caller.user_id,
                        documents_sent=[], documents_requested=[], application_complete=False)
    _apply(row, data, caller.timezone)
    _check(session, caller, case, row, data.get("in_reply_to"), data.get("servicer_extended"))
    session.add(row)
    session.flush()
    sync_events(session, caller, case, row, data.get("servicer_extended", False))
    audit.record(session, caller, "create", "communication", row.id, org_id=case.org_id, case_id=case.id,
                 after=_audit_document(row))
    return row


def update_communication(session, caller: Caller, row: Communication, data: dict[str, Any]) -> Communication:  # noqa: ANN001
    """A correction: the before and after go to the audit history; the entry's clock events follow."""
    from service.cases.service import get_case

    case = get_case(session, caller.org_id, row.case_id)
    before = _audit_document(row)
    _apply(row, data, caller.timezone)
    if row.category != "qualified_written_request":
        row.qwr_treated_as = None
    if row.category != "loss_mit_application":
        row.application_complete = False
    if row.category != "decision" or row.direction != "inbound":
        row.decision_result = None
    if row.category != "document_request" and "documents_requested" not in data:
        row.documents_requested = []
    _check(session, caller, case, row, data.get("in_reply_to"), data.get("servicer_extended"))
    row.updated_at = utcnow()
    session.flush()
    sync_events(session, caller, case, row, data.get("servicer_extended"))
    after = _audit_document(row)
    audit.record(session, caller, "update", "communication", row.id, org_id=case.org_id, case_id=case.id,
                 before=before, after=after)
    _resync_replies(session, caller, case, row)
    return row


def delete_communication(session, caller: Caller, row: Communication) -> None:  # noqa: ANN001
    """Soft delete: the entry stays for the audit; its clock events go (the deadlines follow)."""
    from service.cases.service import get_case

    case = get_case(session, caller.org_id, row.case_id)
    row.deleted_at = utcnow()
    session.flush()
    sync_events(session, caller, case, row, None)
    audit.record(session, caller, "delete", "communication", row.id, org_id=case.org_id, case_id=case.id,
                 before=_audit_document(row), after=None)
    _resync_replies(session, caller, case, row)


# --- clock events --------------------------------------------------------------------------------

def _wanted_events(session, caller: Caller, row: Communication,  # noqa: ANN001
                   extended: bool | None) -> tuple[dict | None, dict | None]:
    """(primary event, completion event) this entry should have, as {type, occurred_on, details}, or None."""
    if row.deleted_at is not None or oral_clock_note(row):
        return None, None
    on = local_date(row, caller.timezone)
    request_details: dict[str, Any] = {}
    if row.received_on:
        request_details["received_on"] = row.received_on
    if row.subject:
        request_details["subject"] = row.subject
    if row.direction == "outbound":
        kind = row.qwr_treated_as if row.category == "qualified_written_request" else row.category
        if kind in REQUEST_EVENT:
            return {"type": REQUEST_EVENT[kind], "occurred_on": on, "details": request_details}, None
        if row.category == "loss_mit_application":
            # The application events take no received_on; the servicer's receipt day is the event's date.
            received = row.received_on or on
            complete = ({"type": "loss_mit_application_complete", "occurred_on": received, "details": {}}
                        if row.application_complete else None)
            return {"type": "loss_mit_application_received", "occurred_on": received, "details": {}}, complete
        return None, None
    if row.category == "decision" and row.decision_result in DECISION_EVENT:
        details = {"option": "loan_modification"} if row.decision_result == "modification_denied" else {}
        return {"type": DECISION_EVENT[row.decision_result], "occurred_on": on, "details": details}, None
    if row.category == "decision" and row.decision_result in OPTION_OFFERED:
        return {"type": "loss_mit_option_offered", "occurred_on": on,
                "details": {"option": OPTION_OFFERED[row.decision_result]}}, None
    if row.category in REPLY_EVENT and row.in_reply_to_id:
        target = session.get(Communication, row.in_reply_to_id)
        if target is None or target.deleted_at is not None or target.event_id is None:
            return None, None
        details: dict[str, Any] = {"in_reply_to": target.event_id}
        if extended is None and row.event_id:  # a correction that does not mention it keeps the flag
            current = session.get(CaseEvent, row.event_id)
            extended = bool(current and (current.details or {}).get("extended" if row.category == "acknowledgment"
                                                                    else "extension"))
        if extended:
            details["extended" if row.category == "acknowledgment" else "extension"] = True
        return {"type": REPLY_EVENT[row.category], "occurred_on": on, "details": details}, None
    return None, None


def _sync_one(session, caller: Caller, case: Case, event_id: int | None, wanted: dict | None) -> int | None:  # noqa: ANN001
    from service.events import service as events

    current = session.get(CaseEvent, event_id) if event_id else None
    if current is not None and current.deleted_at is not None:
        current = None
    if wanted is None:
        if current is not None:
            events.delete_event(session, caller, current)
        return None
    if current is not None and current.type == wanted["type"]:
        if current.occurred_on != wanted["occurred_on"] or _json(current.details) != _json(wanted["details"]):
            events.update_event(session, caller, current, {"occurred_on": wanted["occurred_on"],
                                                           "details": _json(wanted["details"])})
        return current.id
    if current is not None:
        events.delete_event(session, caller, current)
    created = events.add_event(session, caller, case, {"type": wanted["type"], "occurred_on": wanted["occurred_on"],
                                                       "details": _json(wanted["details"])})
    return created.id


def _json(details: dict[str, Any] | None) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in (details or {}).items()}


def sync_events(session, caller: Caller, case: Case, row: Communication, extended: bool | None) -> None:  # noqa: ANN001
    primary, complete = _wanted_events(session, caller, row, extended)
    row.event_id = _sync_one(session, caller, case, row.event_id, primary)
    row.complete_event_id = _sync_one(session, caller, case, row.complete_event_id, complete)
    session.flush()


def _resync_replies(session, caller: Caller, case: Case, row: Communication) -> None:  # noqa: ANN001
    """Replies point at this entry's event: keep them in step when it changes or goes."""
    for reply in session.scalars(select(Communication).where(
            Communication.in_reply_to_id == row.id, Communication.deleted_at.is_(None))).all():
        # A deleted request keeps the link for the record; the reply's clock event goes with the request's.
        sync_events(session, caller, case, reply, None)


# --- attachments ---------------------------------------------------------------------------------

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


def store_attachment(session, caller: Caller, row: Communication, stream: IO[bytes], filename: str | None,  # noqa: ANN001
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


def list_attachments(session, row: Communication, page: int, per_page: int):  # noqa: ANN001
    query = select(Attachment).where(Attachment.communication_id == row.id).order_by(Attachment.id)
    return paginate(session, query, page, per_page)


# --- servicer compliance ---------------------------------------------------------------------------

def servicer_compliance(session, case: Case, today: dt.date) -> list[dict[str, Any]]:  # noqa: ANN001
    """Each servicer clock of the case with its result: open, on_time, late (by N business days) or missed."""
    rows = list(session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.removed_at.is_(None), Deadline.kind.in_(CLOCK_KINDS))).all())
    events = {e.id: e for e in session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.deleted_at.is_(None))).all()}
    comms = list(session.scalars(select(Communication).where(
        Communication.case_id == case.id, Communication.deleted_at.is_(None))).all())
    by_event = {}
    for c in comms:
        for event_id in (c.event_id, c.complete_event_id):
            if event_id:
                by_event[event_id] = c
    replies: dict[int, list[int]] = {}
    for c in comms:
        if c.in_reply_to_id and c.event_id:
            replies.setdefault(c.in_reply_to_id, []).append(c.id)
    clocks = []
    for row in rows:
        trigger_id = _trigger_event_id(row.key)
        trigger = events.get(trigger_id) if trigger_id else None
        started_on = row.computed_from_occurred_on
        if trigger is not None and (trigger.details or {}).get("received_on"):
            started_on = dt.date.fromisoformat(trigger.details["received_on"])
        request = by_event.get(trigger_id) if trigger_id else None
        result, late_by = clock_result(row.due_on, row.met_on, today)
        clocks.append({
            "clock": row.kind, "title": row.title, "deadline_id": row.id, "started_on": started_on,
            "due_on": row.due_on, "met_on": row.met_on, "result": result, "late_by_business_days": late_by,
            "citation": row.citation, "source_url": row.source_url, "explanation": row.explanation,
            "request_communication_id": request.id if request else None,
            "answered_by_communication_ids": sorted(replies.get(request.id, [])) if request else [],
            "deadline_status": row.status,
        })
    clocks.sort(key=lambda c: (c["started_on"] or dt.date.max, c["due_on"] or dt.date.max, c["clock"]))
    return clocks


def _trigger_event_id(key: str) -> int | None:
    _, _, suffix = key.partition(":")
    return int(suffix) if suffix.isdigit() else None


def clock_result(due_on: dt.date | None, met_on: dt.date | None, today: dt.date) -> tuple[str, int | None]:
    if met_on is not None:
        if due_on is None or met_on <= due_on:
            return "on_time", None
        return "late", business_days_between(due_on, met_on)
    if due_on is not None and due_on < today:
        return "missed", business_days_between(due_on, today)
    return "open", None


def compliance_summary(clocks: list[dict[str, Any]]) -> dict[str, int]:
    summary = {"open": 0, "on_time": 0, "late": 0, "missed": 0}
    for clock in clocks:
        summary[clock["result"]] += 1
    return summary


# --- for reports (issue 7) -------------------------------------------------------------------------

def communications_log(session, org_id: int, case_id: int, today: dt.date | None = None) -> dict[str, Any]:  # noqa: ANN001
    """A case's communications log for printing: every entry in date order with its documents (file name, type,
    size, SHA-256), earlier submissions and corrections, plus the servicer-compliance findings.

    Plain dicts (dates and date-times as Python objects); scoped to the organisation (404 otherwise)."""
    from service.cases.service import case_document, get_case
    from models import Organization

    case = get_case(session, org_id, case_id)
    today = today or local_today(session.get(Organization, org_id).timezone)
    rows = list(session.scalars(select(Communication).where(
        Communication.case_id == case.id, Communication.deleted_at.is_(None))
        .order_by(Communication.occurred_at, Communication.id)).all())
    clocks = servicer_compliance(session, case, today)
    return {"case": case_document(case, mask=True), "as_of": today, "entries": documents(session, rows),
            "servicer_compliance": clocks, "compliance_summary": compliance_summary(clocks),
            "disclaimer": DISCLAIMER}
