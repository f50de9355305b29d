"""Page actions on a case's events: add, correct, delete. Each recomputes the deadlines (the service does)."""

from __future__ import annotations

from flask import g, request

from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.errors import Problem
from service.events import service
from service.events.schemas import EventCreateSchema, EventPatchSchema
from service.web import forms
from service.web.helpers import caller, page_blueprint
from service.web.labels import humanize

bp = page_blueprint("events_pages", __name__)

EVENT_FIELDS = {
    "type": forms.TEXT,
    "occurred_on": forms.DATE,
    "details.sale_price": forms.MONEY,
    "details.note": forms.TEXT,
}
EVENT_LABELS = {"type": "Event", "occurred_on": "Date", "details.sale_price": "Sale price", "details.note": "Note"}


def _form_errors(errors: dict[str, str]) -> dict[str, str]:
    """details.sale_price (the API's path) -> sale_price (the form's field)."""
    return {name.removeprefix("details."): message for name, message in errors.items()}


@bp.route("/cases/<id:case_id>/events", methods=["POST"])
def add(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)  # another organisation's case: 404 before anything else
    ensure_can_edit(case)
    fields = {**EVENT_FIELDS, "details.sale_price": forms.MONEY}
    raw = forms.nested_from_form(
        {("details." + k if k in ("sale_price", "note") else k): v for k, v in request.form.items()}, fields
    )
    if raw.get("details", {}).get("sale_price") and raw.get("type") != "sale_held":
        errors = {"sale_price": "A sale price belongs to a sale held; leave it blank for other events."}
        return respond_with_case(
            case, "The event was not added.", status=422, event_errors=errors, event_values=request.form, focus="events"
        )
    data, errors = forms.load(EventCreateSchema(), raw, EVENT_LABELS)
    if not errors:
        try:
            event = service.add_event(g.db, caller(), case, data)  # the same call the API makes
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, EVENT_LABELS)
        else:
            return respond_with_case(
                case,
                f"Added {humanize(event.type).lower()}; the deadlines were recomputed.",
                focus="deadlines",
                anchor="#deadlines",
            )
    return respond_with_case(
        case,
        "The event was not added: " + " ".join(_form_errors(errors).values()),
        status=422,
        event_errors=_form_errors(errors),
        event_values=request.form,
        focus="events",
    )


@bp.route("/events/<id:event_id>/correct", methods=["POST"])
def correct(event_id: int):
    event = service.get_event(g.db, caller().org_id, event_id)
    case = get_case(g.db, caller().org_id, event.case_id)
    ensure_can_edit(case)
    data, errors = forms.load(
        EventPatchSchema(), forms.nested_from_form(request.form, {"occurred_on": forms.DATE}), {"occurred_on": "Date"}
    )
    if not errors:
        try:
            service.update_event(g.db, caller(), event, data)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, {"occurred_on": "Date"})
        else:
            return respond_with_case(
                case,
                f"Corrected {humanize(event.type).lower()}; the deadlines were recomputed.",
                focus="deadlines",
                anchor="#deadlines",
            )
    message = f"{humanize(event.type)} was not corrected: " + " ".join(errors.values())
    return respond_with_case(case, message, status=422, event_errors={"correction": message}, focus="events")


@bp.route("/events/<id:event_id>/delete", methods=["POST"])
def delete(event_id: int):
    event = service.get_event(g.db, caller().org_id, event_id)
    case = get_case(g.db, caller().org_id, event.case_id)
    ensure_can_edit(case)
    service.delete_event(g.db, caller(), event)
    g.db.commit()
    return respond_with_case(
        case,
        f"Deleted {humanize(event.type).lower()}; the deadlines were recomputed.",
        focus="deadlines",
        anchor="#deadlines",
    )
