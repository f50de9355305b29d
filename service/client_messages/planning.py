"""Planning the client's reminders: for each deadline of a topic the organisation chose, each client and
co-borrower, each channel they have an address for: a message 7 and 1 days before, at 10:00 in the
property's time zone (a deadline entered late: one catch-up now, outside quiet hours).

Rows are planned whatever the consent: consent is checked when the message is due, and a message without
one ends `skipped_no_consent`, visibly. Planning is idempotent (plan_key is unique; INSERT ... ON CONFLICT
DO NOTHING) and moves or cancels only `planned` rows with a compare-and-set on their state."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Case, Deadline, Organization
from models.base import utcnow
from models.client_messages import Appointment, ClientMessage, ClientMessageScanState, ClientMessageSettings
from models.intake import Party
from service.client_messages import rules, texts
from service.client_messages.consents import messageable_parties
from service.config import Settings
from service.leases import compare_and_set

REPLAN_MARGIN = dt.timedelta(minutes=10)
UNSUBSCRIBE_PLACEHOLDER = "{unsubscribe}"  # the signed link is put in when the e-mail is sent


class OrgChoices:
    def __init__(self, org: Organization, row: ClientMessageSettings | None):
        self.name = org.name
        self.timezone = org.timezone
        self.topics = tuple(row.topics) if row is not None and row.topics is not None else rules.DEFAULT_TOPICS
        self.phone = (row.phone if row is not None else None) or ""


def org_choices(session: Session, org_id: int) -> OrgChoices:
    row = session.scalars(select(ClientMessageSettings).where(ClientMessageSettings.org_id == org_id)).first()
    org = session.get(Organization, org_id)
    assert org is not None
    return OrgChoices(org, row)


def client_timezone(case: Case, choices: OrgChoices) -> str:
    return rules.property_timezone(case.property_state, choices.timezone)


def deadline_topic(deadline: Deadline, choices: OrgChoices) -> str | None:
    topic = rules.topic_of(deadline.kind, deadline.binds)
    return topic if topic in choices.topics else None


def reminder_wanted(case: Case, deadline: Deadline | None, choices: OrgChoices) -> bool:
    return (
        deadline is not None
        and case.deleted_at is None
        and case.stage != "closed"
        and deadline.removed_at is None
        and deadline.status == "open"
        and deadline.due_on is not None
        and deadline_topic(deadline, choices) is not None
    )


def address(party: Party, channel: str) -> str | None:
    return party.email if channel == "email" else rules.e164(party.phone)


def language(party: Party) -> str:
    return party.preferred_language if party.preferred_language in texts.LANGUAGES else "en"


def render_reminder(
    party: Party, channel: str, topic: str, due_on: dt.date, choices: OrgChoices
) -> tuple[str | None, str]:
    lang = language(party)
    if channel == "sms":
        return None, texts.sms_reminder(lang, topic, due_on, choices.name, choices.phone)
    return texts.email_reminder(lang, topic, due_on, choices.name, choices.phone, party.name, UNSUBSCRIBE_PLACEHOLDER)


def reminder_key(deadline: Deadline, offset: int, party: Party, channel: str) -> str:
    return f"reminder:{deadline.id}:{deadline.sequence}:{offset}:{party.id}:{channel}"


def insert_message(session: Session, settings: Settings, values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: the signal and the scan may plan the same row at once."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    values = {
        "state": "planned",
        "attempts": 0,
        "attempt_at": values["send_at"],
        "created_at": now,
        "updated_at": now,
        "message_id": f"<{uuid.uuid4().hex}.client@{settings.mail_domain}>",
        **values,
    }
    session.execute(insert(ClientMessage).values(**values).on_conflict_do_nothing())


def _set_state(session: Session, row_id: int, new_state: str, from_states: Iterable[str], **values: Any) -> bool:
    return compare_and_set(
        session,
        ClientMessage,
        row_id,
        ClientMessage.state.in_(tuple(from_states)),
        state=new_state,
        updated_at=utcnow(),
        **values,
    )


def _reminder_values(
    case: Case, deadline: Deadline, offset: int, party: Party, channel: str, send_at: dt.datetime, choices: OrgChoices
) -> dict[str, Any]:
    topic = deadline_topic(deadline, choices)
    assert topic is not None and deadline.due_on is not None
    subject, body = render_reminder(party, channel, topic, deadline.due_on, choices)
    return {
        "kind": "reminder",
        "deadline_id": deadline.id,
        "deadline_sequence": deadline.sequence,
        "offset_days": offset,
        "due_on": deadline.due_on,
        "subject": subject,
        "body": body,
        "send_at": send_at,
        "party": party,
        "channel": channel,
    }


def appointment_wanted(case: Case, appointment: Appointment | None, choices: OrgChoices) -> bool:
    return (
        appointment is not None
        and appointment.cancelled_at is None
        and case.deleted_at is None
        and case.stage != "closed"
        and "appointment" in choices.topics
    )


def _appointment_values(
    appointment: Appointment,
    label: str,
    party: Party,
    channel: str,
    send_at: dt.datetime,
    timezone: str,
    choices: OrgChoices,
) -> dict[str, Any]:
    lang = language(party)
    local_start = appointment.starts_at.astimezone(ZoneInfo(timezone))
    if channel == "sms":
        subject, body = (
            None,
            texts.sms_appointment(lang, appointment.kind, local_start, appointment.place, choices.name, choices.phone),
        )
    else:
        subject, body = texts.email_appointment(
            lang,
            appointment.kind,
            local_start,
            appointment.place,
            choices.name,
            choices.phone,
            party.name,
            UNSUBSCRIBE_PLACEHOLDER,
        )
    return {
        "kind": "appointment_reminder",
        "appointment_id": appointment.id,
        "appointment_sequence": appointment.sequence,
        "offset_days": 2 if label == "2d" else 0,
        "due_on": local_start.date(),
        "subject": subject,
        "body": body,
        "send_at": send_at,
        "party": party,
        "channel": channel,
    }


def plan_case(session: Session, case: Case, settings: Settings, now: dt.datetime | None = None) -> None:
    """(Re)plan the client's reminders of one case: idempotent, safe alongside a worker or another planner."""
    now = now or utcnow()
    choices = org_choices(session, case.org_id)
    timezone = client_timezone(case, choices)
    parties = messageable_parties(session, case.id)
    deadlines = {d.id: d for d in session.scalars(select(Deadline).where(Deadline.case_id == case.id)).all()}
    appointments = {a.id: a for a in session.scalars(select(Appointment).where(Appointment.case_id == case.id)).all()}
    existing = list(
        session.scalars(
            select(ClientMessage)
            .where(ClientMessage.case_id == case.id, ClientMessage.kind.in_(("reminder", "appointment_reminder")))
            .execution_options(populate_existing=True)
        ).all()
    )
    by_key = {row.plan_key: row for row in existing}
    wanted: dict[str, dict[str, Any]] = {}
    today = now.astimezone(ZoneInfo(timezone)).date()
    for deadline in deadlines.values():
        if not reminder_wanted(case, deadline, choices):
            continue
        assert deadline.due_on is not None
        for party in parties:
            for channel in ("email", "sms"):
                if not address(party, channel):
                    continue
                missed = []
                for offset in rules.OFFSETS:
                    send_at = rules.client_send_at(deadline.due_on, offset, timezone)
                    if send_at <= now:
                        missed.append(offset)
                    else:
                        wanted[reminder_key(deadline, offset, party, channel)] = _reminder_values(
                            case, deadline, offset, party, channel, send_at, choices
                        )
                if missed and deadline.due_on >= today:
                    # Entered late: one catch-up (the latest offset passed), now or after quiet hours.
                    latest = min(missed)
                    key = reminder_key(deadline, latest, party, channel)
                    earlier = any(
                        r.deadline_id == deadline.id
                        and r.deadline_sequence == deadline.sequence
                        and r.party_id == party.id
                        and r.channel == channel
                        and r.offset_days is not None
                        and r.offset_days <= latest
                        for r in existing
                    )
                    if key in by_key or not earlier:
                        planned = by_key[key].send_at if key in by_key else rules.after_quiet_hours(now, timezone)
                        wanted[key] = _reminder_values(case, deadline, latest, party, channel, planned, choices)
    for appointment in appointments.values():
        if not appointment_wanted(case, appointment, choices):
            continue
        for label, before in rules.APPOINTMENT_OFFSETS:
            # Quiet hours: a reminder due at night goes at 08:00, if that is still before the appointment.
            send_at = rules.after_quiet_hours(appointment.starts_at - before, timezone)
            if send_at <= now or send_at >= appointment.starts_at:
                continue
            for party in parties:
                for channel in ("email", "sms"):
                    if address(party, channel):
                        key = f"appointment:{appointment.id}:{appointment.sequence}:{label}:{party.id}:{channel}"
                        wanted[key] = _appointment_values(
                            appointment, label, party, channel, send_at, timezone, choices
                        )
    for row in existing:
        if row.plan_key not in wanted and row.state == "planned" and row.attempts == 0:
            reason = (
                _cancel_reason(case, deadlines.get(row.deadline_id or 0))
                if row.kind == "reminder"
                else "No longer planned (the appointment was cancelled or moved)."
            )
            _set_state(session, row.id, "cancelled", ("planned",), error=reason)
    for key, values in wanted.items():
        party, channel = values.pop("party"), values.pop("channel")
        send_at, subject, body = values["send_at"], values["subject"], values["body"]
        to = address(party, channel) or ""
        current = by_key.get(key)
        if current is None:
            insert_message(
                session,
                settings,
                {
                    "plan_key": key,
                    "org_id": case.org_id,
                    "case_id": case.id,
                    "party_id": party.id,
                    "channel": channel,
                    "to": to,
                    "language": language(party),
                    **values,
                },
            )
        elif current.state == "cancelled" and current.sent_at is None:
            _set_state(
                session,
                current.id,
                "planned",
                ("cancelled",),
                send_at=send_at,
                attempt_at=send_at,
                error=None,
                to=to,
                language=language(party),
                subject=subject,
                body=body,
            )
        elif current.state == "planned" and current.attempts == 0 and current.send_at != send_at:
            _set_state(
                session,
                current.id,
                "planned",
                ("planned",),
                send_at=send_at,
                attempt_at=send_at,
                to=to,
                language=language(party),
                subject=subject,
                body=body,
            )
        elif current.state == "planned" and (current.to != to or current.body != body or current.subject != subject):
            # New words (the organisation's phone, the client's language or address, the place): a waiting
            # or retrying row keeps its time.
            _set_state(
                session,
                current.id,
                "planned",
                ("planned",),
                to=to,
                language=language(party),
                subject=subject,
                body=body,
            )
    session.flush()


def _cancel_reason(case: Case, deadline: Deadline | None) -> str:
    if case.deleted_at is not None:
        return "The case was deleted."
    if case.stage == "closed":
        return "The case is closed."
    if deadline is None or deadline.removed_at is not None:
        return "The deadline was removed."
    if deadline.status != "open":
        return f"The deadline is {deadline.status}."
    return "No longer planned (the deadline moved, or the client's address or the settings changed)."


def plan_case_on_change(case: Case, *, session: Session, settings: Settings) -> None:
    """Receiver of service.signals.deadlines_changed (connected in service/wiring.py)."""
    if case is not None:
        plan_case(session, case, settings)


def plan_changed(session: Session, settings: Settings, now: dt.datetime) -> int:
    """The scan's safety net: cases whose deadlines changed since the last scan."""
    wall_clock = utcnow()
    state = session.get(ClientMessageScanState, 1)
    query = select(Deadline.case_id).distinct()
    if state is not None:
        query = query.where(Deadline.updated_at >= state.planned_through - REPLAN_MARGIN)
    count = 0
    for case_id in sorted(set(session.scalars(query).all())):
        case = session.get(Case, case_id)
        if case is not None:
            plan_case(session, case, settings, now)
            count += 1
    if state is None:
        session.add(ClientMessageScanState(id=1, planned_through=wall_clock))
    else:
        state.planned_through = wall_clock
    return count
