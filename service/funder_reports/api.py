"""HTTP views for the funders' reports: HUD-9902 (fiscal-year quarter) and LSC's Case Service Report
(calendar year), as JSON with the cases behind every cell, or as CSV (?format=csv)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from service.funder_reports import hud9902, lsc_csr, service
from service.funder_reports.schemas import (
    ClientDataQuerySchema,
    Hud9902QuerySchema,
    Hud9902Schema,
    LscCsrQuerySchema,
    LscCsrSchema,
)
from service.http import Blueprint, caller, db, documents_errors
from service.rulebook import local_today

blp = Blueprint(
    "funder_reports",
    __name__,
    url_prefix="/api/v1",
    description="Funders' reports: HUD-9902 and LSC's Case Service Report, each cell with its cases",
)


def json_or_csv(schema_name: str) -> dict:
    """?format=csv answers text/csv: documented beside the JSON body."""
    return {
        "200": {
            "description": "The report (JSON), or with ?format=csv a CSV file",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@blp.route("/funder-reports/hud-9902")
class Hud9902(MethodView):
    @blp.arguments(Hud9902QuerySchema, location="query")
    @blp.response(200, Hud9902Schema)
    @blp.doc(responses=json_or_csv("Hud9902"))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """HUD-9902 sections 3-10, cumulative from October 1 to the end of the quarter, with cross-checks"""
        fiscal_year, quarter = service.current_quarter(local_today(caller().timezone))
        fiscal_year = args.get("fiscal_year", fiscal_year)
        quarter = args.get("quarter", quarter)
        report = service.hud_9902_report(db(), caller().org_id, caller().timezone, fiscal_year, quarter)
        if args["format"] == "csv":
            return _csv(service.to_csv(hud9902.csv_rows(report)), f"hud-9902-fy{fiscal_year}-q{quarter}.csv")
        return report


@blp.route("/funder-reports/lsc-csr")
class LscCsr(MethodView):
    @blp.arguments(LscCsrQuerySchema, location="query")
    @blp.response(200, LscCsrSchema)
    @blp.doc(responses=json_or_csv("LscCsr"))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """LSC Case Service Report: the year's closed cases by problem code and closing code"""
        year = args.get("year", local_today(caller().timezone).year)
        report = service.lsc_csr_report(db(), caller().org_id, year)
        if args["format"] == "csv":
            return _csv(service.to_csv(lsc_csr.csv_rows(report)), f"lsc-csr-{year}.csv")
        return report


@blp.route("/funder-reports/hud-client-data")
class HudClientData(MethodView):
    @blp.arguments(ClientDataQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="One row per counseling session (see the README)")
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """The client-level data behind the HUD-9902 as a documented CSV: profile, sessions and outcomes of the
        period, one row per session, for loading into HUD's systems"""
        fiscal_year, quarter = service.current_quarter(local_today(caller().timezone))
        fiscal_year = args.get("fiscal_year", fiscal_year)
        quarter = args.get("quarter", quarter)
        rows = service.client_data_rows(db(), caller().org_id, caller().timezone, fiscal_year, quarter)
        return _csv(service.to_csv(rows), f"hud-client-data-fy{fiscal_year}-q{quarter}.csv")
