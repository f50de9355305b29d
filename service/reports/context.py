"""Gathering each report's data (the template context): plain dicts for the templates in reports/templates/,
read through the domains' own service functions (deadlines, stages, deficiency, communications, waiver
requests). The API, the CLI and the worker all reach these through service.reports.service; the rendering
itself (HTML -> PDF) is the top-level reports/ package."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Case, Deadline, Organization, User
from reports.render import ReportError
from service import disclaimers
from service.cases.display import client_name, effective_process, mask_loan_number, person_name
from service.communications.compliance import communications_log as gather_log
from service.deadlines.service import engine_answer, stage_history
from service.deficiency.service import case_deficiency
from service.errors import Problem, validation_error
from service.events.service import live_events
from service.rulebook import rules
from service.waivers.service import document as waiver_document
from service.waivers.service import get_waiver_request, list_waiver_requests, waiver_letter_data

INVESTOR_LABELS = {
    "fannie_mae": "Fannie Mae",
    "freddie_mac": "Freddie Mac",
    "fha": "FHA",
    "va": "VA",
    "usda": "USDA",
    "private": "Private investor",
    "portfolio": "Portfolio (held by the lender)",
}
BORROWER_SIDE = ("borrower", "court")  # our side's obligations: the ones that can be overdue
CLOSED_STATUSES = ("met", "waived", "tolled")


def user_name(session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return (user.full_name or user.email) if user else None


def common(session, org_id: int, now: dt.datetime, today: dt.date) -> dict[str, Any]:
    org = session.get(Organization, org_id)
    local_now = now.astimezone(ZoneInfo(org.timezone))
    return {
        "org_name": org.name,
        "generated_at": local_now,
        "generated_at_iso": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generated_label": f"{local_now:%B} {local_now.day}, {local_now.year} at {local_now:%H:%M} {local_now:%Z}",
        "today": today,
        "not_legal_advice": disclaimers.REPORTS,
    }


def case_parties(session, case: Case) -> dict[str, Any]:
    """Parties, property and loan as every case report shows them (account number masked to 4 digits)."""
    borrowers = [
        {
            "name": person_name(b.first_name, b.last_name),
            "email": b.email,
            "phone": b.phone,
            "language": b.preferred_language,
        }
        for b in case.borrowers
    ]
    if not borrowers:
        raise ReportError(f"Case {case.id} has no client; add one before making a report.")
    jurisdiction = rules().jurisdiction(case.property_state)
    amounts = [case.loan_unpaid_principal, case.loan_accrued_interest, case.loan_fees_and_costs]
    total_owed = sum((a for a in amounts if a is not None), Decimal("0.00")) - (case.loan_credits or Decimal("0.00"))
    street_line = case.property_street or ""
    city_line = ", ".join(
        p for p in (case.property_city, f"{case.property_state} {case.property_zip or ''}".strip()) if p
    )
    return {
        "case_id": case.id,
        "client": borrowers[0],
        "co_borrowers": borrowers[1:],
        "borrower_names": " and ".join(b["name"] for b in borrowers),
        "property": {
            "street": street_line,
            "city_line": city_line,
            "county": case.property_county,
            "state": case.property_state,
            "occupancy": case.property_occupancy,
            "dwelling_units": case.property_dwelling_units,
            "acreage": case.property_acreage,
            "one_line": ", ".join(p for p in (street_line, city_line) if p),
        },
        "loan": {
            "servicer": case.loan_servicer,
            "investor": case.loan_investor,
            "number": case.loan_number,
            "number_masked": mask_loan_number(case.loan_number),
            "purpose": case.loan_purpose,
            "lien_position": case.loan_lien_position,
            "unpaid_principal": case.loan_unpaid_principal,
            "accrued_interest": case.loan_accrued_interest,
            "fees_and_costs": case.loan_fees_and_costs,
            "credits": case.loan_credits,
            "total_owed": total_owed,
        },
        "investor_label": INVESTOR_LABELS.get(case.loan_investor or "", case.loan_investor or "—"),
        "jurisdiction": jurisdiction.name if jurisdiction else case.property_state,
        "process": effective_process(case),
        "stage": case.stage,
        "outcome": case.outcome or case.event_outcome,
        "assigned_to": user_name(session, case.assigned_to_id),
    }


def deadline_row(row: Deadline, today: dt.date) -> dict[str, Any]:
    days = (row.due_on - today).days if row.due_on else None
    return {
        "id": row.id,
        "case_id": row.case_id,
        "title": row.title,
        "kind": row.kind,
        "due_on": row.due_on,
        "days": days,
        "binds": row.binds,
        "status": row.status,
        "citation": row.citation,
        "source_url": row.source_url,
        "confidence": row.confidence,
        "explanation": row.explanation,
        "verify_manually": row.verify_manually,
        "manual": row.is_manual,
        "computed_from": (
            {"event_type": row.computed_from_event_type, "occurred_on": row.computed_from_occurred_on}
            if row.computed_from_event_type
            else None
        ),
        # Overdue once the right itself has expired: a period ending on a weekend may still be exercised
        # on the next business day where the state's computation of time says so (expires_on).
        "overdue": bool(
            row.due_on
            and (row.expires_on or row.due_on) < today
            and row.status not in CLOSED_STATUSES
            and row.binds in BORROWER_SIDE
        ),
        "expires_on": row.expires_on,
    }


# --------------------------------------------------------------------------------------- case_timeline


def case_timeline(session, case: Case, params: dict, today: dt.date) -> dict[str, Any]:
    parties = case_parties(session, case)
    deadlines = session.scalars(
        select(Deadline)
        .where(Deadline.case_id == case.id, Deadline.removed_at.is_(None))
        .order_by(Deadline.due_on.is_(None), Deadline.due_on, Deadline.id)
    ).all()
    answer = engine_answer(session, case, today)  # the stage and the deficiency read the same answer
    history = stage_history(session, case, today, answer)
    deficiency = case_deficiency(session, case, today, answer)
    events = [
        {
            "type": e.type,
            "occurred_on": e.occurred_on,
            "details": {
                k: v
                for k, v in (e.details or {}).items()
                if v not in (None, "", [], {}) and not k.endswith("_id") and k != "in_reply_to"
            },
        }
        for e in live_events(session, case)
    ]
    return {
        **parties,
        "title": f"Case Timeline: {parties['client']['name']}",
        "subject": f"Case {case.id} at a glance: parties, property, loan, stages, events, deadlines and "
        f"deficiency exposure",
        "keywords": "foreclosure, case timeline, deadlines",
        "stage_history": [
            {"stage": t.stage, "entered_on": t.entered_on, "event_type": t.event_type} for t in history.history
        ],
        "events": events,
        "deadlines": [deadline_row(d, today) for d in deadlines],
        "deficiency": deficiency.__dict__,
    }


# ---------------------------------------------------------------------------------- caseload_deadlines


def caseload_deadlines(session, org_id: int, params: dict, today: dt.date) -> dict[str, Any]:
    """Every deadline due in the next `days` days, for one assignee or the whole organisation, grouped by
    week (Monday to Sunday), with our side's overdue ones first and unknown dates last."""
    days = int(params.get("days") or 30)
    assigned_to = params.get("assigned_to")
    horizon = today + dt.timedelta(days=days)
    query = (
        select(Deadline, Case)
        .join(Case, Case.id == Deadline.case_id)
        .where(
            Deadline.org_id == org_id,
            Deadline.removed_at.is_(None),
            Case.deleted_at.is_(None),
            Deadline.status.not_in(CLOSED_STATUSES),
        )
        .order_by(Deadline.due_on.is_(None), Deadline.due_on, Case.id, Deadline.id)
    )
    if assigned_to:
        query = query.where(Case.assigned_to_id == assigned_to)
    names = {u.id: (u.full_name or u.email) for u in session.scalars(select(User).where(User.org_id == org_id))}
    overdue, unknown = [], []
    weeks: dict[dt.date, list] = {}
    for deadline, case in session.execute(query).all():
        row = deadline_row(deadline, today)
        row["case"] = {
            "id": case.id,
            "client": client_name(case) or "—",
            "state": case.property_state,
            "assigned_to": names.get(case.assigned_to_id),
        }
        if deadline.due_on is None:
            if deadline.binds in BORROWER_SIDE:
                unknown.append(row)
        elif deadline.due_on < today:
            if row["overdue"]:
                overdue.append(row)
        elif deadline.due_on <= horizon:
            monday = deadline.due_on - dt.timedelta(days=deadline.due_on.weekday())
            weeks.setdefault(monday, []).append(row)
    scope = f"Assigned to {names.get(assigned_to, f'user {assigned_to}')}" if assigned_to else "Whole organisation"
    return {
        "title": "Caseload Deadlines",
        "subject": f"Deadlines due from {today.isoformat()} to {horizon.isoformat()} ({scope.lower()}), "
        f"grouped by week, overdue first",
        "keywords": "foreclosure, caseload, deadlines",
        "scope": scope,
        "days": days,
        "horizon": horizon,
        "overdue": overdue,
        "weeks": [
            {"monday": monday, "sunday": monday + dt.timedelta(days=6), "rows": rows}
            for monday, rows in sorted(weeks.items())
        ],
        "unknown": unknown,
        "upcoming": sum(len(r) for r in weeks.values()),
        "total": len(overdue) + sum(len(r) for r in weeks.values()) + len(unknown),
    }


# ------------------------------------------------------------------------------------------- dispatch


def gather(session, report_type: str, org_id: int, case: Case | None, params: dict, today: dt.date) -> dict[str, Any]:
    if report_type == "caseload_deadlines":
        return caseload_deadlines(session, org_id, params, today)
    if report_type == "hud_9902":
        from service.funder_reports.pdf import gather as hud_9902

        return hud_9902(session, org_id, params, today)
    if case is None:
        raise ReportError(f"A {report_type} report needs a case.")
    gatherers = {
        "case_timeline": case_timeline,
        "communications_log": communications_log,
        "waiver_request_letter": waiver_request_letter,
        "waiver_requests_summary": waiver_requests_summary,
    }
    try:
        gatherer = gatherers[report_type]
    except KeyError:
        raise ReportError(f"Unknown report type {report_type!r}.") from None
    return gatherer(session, case, params, today)


def check_waiver_request(session, org_id: int, case: Case | None, waiver_request_id: int) -> None:
    """422 unless the waiver request exists, in this organisation, on this case (another organisation's is
    answered as if it did not exist)."""
    try:
        row = get_waiver_request(session, org_id, waiver_request_id)
    except Problem:
        row = None
    if row is None or case is None or row.case_id != case.id:
        raise validation_error({"waiver_request_id": [f"No waiver request {waiver_request_id} on this case."]})


def _org_zone(session, org_id: int):
    return ZoneInfo(session.get(Organization, org_id).timezone)


# ---------------------------------------------------------------------------------- communications_log

CLOCK_FINDINGS = {"late": "Late", "missed": "Missed", "on_time": "On time", "open": "Still open"}


def communications_log(session, case: Case, params: dict, today: dt.date) -> dict[str, Any]:
    """The chronological record of every contact, numbered, with documents and their SHA-256, and the
    servicer-compliance findings: built on service.communications.compliance.communications_log."""
    parties = case_parties(session, case)
    log = gather_log(session, case.org_id, case.id, today)
    zone = _org_zone(session, case.org_id)
    numbers = {entry["id"]: n for n, entry in enumerate(log["entries"], start=1)}
    answered_by: dict[int, list[int]] = {}
    for n, entry in enumerate(log["entries"], start=1):
        if entry["in_reply_to"] is not None:
            answered_by.setdefault(entry["in_reply_to"], []).append(n)
    entries = []
    for n, entry in enumerate(log["entries"], start=1):
        local = entry["occurred_at"].astimezone(zone)
        entries.append(
            {
                **entry,
                "number": n,
                "local_date": local.date(),
                "local_time": f"{local:%H:%M} {local:%Z}",
                "reply_to_number": numbers.get(entry["in_reply_to"]),
                "answered_by_numbers": answered_by.get(entry["id"], []),
                # Trailing spaces or newlines make WeasyPrint break the last sentence after its first word.
                "summary": (entry["summary"] or "").strip() or None,
                "sent_before": [
                    f"{p['document']} (No. {numbers[p['communication_id']]})"
                    for p in entry.get("previously_sent") or []
                    if p.get("communication_id") in numbers
                ],
            }
        )
    clocks = [
        {
            **c,
            "finding": CLOCK_FINDINGS.get(c["result"], c["result"]),
            "request_number": numbers.get(c["request_communication_id"]),
            "answer_numbers": [numbers[i] for i in c["answered_by_communication_ids"] if i in numbers],
        }
        for c in log["servicer_compliance"]
    ]
    summary = log["compliance_summary"]
    return {
        **parties,
        "title": f"Communications Log: {parties['client']['name']}",
        "subject": f"Chronological record of communications on case {case.id}, with documents, SHA-256 hashes "
        f"and servicer-compliance findings",
        "keywords": "foreclosure, communications log, servicer compliance, exhibit",
        "entries": entries,
        "clocks": clocks,
        "summary": summary,
        "findings": [c for c in clocks if c["result"] in ("late", "missed")],
        "time_zone": str(zone),
        "disclaimer": log["disclaimer"],
    }


# ------------------------------------------------------------------------------------------ waivers

RESOLUTION_SENTENCES = {
    "short_sale": "Our client{s} {are} seeking your approval of a short sale of the property.",
    "deed_in_lieu": "Our client{s} {are} offering a deed in lieu of foreclosure for the property.",
    "settlement": "Our client{s} {are} seeking to settle the debt secured by the property.",
    "modification": "Our client{s} {are} seeking a modification of the loan.",
    "post_sale": "The property has been sold at a foreclosure sale.",
}


SIGN_BEFORE = {
    "short_sale": "before our client{s} sign{v} the short sale contract",
    "deed_in_lieu": "before our client{s} sign{v} the deed in lieu of foreclosure",
    "settlement": "before our client{s} sign{v} any settlement agreement",
    "modification": "before our client{s} sign{v} the modification agreement",
    "post_sale": "",
}


def _signer(session, case: Case, params: dict) -> dict[str, Any]:
    user = session.get(User, params.get("signer_id") or case.assigned_to_id or 0)
    if user is None or user.org_id != case.org_id:
        return {"name": None, "email": None}
    return {"name": user.full_name or user.email, "email": user.email}


def waiver_request_letter(session, case: Case, params: dict, today: dt.date) -> dict[str, Any]:
    """The letter asking the servicer for a written deficiency waiver: built on
    service.waivers.service.waiver_letter_data (full loan number: the letter goes to the lender)."""
    try:
        letter = waiver_letter_data(session, case.org_id, params["waiver_request_id"], today)
    except Problem:
        raise ReportError(f"Waiver request {params['waiver_request_id']} no longer exists.") from None
    request = letter["waiver_request"]
    if request["case_id"] != case.id:
        raise ReportError(f"Waiver request {request['id']} is not on case {case.id}.")
    parties = case_parties(session, case)
    plural = len(case.borrowers) > 1
    sentence = RESOLUTION_SENTENCES.get(request["resolution"], "").format(
        s="s" if plural else "", are="are" if plural else "is"
    )
    deficiency = letter["deficiency"]
    amount = request["deficiency_amount"]
    return {
        **parties,
        "title": f"Request for Written Deficiency Waiver: {parties['client']['name']}",
        "subject": f"Letter to {request['recipient']} requesting a written waiver of any deficiency, "
        f"loan {parties['loan']['number_masked']}",
        "keywords": "deficiency waiver, letter",
        "request": request,
        "resolution_sentence": sentence,
        "plural": plural,
        "sign_before": SIGN_BEFORE.get(request["resolution"], "").format(
            s="s" if plural else "", v="" if plural else "s"
        ),
        "deficiency_amount": amount,
        "deficiency": deficiency,
        "letter_date": today,
        "signer": _signer(session, case, params),
    }


def waiver_requests_summary(session, case: Case, params: dict, today: dt.date) -> dict[str, Any]:
    """Every waiver request on the case, with its offers and status: built on service.waivers.service."""
    requests, page = [], 1
    while True:
        rows, total = list_waiver_requests(session, case, page, 100)
        requests += [waiver_document(session, row) for row in rows]
        if len(requests) >= total or not rows:
            break
        page += 1
    parties = case_parties(session, case)
    return {
        **parties,
        "title": f"Deficiency Waiver Requests: {parties['client']['name']}",
        "subject": f"Every deficiency-waiver request and offer on case {case.id}, with its status",
        "keywords": "deficiency waiver, offers, summary",
        "requests": requests,
        "disclaimer": disclaimers.WAIVERS,
    }
