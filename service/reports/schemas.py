"""Reports as the API accepts and shows them."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from models.reports import REPORT_STATES, REPORT_TYPES
from service.fields import PageSchema, StrictSchema, computed
from service.fields import ID_MAX


class ReportRequestSchema(StrictSchema):
    type = ma.fields.String(
        required=True,
        validate=validate.OneOf(REPORT_TYPES),
        metadata={
            "description": "Each option below belongs to the types it names; an option another type does not take is "
            "refused (422), as is waiver_request_letter without waiver_request_id."
        },
    )
    waiver_request_id = ma.fields.Integer(
        validate=validate.Range(min=1, max=ID_MAX),
        metadata={"description": "waiver_request_letter: the request to write"},
    )
    days = ma.fields.Integer(
        validate=validate.Range(min=1, max=366),
        metadata={"description": "caseload_deadlines: how many days ahead (default 30)"},
    )
    assigned_to = ma.fields.Integer(
        validate=validate.Range(min=1, max=ID_MAX),
        metadata={"description": "caseload_deadlines: one user's cases (default: the whole organisation)"},
    )

    fiscal_year = ma.fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "hud_9902: HUD's fiscal year (default: the current one)"},
    )
    quarter = ma.fields.Integer(
        validate=validate.Range(min=1, max=4),
        metadata={"description": "hud_9902: the quarter, 1 to 4 (default: the current one)"},
    )


class OrgReportRequestSchema(ReportRequestSchema):
    type = ma.fields.String(required=True, validate=validate.OneOf(("caseload_deadlines", "hud_9902")))


def report_url(report: Any) -> str:
    return f"/api/v1/reports/{report.id}"


class ReportSchema(ma.Schema):
    """A report as the API shows it, dumped from the Report row."""

    id = ma.fields.Integer()
    case_id = ma.fields.Integer(allow_none=True)
    type = ma.fields.String(metadata={"description": ", ".join(REPORT_TYPES)})
    params = computed(ma.fields.Dict(), lambda report: report.params or {})
    state = ma.fields.String(metadata={"description": ", ".join(REPORT_STATES)})
    progress = computed(
        ma.fields.Integer(metadata={"description": "percent done while rendering"}),
        lambda report: report.progress if report.state != "queued" else 0,
    )
    error = ma.fields.String(allow_none=True, metadata={"description": "why it failed"})
    url = computed(ma.fields.String(metadata={"description": "this report's status URL"}), report_url)
    pdf_url = computed(
        ma.fields.String(metadata={"description": "the PDF, once ready"}), lambda report: f"{report_url(report)}/pdf"
    )
    title = ma.fields.String(allow_none=True)
    filename = ma.fields.String(allow_none=True)
    sha256 = ma.fields.String(allow_none=True)
    size = ma.fields.Integer(allow_none=True)
    page_count = ma.fields.Integer(allow_none=True)
    requested_by = ma.fields.Integer(allow_none=True, attribute="requested_by_id")
    created_at = ma.fields.DateTime()
    completed_at = ma.fields.DateTime(allow_none=True)


class ReportListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ReportSchema), required=True)
