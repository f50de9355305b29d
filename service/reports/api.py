"""HTTP views for reports: request (202 + Location), poll, download, list per case."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from service.fields import PageQuerySchema
from service.http import Blueprint, caller, db, documented_body, documents_errors, page, with_object, writes, with_case
from service.limits import REPORT_REQUESTS, per_organisation
from service.reports import service
from service.reports.schemas import (
    OrgReportRequestSchema,
    ReportListSchema,
    ReportRequestSchema,
    ReportSchema,
    report_url,
)
from workers.reports import enqueue_report

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1",
    description="PDF reports rendered by a worker: case timeline, communications log, waiver letter "
    "and summary, caseload deadlines",
)


def _accepted(report):
    db().commit()
    enqueue_report(report.id)  # the API layer hands work to the task layer; services never do
    return report, 202, {"Location": report_url(report)}  # ReportSchema dumps the row


@blp.route("/cases/<id:case_id>/reports")
class CaseReports(MethodView):
    @with_case()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ReportListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's reports, newest first"""
        items, total = service.case_reports(db(), case, args["page"], args["per_page"])
        return page(items, total, args)

    @with_case(write=True)
    @per_organisation(REPORT_REQUESTS)
    @blp.arguments(ReportRequestSchema)
    @blp.response(202, ReportSchema, description="Queued; poll the Location until ready")
    @documents_errors(blp, 401, 403, 404, 413, 415, 422, 429)
    def post(self, data, case):
        """Request a report about the case (caseload_deadlines: about the caseload, filed under the case)"""
        report = service.request_report(db(), caller(), caller().org_id, case, data)
        return _accepted(report)


@blp.route("/reports")
class OrgReports(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ReportListSchema)
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """The organisation-level reports (caseload deadlines, HUD-9902), newest first"""
        items, total = service.org_reports(db(), caller().org_id, args["page"], args["per_page"])
        return page(items, total, args)

    @writes
    @per_organisation(REPORT_REQUESTS)
    @blp.arguments(OrgReportRequestSchema)
    @blp.response(202, ReportSchema, description="Queued; poll the Location until ready")
    @documents_errors(blp, 401, 403, 413, 415, 422, 429)
    def post(self, data):
        """Request an organisation-level report (caseload_deadlines), not filed under any case"""
        report = service.request_report(db(), caller(), caller().org_id, None, data)
        return _accepted(report)


@blp.route("/reports/<id:report_id>")
class ReportItem(MethodView):
    @with_object(service.get_report, "report_id", "report")
    @blp.response(200, ReportSchema)
    @documents_errors(blp, 401, 404)
    def get(self, report):
        """A report's state: queued, rendering (with progress), ready or failed (with the reason)"""
        return report


@blp.route("/reports/<id:report_id>/pdf")
class ReportPdf(MethodView):
    @with_object(service.get_report, "report_id", "report")
    @blp.response(
        200,
        content_type="application/pdf",
        description="The PDF",
        headers={"ETag": {"description": "The PDF's SHA-256", "schema": {"type": "string"}}},
    )
    @blp.doc(responses=documented_body("The PDF", "application/pdf", {"type": "string", "format": "binary"}))
    @documents_errors(blp, 401, 404, 409)
    def get(self, report):
        """The PDF once ready (409 while queued or rendering, or when it failed)"""
        content = service.report_content(db(), report)
        response = Response(content, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{report.filename}"'
        response.headers["ETag"] = f'"{report.sha256}"'
        response.headers["Cache-Control"] = "private, no-store"
        return response
