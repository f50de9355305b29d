"""The funders' reports from the organisation's records: gather plain records (one query per kind, scoped to
the organisation, deleted cases left out), then the pure arithmetic of hud9902.py and lsc_csr.py."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, not_, select
from sqlalchemy import case as sql_case
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
    """Households, services and outcomes of the period as the pure module's records.

    For speed on a large organisation the database does the grouping: one record per (case, type, purpose)
    whose hud_billable says whether any of its sessions was billed to HUD, dated the period's first day (the
    query already kept only the period's sessions, bounded at local midnight in the organisation's time
    zone), plus one uncertified record per case with a session by a counselor without a HUD counselor ID.
    hud9902.compute counts these exactly as it would count the sessions themselves. Core queries on the
    session's connection: no ORM objects are built."""
    connection = session.connection()
    lower, upper = _utc_midnight(start, timezone), _utc_midnight(end + dt.timedelta(days=1), timezone)
    in_period = (CounselingSession.org_id == org_id, Case.deleted_at.is_(None),
                 CounselingSession.started_at >= lower, CounselingSession.started_at < upper)
    certified = and_(User.hud_counselor_id.is_not(None), User.hud_counselor_id != "")
    billed = func.max(sql_case((CounselingSession.hud_billable, 1), else_=0))
    service_rows = connection.execute(
        select(CounselingSession.case_id, CounselingSession.type, CounselingSession.purpose, billed)
        .join(Case, Case.id == CounselingSession.case_id).join(User, User.id == CounselingSession.counselor_id)
        .where(*in_period, certified)
        .group_by(CounselingSession.case_id, CounselingSession.type, CounselingSession.purpose)).all()
    sessions = [hud9902.Session(case_id, start, kind, purpose, bool(hud), True)
                for case_id, kind, purpose, hud in service_rows]
    uncertified = connection.execute(
        select(CounselingSession.case_id).distinct()
        .join(Case, Case.id == CounselingSession.case_id).join(User, User.id == CounselingSession.counselor_id)
        .where(*in_period, not_(certified))).scalars().all()
    sessions += [hud9902.Session(case_id, start, "one_on_one", "9f", False, False) for case_id in uncertified]
    outcome_rows = connection.execute(
        select(CounselingOutcome.case_id, CounselingOutcome.code, CounselingOutcome.achieved_on)
        .join(Case, Case.id == CounselingOutcome.case_id)
        .where(CounselingOutcome.org_id == org_id, Case.deleted_at.is_(None),
               CounselingOutcome.achieved_on >= start, CounselingOutcome.achieved_on <= end)).all()
    outcomes = [hud9902.Outcome(*row) for row in outcome_rows]
    households = []
    if sessions:
        cases_in_period = (select(CounselingSession.case_id)
                           .where(CounselingSession.org_id == org_id, CounselingSession.started_at >= lower,
                                  CounselingSession.started_at < upper))
        household_rows = connection.execute(
            select(Household.case_id, Household.ethnicity, Household.race, Household.ami_band, Household.rural,
                   Household.limited_english)
            .where(Household.org_id == org_id, Household.case_id.in_(cases_in_period))).all()
        households = [hud9902.Household(*row) for row in household_rows]
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
