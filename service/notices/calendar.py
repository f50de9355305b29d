"""Calendars: a per-user secret iCalendar feed (GET /calendar/{token}.ics) and a per-case download.

One all-day VEVENT per open deadline, UID deadline-<id>@<host of BASE_URL> (stable, so a re-fetch or a
moved due date updates the event instead of adding one; the installation's host keeps two offices'
feeds from colliding in one calendar) and SEQUENCE = the deadline's sequence (grows when the due
date moves). Subscribed calendars refresh slowly (hours): e-mail is the primary channel."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, Deadline, Organization, User
from models.base import utcnow
from models.notices import CalendarToken
from service import audit
from service.auth import Caller, token_digest
from service.clock.kinds import DEADLINE_KINDS
from service.config import Settings
from service.db import across_orgs, for_org
from service.errors import Problem
from service import disclaimers
from service.notices.mail import case_url, client_label
from service.notices.queries import my_cases

TOKEN_PREFIX = "fsc_"
PRODID = "-//Forestall//Deadlines//EN"
# Alarms (days before the all-day event): grave deadlines a week and a day ahead, others a day ahead.
ALARM_DAYS = {"grave": (7, 1), "informational": (1,)}
# An all-day event starts at midnight: an alarm at "-1 day" would fire at midnight. Fire at 09:00.
ALARM_HOUR = 9


def alarm_trigger(days_before: int) -> dt.timedelta:
    """Relative to the all-day event's start (local midnight): 09:00 on the day `days_before` ahead."""
    return -dt.timedelta(days=days_before) + dt.timedelta(hours=ALARM_HOUR)


def event_uid(deadline_id: int, base_url: str) -> str:
    return f"deadline-{deadline_id}@{urlsplit(base_url).hostname or 'forestall.localhost'}"


def feed_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/calendar/{token}.ics"


def issue_token(session: Session, caller: Caller, settings: Settings) -> dict:
    """A new secret feed URL; the previous one stops working. Only the SHA-256 digest is stored."""
    revoke_tokens(session, caller, audit_it=False)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = CalendarToken(org_id=caller.org_id, user_id=caller.user_id, token_sha256=token_digest(token))
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "calendar_token",
        row.id,
        org_id=caller.org_id,
        case_id=None,
        after={"user_id": caller.user_id},
    )
    return {"token": token, "url": feed_url(settings, token)}


def revoke_tokens(session: Session, caller: Caller, audit_it: bool = True) -> int:
    rows = session.scalars(
        select(CalendarToken).where(CalendarToken.user_id == caller.user_id, CalendarToken.revoked_at.is_(None))
    ).all()
    now = utcnow()
    for row in rows:
        row.revoked_at = now
        if audit_it:
            audit.record(
                session,
                caller,
                "delete",
                "calendar_token",
                row.id,
                org_id=caller.org_id,
                case_id=None,
                before={"user_id": caller.user_id},
            )
    session.flush()
    return len(rows)


def user_for_token(session: Session, token: str) -> User:
    digest = token_digest(token)
    with across_orgs(session, "the calendar feed: its token by digest, before the organisation is known"):
        row = session.scalars(select(CalendarToken).where(CalendarToken.token_sha256 == digest)).one_or_none()
        user = session.get(User, row.user_id) if row is not None else None
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_sha256, digest):
        raise Problem(404, "No calendar feed at this address (unknown or revoked token).")
    if user is None or not user.is_active:
        raise Problem(404, "No calendar feed at this address (unknown or revoked token).")
    for_org(session, user.org_id)
    row.last_used_at = utcnow()
    return user


def _open_deadlines(session: Session, *where) -> list[tuple[Deadline, Case]]:
    return list(
        session.execute(
            select(Deadline, Case)
            .join(Case, Case.id == Deadline.case_id)
            .where(
                Deadline.removed_at.is_(None),
                Deadline.status == "open",
                Deadline.due_on.is_not(None),
                Case.deleted_at.is_(None),
                *where,
            )
            .order_by(Deadline.due_on, Deadline.id)
        ).all()
    )


def user_feed(session: Session, token: str, settings: Settings) -> bytes:
    """The deadlines of the user's cases (service/notices/queries.py, my_cases: the same cases as their
    reminders and digest)."""
    user = user_for_token(session, token)
    where = [Deadline.org_id == user.org_id, my_cases(user)]
    org = session.get(Organization, user.org_id)
    body = build_calendar(
        _open_deadlines(session, *where), f"Forestall deadlines: {user.full_name or user.email}", org.timezone, settings
    )
    session.commit()  # last_used_at
    return body


def case_calendar(session: Session, case: Case, settings: Settings) -> bytes:
    org = session.get(Organization, case.org_id)
    return build_calendar(
        _open_deadlines(session, Deadline.case_id == case.id),
        f"Forestall: {client_label(case)} (case {case.id})",
        org.timezone,
        settings,
    )


def _description(deadline: Deadline, case: Case, url: str) -> str:
    lines = [
        f"Client: {client_label(case)} (case {case.id})",
        f"Deadline: {deadline.title}",
        f"Binds: {deadline.binds}",
        f"Rule: {deadline.rule_id or 'manual'}",
        f"Citation: {deadline.citation or '(none: entered by hand)'}",
    ]
    if deadline.source_url:
        lines.append(f"Source: {deadline.source_url}")
    if deadline.explanation:
        lines.append(f"How it was computed: {deadline.explanation}")
    if deadline.verify_manually:
        lines.append("Verify manually: the rule for this deadline is not fully known.")
    lines += [f"Case: {url}", "", disclaimers.REMINDERS]
    return "\n".join(lines)


def build_calendar(rows: list[tuple[Deadline, Case]], name: str, timezone: str, settings: Settings) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    # A hint; clients decide (Google Calendar refreshes subscriptions only every few hours).
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for deadline, case in rows:
        url = case_url(settings, case.id)
        event = Event()
        uid = event_uid(deadline.id, settings.base_url)
        event.add("uid", uid)
        event.add("sequence", deadline.sequence)
        # DTSTAMP from the row, not the clock: fetching twice gives the same bytes for the same data.
        event.add("dtstamp", deadline.updated_at)
        event.add("last-modified", deadline.updated_at)
        event.add("dtstart", deadline.due_on)
        event.add("dtend", deadline.due_on + dt.timedelta(days=1))
        event.add("summary", f"{deadline.title}: {client_label(case)}")
        event.add("description", _description(deadline, case, url))
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        event.add("categories", [deadline.kind])
        spec = DEADLINE_KINDS.get(deadline.kind)
        for days in ALARM_DAYS["informational" if spec and spec.severity == "informational" else "grave"]:
            alarm = Alarm()
            alarm.add("uid", uid.replace("@", f"-alarm-{days}@", 1))
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{deadline.title} ({client_label(case)}) is due in {days} day(s)")
            alarm.add("trigger", alarm_trigger(days))
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
