"""The funders' reports from the organisation's records: gather plain records (one query per kind, scoped to
the organisation, deleted cases left out), then the pure arithmetic of hud9902.py and lsc_csr.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from models import Case, User
from models.counseling import CounselingOutcome, CounselingSession, Household
from service.funder_reports import hud9902, lsc_csr
from service.funder_reports import codes

NOTE = (
    "Not legal advice. Computed from the records in Forestall as HUD and LSC describe their reports (sources "
    "listed); review the cross-checks and compare with the current forms before filing."
)


def current_quarter(today: dt.date) -> tuple[int, int]:
    """HUD's fiscal year and quarter that contain `today` (Q1 is October to December)."""
    fiscal_year = hud9902.fiscal_year_of(today)
    return fiscal_year, ((today.month - 10) % 12) // 3 + 1


def _utc_midnight(day: dt.date, timezone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(timezone)).astimezone(dt.timezone.utc)


def hud_9902_records(session: Session, org_id: int, timezone: str, start: dt.date, end: dt.date):
    """Households, services and outcomes of the period as the pure module's records.

    For speed on a large organisation the database does the grouping, in one pass over the period's sessions
    (bounded at local midnight in the organisation's time zone): one record per (case, type, purpose,
    counselor certified or not), whose hud_billable says whether any of those sessions was billed to HUD,
    dated the period's first day, with the case's household beside it. hud9902.compute counts these exactly
    as it would count the sessions themselves. Core queries on the session's connection: no ORM objects."""
    connection = session.connection()
    lower, upper = _utc_midnight(start, timezone), _utc_midnight(end + dt.timedelta(days=1), timezone)
    certified = and_(User.hud_counselor_id.is_not(None), User.hud_counselor_id != "")
    certified_flag = sql_case((certified, 1), else_=0)
    billed = func.max(sql_case((CounselingSession.hud_billable, 1), else_=0))
    demographics = (Household.ethnicity, Household.race, Household.ami_band, Household.rural, Household.limited_english)
    rows = connection.execute(
        select(
            CounselingSession.case_id,
            CounselingSession.type,
            CounselingSession.purpose,
            certified_flag,
            billed,
            *demographics,
        )
        .join(Case, Case.id == CounselingSession.case_id)
        .join(User, User.id == CounselingSession.counselor_id)
        .outerjoin(Household, and_(Household.case_id == CounselingSession.case_id, Household.org_id == org_id))
        .where(
            CounselingSession.org_id == org_id,
            Case.deleted_at.is_(None),
            CounselingSession.started_at >= lower,
            CounselingSession.started_at < upper,
        )
        .group_by(
            CounselingSession.case_id, CounselingSession.type, CounselingSession.purpose, certified_flag, *demographics
        )
    ).all()
    sessions, households = [], {}
    for case_id, kind, purpose, is_certified, hud, *household in rows:
        sessions.append(hud9902.Session(case_id, start, kind, purpose, bool(hud), bool(is_certified)))
        households[case_id] = household
    outcome_rows = connection.execute(
        select(CounselingOutcome.case_id, CounselingOutcome.code, CounselingOutcome.achieved_on)
        .join(Case, Case.id == CounselingOutcome.case_id)
        .where(
            CounselingOutcome.org_id == org_id,
            Case.deleted_at.is_(None),
            CounselingOutcome.achieved_on >= start,
            CounselingOutcome.achieved_on <= end,
        )
    ).all()
    outcomes = [hud9902.Outcome(*row) for row in outcome_rows]
    return [hud9902.Household(case_id, *values) for case_id, values in households.items()], sessions, outcomes


def hud_9902_report(session: Session, org_id: int, timezone: str, fiscal_year: int, quarter: int) -> dict[str, Any]:
    start, end = hud9902.period(fiscal_year, quarter)
    households, sessions, outcomes = hud_9902_records(session, org_id, timezone, start, end)
    report = hud9902.compute(fiscal_year, quarter, households, sessions, outcomes)
    report["note"] = NOTE
    report["sources"] = codes.hud_9902_sources()
    return report


def lsc_csr_report(session: Session, org_id: int, year: int) -> dict[str, Any]:
    rows = session.execute(
        select(Case.id, Case.lsc_problem_code, Case.lsc_closing_code, Case.closed_on).where(
            Case.org_id == org_id,
            Case.deleted_at.is_(None),
            Case.closed_on >= dt.date(year, 1, 1),
            Case.closed_on <= dt.date(year, 12, 31),
        )
    ).all()
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


# --- client-level data -------------------------------------------------------------------------------

CLIENT_DATA_COLUMNS = (
    "case_id",
    "intake_on",
    "household_size",
    "gross_monthly_income",
    "ami_band",
    "ethnicity",
    "race",
    "rural",
    "limited_english",
    "preferred_language",
    "disability",
    "head_of_household",
    "termination_reason",
    "session_date",
    "session_started_at",
    "duration_minutes",
    "session_type",
    "purpose",
    "hud_billable",
    "counselor_hud_id",
    "outcomes",
)


def client_data_rows(session: Session, org_id: int, timezone: str, fiscal_year: int, quarter: int) -> list[list[str]]:
    """The client-level data behind the 9902, for an agency to load into HUD's systems: one row per counseling
    session of the period (cumulative from October 1), the household's profile beside it, and the household's
    outcomes of the period as "10p:2026-02-01" separated by spaces. The case id identifies the client; no
    names, addresses or loan numbers. Columns: CLIENT_DATA_COLUMNS (documented in the README)."""
    start, end = hud9902.period(fiscal_year, quarter)
    zone = ZoneInfo(timezone)
    lower, upper = _utc_midnight(start, timezone), _utc_midnight(end + dt.timedelta(days=1), timezone)
    outcomes: dict[int, list[str]] = {}
    for case_id, code, achieved_on in session.execute(
        select(CounselingOutcome.case_id, CounselingOutcome.code, CounselingOutcome.achieved_on)
        .join(Case, Case.id == CounselingOutcome.case_id)
        .where(
            CounselingOutcome.org_id == org_id,
            Case.deleted_at.is_(None),
            CounselingOutcome.achieved_on >= start,
            CounselingOutcome.achieved_on <= end,
        )
        .order_by(CounselingOutcome.achieved_on, CounselingOutcome.id)
    ).all():
        outcomes.setdefault(case_id, []).append(f"{code}:{achieved_on.isoformat()}")
    rows = [list(CLIENT_DATA_COLUMNS)]
    query = (
        select(CounselingSession, Household, User.hud_counselor_id)
        .join(Case, Case.id == CounselingSession.case_id)
        .join(User, User.id == CounselingSession.counselor_id)
        .outerjoin(Household, and_(Household.case_id == CounselingSession.case_id, Household.org_id == org_id))
        .where(
            CounselingSession.org_id == org_id,
            Case.deleted_at.is_(None),
            CounselingSession.started_at >= lower,
            CounselingSession.started_at < upper,
        )
        .order_by(CounselingSession.case_id, CounselingSession.started_at, CounselingSession.id)
    )
    for row, household, counselor_hud_id in session.execute(query).all():
        profile = [getattr(household, name, None) for name in CLIENT_DATA_COLUMNS[1:13]]
        rows.append(
            [
                str(row.case_id),
                *("" if v is None else str(v) for v in profile),
                row.started_at.astimezone(zone).date().isoformat(),
                row.started_at.isoformat(),
                str(row.duration_minutes),
                row.type,
                row.purpose,
                "yes" if row.hud_billable else "no",
                counselor_hud_id or "",
                " ".join(outcomes.get(row.case_id, [])),
            ]
        )
    return rows
