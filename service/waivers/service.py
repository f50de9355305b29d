"""Deficiency-waiver requests: the request, its status flow and rules, offers and counter-offers, the
follow-up deadline, and the Form 1099-C warning.

Status flow (409 for an illegal move, 422 when a rule's field is missing):
  draft -> sent (needs sent_on and method) | withdrawn
  sent -> acknowledged | granted | partially_granted | denied | withdrawn
  acknowledged -> granted | partially_granted | denied | withdrawn
  granted, partially_granted, denied, withdrawn: final.
granted and partially_granted need the written waiver: an attachment of a communication on the same case.
The terms (resolution, recipient, deficiency, ask, settlement) change only in draft; afterwards the
negotiation is recorded as offers (POST /waiver-requests/{id}/offers), kept in order.

Follow-up: when a request is sent, a deadline of kind waiver_follow_up (key "waiver_follow_up:<id>", kept
like a manual deadline, so recomputes leave it alone) falls due follow_up_days (default 30) after sent_on;
an answer marks it met, withdrawing (or going back to draft) removes it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from models import Case, Deadline, Organization
from models.base import utcnow
from models.communications import Attachment, Communication
from models.waivers import WaiverOffer, WaiverRequest
from service import disclaimers
from service import audit
from service.auth import Caller
from service.cases.service import case_document, get_case
from service.clock.kinds import deadline_kind
from service.db import paginate
from service.deficiency.service import case_deficiency
from service.errors import Problem, validation_error
from service.fields import python_dump
from service.rulebook import local_today
from service.signals import deadlines_changed
from service.waivers.schemas import WaiverAuditSchema, WaiverSchema

NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "draft": ("sent", "withdrawn"),
    "sent": ("acknowledged", "granted", "partially_granted", "denied", "withdrawn"),
    "acknowledged": ("granted", "partially_granted", "denied", "withdrawn"),
    "granted": (),
    "partially_granted": (),
    "denied": (),
    "withdrawn": (),
}
ANSWERED = ("acknowledged", "granted", "partially_granted", "denied")
FINAL = tuple(s for s, nxt in NEXT_STATUSES.items() if not nxt)
TERMS = ("resolution", "recipient", "deficiency_amount", "ask", "settlement_amount")
SEND_FIELDS = ("sent_on", "method")
FOLLOW_UP_KIND = "waiver_follow_up"
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
FORM_1099C_SOURCES = (
    "26 U.S.C. § 61(a)(11) (income from discharge of indebtedness)",
    "26 U.S.C. § 6050P (Form 1099-C reporting of canceled debt of $600 or more)",
    "26 U.S.C. § 108 (exclusions, e.g. insolvency)",
    "IRS Publication 4681, Canceled Debts, Foreclosures, Repossessions, and Abandonments: "
    "https://www.irs.gov/publications/p4681",
)
FORM_1099C_ADVICE = (
    "Forgiven debt may be taxable income and may be reported on Form 1099-C (cancellation of "
    "debt): tell the client to see a tax adviser before signing. Not tax or legal advice."
)


def follow_up_key(request_id: int) -> str:
    return f"{FOLLOW_UP_KIND}:{request_id}"


def percentage(amount: Decimal | None, deficiency: Decimal | None) -> Decimal | None:
    """amount as a percentage of the deficiency, in hundredths, rounded half-up (Decimal only)."""
    if amount is None or deficiency is None or deficiency <= 0:
        return None
    return (Decimal(amount) * HUNDRED / Decimal(deficiency)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- loading and documents -------------------------------------------------------------------------


def get_waiver_request(session, org_id: int, request_id: int) -> WaiverRequest:
    row = session.scalars(
        select(WaiverRequest)
        .join(Case, Case.id == WaiverRequest.case_id)
        .where(WaiverRequest.id == request_id, WaiverRequest.org_id == org_id, Case.deleted_at.is_(None))
    ).one_or_none()
    if row is None:
        raise Problem(404, f"No waiver request {request_id}.")
    return row


def list_waiver_requests(session, case: Case, page: int, per_page: int, status: str | None = None):
    query = select(WaiverRequest).where(WaiverRequest.case_id == case.id, WaiverRequest.org_id == case.org_id)
    if status:
        query = query.where(WaiverRequest.status == status)
    return paginate(session, query.order_by(WaiverRequest.id), page, per_page)


def _follow_up(session, row: WaiverRequest) -> Deadline | None:
    return session.scalars(
        select(Deadline).where(Deadline.case_id == row.case_id, Deadline.key == follow_up_key(row.id))
    ).one_or_none()


@dataclass(frozen=True)
class Form1099C:
    possible: bool
    why: str
    advice: str
    client_told: bool
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistItem:
    item: str
    done: bool


def form_1099c(row: WaiverRequest) -> Form1099C:
    if row.status in ("denied", "withdrawn"):
        possible, why = False, f"The request was {row.status}: no debt forgiven by it."
    elif row.deficiency_amount is not None and row.deficiency_amount == 0:
        possible, why = False, "No deficiency at stake."
    else:
        forgiven = "the whole deficiency" if row.ask == "full_waiver" else "the deficiency less the settlement paid"
        state = "was forgiven" if row.status in ("granted", "partially_granted") else "would be forgiven"
        possible, why = True, f"If the waiver is granted, {forgiven} {state}: canceled debt."
    return Form1099C(
        possible, why, FORM_1099C_ADVICE if possible else "", row.client_told_about_1099c, FORM_1099C_SOURCES
    )


def checklist(row: WaiverRequest) -> list[ChecklistItem]:
    items = [
        ChecklistItem("Send the request and record the date and method", bool(row.sent_on and row.method)),
        ChecklistItem(
            "Get the waiver in writing, signed by the lender, before the client signs the "
            f"{row.resolution.replace('_', ' ')}; attach it here",
            row.written_waiver_attachment_id is not None,
        ),
    ]
    if form_1099c(row).possible:
        items.append(
            ChecklistItem(
                "Tell the client that forgiven debt may bring a Form 1099-C and to see a tax adviser",
                row.client_told_about_1099c,
            )
        )
    return items


class WaiverView:
    """A request as the API, the case page and the reports show it: the row (its columns and offers), the
    live follow-up deadline, and what follows from them. WaiverSchema dumps it."""

    def __init__(self, row: WaiverRequest, follow_up: Deadline | None):
        self.row = row
        self.follow_up = follow_up if follow_up is not None and follow_up.removed_at is None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)  # the row's columns and offers

    @property
    def settlement_percentage(self) -> Decimal | None:
        row = self.row
        return percentage(row.settlement_amount, row.deficiency_amount) if row.ask == "settlement" else None

    @property
    def allowed_next_statuses(self) -> tuple[str, ...]:
        return NEXT_STATUSES[self.row.status]

    @property
    def follow_up_deadline_id(self) -> int | None:
        return self.follow_up.id if self.follow_up else None

    @property
    def follow_up_due_on(self) -> dt.date | None:
        return self.follow_up.due_on if self.follow_up else None

    @property
    def form_1099c(self) -> Form1099C:
        return form_1099c(self.row)

    @property
    def checklist(self) -> list[ChecklistItem]:
        return checklist(self.row)


def view(session, row: WaiverRequest) -> WaiverView:
    return WaiverView(row, _follow_up(session, row))


def document(session, row: WaiverRequest) -> dict[str, Any]:
    """The API's document of the request with Python values (dates, Decimals), for the pages and reports."""
    return python_dump(WaiverSchema(), view(session, row))


_AUDITED = WaiverAuditSchema(
    only=(
        "resolution",
        "recipient",
        "deficiency_amount",
        "ask",
        "settlement_amount",
        "sent_on",
        "method",
        "status",
        "answered_on",
        "follow_up_days",
        "written_waiver_attachment_id",
        "client_told_about_1099c",
        "notes",
    )
)


def _audit_document(row: WaiverRequest) -> dict[str, Any]:
    """The request as the audit log compares it: the API's dump of the fields a user sets, from the row."""
    return _AUDITED.dump(row)


# --- rules -------------------------------------------------------------------------------------------


def _check_terms(row: WaiverRequest, today: dt.date) -> None:
    errors: dict[str, list[str]] = {}
    if row.ask == "settlement" and row.settlement_amount is None:
        errors["settlement_amount"] = ["Required when ask is settlement."]
    if row.ask == "full_waiver" and row.settlement_amount is not None:
        errors["settlement_amount"] = [
            "Only for ask = settlement (a full waiver asks the lender to forgive all of it)."
        ]
    if (
        row.settlement_amount is not None
        and row.deficiency_amount is not None
        and row.settlement_amount > row.deficiency_amount
    ):
        errors["settlement_amount"] = [f"More than the deficiency ({row.deficiency_amount:.2f})."]
    if row.sent_on is not None and row.sent_on > today:
        errors["sent_on"] = [f"Cannot be in the future (today is {today.isoformat()})."]
    if row.answered_on is not None and row.sent_on is not None and row.answered_on < row.sent_on:
        errors["answered_on"] = ["Must be on or after sent_on."]
    if row.answered_on is not None and row.answered_on > today:
        errors["answered_on"] = [f"Cannot be in the future (today is {today.isoformat()})."]
    if errors:
        raise validation_error(errors)


def _check_attachment(session, row: WaiverRequest, attachment_id: int | None) -> None:
    if attachment_id is None:
        return
    found = session.scalar(
        select(Attachment.id)
        .join(Communication, Communication.id == Attachment.communication_id)
        .where(
            Attachment.id == attachment_id,
            Attachment.org_id == row.org_id,
            Attachment.case_id == row.case_id,
            Communication.deleted_at.is_(None),
        )
    )
    if found is None:
        raise validation_error(
            {
                "written_waiver_attachment_id": [
                    f"No attachment {attachment_id} on this case (attach the written waiver to a communication first)."
                ]
            }
        )


def _check_move(row: WaiverRequest, new: str) -> None:
    if new == row.status:
        return
    allowed = NEXT_STATUSES[row.status]
    if new not in allowed:
        if not allowed:
            raise Problem(409, f"A {row.status} waiver request is final; start a new request instead.")
        raise Problem(
            409,
            f"A waiver request cannot go from {row.status} to {new}; from {row.status} it may go to "
            f"{', '.join(allowed)}.",
        )


def _check_status_rules(row: WaiverRequest) -> None:
    errors: dict[str, list[str]] = {}
    if row.status not in ("draft", "withdrawn"):
        for name in SEND_FIELDS:
            if getattr(row, name) is None:
                errors[name] = [f"Required once the request is {row.status} (when and how it was sent)."]
    if row.status in ("granted", "partially_granted") and row.written_waiver_attachment_id is None:
        errors["written_waiver_attachment_id"] = [
            f"A {row.status.replace('_', ' ')} waiver needs the lender's written waiver attached: upload it to a "
            f"communication on this case and give its attachment id."
        ]
    if errors:
        raise validation_error(errors)


# --- create, change, offers -----------------------------------------------------------------------


def _calculator_deficiency(session, case: Case, today: dt.date) -> Decimal | None:
    return case_deficiency(session, case, today).deficiency


def create_waiver_request(session, caller: Caller, case: Case, data: dict[str, Any]) -> WaiverRequest:
    today = local_today(caller.timezone)
    row = WaiverRequest(
        org_id=case.org_id,
        case_id=case.id,
        created_by_id=caller.user_id,
        status="draft",
        follow_up_days=30,
        client_told_about_1099c=False,
    )
    for name in (
        "resolution",
        "recipient",
        "ask",
        "settlement_amount",
        "sent_on",
        "method",
        "follow_up_days",
        "written_waiver_attachment_id",
        "client_told_about_1099c",
        "notes",
    ):
        if name in data:
            setattr(row, name, data[name])
    if data.get("deficiency_amount") is not None:
        row.deficiency_amount, row.deficiency_source = data["deficiency_amount"], "entered"
    else:
        row.deficiency_amount = _calculator_deficiency(session, case, today)
        row.deficiency_source = "calculator" if row.deficiency_amount is not None else "unknown"
    row.status = data.get("status", "draft")
    _check_terms(row, today)
    _check_attachment(session, row, row.written_waiver_attachment_id)
    _check_status_rules(row)
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "waiver_request",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        after=_audit_document(row),
    )
    sync_follow_up(session, caller, case, row)
    return row


def update_waiver_request(session, caller: Caller, row: WaiverRequest, data: dict[str, Any]) -> WaiverRequest:
    case = get_case(session, caller.org_id, row.case_id)
    today = local_today(caller.timezone)
    before = _audit_document(row)
    changed_terms = [n for n in TERMS if n in data and data[n] != getattr(row, n)]
    if changed_terms and row.status != "draft":
        raise Problem(
            409,
            f"The terms ({', '.join(changed_terms)}) of a {row.status} request cannot change; record "
            f"the lender's answer or a counter-offer as an offer instead.",
        )
    if row.status in FINAL:
        frozen = [
            n
            for n in data
            if n not in ("notes", "client_told_about_1099c", "status") and data[n] != getattr(row, n, None)
        ]
        if frozen or data.get("status", row.status) != row.status:
            raise Problem(
                409,
                f"A {row.status} waiver request is final; only notes and the Form 1099-C checklist item can change.",
            )
    new_status = data.get("status", row.status)
    _check_move(row, new_status)
    for name in (
        "resolution",
        "recipient",
        "ask",
        "settlement_amount",
        "sent_on",
        "method",
        "follow_up_days",
        "written_waiver_attachment_id",
        "client_told_about_1099c",
        "notes",
        "answered_on",
    ):
        if name in data:
            setattr(row, name, data[name])
    if "deficiency_amount" in data:
        if data["deficiency_amount"] is None:
            row.deficiency_amount = _calculator_deficiency(session, case, today)
            row.deficiency_source = "calculator" if row.deficiency_amount is not None else "unknown"
        else:
            row.deficiency_amount, row.deficiency_source = data["deficiency_amount"], "entered"
    if new_status != row.status:
        if new_status in ANSWERED and row.status not in ANSWERED and row.answered_on is None:
            row.answered_on = today
        row.status = new_status
    _check_terms(row, today)
    if "written_waiver_attachment_id" in data:
        _check_attachment(session, row, row.written_waiver_attachment_id)
    _check_status_rules(row)
    row.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "waiver_request",
        row.id,
        org_id=row.org_id,
        case_id=row.case_id,
        before=before,
        after=_audit_document(row),
    )
    sync_follow_up(session, caller, case, row)
    return row


def add_offer(session, caller: Caller, row: WaiverRequest, data: dict[str, Any]) -> WaiverOffer:
    """An offer or counter-offer, appended in order, with its percentage of the deficiency."""
    today = local_today(caller.timezone)
    if row.status not in ("sent", "acknowledged"):
        raise Problem(409, f"Offers are recorded while a request is sent or acknowledged; this one is {row.status}.")
    errors: dict[str, list[str]] = {}
    if data["terms"] == "settlement" and data.get("amount") is None:
        errors["amount"] = ["Required for a settlement offer."]
    if data["terms"] == "full_waiver" and data.get("amount") is not None:
        errors["amount"] = ["A full waiver has no amount."]
    if data["offered_on"] > today:
        errors["offered_on"] = [f"Cannot be in the future (today is {today.isoformat()})."]
    elif row.sent_on and data["offered_on"] < row.sent_on:
        errors["offered_on"] = [f"Must be on or after the request was sent ({row.sent_on.isoformat()})."]
    if errors:
        raise validation_error(errors)
    amount = data.get("amount")
    offer = WaiverOffer(
        waiver_request_id=row.id,
        position=len(row.offers) + 1,
        offered_by=data["offered_by"],
        offered_on=data["offered_on"],
        terms=data["terms"],
        amount=amount,
        percentage=percentage(amount, row.deficiency_amount) if amount is not None else None,
        note=data.get("note"),
        created_by_id=caller.user_id,
    )
    row.offers.append(offer)
    row.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "waiver_offer",
        offer.id,
        org_id=row.org_id,
        case_id=row.case_id,
        after={
            "waiver_request_id": row.id,
            "position": offer.position,
            "offered_by": offer.offered_by,
            "offered_on": offer.offered_on.isoformat(),
            "terms": offer.terms,
            "amount": None if amount is None else f"{amount:.2f}",
            "percentage": None if offer.percentage is None else f"{offer.percentage:.2f}",
        },
    )
    return offer


# --- the follow-up deadline ---------------------------------------------------------------------------


def sync_follow_up(session, caller: Caller | None, case: Case, row: WaiverRequest) -> Deadline | None:
    """Keep the follow-up deadline in step with the request (idempotent)."""
    deadline = _follow_up(session, row)
    wanted = row.status in ("sent",) and row.sent_on is not None
    answered = row.status in ANSWERED
    if deadline is None and not wanted:
        return None
    if deadline is None:
        deadline = Deadline(
            org_id=row.org_id,
            case_id=row.case_id,
            key=follow_up_key(row.id),
            kind=FOLLOW_UP_KIND,
            binds=deadline_kind(FOLLOW_UP_KIND).binds,
            status="open",
            is_manual=True,
            sequence=0,
            verify_manually=False,
            rule_id="waiver_follow_up",
            created_by_id=caller.user_id if caller else None,
        )
        session.add(deadline)
    due_on = row.sent_on + dt.timedelta(days=row.follow_up_days) if row.sent_on else deadline.due_on
    if deadline.due_on is not None and due_on != deadline.due_on:
        deadline.sequence += 1
    deadline.due_on = due_on
    deadline.title = f"Follow up on the deficiency waiver request to {row.recipient}"[:200]
    deadline.explanation = (
        f"Deficiency waiver request #{row.id} ({row.resolution.replace('_', ' ')}) sent to {row.recipient} on "
        f"{row.sent_on.isoformat() if row.sent_on else 'an unknown date'}"
        f"{' by ' + row.method.replace('_', ' ') if row.method else ''}: with no answer, follow up "
        f"{row.follow_up_days} days later ({due_on.isoformat() if due_on else 'date unknown'}). Get any waiver in "
        f"writing before the client signs. Not legal advice."
    )
    if wanted:
        deadline.removed_at = None
        deadline.user_status = None
        deadline.status = "open"
        deadline.met_on = None
    elif answered:
        deadline.removed_at = None
        deadline.user_status = "met"
        deadline.status = "met"
        deadline.met_on = row.answered_on
    elif deadline.removed_at is None:
        deadline.removed_at = utcnow()  # withdrawn (or back to draft): nothing to follow up
    session.flush()
    deadlines_changed.send(case, session=session)  # reminder plans follow deadlines
    return deadline


# --- for reports --------------------------------------------------------------------------------------


def waiver_letter_data(session, org_id: int, request_id: int, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the waiver request letter prints: the organisation, the client, property and loan (full loan
    number: the letter goes to the lender), the request with its offers, the deficiency calculation, the
    checklist and the Form 1099-C warning. Plain dicts; 404 for another organisation's request."""
    row = get_waiver_request(session, org_id, request_id)
    case = get_case(session, org_id, row.case_id)
    organization = session.get(Organization, org_id)
    today = today or local_today(organization.timezone)
    deficiency = case_deficiency(session, case, today)
    return {
        "organization": {"id": organization.id, "name": organization.name},
        "case": case_document(case),
        "waiver_request": document(session, row),
        "deficiency": deficiency.as_dict() if hasattr(deficiency, "as_dict") else dict(deficiency.__dict__),
        "as_of": today,
        "disclaimer": disclaimers.WAIVERS,
    }
