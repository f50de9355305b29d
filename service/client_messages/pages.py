"""Page actions of the client's messages: record a consent from the case page (the same call the API
makes), and the per-client audit report of consents and messages as CSV."""
from __future__ import annotations

import csv
import io

from flask import Response, g, request

from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.client_messages import service
from service.client_messages.schemas import ConsentCreateSchema
from service.errors import Problem
from service.web import forms
from service.web.helpers import caller, page_blueprint

bp = page_blueprint("client_messages_pages", __name__)

# The form's fields are named consent.<field>: their ids stay unique on the case page (the communications form
# has a "channel" too).
CONSENT_FIELDS = {"consent.party_id": forms.INTEGER, "consent.channel": forms.TEXT, "consent.given": forms.TEXT,
                  "consent.method": forms.TEXT, "consent.recorded_at": forms.TEXT, "consent.note": forms.TEXT}
CONSENT_LABELS = {"party_id": "Client", "channel": "Consent to", "given": "Given or revoked", "method": "How it was given",
                  "recorded_at": "When", "note": "Note"}
CSV_COLUMNS = ("client", "role", "channel", "record", "at", "what", "how", "by_or_to", "detail")


@bp.route("/cases/<id:case_id>/consents", methods=["POST"])
def record(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data, errors = forms.load(ConsentCreateSchema(),
                              forms.nested_from_form(request.form, CONSENT_FIELDS).get("consent", {}), CONSENT_LABELS)
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
    return respond_with_case(case, "The consent was not recorded: " + " ".join(errors.values()), status=422,
                             consent_errors={f"consent.{name}": message for name, message in errors.items()}, consent_values=request.form, focus="client-messages")


@bp.route("/cases/<id:case_id>/client-messages.csv")
def report(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in service.audit_rows(g.db, case):
        writer.writerow({**row, "at": row["at"].isoformat() if row["at"] else ""})
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="case-{case.id}-client-consents-and-messages.csv"'})
