"""Communications: the log of every contact on a case (create, correct, delete, read) and the documents the
API shows, with earlier submissions of a requested document and corrections.

The parts: attachments.py (proof of submission), clock_events.py (the servicer clocks an entry starts and
stops, through case events) and compliance.py (each clock's result, and the log the exhibit report prints)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import AuditEntry, Case, CaseEvent
from models.base import utcnow
from models.communications import Attachment, Communication
from service import audit
from service.auth import Caller
from service.cases.service import get_case
from service.communications.attachments import attachments_of
from service.communications.clock_events import REPLY_EVENT, local_date, oral_clock_note, resync_replies, sync_events
from service.communications.schemas import CommunicationSchema
from service.db import paginate
from service.errors import Problem, validation_error
from service.fields import python_dump
from service.rulebook import local_today

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


# --- loading ------------------------------------------------------------------------------------


def get_communication(session, org_id: int, communication_id: int) -> Communication:
    """The entry, or 404 (another organisation's, a deleted case's or entry's, or none)."""
    row = session.scalars(
        select(Communication)
        .join(Case, Case.id == Communication.case_id)
        .where(
            Communication.id == communication_id,
            Communication.org_id == org_id,
            Communication.deleted_at.is_(None),
            Case.deleted_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        raise Problem(404, f"No communication {communication_id}.")
    return row


def list_communications(
    session, case: Case, page: int, per_page: int, category: str | None = None, direction: str | None = None
) -> tuple[list[Communication], int]:
    query = select(Communication).where(
        Communication.case_id == case.id, Communication.org_id == case.org_id, Communication.deleted_at.is_(None)
    )
    if category:
        query = query.where(Communication.category == category)
    if direction:
        query = query.where(Communication.direction == direction)
    return paginate(session, query.order_by(Communication.occurred_at, Communication.id), page, per_page)


# --- documents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousSubmission:
    """An earlier outbound entry that sent a document a request asks for."""

    document: str
    communication_id: int
    occurred_at: dt.datetime
    channel: str
    matched: str  # documents_sent or attachment
    attachment_id: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class ClockEvent:
    """A case event an entry created: it drives the servicer clocks."""

    id: int
    type: str | None


class CommunicationView:
    """An entry as the API, the case page and the exhibit show it: the row (its columns), and what is gathered
    beside it: attachments, earlier submissions of a requested document, corrections (audit entries) and the
    clock events. CommunicationSchema dumps it."""

    def __init__(
        self,
        row: Communication,
        attachments: list[Attachment],
        previously_sent: list[PreviousSubmission],
        corrections: list[AuditEntry],
        clock_events: list[ClockEvent],
    ):
        self.row = row
        self.attachments = attachments
        self.previously_sent = previously_sent
        self.corrections = corrections
        self.clock_events = clock_events

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)  # the row's columns

    @property
    def duplicate_request(self) -> bool:
        return bool(self.previously_sent)

    @property
    def corrected(self) -> bool:
        return bool(self.corrections)

    @property
    def clock_note(self) -> str | None:
        return oral_clock_note(self.row)


def _corrections_of(session, org_id: int, ids: list[int]) -> dict[int, list[AuditEntry]]:
    found: dict[int, list[AuditEntry]] = {i: [] for i in ids}
    if ids:
        for entry in session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.org_id == org_id,
                AuditEntry.entity_type == "communication",
                AuditEntry.action == "update",
                AuditEntry.entity_id.in_(ids),
            )
            .order_by(AuditEntry.id)
        ).all():
            found[entry.entity_id].append(entry)
    return found


def views(session, rows: list[Communication]) -> list[CommunicationView]:
    """Entries with their attachments, earlier submissions and corrections (a few queries per page)."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    attachments = attachments_of(session, ids)
    corrections = _corrections_of(session, rows[0].org_id, ids)
    earlier_cache: dict[int, list[tuple[Communication, list[Attachment]]]] = {}
    out = []
    for row in rows:
        previously_sent: list[PreviousSubmission] = []
        if row.category == "document_request" and row.documents_requested:
            if row.case_id not in earlier_cache:
                earlier_cache[row.case_id] = _outbound_of_case(session, row.case_id)
            previously_sent = match_previous_submissions(row, earlier_cache[row.case_id])
        events = [ClockEvent(row.event_id, _event_type(session, row.event_id))] if row.event_id else []
        if row.complete_event_id:
            events.append(ClockEvent(row.complete_event_id, "loss_mit_application_complete"))
        out.append(CommunicationView(row, attachments[row.id], previously_sent, corrections[row.id], events))
    return out


def view(session, row: Communication) -> CommunicationView:
    return views(session, [row])[0]


def documents(session, rows: list[Communication]) -> list[dict[str, Any]]:
    """The API's documents of the entries with Python values (date-times, dates), for the pages and reports."""
    schema = CommunicationSchema()  # one for all: a schema's construction copies its fields (a log has 1,000s)
    return [python_dump(schema, v) for v in views(session, rows)]


def _event_type(session, event_id: int) -> str | None:
    event = session.get(CaseEvent, event_id)
    return event.type if event else None


# The fields a user sets on an entry (create and correct).
FIELDS = (
    "occurred_at",
    "channel",
    "direction",
    "counterparty_type",
    "counterparty_name",
    "contact_person",
    "department",
    "category",
    "subject",
    "summary",
    "qwr_treated_as",
    "application_complete",
    "decision_result",
    "received_on",
    "documents_sent",
    "documents_requested",
)

# The audit compares the fields a user sets, and the entry it answers.
_AUDITED = CommunicationSchema(only=(*FIELDS, "in_reply_to"))


def _audit_document(row: Communication) -> dict[str, Any]:
    """The entry as the audit log compares it: the API's dump of the fields a user sets."""
    return _AUDITED.dump(row)


# --- duplicate document requests ------------------------------------------------------------------


def normalize_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def _outbound_of_case(session, case_id: int) -> list[tuple[Communication, list[Attachment]]]:
    rows = list(
        session.scalars(
            select(Communication)
            .where(
                Communication.case_id == case_id,
                Communication.direction == "outbound",
                Communication.deleted_at.is_(None),
            )
            .order_by(Communication.occurred_at, Communication.id)
        ).all()
    )
    attachments = attachments_of(session, [r.id for r in rows])
    return [(r, attachments[r.id]) for r in rows]


def match_previous_submissions(
    request: Communication, outbound: list[tuple[Communication, list[Attachment]]]
) -> list[PreviousSubmission]:
    """Earlier outbound entries that sent a document this request asks for.

    A name matches an earlier entry's documents_sent name, or an attachment's file name with or without its
    extension, compared case-insensitively with runs of spaces collapsed. Only entries at or before the request."""
    matches: list[PreviousSubmission] = []
    for wanted in request.documents_requested or []:
        key = normalize_name(wanted)
        for earlier, files in outbound:
            if earlier.id == request.id or earlier.occurred_at > request.occurred_at:
                continue
            if any(normalize_name(n) == key for n in earlier.documents_sent or []):
                matches.append(
                    PreviousSubmission(wanted, earlier.id, earlier.occurred_at, earlier.channel, "documents_sent")
                )
            for file in files:
                if key in (normalize_name(file.filename), normalize_name(Path(file.filename).stem)):
                    matches.append(
                        PreviousSubmission(
                            wanted, earlier.id, earlier.occurred_at, earlier.channel, "attachment", file.id, file.sha256
                        )
                    )
    return matches


# --- create, correct, delete ------------------------------------------------------------------------


def _aware(value: dt.datetime, timezone: str) -> dt.datetime:
    """A date-time without an offset is taken in the organisation's time zone (contract)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(dt.timezone.utc)


def _check(
    session, caller: Caller, case: Case, row: Communication, reply_to: int | None, extended: bool | None = None
) -> None:
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
        target = session.scalars(
            select(Communication).where(
                Communication.id == reply_to,
                Communication.org_id == caller.org_id,
                Communication.case_id == case.id,
                Communication.deleted_at.is_(None),
            )
        ).one_or_none()
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


def create_communication(session, caller: Caller, case: Case, data: dict[str, Any]) -> Communication:
    row = Communication(
        org_id=case.org_id,
        case_id=case.id,
        created_by_id=caller.user_id,
        documents_sent=[],
        documents_requested=[],
        application_complete=False,
    )
    _apply(row, data, caller.timezone)
    _check(session, caller, case, row, data.get("in_reply_to"), data.get("servicer_extended"))
    session.add(row)
    session.flush()
    sync_events(session, caller, case, row, data.get("servicer_extended", False))
    audit.record(
        session,
        caller,
        "create",
        "communication",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        after=_audit_document(row),
    )
    return row


def update_communication(session, caller: Caller, row: Communication, data: dict[str, Any]) -> Communication:
    """A correction: the before and after go to the audit history; the entry's clock events follow."""
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
    audit.record(
        session,
        caller,
        "update",
        "communication",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        before=before,
        after=after,
    )
    resync_replies(session, caller, case, row)
    return row


def delete_communication(session, caller: Caller, row: Communication) -> None:
    """Soft delete: the entry stays for the audit; its clock events go (the deadlines follow)."""
    case = get_case(session, caller.org_id, row.case_id)
    row.deleted_at = utcnow()
    session.flush()
    sync_events(session, caller, case, row, None)
    audit.record(
        session,
        caller,
        "delete",
        "communication",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        before=_audit_document(row),
        after=None,
    )
    resync_replies(session, caller, case, row)
