"""Page actions of the client's messages: record a consent from the case page (the same call the API
makes), and the per-client audit report of consents and messages as CSV."""

from __future__ import annotations

import csv
import io

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for

from service import permissions
from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.client_messages import service
from service.client_messages.rules import TOPICS
from service.client_messages.schemas import (
    AppointmentCreateSchema,
    AppointmentPatchSchema,
    ClientMessageSettingsInputSchema,
    ConsentCreateSchema,
)
from service.errors import Problem
from service.permissions import can_change_org_settings
from service.web import forms
from service.web.helpers import caller, page_blueprint

bp = page_blueprint("client_messages_pages", __name__)

# The form's fields are named consent.<field>: their ids stay unique on the case page (the communications form
# has a "channel" too).
CONSENT_FIELDS = {
    "consent.party_id": forms.INTEGER,
    "consent.channel": forms.TEXT,
    "consent.given": forms.TEXT,
    "consent.method": forms.TEXT,
    "consent.recorded_at": forms.TEXT,
    "consent.note": forms.TEXT,
}
CONSENT_LABELS = {
    "party_id": "Client",
    "channel": "Consent to",
    "given": "Given or revoked",
    "method": "How it was given",
    "recorded_at": "When",
    "note": "Note",
}
CSV_COLUMNS = ("case_id", "client", "role", "channel", "record", "at", "what", "how", "by_or_to", "detail")


@bp.route("/cases/<id:case_id>/consents", methods=["POST"])
def record(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data, errors = forms.load(
        ConsentCreateSchema(), forms.nested_from_form(request.form, CONSENT_FIELDS).get("consent", {}), CONSENT_LABELS
    )
    if data is not None and not errors:
        try:
            row = service.add_consent(g.db, caller(), case, data)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, CONSENT_LABELS)
        else:
            what = "given" if row.given else "revoked"
            channel = "e-mail" if row.channel == "email" else "SMS"
            return respond_with_case(case, f"Consent to {channel} {what}.", anchor="#client-messages")
    return respond_with_case(
        case,
        "The consent was not recorded: " + " ".join(errors.values()),
        status=422,
        consent_errors={f"consent.{name}": message for name, message in errors.items()},
        consent_values=request.form,
        focus="client-messages",
    )


APPOINTMENT_FIELDS = {
    "appointment.kind": forms.TEXT,
    "appointment.starts_at": forms.TEXT,
    "appointment.place": forms.TEXT,
    "appointment.note": forms.TEXT,
}
APPOINTMENT_LABELS = {"kind": "Kind of appointment", "starts_at": "Date and time", "place": "Place", "note": "Note"}


@bp.route("/cases/<id:case_id>/appointments", methods=["POST"])
def add_appointment(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data, errors = forms.load(
        AppointmentCreateSchema(),
        forms.nested_from_form(request.form, APPOINTMENT_FIELDS).get("appointment", {}),
        APPOINTMENT_LABELS,
    )
    if data is not None and not errors:
        service.add_appointment(g.db, caller(), case, data, current_app.config["FORESTALL"])
        g.db.commit()
        return respond_with_case(
            case, "Appointment added; the client's reminders are planned.", anchor="#client-messages"
        )
    return respond_with_case(
        case,
        "The appointment was not added: " + " ".join(errors.values()),
        status=422,
        appointment_errors={f"appointment.{name}": message for name, message in errors.items()},
        appointment_values=request.form,
        focus="client-messages",
    )


MOVE_FIELDS = {"starts_at": forms.TEXT, "place": forms.TEXT}
MOVE_LABELS = {"starts_at": "New date and time", "place": "Place"}


@bp.route("/appointments/<id:appointment_id>", methods=["POST"])
def change_appointment(appointment_id: int):
    """Move an appointment (new time or place: its reminders are planned again) or cancel it (its pending
    reminders are cancelled): the same service call as PATCH /api/v1/appointments/{id}."""
    row = service.get_appointment(g.db, caller().org_id, appointment_id)
    case = get_case(g.db, caller().org_id, row.case_id)
    ensure_can_edit(case)
    cancelling = request.form.get("action") == "cancel"
    raw = {"cancelled": True} if cancelling else forms.nested_from_form(request.form, MOVE_FIELDS)
    data, errors = forms.load(AppointmentPatchSchema(), raw, MOVE_LABELS)
    if data is not None and not errors and not cancelling and not data:
        errors = {"starts_at": "Enter the new date and time, or a new place."}
    if data is not None and not errors:
        service.update_appointment(g.db, caller(), row, data, current_app.config["FORESTALL"])
        g.db.commit()
        done = (
            "Appointment cancelled; its reminders will not be sent."
            if cancelling
            else ("Appointment moved; the client's reminders are planned again.")
        )
        return respond_with_case(case, done, anchor="#client-messages")
    return respond_with_case(
        case,
        "The appointment was not changed: " + " ".join(errors.values()),
        status=422,
        appointment_move_errors={row.id: errors},
        appointment_move_values={row.id: request.form},
        focus="client-messages",
    )


def _csv(rows: list[dict], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "at": row["at"].isoformat() if row["at"] else ""})
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.route("/cases/<id:case_id>/client-messages.csv")
def report(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    return _csv(service.audit_rows(g.db, case), f"case-{case.id}-client-consents-and-messages.csv")


@bp.route("/settings/client-messages/report.csv")
def org_report():
    """Every case's consents and messages, per client: the organisation's audit report."""
    return _csv(service.audit_rows(g.db, None, caller().org_id), "client-consents-and-messages.csv")


TOPIC_LABELS = {
    "hearing": "Court hearings (manual deadlines that bind the court)",
    "redemption_period_end": "End of the redemption period",
    "reinstatement_period_end": "End of the right to reinstate",
    "document_request": "Documents the servicer asked for (manual deadlines that bind the borrower)",
    "appointment": "Appointments (counseling sessions, court dates, document drop-offs)",
    "sale_date": "Foreclosure sale",
    "answer_due": "Answer to the complaint due",
    "loss_mit_appeal_due": "Appeal of a loss-mitigation denial due",
    "loss_mit_offer_acceptance_due": "Accept or reject a loss-mitigation offer",
}


def _settings_page(errors: dict[str, str] | None = None, values: dict | None = None, status: int = 200):
    current = service.settings_document(g.db, caller().org_id)
    values = values if values is not None else {"phone": current["phone"] or "", "topics": current["topics"]}
    return render_template(
        "client_messages/settings.html",
        active_section="settings",
        current=current,
        topics=[(t, TOPIC_LABELS[t]) for t in TOPICS],
        values=values,
        errors=errors or {},
        is_admin=can_change_org_settings(caller()),
    ), status


@bp.route("/settings/client-messages", methods=["GET", "POST"])
def settings_page():
    if request.method == "GET":
        return _settings_page()
    permissions.require(
        caller(), permissions.can_change_org_settings, "change the organisation's client-message settings"
    )
    data = {"topics": request.form.getlist("topics"), "phone": (request.form.get("phone") or "").strip() or None}
    loaded, errors = forms.load(ClientMessageSettingsInputSchema(), data, {"phone": "Phone", "topics": "Topics"})
    if loaded is not None and not errors:
        service.set_settings(g.db, caller(), loaded, current_app.config["FORESTALL"])
        g.db.commit()
        flash("The client-message settings are saved; every case's client messages were replanned.", "success")
        return redirect(url_for("client_messages_pages.settings_page"), code=303)
    return _settings_page(errors, {"phone": request.form.get("phone", ""), "topics": data["topics"]}, 422)
