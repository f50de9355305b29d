"""The funders' reports from the organisation's records: gather plain records (one query per kind, scoped to
the organisation, deleted cases left out), then the pure arithmetic of hud9902.py and lsc_csr.py."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, User
from models.counseling import CounselingOutcome, CounselingSession, Household
from service.funder_reports import hud9902, lsc_csr
from service.funder_reports import codes

NOTE = ("Not legal advice. Computed from the records in Forestall as HUD and LSC describe their reports (sources "
        "listed); review the cross-checks and compare with the current forms before filing.")


def current_quarter(today: dt.date) -> tuple[int, int]:
    """HUD's fiscal year and quarter that contain `today` (Q1 is October to December)."""
    fiscal_year = hud9902.fiscal_year_of(today)
    return fiscal_year, ((today.month - 10) % 12) // 3 + 1


def _utc_midnight(day: dt.date, timezone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(timezone)).astimezone(dt.timezone.utc)


def hud_9902_records(session: Session, org_id: int, timezone: str, start: dt.date, end: dt.date):
    """Households, sessions and outcomes of the period as the pure module's records."""
    zone = ZoneInfo(timezone)
    session_rows = session.execute(
        select(CounselingSession.case_id, CounselingSession.started_at, CounselingSession.type,
               CounselingSession.purpose, CounselingSession.hud_billable, User.hud_counselor_id)
        .join(Case, Case.id == CounselingSession.case_id)
        .join(User, User.id == CounselingSession.counselor_id)
        .where(CounselingSession.org_id == org_id, Case.deleted_at.is_(None),
               CounselingSession.started_at >= _utc_midnight(start, timezone),
               CounselingSession.started_at < _utc_midnight(end + dt.timedelta(days=1), timezone))).all()
    sessions = [hud9902.Session(r.case_id, r.started_at.astimezone(zone).date(), r.type, r.purpose, r.hud_billable,
                                bool(r.hud_counselor_id)) for r in session_rows]
    outcome_rows = session.execute(
        select(CounselingOutcome.case_id, CounselingOutcome.code, CounselingOutcome.achieved_on)
        .join(Case, Case.id == CounselingOutcome.case_id)
        .where(CounselingOutcome.org_id == org_id, Case.deleted_at.is_(None),
               CounselingOutcome.achieved_on >= start, CounselingOutcome.achieved_on <= end)).all()
    outcomes = [hud9902.Outcome(r.case_id, r.code, r.achieved_on) for r in outcome_rows]
    case_ids = {s.case_id for s in sessions}
    households = []
    if case_ids:
        in_period = (select(CounselingSession.case_id)
                     .where(CounselingSession.org_id == org_id,
                            CounselingSession.started_at >= _utc_midnight(start, timezone),
                            CounselingSession.started_at < _utc_midnight(end + dt.timedelta(days=1), timezone)))
        household_rows = session.execute(
            select(Household.case_id, Household.ethnicity, Household.race, Household.ami_band, Household.rural,
                   Household.limited_english)
            .where(Household.org_id == org_id, Household.case_id.in_(in_period))).all()
        households = [hud9902.Household(*r) for r in household_rows]
    return households, sessions, outcomes


def hud_9902_report(session: Session, org_id: int, timezone: str, fiscal_year: int, quarter: int) -> dict[str, Any]:
    start, end = hud9902.period(fiscal_year, quarter)
    households, sessions, outcomes = hud_9902_records(session, org_id, timezone, start, end)
    report = hud9902.compute(fiscal_year, quarter, households, sessions, outcomes)
    report["note"] = NOTE
    report["sources"] = codes.hud_9902_sources()
    return report


def lsc_csr_report(session: Session, org_id: int, year: int) -> dict[str, Any]:
    rows = session.execute(
        select(Case.id, Case.lsc_problem_code, Case.lsc_closing_code, Case.closed_on)
        .where(Case.org_id == org_id, Case.deleted_at.is_(None),
               Case.closed_on >= dt.date(year, 1, 1), Case.closed_on <= dt.date(year, 12, 31))).all()
    report = lsc_csr.compute(year, [lsc_csr.ClosedCase(*r) for r in rows])
    report["note"] = NOTE
    report["sources"] = list(codes.lsc_csr()["sources"])
    return report


def to_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        # A cell starting with = + - @ would be a formula in a spreadsheet: quote it as text.
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in row])
    return buffer.getvalue()
