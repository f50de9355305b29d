"""Page actions on reports: request one for a case, watch its progress (htmx polls), download the PDF."""

from __future__ import annotations

from flask import Response, g, request

from models.reports import REPORT_TYPES
from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.errors import Problem
from service.reports import service
from service.web.helpers import caller, page_blueprint, render
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
