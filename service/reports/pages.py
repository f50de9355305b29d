"""Page actions on reports: request one for a case or the caseload's deadlines report, watch its progress
(htmx polls), download the PDF."""

from __future__ import annotations

from flask import Response, flash, g, redirect, request, url_for

from models.reports import REPORT_TYPES
from service.cases.pages import CASELOAD_REPORT_LABELS, caseload_page, ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.errors import Problem
from service.reports import service
from service.web.forms import problem_errors
from service.web.helpers import caller, page_blueprint, render, require_write
from service.web.labels import humanize
from workers.reports import enqueue_report

bp = page_blueprint("reports_pages", __name__)


@bp.route("/cases/<id:case_id>/reports", methods=["POST"])
def request_report(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    report_type = request.form.get("report_type", "")
    if report_type not in REPORT_TYPES:
        return respond_with_case(case, "Choose a report type.", status=422, focus="reports")
    try:
        report = service.request_report(g.db, caller(), caller().org_id, case, {"type": report_type})
    except Problem as problem:
        g.db.rollback()
        if problem.code != 422:
            raise
        return respond_with_case(case, f"The report was not requested: {problem.detail}", status=422, focus="reports")
    g.db.commit()
    enqueue_report(report.id)
    return respond_with_case(
        case, f"Requested the {humanize(report_type).lower()}; it appears below when ready.", anchor="#reports"
    )


@bp.route("/caseload/deadlines-report", methods=["POST"])
def request_caseload_report():
    """The caseload deadlines PDF (the API's POST /api/v1/reports): for the whole organisation or one person's
    cases, so many days ahead. A bad field re-shows the caseload with the message next to it."""
    require_write()
    values = {name: request.form.get(name, "").strip() for name in CASELOAD_REPORT_LABELS}
    errors = {}
    days = int(values["report_days"]) if values["report_days"].isdigit() else None
    if days is None or not 1 <= days <= 366:
        errors["report_days"] = "Enter a whole number of days from 1 to 366."
    assigned_to = values["report_assigned_to"]
    if assigned_to and not assigned_to.isdigit():
        errors["report_assigned_to"] = "Choose a person from the list, or the whole organisation."
    if errors:
        return caseload_page(values, errors)
    data = {"type": "caseload_deadlines", "days": days, **({"assigned_to": int(assigned_to)} if assigned_to else {})}
    try:
        report = service.request_report(g.db, caller(), caller().org_id, None, data)
    except Problem as problem:
        g.db.rollback()
        found = problem_errors(problem, {})
        return caseload_page(values, {f"report_{name}": message for name, message in found.items()})
    g.db.commit()
    enqueue_report(report.id)
    flash(f"Requested the deadlines report for the next {days} days; it appears below when ready.")
    return redirect(url_for("cases_pages.caseload") + "#caseload-reports", code=303)


@bp.route("/reports/<id:report_id>/status")
def status(report_id: int):
    report = service.get_report(g.db, caller().org_id, report_id)
    body, code = render("reports/_report.html", r=report)
    headers = {}
    if report.state in ("ready", "failed"):
        import json

        headers["HX-Trigger"] = json.dumps({"announce": f"The {humanize(report.type).lower()} is {report.state}."})
    return body, code, headers


@bp.route("/reports/<id:report_id>/pdf")
def pdf(report_id: int):
    report = service.get_report(g.db, caller().org_id, report_id)
    content = service.report_content(g.db, report)  # 409 while queued or rendering
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response
