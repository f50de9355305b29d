"""The HUD-9902 as a PDF through the report pipeline (POST /api/v1/reports {"type": "hud_9902"}): the data for
reports/templates/hud_9902.html, the same figures as the API's, with an appendix of the cases in each cell."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from models import Borrower, Organization
from service.funder_reports.codes import hud_9902
from service.funder_reports.service import current_quarter, hud_9902_report

CHECK_TITLES = {
    "section_totals": "Sections 3-7 totals equal section 8 + section 9",
    "uncertified_counselor": "Every session by a HUD-certified counselor",
    "missing_ami_band": "Every household has an income band",
    "missing_ethnicity": "Every household has an ethnicity",
    "missing_race": "Every household has a race",
    "missing_rural": "Every household has a rural area status",
    "missing_limited_english": "Every household has a limited English proficiency status",
    "outcome_without_one_on_one": "Every outcome follows one-on-one counseling",
}


def params_for(data: dict[str, Any], today: dt.date) -> dict[str, Any]:
    fiscal_year, quarter = current_quarter(today)
    return {"fiscal_year": data.get("fiscal_year") or fiscal_year, "quarter": data.get("quarter") or quarter}


def gather(session, org_id: int, params: dict, today: dt.date) -> dict[str, Any]:  # noqa: ANN001
    org = session.get(Organization, org_id)
    fiscal_year, quarter = int(params["fiscal_year"]), int(params["quarter"])
    report = hud_9902_report(session, org_id, org.timezone, fiscal_year, quarter)
    titles = {number: section["title"] for number, section in hud_9902().items()}
    sections: dict[str, list] = {}
    for line in report["lines"]:
        sections.setdefault(line["section"], []).append(line)
    case_ids = sorted(
        {c for line in report["lines"] for c in line["case_ids"]}
        | {c for check in report["checks"] for c in check["case_ids"]}
    )
    names = {}
    if case_ids:
        for case_id, first, last in session.execute(
            select(Borrower.case_id, Borrower.first_name, Borrower.last_name).where(
                Borrower.case_id.in_(case_ids), Borrower.position == 0
            )
        ).all():
            names[case_id] = f"{first} {last}"
    return {
        "title": f"HUD-9902 FY{fiscal_year} Q{quarter}",
        "subject": f"Housing Counseling Agency Activity Report, {report['period']['start']} to "
        f"{report['period']['end']} (cumulative), with the cases behind each figure",
        "keywords": "HUD-9902, housing counseling, activity report",
        "report": report,
        "period": report["period"],
        "sections": [{"number": n, "title": titles[n], "lines": lines} for n, lines in sections.items()],
        "checks": [{**check, "title": CHECK_TITLES.get(check["rule"], check["rule"])} for check in report["checks"]],
        "names": names,
        "not_legal_advice": report["note"],
    }
