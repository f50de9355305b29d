"""Pages for deadlines: Today (mine for the next 14 days, and what is overdue), and the actions on a
deadline from the case page (mark met, waive, reopen, add one by hand)."""

from __future__ import annotations

from flask import g, request

from service import permissions
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
    from service.cases.queries import user_names
    from service.deadlines.today import AHEAD_DAYS, today_deadlines

    me = caller()
    day = local_today(me.timezone)
    whose = "all" if request.args.get("whose") == "all" else "mine"
    page_no = _page_number(request.args.get("page"))
    rows, has_more = today_deadlines(
        g.db, me.org_id, day, assigned_to=None if whose == "all" else me.user_id, page=page_no, per_page=PER_PAGE
    )
    summaries = service.case_summaries(g.db, {r.case_id for r in rows})
    assignees = user_names(g.db, {s["assigned_to"] for s in summaries.values() if s["assigned_to"]})
    return render(
        "deadlines/today.html",
        rows=rows,
        has_more=has_more,
        page=page_no,
        per_page=PER_PAGE,
        today=day,
        summaries=summaries,
        assignees=assignees,
        whose=whose,
        days=AHEAD_DAYS,
        can_edit=permissions.can_write(me),
    )


PER_PAGE = 50


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


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
    data, errors = forms.load(
        ManualDeadlineSchema(),
        forms.nested_from_form(request.form, {"title": forms.TEXT, "due_on": forms.DATE, "binds": forms.TEXT}),
        MANUAL_LABELS,
    )
    if not errors:
        try:
            row = service.add_manual_deadline(g.db, caller(), case, data)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, MANUAL_LABELS)
        else:
            return respond_with_case(
                case, f"Added the deadline {row.title}.", focus=f"deadline-{row.id}", anchor=f"#deadline-{row.id}"
            )
    return respond_with_case(
        case,
        "The deadline was not added: " + " ".join(errors.values()),
        status=422,
        deadline_errors=errors,
        deadline_values=request.form,
        focus="deadlines",
    )
