"""The client's own messages, the domain's entry points: consents, the case's messages, the
organisation's choices, the every-minute scan, and what the provider's webhooks and the e-mail's
unsubscribe link change.

The parts: rules.py (pure: segments, signatures, quiet hours, topics), texts.py (the Babel catalogs),
consents.py, planning.py, outbox.py (claim, send, record), sms.py (the providers)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case
from models.base import utcnow
from models.client_messages import Appointment, ClientMessage, ClientMessageSettings, Consent
from models.intake import Party
from service import permissions
from service import audit
from service.auth import Caller
from service.client_messages import rules, texts
from service.client_messages.consents import (
    case_consents,
    consent_document,
    current_consent,
    messageable_parties,
    record_consent,
)
from service.client_messages.outbox import count_due, read_unsubscribe_token
from service.client_messages.planning import insert_message, language, org_choices, plan_case, plan_changed
from service.config import Settings
from service.conflicts.matching import normalise_phone
from service.db import paginate
from service.errors import Problem
from service.leases import compare_and_set

__all__ = [
    "scan",
    "case_consents",
    "consent_document",
    "add_consent",
    "case_messages",
    "message_document",
    "settings_document",
    "set_settings",
    "handle_inbound",
    "handle_status",
    "unsubscribe_target",
    "unsubscribe",
    "plan_case",
]

# Public states: a row a worker holds (sending) is still "planned" to the reader.
PUBLIC_STATE = {"sending": "planned"}


def scan(session: Session, settings: Settings, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    planned = plan_changed(session, settings, now)
    session.commit()
    return {"planned_cases": planned, "due": count_due(session, now)}


# ----------------------------------------------------------------------------------------------------
# Consents


def add_consent(session: Session, caller: Caller, case: Case, data: dict[str, Any]):
    party = session.get(Party, data["party_id"])
    if party is None or party.org_id != case.org_id or party.case_id != case.id or party.deleted_at is not None:
        raise Problem(422, "Validation failed.", {"party_id": ["No such party on this case."]})
    if party not in messageable_parties(session, case.id):
        raise Problem(422, "Validation failed.", {"party_id": ["Only the client and co-borrowers give consent."]})
    recorded_at = data.get("recorded_at") or utcnow()
    if recorded_at.tzinfo is None:  # without an offset: the organisation's time zone (contract)
        recorded_at = recorded_at.replace(tzinfo=ZoneInfo(org_choices(session, case.org_id).timezone))
    recorded_at = recorded_at.astimezone(dt.timezone.utc)
    if recorded_at > utcnow() + dt.timedelta(minutes=5):
        raise Problem(422, "Validation failed.", {"recorded_at": ["A consent cannot be recorded in the future."]})
    return record_consent(
        session, caller, party, data["channel"], data["given"], data["method"], recorded_at, data.get("note")
    )


def consent_overview(session: Session, case: Case) -> list[dict[str, Any]]:
    """Per client and co-borrower: the address of each channel and its current consent (None: never asked)."""
    overview = []
    for party in messageable_parties(session, case.id):
        channels = {}
        for channel in ("email", "sms"):
            current = current_consent(session, party.id, channel)
            channels[channel] = {"address": party.email if channel == "email" else party.phone, "current": current}
        overview.append({"party": party, "channels": channels})
    return overview


def audit_rows(session: Session, case: Case | None, org_id: int | None = None) -> list[dict[str, Any]]:
    """Consents and messages per client, oldest first: the audit report (CSV) of one case, or (case None) of
    every case of the organisation."""
    from models import User

    org = case.org_id if case is not None else org_id
    party_filter = Party.case_id == case.id if case is not None else Party.org_id == org
    consent_filter = Consent.case_id == case.id if case is not None else Consent.org_id == org
    message_filter = ClientMessage.case_id == case.id if case is not None else ClientMessage.org_id == org
    parties = {p.id: p for p in session.scalars(select(Party).where(party_filter)).all()}
    users = {u.id: u.email for u in session.scalars(select(User).where(User.org_id == org)).all()}
    rows: list[dict[str, Any]] = []
    for c in session.scalars(select(Consent).where(consent_filter).order_by(Consent.id)).all():
        party = parties.get(c.party_id)
        rows.append(
            {
                "case_id": c.case_id,
                "client": party.name if party else "",
                "role": party.role if party else "",
                "channel": c.channel,
                "record": "consent",
                "at": c.recorded_at,
                "what": "given" if c.given else "revoked",
                "how": c.method,
                "by_or_to": users.get(c.recorded_by_id or 0, "the client"),
                "detail": c.note or "",
            }
        )
    for m in session.scalars(select(ClientMessage).where(message_filter).order_by(ClientMessage.id)).all():
        party = parties.get(m.party_id)
        rows.append(
            {
                "case_id": m.case_id,
                "client": party.name if party else "",
                "role": party.role if party else "",
                "channel": m.channel,
                "record": "message",
                "at": m.sent_at or m.send_at,
                "what": PUBLIC_STATE.get(m.state, m.state),
                "how": m.kind,
                "by_or_to": m.to,
                "detail": m.error or "",
            }
        )
    rows.sort(key=lambda r: (r["case_id"], r["client"], r["channel"], r["at"]))
    return rows


# ----------------------------------------------------------------------------------------------------
# The case's messages


def message_document(row: ClientMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "party_id": row.party_id,
        "channel": row.channel,
        "to": row.to,
        "language": row.language,
        "kind": row.kind,
        "deadline_id": row.deadline_id,
        "appointment_id": row.appointment_id,
        "due_on": row.due_on,
        "send_at": row.send_at,
        "state": PUBLIC_STATE.get(row.state, row.state),
        "subject": row.subject,
        "body": row.body,
        "sent_at": row.sent_at,
        "delivered_at": row.delivered_at,
        "attempts": row.attempts,
        "error": row.error,
    }


def case_messages(session: Session, case: Case, page: int, per_page: int, state: str | None = None):
    query = select(ClientMessage).where(ClientMessage.org_id == case.org_id, ClientMessage.case_id == case.id)
    if state == "planned":
        query = query.where(ClientMessage.state.in_(("planned", "sending")))
    elif state:
        query = query.where(ClientMessage.state == state)
    return paginate(session, query.order_by(ClientMessage.send_at, ClientMessage.id), page, per_page)


# ----------------------------------------------------------------------------------------------------
# The organisation's choices


def settings_document(session: Session, org_id: int) -> dict[str, Any]:
    choices = org_choices(session, org_id)
    return {
        "topics": list(choices.topics),
        "phone": choices.phone or None,
        "available_topics": list(rules.TOPICS),
        "default_topics": list(rules.DEFAULT_TOPICS),
    }


def set_settings(session: Session, caller: Caller, data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    permissions.require(
        caller, permissions.can_change_org_settings, "change the organisation's client-message settings"
    )
    row = session.scalars(select(ClientMessageSettings).where(ClientMessageSettings.org_id == caller.org_id)).first()
    before = settings_document(session, caller.org_id)
    if row is None:
        row = ClientMessageSettings(org_id=caller.org_id)
        session.add(row)
    if "topics" in data:
        row.topics = None if data["topics"] is None else sorted(set(data["topics"]), key=rules.TOPICS.index)
    if "phone" in data:
        row.phone = data["phone"]
    session.flush()
    after = settings_document(session, caller.org_id)
    audit.record(
        session,
        caller,
        "update",
        "client_message_settings",
        row.id,
        org_id=caller.org_id,
        case_id=None,
        before={k: before[k] for k in ("topics", "phone")},
        after={k: after[k] for k in ("topics", "phone")},
    )
    for case in session.scalars(select(Case).where(Case.org_id == caller.org_id, Case.deleted_at.is_(None))).all():
        plan_case(session, case, settings)
    return after


# ----------------------------------------------------------------------------------------------------
# The provider's webhooks


def parties_with_phone(session: Session, phone: str) -> list[Party]:
    key = normalise_phone(phone)
    if not key:
        return []
    return list(
        session.scalars(
            select(Party)
            .where(
                Party.phone_key == key,
                Party.side == "ours",
                Party.role.in_(("client", "co_borrower")),
                Party.deleted_at.is_(None),
            )
            .order_by(Party.id)
        ).all()
    )


def handle_inbound(session: Session, settings: Settings, form: dict[str, str]) -> str | None:
    """An inbound SMS: STOP (ALTO, CANCEL, UNSUBSCRIBE, QUIT, ...) revokes the SMS consent of every client
    with that number at once; START gives it again; HELP is answered. One reply per inbound message (its
    MessageSid is the reply's key: a webhook delivered twice changes nothing more)."""
    word = rules.keyword(form.get("Body"))
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    sender = form.get("From", "")
    if word is None or not sid:
        return None
    key = f"reply:{sid}"
    if session.scalar(select(ClientMessage.id).where(ClientMessage.plan_key == key)) is not None:
        return word
    parties = parties_with_phone(session, sender)
    if not parties:
        return word
    now = utcnow()
    note = f"Inbound SMS {sid}: {(form.get('Body') or '').strip()[:40]}"
    if word in ("stop", "start"):
        for party in parties:
            current = current_consent(session, party.id, "sms")
            if word == "stop" or current is None or not current.given:
                record_consent(session, None, party, "sms", word == "start", "keyword", now, note)
    party = parties[0]
    lang = "es" if (form.get("Body") or "").strip().upper() in ("ALTO", "AYUDA") else language(party)
    choices = org_choices(session, party.org_id)
    kind = {"stop": "stop_confirmation", "start": "start_confirmation", "help": "help"}[word]
    insert_message(
        session,
        settings,
        {
            "plan_key": key,
            "org_id": party.org_id,
            "case_id": party.case_id,
            "party_id": party.id,
            "channel": "sms",
            "to": sender,
            "language": lang,
            "kind": kind,
            "body": texts.sms_reply(lang, kind, choices.name, choices.phone),
            "send_at": now,
        },
    )
    session.flush()
    return word


DELIVERED = ("delivered",)
FAILED = ("failed", "undelivered")


def handle_status(session: Session, form: dict[str, str]) -> bool:
    """A status callback: delivered, or failed/undelivered (with the provider's error code)."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    row_id = session.scalar(select(ClientMessage.id).where(ClientMessage.provider_id == sid)) if sid else None
    if row_id is None:
        return False
    if status in DELIVERED:
        return compare_and_set(
            session,
            ClientMessage,
            row_id,
            ClientMessage.state == "sent",
            state="delivered",
            delivered_at=utcnow(),
            updated_at=utcnow(),
        )
    if status in FAILED:
        code = form.get("ErrorCode") or "none"
        return compare_and_set(
            session,
            ClientMessage,
            row_id,
            ClientMessage.state.in_(("sent", "delivered")),
            state="failed",
            error=f"The provider reports {status} (error code {code}).",
            updated_at=utcnow(),
        )
    return False


# ----------------------------------------------------------------------------------------------------
# The e-mail's unsubscribe link


def unsubscribe_target(session: Session, settings: Settings, token: str) -> ClientMessage | None:
    message_id = read_unsubscribe_token(settings, token)
    row = session.get(ClientMessage, message_id) if message_id is not None else None
    return row if row is not None and row.channel == "email" else None


def unsubscribe(session: Session, settings: Settings, token: str) -> str:
    """'done' (e-mail consent revoked), 'used' (the link was used already) or 'invalid'."""
    row = unsubscribe_target(session, settings, token)
    if row is None:
        return "invalid"
    if not compare_and_set(
        session, ClientMessage, row.id, ClientMessage.unsubscribed_at.is_(None), unsubscribed_at=utcnow()
    ):
        return "used"
    party = session.get(Party, row.party_id)
    assert party is not None
    record_consent(
        session, None, party, "email", False, "link", utcnow(), f"Unsubscribe link of client message {row.id}"
    )
    return "done"


# ----------------------------------------------------------------------------------------------------
# Appointments (a time and a place): the client hears 2 days and 2 hours before

APPOINTMENT_FIELDS = ("kind", "starts_at", "minutes", "place", "note")


def appointment_document(row: Appointment) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "kind": row.kind,
        "starts_at": row.starts_at,
        "minutes": row.minutes,
        "place": row.place,
        "note": row.note,
        "cancelled": row.cancelled_at is not None,
        "cancelled_at": row.cancelled_at,
        "sequence": row.sequence,
    }


def _aware(session: Session, org_id: int, value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:  # without an offset: the organisation's time zone (contract)
        value = value.replace(tzinfo=ZoneInfo(org_choices(session, org_id).timezone))
    return value.astimezone(dt.timezone.utc)


def _audit_appointment(row: Appointment) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, dt.datetime) else v
        for k, v in appointment_document(row).items()
        if k not in ("id", "case_id")
    }


def get_appointment(session: Session, org_id: int, appointment_id: int) -> Appointment:
    row = session.get(Appointment, appointment_id)
    if row is None or row.org_id != org_id:
        raise Problem(404, "No such appointment.")
    case = session.get(Case, row.case_id)
    if case is None or case.deleted_at is not None:
        raise Problem(404, "No such appointment.")
    return row


def case_appointments(session: Session, case: Case, page: int, per_page: int):
    query = select(Appointment).where(Appointment.org_id == case.org_id, Appointment.case_id == case.id)
    return paginate(session, query.order_by(Appointment.starts_at, Appointment.id), page, per_page)


def add_appointment(
    session: Session, caller: Caller, case: Case, data: dict[str, Any], settings: Settings
) -> Appointment:
    row = Appointment(
        org_id=case.org_id,
        case_id=case.id,
        kind=data["kind"],
        starts_at=_aware(session, case.org_id, data["starts_at"]),
        minutes=data.get("minutes") or 60,
        place=data["place"],
        note=data.get("note"),
        sequence=1,
        created_by_id=caller.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "appointment",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        before=None,
        after=_audit_appointment(row),
    )
    plan_case(session, case, settings)
    return row


def update_appointment(
    session: Session, caller: Caller, row: Appointment, data: dict[str, Any], settings: Settings
) -> Appointment:
    before = _audit_appointment(row)
    for name in APPOINTMENT_FIELDS:
        if name in data:
            value = _aware(session, row.org_id, data[name]) if name == "starts_at" else data[name]
            if name == "starts_at" and value != row.starts_at:
                row.sequence += 1  # a new time: a new plan (and the calendar event's new SEQUENCE)
            setattr(row, name, value)
    if "cancelled" in data:
        row.cancelled_at = (row.cancelled_at or utcnow()) if data["cancelled"] else None
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "appointment",
        row.id,
        org_id=row.org_id,
        case_id=row.case_id,
        before=before,
        after=_audit_appointment(row),
    )
    case = session.get(Case, row.case_id)
    assert case is not None
    plan_case(session, case, settings)
    return row
