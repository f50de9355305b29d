"""Page actions on the communications log: log an entry, attach proof (a plain file input; drag-and-drop
is an enhancement in static/js/forestall.js), download an attachment."""

from __future__ import annotations

from flask import current_app, g, request, send_file

from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.communications import attachments, service
from service.communications.schemas import CommunicationCreateSchema
from service.errors import Problem
from service.storage import storage_for
from service.web import forms
from service.web.helpers import caller, page_blueprint

bp = page_blueprint("communications_pages", __name__)

LOG_FIELDS = {
    "occurred_at": forms.TEXT,
    "channel": forms.TEXT,
    "direction": forms.TEXT,
    "counterparty_type": forms.TEXT,
    "counterparty_name": forms.TEXT,
    "category": forms.TEXT,
    "subject": forms.TEXT,
    "summary": forms.TEXT,
}
LOG_LABELS = {
    "occurred_at": "Occurred at",
    "channel": "Channel",
    "direction": "Direction",
    "counterparty_type": "Counterparty",
    "counterparty_name": "Name of the counterparty",
    "category": "Category",
    "subject": "Subject",
    "summary": "Summary",
}


@bp.route("/cases/<id:case_id>/communications", methods=["POST"])
def log(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data, errors = forms.load(CommunicationCreateSchema(), forms.nested_from_form(request.form, LOG_FIELDS), LOG_LABELS)
    if not errors:
        try:
            service.create_communication(g.db, caller(), case, data)  # the same call the API makes
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, LOG_LABELS)
        else:
            return respond_with_case(case, "Communication logged.", anchor="#communications")
    return respond_with_case(
        case,
        "The communication was not logged: " + " ".join(errors.values()),
        status=422,
        comm_errors=errors,
        comm_values=request.form,
        focus="communications",
    )


@bp.route("/communications/<id:communication_id>/attachments", methods=["POST"])
def upload(communication_id: int):
    row = service.get_communication(g.db, caller().org_id, communication_id)
    case = get_case(g.db, caller().org_id, row.case_id)
    ensure_can_edit(case)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        error = "Choose a file to upload."
    else:
        try:
            attachment = attachments.store_attachment(
                g.db,
                caller(),
                row,
                upload_file.stream,
                upload_file.filename,
                storage_for(current_app.config["FORESTALL"], g.db),
            )
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            error = problem.detail if problem.code in (413, 415, 422) else None
            if error is None:
                raise
        else:
            return respond_with_case(case, f"Attached {attachment.filename}.", anchor=f"#communication-{row.id}")
    return respond_with_case(
        case, f"The file was not attached: {error}", status=422, upload_errors={row.id: error}, focus="communications"
    )


@bp.route("/attachments/<id:attachment_id>")
def attachment(attachment_id: int):
    row = attachments.get_attachment(g.db, caller().org_id, attachment_id)
    response = send_file(
        attachments.verified_file(storage_for(current_app.config["FORESTALL"]), row),
        mimetype=row.content_type,
        as_attachment=True,
        download_name=row.filename,
        conditional=False,
        max_age=0,
    )
    response.content_length = row.size
    response.headers["X-Content-SHA256"] = row.sha256
    return response
