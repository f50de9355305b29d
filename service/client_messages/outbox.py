"""The client messages' outbox: claim due rows with a lease (committed before talking to the provider),
check consent, quiet hours and the SMS pace, send, record.

- Claim: PostgreSQL SELECT ... FOR UPDATE SKIP LOCKED, then on both backends the compare-and-set of
  service/leases.py (state planned or sending, attempt_at <= now). A worker that dies mid-send leaves
  the row `sending` until its lease ends; the next claim sends it again (e-mail: the same Message-ID; SMS:
  only after asking the provider whether the earlier attempt's message went, send_started_at).
- Consent is read when the message is due: none current for the channel -> `skipped_no_consent`.
  The confirmation of a STOP and the answer to HELP go out without it (they answer the client).
- Quiet hours: a reminder due between 21:00 and 08:00 in the property's time zone waits until 08:00.
- At most one SMS per client per hour: the party's next slot (client_sms_pace) is taken with a
  compare-and-set; a reminder that finds it taken waits for it.
- Transient failures (connection, 4xx SMTP, HTTP 429/5xx) retry with backoff (30 s doubling, at most
  5 minutes); permanent ones mark the row `failed` with the reason in `error`."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Callable

from itsdangerous import URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Case, Deadline
from models.base import utcnow
from models.client_messages import Appointment, ClientMessage, SmsPace
from service.client_messages import rules, sms, texts
from service.client_messages.consents import has_consent
from service.client_messages.planning import (
    UNSUBSCRIBE_PLACEHOLDER,
    appointment_wanted,
    client_timezone,
    org_choices,
    reminder_wanted,
)
from service.config import Settings
from service.leases import compare_and_set, take_lease
from service.notices import mail

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(minutes=5)
CLAIM_BATCH = 5
SMS_PACE = dt.timedelta(hours=1)
CLAIMABLE = ("planned", "sending")
UNSUBSCRIBE_SALT = "client-message-unsubscribe"
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def count_due(session: Session, now: dt.datetime) -> int:
    from sqlalchemy import func

    return (
        session.scalar(
            select(func.count())
            .select_from(ClientMessage)
            .where(ClientMessage.state.in_(CLAIMABLE), ClientMessage.attempt_at <= now)
        )
        or 0
    )


def claim_candidates(session: Session, now: dt.datetime, limit: int, lock: bool = True) -> list[int]:
    """Due rows: planned and due, or claimed by a worker whose lease ran out (PostgreSQL: locked, SKIP
    LOCKED, until the claim commits)."""
    query = (
        select(ClientMessage.id)
        .where(ClientMessage.state.in_(CLAIMABLE), ClientMessage.attempt_at <= now)
        .order_by(ClientMessage.attempt_at, ClientMessage.id)
        .limit(limit)
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query).all())


def take_claims(session: Session, ids: list[int], now: dt.datetime, naive: bool = False) -> list[tuple[int, str]]:
    """Compare-and-set each candidate to `sending` with a lease, and commit before any sending. `naive`:
    the tests' negative control (no condition: two claimers may both win)."""
    token = uuid.uuid4().hex
    claimable = [] if naive else [ClientMessage.state.in_(CLAIMABLE), ClientMessage.attempt_at <= now]
    won = [
        (row_id, token)
        for row_id in ids
        if take_lease(
            session,
            ClientMessage,
            row_id,
            *claimable,
            lease_column="attempt_at",
            until=now + LEASE,
            state="sending",
            claim_token=token,
            updated_at=utcnow(),
        )
    ]
    session.commit()
    return won


def claim(session: Session, now: dt.datetime, limit: int = CLAIM_BATCH) -> list[tuple[int, str]]:
    return take_claims(session, claim_candidates(session, now, limit), now)


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _finish(session: Session, row_id: int, token: str, **values: Any) -> bool:
    done = compare_and_set(
        session,
        ClientMessage,
        row_id,
        ClientMessage.claim_token == token,
        updated_at=utcnow(),
        claim_token=None,
        **values,
    )
    session.commit()
    return done


def unsubscribe_token(settings: Settings, message_id: int) -> str:
    return URLSafeSerializer(settings.secret_key, salt=UNSUBSCRIBE_SALT).dumps(message_id)


def unsubscribe_url(settings: Settings, message_id: int) -> str:
    return f"{settings.base_url.rstrip('/')}/client-messages/unsubscribe/{unsubscribe_token(settings, message_id)}"


def read_unsubscribe_token(settings: Settings, token: str) -> int | None:
    try:
        value = URLSafeSerializer(settings.secret_key, salt=UNSUBSCRIBE_SALT).loads(token)
    except Exception:  # noqa: BLE001 - any bad token is "no such link"
        return None
    return value if isinstance(value, int) else None


def email_message(row: ClientMessage, settings: Settings) -> EmailMessage:
    link = unsubscribe_url(settings, row.id)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to
    message["Subject"] = row.subject or ""
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = row.language
    message["List-Unsubscribe"] = f"<{link}>"
    message["X-Forestall-Client-Message"] = f"client-message-{row.id}"
    message.set_content(row.body.replace(UNSUBSCRIBE_PLACEHOLDER, link))
    return message


def appointment_ics(appointment: Appointment, row: ClientMessage, settings: Settings, choices: Any) -> bytes:
    """One event (the appointment) to add to the client's calendar; its UID stays the same when it moves."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Forestall//client appointment//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@{settings.mail_domain}")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.starts_at + dt.timedelta(minutes=appointment.minutes))
    event.add("summary", (row.subject or "").split(": ", 1)[-1])
    event.add("location", appointment.place)
    event.add("description", f"{choices.name}: {choices.phone}")
    calendar.add_component(event)
    return calendar.to_ical()


def status_callback_url(settings: Settings) -> str:
    return f"{settings.base_url.rstrip('/')}/webhooks/sms/status"


def _why_not_send(session: Session, row: ClientMessage, now: dt.datetime) -> tuple[str, str] | None:
    if row.kind == "appointment_reminder":
        case = session.get(Case, row.case_id, populate_existing=True)
        appointment = session.get(Appointment, row.appointment_id, populate_existing=True)
        if (
            case is None
            or not appointment_wanted(case, appointment, org_choices(session, row.org_id))
            or appointment is None
            or appointment.sequence != row.appointment_sequence
            or appointment.starts_at <= now
        ):
            return "cancelled", "No longer planned (the appointment was cancelled, moved or is past)."
        return _consent_verdict(session, row)
    if row.kind != "reminder":
        return None
    case = session.get(Case, row.case_id, populate_existing=True)
    deadline = session.get(Deadline, row.deadline_id, populate_existing=True) if row.deadline_id else None
    choices = org_choices(session, row.org_id)
    if (
        case is None
        or not reminder_wanted(case, deadline, choices)
        or deadline is None
        or deadline.sequence != row.deadline_sequence
    ):
        return "cancelled", "No longer planned (the deadline or the case changed)."
    return _consent_verdict(session, row)


def _consent_verdict(session: Session, row: ClientMessage) -> tuple[str, str] | None:
    if not has_consent(session, row.party_id, row.channel):
        return "skipped_no_consent", f"No current consent to {'e-mail' if row.channel == 'email' else 'SMS'}."
    return None


def _take_sms_slot(session: Session, party_id: int, now: dt.datetime) -> dt.datetime | None:
    """None when this party's SMS slot was taken now; else when the next one opens."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(SmsPace).values(party_id=party_id, next_at=EPOCH).on_conflict_do_nothing())
    pace_id = session.scalar(select(SmsPace.id).where(SmsPace.party_id == party_id))
    assert pace_id is not None  # inserted just above if it was missing
    if compare_and_set(session, SmsPace, pace_id, SmsPace.next_at <= now, next_at=now + SMS_PACE):
        return None
    return session.scalar(
        select(SmsPace.next_at).where(SmsPace.id == pace_id).execution_options(populate_existing=True)
    )


def deliver_one(
    session: Session,
    row_id: int,
    token: str,
    now: dt.datetime,
    mailer: mail.Mailer,
    texter: sms.SmsProvider,
    settings: Settings,
) -> str:
    row = session.get(ClientMessage, row_id, populate_existing=True)
    if row is None or row.claim_token != token or row.state != "sending":
        session.commit()
        return "lost"
    verdict = _why_not_send(session, row, now)
    if verdict is not None:
        _finish(session, row_id, token, state=verdict[0], error=verdict[1])
        return verdict[0]
    choices = org_choices(session, row.org_id)
    if not choices.phone:
        # The organisation's phone is in every message: without it, wait until an admin sets it.
        _finish(
            session,
            row_id,
            token,
            state="planned",
            attempt_at=now + BACKOFF_CAP,
            error="The organisation's phone is not set (client-message settings).",
        )
        return "waiting"
    if row.kind in texts.REPLIES:
        # An answer to an inbound SMS says the organisation's phone as it is now.
        row.body = texts.sms_reply(row.language, row.kind, choices.name, choices.phone)
    paced = False
    if row.kind in ("reminder", "appointment_reminder"):
        case = session.get(Case, row.case_id)
        assert case is not None
        timezone = client_timezone(case, choices)
        allowed = rules.after_quiet_hours(now, timezone)
        if allowed > now:
            _finish(
                session, row_id, token, state="planned", attempt_at=allowed, error="Quiet hours: waits until 08:00."
            )
            return "quiet"
        if row.channel == "sms":
            opens = _take_sms_slot(session, row.party_id, now)
            if opens is not None:
                _finish(
                    session,
                    row_id,
                    token,
                    state="planned",
                    attempt_at=rules.after_quiet_hours(opens, timezone),
                    error="At most one text an hour: waits for the next slot.",
                )
                return "paced"
            paced = True
    attempts = row.attempts
    channel, to, body = row.channel, row.to, row.body
    message = email_message(row, settings) if channel == "email" else None
    if message is not None and row.appointment_id is not None:
        appointment = session.get(Appointment, row.appointment_id)
        if appointment is not None:
            message.add_attachment(
                appointment_ics(appointment, row, settings, org_choices(session, row.org_id)),
                maintype="text",
                subtype="calendar",
                filename="appointment.ics",
                params={"method": "PUBLISH"},
            )
    reference = f"client-message-{row.id}"
    earlier_attempt = row.send_started_at if channel == "sms" else None
    if channel == "sms" and earlier_attempt is None:
        row.send_started_at = utcnow()  # committed before the provider is spoken to: a crash leaves it set
    session.commit()  # no transaction (and no lock) stays open while the provider is spoken to
    provider_id = None
    try:
        if message is not None:
            mailer.send(message)
        else:
            # An earlier attempt handed this SMS over and never learned the outcome: ask before sending again.
            found = texter.find_sent(to, body, reference, earlier_attempt) if earlier_attempt else None
            if found is not None:
                log.info("client message %s: the provider already took it (%s); not sent again", row_id, found)
            provider_id = found or texter.send(to, body, reference, status_callback_url(settings))
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        text = f"{type(error).__name__}: {error}"[:2000]
        permanent = isinstance(error, sms.PermanentSmsError) or (
            message is not None and mail.classify(error) == "permanent"
        )
        if permanent:
            _finish(session, row_id, token, state="failed", error=text, send_started_at=None)
            return "failed"
        log.warning("transient error sending client message %s: %s", row_id, text)
        if paced:  # nothing went out: give the hour's slot back
            session.execute(
                update(SmsPace)
                .where(SmsPace.party_id == row.party_id, SmsPace.next_at == now + SMS_PACE)
                .values(next_at=now)
            )
        _finish(session, row_id, token, state="planned", error=text, attempt_at=max(now, utcnow()) + backoff(attempts))
        return "retry"
    _finish(
        session,
        row_id,
        token,
        state="sent",
        sent_at=utcnow(),
        error=None,
        provider_id=provider_id,
        send_started_at=None,
    )
    return "sent"


def deliver_due(
    make_session: Callable[[], Session],
    settings: Settings,
    now: dt.datetime | None = None,
    *,
    max_rows: int = 1000,
    time_budget: float = 50.0,
    mailer: mail.Mailer | None = None,
    texter: sms.SmsProvider | None = None,
) -> Counter:
    started = time.monotonic()
    results: Counter = Counter()
    own_mailer = mailer is None
    mailer = mailer or mail.Mailer(settings)
    texter = texter or sms.provider(settings)
    try:
        with make_session() as session:
            while sum(results.values()) < max_rows and time.monotonic() - started < time_budget:
                moment = now or utcnow()
                claimed = claim(session, moment)
                if not claimed:
                    break
                for row_id, token in claimed:
                    results[deliver_one(session, row_id, token, moment, mailer, texter, settings)] += 1
    finally:
        if own_mailer:
            mailer.close()
    return results
