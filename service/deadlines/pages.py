"""Pages for deadlines: Today (mine for the next 14 days, and what is overdue), and the actions on a
deadline from the case page (mark met, waive, reopen, add one by hand)."""
from __future__ import annotations

from flask import g, request

from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.deadlines import service
from service.deadlines.schemas import DeadlinePatchSchema, ManualDeadlineSchema
from service.errors import Problem
from service.rulebook import local_today
from service.web import forms
from service.web.helpers import caller, page_blueprint, render

bp = page_blueprint("deadlines_pages", __name__)

STATUS_WORDS = {"met": "marked met", "waived": "marked waived", "open": "reopened"}
MANUAL_LABELS = {"title": "Title", "due_on": "Due on", "binds": "Binds"}


@bp.route("/")
def today():
    return render("deadlines/today.html", me=caller())


@bp.route("/deadlines/<id:deadline_id>/status", methods=["POST"])
def set_status(deadline_id: int):
    row = service.get_deadline(g.db, caller().org_id, deadline_id)
    case = get_case(g.db, caller().org_id, row.case_id)
    ensure_can_edit(case)
    status = request.form.get("status", "")
    if status not in STATUS_WORDS:
        return respond_with_case(case, "Choose met, waived or open.", status=422, focus=f"deadline-{row.id}")
    data = DeadlinePatchSchema().load({"status": status})
    service.update_deadline(g.db, caller(), row, data, local_today(caller().timezone))
    g.db.commit()
    message = f"{row.title}: {STATUS_WORDS[status]}."
    if request.form.get("from") == "today":
        from flask import flash, redirect, url_for

        flash(message, "success")
        return redirect(url_for("deadlines_pages.today"), code=303)
    return respond_with_case(case, message, focus=f"deadline-{row.id}", anchor=f"#deadline-{row.id}")


@bp.route("/cases/<id:case_id>/deadlines", methods=["POST"])
def add_manual(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data, errors = forms.load(ManualDeadlineSchema(),
                              forms.nested_from_form(request.form, {"title": forms.TEXT, "due_on": forms.DATE,
                                                                    "binds": forms.TEXT}), MANUAL_LABELS)
    if not errors:
        try:
            row = service.add_manual_deadline(g.db, caller(), case, data)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, MANUAL_LABELS)
        else:
            return respond_with_case(case, f"Added the deadline {row.title}.", focus=f"deadline-{row.id}",
                                     anchor=f"#deadline-{row.id}")
    return respond_with_case(case, "The deadline was not added: " + " ".join(errors.values()), status=422,
                             deadline_errors=errors, deadline_values=request.form, focus="deadlines")
