"""The Funders' reports page (in the primary navigation): the HUD-9902 preview for a fiscal year and quarter
and the LSC Case Service Report preview for a year, each figure linking to the cases behind it; the CSV
files; the HUD-9902 PDF requested through the report pipeline. Thin: the API's service calls."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from models import Borrower, Case
from models.reports import Report
from service import permissions
from service.errors import Problem
from service.funder_reports import hud9902, lsc_csr, service
from service.funder_reports.codes import hud_9902
from service.funder_reports.pdf import CHECK_TITLES
from service.funder_reports.schemas import Hud9902QuerySchema, LscCsrQuerySchema
from service.reports import service as reports
from service.rulebook import local_today
from service.web.forms import readable_errors
from service.web.helpers import caller, page_blueprint, render
from workers.reports import enqueue_report

bp = page_blueprint("funder_reports_pages", __name__)

COLUMNS = {"all": "All activities", "hud": "Billed to the HUD grant"}


class _PageQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    fiscal_year = Hud9902QuerySchema().fields["fiscal_year"]
    quarter = Hud9902QuerySchema().fields["quarter"]
    year = LscCsrQuerySchema().fields["year"]


def _args() -> tuple[int, int, int, dict[str, str]]:
    """fiscal_year, quarter, year from the query string (defaults: today's), and errors for bad ones."""
    today = local_today(caller().timezone)
    fiscal_year, quarter = service.current_quarter(today)
    raw = {k: v.strip() for k, v in request.args.items() if k in ("fiscal_year", "quarter", "year") and v.strip()}
    try:
        args = _PageQuery().load(raw)
        errors: dict[str, str] = {}
    except ma.ValidationError as error:
        errors = readable_errors(error.messages, {})  # type: ignore[arg-type]
        args = _PageQuery().load({k: v for k, v in raw.items() if k not in error.messages})
    return (args.get("fiscal_year", fiscal_year), args.get("quarter", quarter), args.get("year", today.year), errors)


def _names(case_ids: set[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    rows = g.db.execute(
        select(Borrower.case_id, Borrower.first_name, Borrower.last_name)
        .join(Case, Case.id == Borrower.case_id)
        .where(Borrower.case_id.in_(case_ids), Borrower.position == 0, Case.org_id == caller().org_id)
    ).all()
    return {case_id: f"{first} {last}" for case_id, first, last in rows}


@bp.route("/funder-reports")
def index():
    fiscal_year, quarter, year, errors = _args()
    org_id = caller().org_id
    report = service.hud_9902_report(g.db, org_id, caller().timezone, fiscal_year, quarter)
    sections: dict[str, list[dict[str, Any]]] = {}
    for line in report["lines"]:
        sections.setdefault(line["section"], []).append(line)
    titles = {number: section["title"] for number, section in hud_9902().items()}
    csr = service.lsc_csr_report(g.db, org_id, year)
    check_cases = {c for check in report["checks"] + csr["checks"] for c in check["case_ids"]}
    pdfs = g.db.scalars(
        select(Report).where(Report.org_id == org_id, Report.type == "hud_9902").order_by(Report.id.desc()).limit(5)
    ).all()
    return render(
        "funder_reports/index.html",
        status=422 if errors else 200,
        errors=errors,
        report=report,
        sections=[(n, titles[n], lines) for n, lines in sections.items()],
        csr=csr,
        fiscal_year=fiscal_year,
        quarter=quarter,
        year=year,
        names=_names(check_cases),
        check_titles=CHECK_TITLES,
        pdfs=pdfs,
        active_section="funder_reports",
        can_request=permissions.can_write(caller()),
    )


@bp.route("/funder-reports/hud-9902/cases")
def hud_9902_cases():
    """The cases behind one figure of the HUD-9902 (section, line, column all or hud)."""
    fiscal_year, quarter, _year, errors = _args()
    if errors:
        abort(422, description=" ".join(errors.values()))
    section, line, column = (
        request.args.get("section", ""),
        request.args.get("line", ""),
        request.args.get("column", "all"),
    )
    if column not in COLUMNS:
        abort(404, description="No such column.")
    report = service.hud_9902_report(g.db, caller().org_id, caller().timezone, fiscal_year, quarter)
    cell = next((c for c in report["lines"] if c["section"] == section and c["line"] == line), None)
    if cell is None:
        abort(404, description=f"The HUD-9902 has no line {section}{line}.")
    case_ids = cell["case_ids"] if column == "all" else cell["hud_case_ids"]
    title = f"HUD-9902 FY{fiscal_year} Q{quarter}, {section}{'' if line == 'total' else line}"
    return render(
        "funder_reports/cases.html",
        title=title,
        what=f"{cell['label']} ({COLUMNS[column]}): {cell[column]}",
        case_ids=case_ids,
        names=_names(set(case_ids)),
        back=url_for("funder_reports_pages.index", fiscal_year=fiscal_year, quarter=quarter) + "#hud-9902",
        active_section="funder_reports",
    )


@bp.route("/funder-reports/lsc-csr/cases")
def lsc_csr_cases():
    """The closed cases behind one figure of the LSC Case Service Report."""
    _fy, _quarter, year, errors = _args()
    if errors:
        abort(422, description=" ".join(errors.values()))
    problem, closing = request.args.get("problem_code", ""), request.args.get("closing_code", "")
    csr = service.lsc_csr_report(g.db, caller().org_id, year)
    line = next((c for c in csr["lines"] if c["problem_code"] == problem and c["closing_code"] == closing), None)
    if line is None:
        abort(
            404, description=f"The {year} report has no cases with problem code {problem} and closing code {closing}."
        )
    return render(
        "funder_reports/cases.html",
        title=f"LSC CSR {year}, {problem} / {closing}",
        what=f"{line['problem']}, closed as {line['closing']}: {line['count']}",
        case_ids=line["case_ids"],
        names=_names(set(line["case_ids"])),
        back=url_for("funder_reports_pages.index", year=year) + "#lsc-csr",
        active_section="funder_reports",
    )


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@bp.route("/funder-reports/hud-9902.csv")
def hud_9902_csv():
    fiscal_year, quarter, _year, errors = _args()
    if errors:
        abort(422, description=" ".join(errors.values()))
    report = service.hud_9902_report(g.db, caller().org_id, caller().timezone, fiscal_year, quarter)
    return _csv(service.to_csv(hud9902.csv_rows(report)), f"hud-9902-fy{fiscal_year}-q{quarter}.csv")


@bp.route("/funder-reports/lsc-csr.csv")
def lsc_csr_csv():
    _fy, _quarter, year, errors = _args()
    if errors:
        abort(422, description=" ".join(errors.values()))
    report = service.lsc_csr_report(g.db, caller().org_id, year)
    return _csv(service.to_csv(lsc_csr.csv_rows(report)), f"lsc-csr-{year}.csv")


@bp.route("/funder-reports/hud-9902/pdf", methods=["POST"])
def request_hud_9902_pdf():
    if not permissions.can_write(caller()):
        abort(403, description=f"Your role ({caller().role}) may read but not change anything.")
    try:
        fiscal_year, quarter = int(request.form.get("fiscal_year", "")), int(request.form.get("quarter", ""))
        if not (2000 <= fiscal_year <= 2100 and 1 <= quarter <= 4):
            raise ValueError
    except ValueError:
        abort(422, description="Choose a fiscal year (2000 to 2100) and a quarter (1 to 4).")
    try:
        report = reports.request_report(
            g.db, caller(), caller().org_id, None, {"type": "hud_9902", "fiscal_year": fiscal_year, "quarter": quarter}
        )
    except Problem:
        g.db.rollback()
        raise
    g.db.commit()
    enqueue_report(report.id)
    flash(f"Requested the HUD-9902 PDF for FY{fiscal_year} Q{quarter}; it appears below when ready.", "success")
    return redirect(url_for("funder_reports_pages.index", fiscal_year=fiscal_year, quarter=quarter) + "#pdfs", code=303)
