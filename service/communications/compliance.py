"""Servicer compliance: each servicer clock of a case with its result (on time, late by N business days,
missed, open), and the communications log the exhibit report prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from models import Case, CaseEvent, Deadline, Organization
from models.communications import Communication
from service import disclaimers
from service.cases.service import case_document, get_case
from service.clock.engine import SERVICER_RESPONSE_KINDS, business_days_between
from service.communications.schemas import ServicerClockSchema
from service.communications.service import documents
from service.fields import python_dump
from service.rulebook import local_today

CLOCK_KINDS = tuple(sorted(SERVICER_RESPONSE_KINDS))


@dataclass(frozen=True)
class ServicerClock:
    """One servicer clock of a case and its result (ServicerClockSchema dumps it)."""

    clock: str  # the deadline kind
    title: str
    deadline_id: int
    started_on: dt.date | None
    due_on: dt.date | None
    met_on: dt.date | None
    result: str  # open, on_time, late or missed
    late_by_business_days: int | None
    citation: str | None
    source_url: str | None
    explanation: str | None
    request_communication_id: int | None
    answered_by_communication_ids: list[int]
    deadline_status: str


def servicer_compliance(session, case: Case, today: dt.date, **loaded: Any) -> list[dict[str, Any]]:
    """servicer_clocks as the API's documents with Python values (dates), for the pages, reports and CLI."""
    return python_dump(ServicerClockSchema(many=True), servicer_clocks(session, case, today, **loaded))


def servicer_clocks(
    session,
    case: Case,
    today: dt.date,
    *,
    deadlines: list[Deadline] | None = None,
    events: list[CaseEvent] | None = None,
    communications: list[Communication] | None = None,
) -> list[ServicerClock]:
    """Each servicer clock of the case with its result: open, on_time, late (by N business days) or missed.
    A caller that already holds ALL the case's live deadlines, events or communications (the case page)
    passes them and they are not read again."""
    if deadlines is None:
        deadlines = list(
            session.scalars(
                select(Deadline).where(
                    Deadline.case_id == case.id, Deadline.removed_at.is_(None), Deadline.kind.in_(CLOCK_KINDS)
                )
            ).all()
        )
    rows = [d for d in deadlines if d.kind in CLOCK_KINDS and d.removed_at is None]
    if events is None:
        events = list(
            session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.deleted_at.is_(None))).all()
        )
    events = {e.id: e for e in events}
    comms = communications
    if comms is None:
        comms = list(
            session.scalars(
                select(Communication).where(Communication.case_id == case.id, Communication.deleted_at.is_(None))
            ).all()
        )
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
        clocks.append(
            ServicerClock(
                clock=row.kind,
                title=row.title,
                deadline_id=row.id,
                started_on=started_on,
                due_on=row.due_on,
                met_on=row.met_on,
                result=result,
                late_by_business_days=late_by,
                citation=row.citation,
                source_url=row.source_url,
                explanation=row.explanation,
                request_communication_id=request.id if request else None,
                answered_by_communication_ids=sorted(replies.get(request.id, [])) if request else [],
                deadline_status=row.status,
            )
        )
    clocks.sort(key=lambda c: (c.started_on or dt.date.max, c.due_on or dt.date.max, c.clock))
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


def compliance_summary(clocks: list[ServicerClock]) -> dict[str, int]:
    summary = {"open": 0, "on_time": 0, "late": 0, "missed": 0}
    for clock in clocks:
        summary[clock.result] += 1
    return summary


def communications_log(session, org_id: int, case_id: int, today: dt.date | None = None) -> dict[str, Any]:
    """A case's communications log for printing: every entry in date order with its documents (file name, type,
    size, SHA-256), earlier submissions and corrections, plus the servicer-compliance findings.

    Plain dicts (dates and date-times as Python objects); scoped to the organisation (404 otherwise)."""
    case = get_case(session, org_id, case_id)
    today = today or local_today(session.get(Organization, org_id).timezone)
    rows = list(
        session.scalars(
            select(Communication)
            .where(Communication.case_id == case.id, Communication.deleted_at.is_(None))
            .order_by(Communication.occurred_at, Communication.id)
        ).all()
    )
    clocks = servicer_clocks(session, case, today)
    return {
        "case": case_document(case, mask=True),
        "as_of": today,
        "entries": documents(session, rows),
        "servicer_compliance": python_dump(ServicerClockSchema(many=True), clocks),
        "compliance_summary": compliance_summary(clocks),
        "disclaimer": disclaimers.COMMUNICATIONS,
    }
