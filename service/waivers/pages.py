"""Page actions on deficiency-waiver requests: open one, record its progress (sent, answered, granted with the
written waiver attached), and record offers and counter-offers. Thin: the same service calls and schemas as
the JSON API (service/waivers/api.py); a form with errors, or a move the status flow forbids, writes nothing."""

from __future__ import annotations

from typing import Any, Callable

from flask import g, request

from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.errors import Problem
from service.waivers import service
from service.waivers.schemas import (
    ASKS,
    METHODS,
    OFFER_PARTIES,
    RESOLUTIONS,
    OfferCreateSchema,
    WaiverCreateSchema,
    WaiverPatchSchema,
)
from service.web import forms
from service.web.helpers import caller, page_blueprint
from service.web.labels import choices

bp = page_blueprint("waivers_pages", __name__)

CREATE_FIELDS = {
    "resolution": forms.TEXT,
    "recipient": forms.TEXT,
    "deficiency_amount": forms.MONEY,
    "ask": forms.TEXT,
    "settlement_amount": forms.MONEY,
    "follow_up_days": forms.INTEGER,
    "notes": forms.TEXT,
}
CREATE_LABELS = {
    "resolution": "Resolution",
    "recipient": "Recipient (lender, servicer or investor)",
    "deficiency_amount": "Deficiency amount",
    "ask": "What the client asks",
    "settlement_amount": "Settlement offered",
    "follow_up_days": "Follow up after (days)",
    "notes": "Notes on the request",
}
PROGRESS_FIELDS = {
    "status": forms.TEXT,
    "sent_on": forms.TEXT,
    "method": forms.TEXT,
    "answered_on": forms.TEXT,
    "written_waiver_attachment_id": forms.INTEGER,
}
PROGRESS_LABELS = {
    "status": "New status",
    "sent_on": "Sent on",
    "method": "Sent by",
    "answered_on": "Answered on",
    "written_waiver_attachment_id": "Written waiver (an attached file)",
    "client_told_about_1099c": "Client told about Form 1099-C",
}
OFFER_FIELDS = {
    "offered_by": forms.TEXT,
    "offered_on": forms.TEXT,
    "terms": forms.TEXT,
    "amount": forms.MONEY,
    "note": forms.TEXT,
}
OFFER_LABELS = {
    "offered_by": "Offered by",
    "offered_on": "Offered on",
    "terms": "Terms",
    "amount": "Amount",
    "note": "Note on the offer",
}


def waiver_form_context(communications: list[dict[str, Any]]) -> dict[str, Any]:
    """What the case page's waiver forms offer: the choices, and the files that can be the written waiver
    (attachments of this case's communications); no errors until a form is posted."""
    files = [
        (a["id"], f"{a['filename']} ({c['occurred_at']:%b %-d, %Y} {c['category'].replace('_', ' ')})")
        for c in communications
        for a in c["attachments"]
    ]
    return {
        "waiver_resolutions": choices(RESOLUTIONS),
        "waiver_asks": choices(ASKS),
        "waiver_methods": choices(METHODS),
        "waiver_offer_parties": choices(OFFER_PARTIES),
        "waiver_files": files,
        "waiver_errors": {},
        "waiver_values": {},
        "waiver_progress_errors": {},
        "waiver_progress_values": {},
        "waiver_offer_errors": {},
        "waiver_offer_values": {},
    }


def _attempt(
    schema, data: dict[str, Any], labels: dict[str, str], write: Callable[[dict], Any], conflict_field: str
) -> dict[str, str]:
    """Validate with the API's schema, write, commit; the errors by field otherwise (nothing written).
    A move the status flow forbids (the API's 409) is shown next to `conflict_field`."""
    loaded, errors = forms.load(schema, data, labels)
    if errors:
        return errors
    try:
        write(loaded)
        g.db.commit()
    except Problem as problem:
        g.db.rollback()
        if problem.code == 409:
            return {conflict_field: problem.detail}
        return forms.problem_errors(problem, labels)
    return {}


@bp.route("/cases/<id:case_id>/waiver-requests", methods=["POST"])
def create(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data = forms.nested_from_form(request.form, CREATE_FIELDS)
    data["client_told_about_1099c"] = request.form.get("client_told_about_1099c") == "on"
    errors = _attempt(
        WaiverCreateSchema(),
        data,
        CREATE_LABELS,
        lambda loaded: service.create_waiver_request(g.db, caller(), case, loaded),
        "resolution",
    )
    if not errors:
        return respond_with_case(case, "Waiver request opened as a draft.", anchor="#waivers")
    return respond_with_case(
        case,
        "The waiver request was not opened: " + " ".join(errors.values()),
        status=422,
        focus="waivers",
        waiver_errors=errors,
        waiver_values=request.form,
    )


@bp.route("/waiver-requests/<id:waiver_request_id>", methods=["POST"])
def progress(waiver_request_id: int):
    row = service.get_waiver_request(g.db, caller().org_id, waiver_request_id)
    case = get_case(g.db, caller().org_id, row.case_id)
    ensure_can_edit(case)
    data = forms.nested_from_form(request.form, PROGRESS_FIELDS)
    data["client_told_about_1099c"] = request.form.get("client_told_about_1099c") == "on"
    errors = _attempt(
        WaiverPatchSchema(),
        data,
        PROGRESS_LABELS,
        lambda loaded: service.update_waiver_request(g.db, caller(), row, loaded),
        "status",
    )
    if not errors:
        return respond_with_case(
            case, f"Waiver request {row.id} is now {row.status.replace('_', ' ')}.", anchor=f"#waiver-{row.id}"
        )
    return respond_with_case(
        case,
        "The waiver request was not changed: " + " ".join(errors.values()),
        status=422,
        focus="waivers",
        waiver_progress_errors={row.id: errors},
        waiver_progress_values={row.id: request.form},
    )


@bp.route("/waiver-requests/<id:waiver_request_id>/offers", methods=["POST"])
def add_offer(waiver_request_id: int):
    row = service.get_waiver_request(g.db, caller().org_id, waiver_request_id)
    case = get_case(g.db, caller().org_id, row.case_id)
    ensure_can_edit(case)
    data = forms.nested_from_form(request.form, OFFER_FIELDS)
    errors = _attempt(
        OfferCreateSchema(), data, OFFER_LABELS, lambda loaded: service.add_offer(g.db, caller(), row, loaded), "terms"
    )
    if not errors:
        return respond_with_case(case, "Offer recorded.", anchor=f"#waiver-{row.id}")
    return respond_with_case(
        case,
        "The offer was not recorded: " + " ".join(errors.values()),
        status=422,
        focus="waivers",
        waiver_offer_errors={row.id: errors},
        waiver_offer_values={row.id: request.form},
    )
