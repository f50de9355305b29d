"""Clock events: the case events a communication starts or stops the servicer's Regulation X clocks with.

- outbound notice_of_error -> notice_of_error_sent; outbound request_for_information ->
  request_for_information_sent; outbound qualified_written_request -> either one, by `qwr_treated_as`
  (default notice_of_error: a QWR asserting an error is a notice of error, 12 CFR 1024.35(a); one asking for
  information is an RFI, 1024.36(a));
- outbound loss_mit_application -> loss_mit_application_received (acknowledgment clock), and when
  `application_complete` also loss_mit_application_complete (evaluation clock);
- inbound acknowledgment / response with in_reply_to naming an entry that started clocks ->
  servicer_acknowledged / servicer_responded with details.in_reply_to = that entry's event id;
- inbound decision with decision_result denied -> loss_mit_denied (meets the evaluation clock, starts the
  appeal clock); modification_approved -> modification_approved.
The events are added, changed and deleted through service.events.service in the same transaction, so the
deadlines are recomputed as for any event. Received-on dates become details.received_on (the clocks run
from receipt)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Case, CaseEvent
from models.communications import Communication
from service.auth import Caller
from service.events import service as events

REQUEST_EVENT = {"notice_of_error": "notice_of_error_sent", "request_for_information": "request_for_information_sent"}
REPLY_EVENT = {"acknowledgment": "servicer_acknowledged", "response": "servicer_responded"}
DECISION_EVENT = {
    "denied": "loss_mit_denied",
    "modification_approved": "modification_approved",
    "modification_denied": "loss_mit_denied",
}
# An offered option is a determination (1024.41(c)(1)(ii)) that the borrower must accept or reject (1024.41(e)).
OPTION_OFFERED = {
    "forbearance_offered": "forbearance",
    "repayment_plan_offered": "repayment_plan",
    "trial_modification_offered": "trial_modification",
    "short_sale_approved": "short_sale",
    "deed_in_lieu_approved": "deed_in_lieu",
}


# Regulation X clocks start and stop only on writing: a notice of error (12 CFR 1024.35(a)), a request for
# information (1024.36(a)) and a QWR (RESPA § 6(e)) are written requests; the servicer's acknowledgment and
# response (1024.35(d)-(e), 1024.36(c)-(d)) and its loss-mitigation decision (1024.41(c)(1)(ii)) are written
# notices. A phone call or a meeting is logged but starts or stops no clock.
ORAL_CHANNELS = frozenset({"phone", "in_person"})
WRITTEN_ONLY = {
    ("outbound", "notice_of_error"): "12 CFR 1024.35(a)",
    ("outbound", "request_for_information"): "12 CFR 1024.36(a)",
    ("outbound", "qualified_written_request"): "12 U.S.C. § 2605(e)(1)(B)",
    ("inbound", "acknowledgment"): "12 CFR 1024.35(d), 1024.36(c)",
    ("inbound", "response"): "12 CFR 1024.35(e), 1024.36(d)",
    ("inbound", "decision"): "12 CFR 1024.41(c)(1)(ii)",
}


def oral_clock_note(row: Communication) -> str | None:
    """Why an oral entry starts or stops no servicer clock, with what to do instead; None otherwise."""
    citation = WRITTEN_ONLY.get((row.direction, row.category))
    if row.channel not in ORAL_CHANNELS or citation is None:
        return None
    if row.direction == "outbound":
        return (
            f"An oral request starts no servicer clock: only a written request does ({citation}). "
            f"Send it in writing and record the written follow-up as a new entry (letter, certified mail, "
            f"fax, e-mail or portal)."
        )
    return (
        f"An oral {row.category.replace('_', ' ')} from the servicer does not satisfy or stop the clock: it "
        f"must be in writing ({citation}). Record the written one when it arrives."
    )


def local_date(row: Communication, timezone: str) -> dt.date:
    return row.occurred_at.astimezone(ZoneInfo(timezone)).date()


def _wanted_events(
    session, caller: Caller, row: Communication, extended: bool | None
) -> tuple[dict | None, dict | None]:
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
            complete = (
                {"type": "loss_mit_application_complete", "occurred_on": received, "details": {}}
                if row.application_complete
                else None
            )
            return {"type": "loss_mit_application_received", "occurred_on": received, "details": {}}, complete
        return None, None
    if row.category == "decision" and row.decision_result in DECISION_EVENT:
        details = {"option": "loan_modification"} if row.decision_result == "modification_denied" else {}
        return {"type": DECISION_EVENT[row.decision_result], "occurred_on": on, "details": details}, None
    if row.category == "decision" and row.decision_result in OPTION_OFFERED:
        return {
            "type": "loss_mit_option_offered",
            "occurred_on": on,
            "details": {"option": OPTION_OFFERED[row.decision_result]},
        }, None
    if row.category in REPLY_EVENT and row.in_reply_to_id:
        target = session.get(Communication, row.in_reply_to_id)
        if target is None or target.deleted_at is not None or target.event_id is None:
            return None, None
        details: dict[str, Any] = {"in_reply_to": target.event_id}
        if extended is None and row.event_id:  # a correction that does not mention it keeps the flag
            current = session.get(CaseEvent, row.event_id)
            extended = bool(
                current and (current.details or {}).get("extended" if row.category == "acknowledgment" else "extension")
            )
        if extended:
            details["extended" if row.category == "acknowledgment" else "extension"] = True
        return {"type": REPLY_EVENT[row.category], "occurred_on": on, "details": details}, None
    return None, None


def _sync_one(session, caller: Caller, case: Case, event_id: int | None, wanted: dict | None) -> int | None:
    current = session.get(CaseEvent, event_id) if event_id else None
    if current is not None and current.deleted_at is not None:
        current = None
    if wanted is None:
        if current is not None:
            events.delete_event(session, caller, current)
        return None
    if current is not None and current.type == wanted["type"]:
        if current.occurred_on != wanted["occurred_on"] or _json(current.details) != _json(wanted["details"]):
            events.update_event(
                session, caller, current, {"occurred_on": wanted["occurred_on"], "details": _json(wanted["details"])}
            )
        return current.id
    if current is not None:
        events.delete_event(session, caller, current)
    created = events.add_event(
        session,
        caller,
        case,
        {"type": wanted["type"], "occurred_on": wanted["occurred_on"], "details": _json(wanted["details"])},
    )
    return created.id


def _json(details: dict[str, Any] | None) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in (details or {}).items()}


def sync_events(session, caller: Caller, case: Case, row: Communication, extended: bool | None) -> None:
    primary, complete = _wanted_events(session, caller, row, extended)
    row.event_id = _sync_one(session, caller, case, row.event_id, primary)
    row.complete_event_id = _sync_one(session, caller, case, row.complete_event_id, complete)
    session.flush()


def resync_replies(session, caller: Caller, case: Case, row: Communication) -> None:
    """Replies point at this entry's event: keep them in step when it changes or goes."""
    for reply in session.scalars(
        select(Communication).where(Communication.in_reply_to_id == row.id, Communication.deleted_at.is_(None))
    ).all():
        # A deleted request keeps the link for the record; the reply's clock event goes with the request's.
        sync_events(session, caller, case, reply, None)
