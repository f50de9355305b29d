"""Case events: add, change, delete. Each change recomputes the case's deadlines and stage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from sqlalchemy import select

from models import Case, CaseEvent
from models.base import utcnow
from service import audit
from service.auth import Caller
from service.cases.service import get_case
from service.db import paginate
from service.deadlines.service import recompute_case
from service.errors import Problem, flatten_messages, validation_error
from service.events.schemas import DETAILS_BY_TYPE, FUTURE_TYPES, CommonDetails, EventSchema
from service.rulebook import local_today, rules

EARLIEST = dt.date(1970, 1, 1)
FUTURE_LIMIT = dt.timedelta(days=3 * 366)  # a sale scheduled more than three years ahead is a typo


def get_event(session, org_id: int, event_id: int) -> CaseEvent:
    """The event, or 404 (another organisation's, a deleted case's, or none)."""
    event = session.scalars(
        select(CaseEvent)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.id == event_id,
            CaseEvent.org_id == org_id,
            CaseEvent.deleted_at.is_(None),
            Case.deleted_at.is_(None),
        )
    ).one_or_none()
    if event is None:
        raise Problem(404, f"No event {event_id}.")
    return event


def live_events(session, case: Case) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.deleted_at.is_(None))
            .order_by(CaseEvent.occurred_on, CaseEvent.id)
        ).all()
    )


def list_events(session, case: Case, page: int, per_page: int, type: str | None = None):  # noqa: A002
    query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.deleted_at.is_(None))
    if type:
        query = query.where(CaseEvent.type == type)
    return paginate(session, query.order_by(CaseEvent.occurred_on, CaseEvent.id), page, per_page)


def _clean_details(
    session,
    case: Case,
    event_type: str,
    details: dict[str, Any],
    occurred_on: dt.date,
    today: dt.date,
    exclude_id: int | None = None,
) -> dict[str, Any]:
    schema = DETAILS_BY_TYPE.get(event_type, CommonDetails)()
    try:
        loaded = schema.load(details)
    except ma.ValidationError as error:
        raise validation_error(flatten_messages(error.messages, "details")) from None
    errors: dict[str, list[str]] = {}
    received_on = loaded.get("received_on")
    if received_on is not None and not (occurred_on <= received_on <= today):
        errors["details.received_on"] = ["Must be on or after the sending date and not in the future."]
    scheduled_on = loaded.get("scheduled_on")
    if scheduled_on is not None and scheduled_on > today:
        errors["details.scheduled_on"] = ["Must not be in the future."]
    notice_id = loaded.get("notice_id")
    if notice_id is not None:
        jurisdiction = rules().jurisdiction(case.property_state)
        known = [n.id for n in jurisdiction.pre_foreclosure_notices] if jurisdiction else []
        if notice_id not in known:
            errors["details.notice_id"] = [
                f"{case.property_state} has no notice {notice_id!r}; known: {', '.join(known) or 'none'}."
            ]
    reply_to = loaded.get("in_reply_to")
    if reply_to is not None:
        target = session.scalars(
            select(CaseEvent).where(
                CaseEvent.id == reply_to, CaseEvent.case_id == case.id, CaseEvent.deleted_at.is_(None)
            )
        ).one_or_none()
        if target is None or target.id == exclude_id:
            errors["details.in_reply_to"] = [f"No event {reply_to} on this case."]
        elif target.type not in (
            "notice_of_error_sent",
            "request_for_information_sent",
            "loss_mit_application_received",
        ):  # the engine answers applications too
            errors["details.in_reply_to"] = [
                "Must name a notice_of_error_sent, request_for_information_sent or loss_mit_application_received event."
            ]
    if errors:
        raise validation_error(errors)
    # Stored as JSON: dates as ISO strings, money as decimal strings (never floats).
    dumped = {}
    for key, value in loaded.items():
        if value is None:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif hasattr(value, "quantize"):
            value = f"{value:.2f}"
        dumped[key] = value
    return dumped


def _check_date(event_type: str, occurred_on: dt.date, today: dt.date) -> None:
    if occurred_on < EARLIEST:
        raise validation_error({"occurred_on": [f"Must be on or after {EARLIEST.isoformat()}."]})
    if event_type in FUTURE_TYPES:
        if occurred_on > today + FUTURE_LIMIT:
            raise validation_error({"occurred_on": ["Must be within three years from today."]})
    elif occurred_on > today:
        raise validation_error(
            {"occurred_on": [f"A {event_type} cannot be in the future (today is {today.isoformat()})."]}
        )


_AUDITED = EventSchema(only=("type", "occurred_on", "details"))


def _document(event: CaseEvent) -> dict[str, Any]:
    """The event as the audit log compares it: the API's dump of the fields a user sets."""
    return _AUDITED.dump(event)


def add_event(session, caller: Caller, case: Case, data: dict[str, Any], recompute: bool = True) -> CaseEvent:
    """Record a dated event and recompute the case's deadlines. recompute=False: the caller recomputes once
    after several changes (an import's batch of new cases: service/imports/service.py)."""
    today = local_today(caller.timezone)
    event_type, occurred_on = data["type"], data["occurred_on"]
    _check_date(event_type, occurred_on, today)
    if event_type == "first_missed_payment" and any(e.type == event_type for e in live_events(session, case)):
        raise validation_error({"type": ["The case has a first_missed_payment event already: change that one."]})
    details = _clean_details(session, case, event_type, data.get("details") or {}, occurred_on, today)
    event = CaseEvent(
        org_id=case.org_id,
        case_id=case.id,
        type=event_type,
        occurred_on=occurred_on,
        details=details,
        created_by_id=caller.user_id,
    )
    session.add(event)
    session.flush()
    audit.record(
        session, caller, "create", "event", event.id, org_id=case.org_id, case_id=case.id, after=_document(event)
    )
    if recompute:
        recompute_case(session, case, today)
    return event


def update_event(session, caller: Caller, event: CaseEvent, data: dict[str, Any]) -> CaseEvent:
    case = get_case(session, caller.org_id, event.case_id)
    today = local_today(caller.timezone)
    occurred_on = data.get("occurred_on", event.occurred_on)
    _check_date(event.type, occurred_on, today)
    details = event.details
    if "details" in data:
        details = _clean_details(
            session, case, event.type, data["details"] or {}, occurred_on, today, exclude_id=event.id
        )
    before = _document(event)
    event.occurred_on, event.details = occurred_on, details
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "event",
        event.id,
        org_id=case.org_id,
        case_id=case.id,
        before=before,
        after=_document(event),
    )
    recompute_case(session, case, today)
    return event


def delete_event(session, caller: Caller, event: CaseEvent) -> None:
    case = get_case(session, caller.org_id, event.case_id)
    event.deleted_at = utcnow()
    session.flush()
    audit.record(
        session,
        caller,
        "delete",
        "event",
        event.id,
        org_id=case.org_id,
        case_id=case.id,
        before=_document(event),
        after=None,
    )
    recompute_case(session, case, local_today(caller.timezone))
