"""Counseling records on a case: the household (with its AMI band and how it was derived), counseling
sessions, outcomes, the legal-aid closing; the caller's profile; the organisation's income limits.
Every query is scoped to the organisation; every change is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, User
from models.base import utcnow
from models.counseling import CounselingOutcome, CounselingSession, FundingAllocation, Household, IncomeLimit
from service import audit
from service.auth import Caller
from service.counseling import ami, suggestions
from service.db import paginate
from service.errors import Problem, validation_error
from service.funder_reports.codes import hud_9902, session_purposes
from service.funder_reports.hud9902 import fiscal_year_of
from service.rulebook import local_today

HOUSEHOLD_FIELDS = (
    "household_size",
    "gross_monthly_income",
    "ami_band",
    "ami_band_override_reason",
    "ethnicity",
    "race",
    "rural",
    "limited_english",
    "preferred_language",
    "disability",
    "head_of_household",
    "intake_on",
    "termination_reason",
)
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _plain(value: Any) -> Any:
    """JSON-able values for the audit log (money as its decimal string, dates ISO)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# --- household --------------------------------------------------------------------------------------


def get_household(session: Session, case: Case) -> Household | None:
    return session.scalars(
        select(Household).where(Household.org_id == case.org_id, Household.case_id == case.id)
    ).one_or_none()


def household_document(case: Case, row: Household | None) -> dict[str, Any]:
    document: dict[str, Any] = {"case_id": case.id}
    for name in HOUSEHOLD_FIELDS:
        document[name] = getattr(row, name) if row else None
    document["ami_band_computed"] = row.ami_band_computed if row else None
    document["ami_band_derivation"] = row.ami_band_derivation if row else None
    if row is None or row.ami_band is None:
        source = None
    elif row.ami_band_computed is None:
        source = "entered"
    else:
        source = "computed" if row.ami_band == row.ami_band_computed else "override"
    document["ami_band_source"] = source
    document["updated_at"] = row.updated_at if row else None
    return document


def income_limits_for(
    session: Session, org_id: int, state: str | None, county: str | None, fiscal_year: int
) -> ami.IncomeLimits | None:
    """The organisation's limits for the county: those of `fiscal_year`, or else the latest earlier year loaded."""
    key = ami.county_key(county)
    if not state or not key:
        return None
    row = session.scalars(
        select(IncomeLimit)
        .where(
            IncomeLimit.org_id == org_id,
            IncomeLimit.state == state.upper(),
            IncomeLimit.county_key == key,
            IncomeLimit.fiscal_year <= fiscal_year,
        )
        .order_by(IncomeLimit.fiscal_year.desc())
        .limit(1)
    ).one_or_none()
    return _limits(row) if row else None


def _limits(row: IncomeLimit) -> ami.IncomeLimits:
    return ami.IncomeLimits(
        row.fiscal_year,
        row.state,
        row.county,
        Decimal(row.median_income),
        {int(p): tuple(Decimal(v) for v in values) for p, values in row.limits.items()},
    )


def compute_band(session: Session, caller: Caller, case: Case, data: dict[str, Any]) -> ami.BandResult | None:
    if data.get("household_size") is None or data.get("gross_monthly_income") is None:
        return None
    day = data.get("intake_on") or local_today(caller.timezone)
    limits = income_limits_for(session, case.org_id, case.property_state, case.property_county, fiscal_year_of(day))
    if limits is None:
        return None
    return ami.compute_band(data["household_size"], data["gross_monthly_income"], limits)


def put_household(session: Session, caller: Caller, case: Case, data: dict[str, Any]) -> Household:
    """Replace the household record (fields left out become empty). The band is computed from size, income
    and the county's income limits when it can be; a different band needs ami_band_override_reason."""
    values = {name: data.get(name) for name in HOUSEHOLD_FIELDS}
    result = compute_band(session, caller, case, values)
    computed = result.band if result else None
    if computed is not None:
        if values["ami_band"] is None or values["ami_band"] == computed:
            values["ami_band"] = computed
            values["ami_band_override_reason"] = None
        elif not (values["ami_band_override_reason"] or "").strip():
            raise validation_error(
                {
                    "ami_band_override_reason": [
                        f"The income limits give band {computed} ({result.derivation}); "
                        f"say why the band is {values['ami_band']} instead."
                    ]
                },
                "A band other than the computed one needs a reason.",
            )
    row = get_household(session, case)
    before = {name: _plain(getattr(row, name)) for name in HOUSEHOLD_FIELDS} if row else None
    if row is None:
        row = Household(org_id=case.org_id, case_id=case.id)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.ami_band_computed = computed
    row.ami_band_derivation = result.derivation if result else None
    row.updated_by_id = caller.user_id
    session.flush()
    after = {name: _plain(getattr(row, name)) for name in HOUSEHOLD_FIELDS}
    audit.record(
        session,
        caller,
        "create" if before is None else "update",
        "household",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        before=before,
        after=after,
    )
    return row


# --- counseling sessions ----------------------------------------------------------------------------


def _counselor(session: Session, org_id: int, user_id: int) -> User:
    user = session.scalars(select(User).where(User.id == user_id, User.org_id == org_id)).one_or_none()
    if user is None:
        raise validation_error({"counselor_id": [f"No user {user_id} in your organisation."]})
    return user


def session_document(row: CounselingSession, counselor: User | None) -> dict[str, Any]:
    certified = bool(counselor and counselor.hud_counselor_id)
    section, line = row.purpose[0], row.purpose[1:]
    return {
        "id": row.id,
        "case_id": row.case_id,
        "started_at": row.started_at,
        "duration_minutes": row.duration_minutes,
        "counselor_id": row.counselor_id,
        "type": row.type,
        "purpose": row.purpose,
        "purpose_label": hud_9902()[section]["lines"][line]["label"],
        "hud_billable": row.hud_billable,
        "notes": row.notes,
        "hud_reportable": certified,
        "not_reportable_reason": None
        if certified
        else "The counselor has no HUD counselor certification ID on their profile.",
        "created_by": row.created_by_id,
        "created_at": row.created_at,
    }


def add_session(session: Session, caller: Caller, case: Case, data: dict[str, Any]) -> tuple[CounselingSession, User]:
    errors: dict[str, list[str]] = {}
    expected_type = session_purposes()[data["purpose"]]
    if data["type"] != expected_type:
        errors["purpose"] = [f"Line {data['purpose']} is for {expected_type.replace('_', ' ')} sessions."]
    started_at = data["started_at"]
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=ZoneInfo(caller.timezone))
    started_at = started_at.astimezone(dt.timezone.utc)
    if started_at < EARLIEST:
        errors["started_at"] = ["Must be on or after 1970-01-01."]
    elif started_at > utcnow() + dt.timedelta(days=1):
        errors["started_at"] = ["A session is logged once held: it cannot be in the future."]
    if errors:
        raise validation_error(errors)
    counselor = _counselor(session, case.org_id, data.get("counselor_id") or caller.user_id)
    row = CounselingSession(
        org_id=case.org_id,
        case_id=case.id,
        started_at=started_at,
        duration_minutes=data["duration_minutes"],
        counselor_id=counselor.id,
        type=data["type"],
        purpose=data["purpose"],
        hud_billable=data.get("hud_billable", False),
        notes=data.get("notes"),
        created_by_id=caller.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "counseling_session",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        after={
            "started_at": started_at.isoformat(),
            "duration_minutes": row.duration_minutes,
            "counselor_id": row.counselor_id,
            "type": row.type,
            "purpose": row.purpose,
            "hud_billable": row.hud_billable,
            "notes": row.notes,
        },
    )
    return row, counselor


def list_sessions(session: Session, case: Case, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    query = (
        select(CounselingSession)
        .where(CounselingSession.org_id == case.org_id, CounselingSession.case_id == case.id)
        .order_by(CounselingSession.started_at, CounselingSession.id)
    )
    rows, total = paginate(session, query, page, per_page)
    counselors = (
        {
            u.id: u
            for u in session.scalars(
                select(User).where(User.id.in_({r.counselor_id for r in rows}), User.org_id == case.org_id)
            )
        }
        if rows
        else {}
    )
    return [session_document(r, counselors.get(r.counselor_id)) for r in rows], total


# --- outcomes ---------------------------------------------------------------------------------------


def outcome_document(row: CounselingOutcome) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "code": row.code,
        "label": hud_9902()["10"]["lines"][row.code[2:]]["label"],
        "achieved_on": row.achieved_on,
        "note": row.note,
        "created_by": row.created_by_id,
        "created_at": row.created_at,
    }


def add_outcome(session: Session, caller: Caller, case: Case, data: dict[str, Any]) -> CounselingOutcome:
    if data["achieved_on"] > local_today(caller.timezone):
        raise validation_error({"achieved_on": ["An outcome is recorded once achieved: not in the future."]})
    row = CounselingOutcome(
        org_id=case.org_id,
        case_id=case.id,
        code=data["code"],
        achieved_on=data["achieved_on"],
        note=data.get("note"),
        created_by_id=caller.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "counseling_outcome",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        after={"code": row.code, "achieved_on": row.achieved_on.isoformat(), "note": row.note},
    )
    return row


def list_outcomes(session: Session, case: Case, page: int, per_page: int) -> tuple[list[CounselingOutcome], int]:
    query = (
        select(CounselingOutcome)
        .where(CounselingOutcome.org_id == case.org_id, CounselingOutcome.case_id == case.id)
        .order_by(CounselingOutcome.achieved_on, CounselingOutcome.id)
    )
    return paginate(session, query, page, per_page)


SUGGESTING_EVENTS = ("modification_approved", "reinstated")


def outcome_suggestions(
    session: Session,
    case: Case,
    *,
    events: list[CaseEvent] | None = None,
    recorded: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Outcomes the case's events and outcome already say (see suggestions.py), not yet recorded. A caller
    that holds ALL the case's live events, or the codes of ALL its outcomes (the case page), passes them."""
    if events is None:
        events = session.execute(
            select(CaseEvent.type, CaseEvent.occurred_on).where(
                CaseEvent.org_id == case.org_id,
                CaseEvent.case_id == case.id,
                CaseEvent.deleted_at.is_(None),
                CaseEvent.type.in_(SUGGESTING_EVENTS),
            )
        ).all()
    if recorded is None:
        recorded = session.scalars(
            select(CounselingOutcome.code).where(
                CounselingOutcome.org_id == case.org_id, CounselingOutcome.case_id == case.id
            )
        ).all()
    found = suggestions.suggest(
        [(e.type, e.occurred_on) for e in events if e.type in SUGGESTING_EVENTS],
        case.outcome or case.event_outcome,
        case.loan_purpose,
        recorded,
    )
    return [
        {
            "code": s.code,
            "label": hud_9902()["10"]["lines"][s.code[2:]]["label"],
            "achieved_on": s.achieved_on,
            "because": s.because,
            "confirm": s.confirm,
        }
        for s in found
    ]


# --- legal-aid closing ------------------------------------------------------------------------------

CLOSING_FIELDS = ("lsc_problem_code", "lsc_closing_code", "closed_on")


def closing_document(session: Session, case: Case) -> dict[str, Any]:
    funding = session.scalars(
        select(FundingAllocation)
        .where(FundingAllocation.org_id == case.org_id, FundingAllocation.case_id == case.id)
        .order_by(FundingAllocation.id)
    ).all()
    return {
        "case_id": case.id,
        **{name: getattr(case, name) for name in CLOSING_FIELDS},
        "funding": [{"source": f.source, "minutes": f.minutes} for f in funding],
    }


def put_closing(session: Session, caller: Caller, case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """Replace the case's legal-aid closing (problem code, closing code, closing date) and its funding time."""
    closing_code, closed_on = data.get("lsc_closing_code"), data.get("closed_on")
    errors: dict[str, list[str]] = {}
    if closing_code and closed_on is None:
        errors["closed_on"] = ["A closing code needs the closing date."]
    if closed_on is not None and closed_on > local_today(caller.timezone):
        errors["closed_on"] = ["A case is closed on a day that has come: not in the future."]
    sources = [f["source"].strip().lower() for f in data.get("funding", [])]
    if len(set(sources)) != len(sources):
        errors["funding"] = ["Name each funding source once."]
    if errors:
        raise validation_error(errors)
    before = closing_document(session, case)
    for name in CLOSING_FIELDS:
        setattr(case, name, data.get(name))
    session.execute(
        delete(FundingAllocation).where(FundingAllocation.org_id == case.org_id, FundingAllocation.case_id == case.id)
    )
    for item in data.get("funding", []):
        session.add(
            FundingAllocation(
                org_id=case.org_id, case_id=case.id, source=item["source"].strip(), minutes=item["minutes"]
            )
        )
    session.flush()
    after = closing_document(session, case)
    audit.record(
        session,
        caller,
        "update",
        "legal_aid_closing",
        case.id,
        org_id=case.org_id,
        case_id=case.id,
        before={k: _plain(v) for k, v in before.items() if k != "case_id"},
        after={k: _plain(v) for k, v in after.items() if k != "case_id"},
    )
    return after


# --- users ------------------------------------------------------------------------------------------


def me_document(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "org_id": user.org_id,
        "full_name": user.full_name,
        "hud_counselor_id": user.hud_counselor_id,
    }


def get_user(session: Session, org_id: int, user_id: int) -> User:
    user = session.scalars(select(User).where(User.id == user_id, User.org_id == org_id)).one_or_none()
    if user is None:
        raise Problem(404, f"No user {user_id}.")
    return user


# --- income limits ----------------------------------------------------------------------------------


def load_income_limits(session: Session, caller: Caller | None, org_id: int, fiscal_year: int, csv_text: str) -> int:
    """Replace the organisation's income limits for the fiscal year with those of HUD's CSV; the number of
    counties loaded. A file with any bad row loads nothing."""
    try:
        parsed = ami.parse_income_limits_csv(csv_text, fiscal_year)
    except ami.IncomeLimitsError as error:
        raise validation_error({"csv": [str(error)]}, f"The income-limits file cannot be read: {error}.") from None
    removed = session.execute(
        delete(IncomeLimit).where(IncomeLimit.org_id == org_id, IncomeLimit.fiscal_year == fiscal_year)
    ).rowcount
    for limits in parsed:
        session.add(
            IncomeLimit(
                org_id=org_id,
                fiscal_year=fiscal_year,
                state=limits.state,
                county=limits.county,
                county_key=ami.county_key(limits.county),
                median_income=limits.median_income,
                limits={str(p): [f"{v:.2f}" for v in values] for p, values in limits.limits.items()},
            )
        )
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "income_limits",
        fiscal_year,
        org_id=org_id,
        case_id=None,
        before={"counties": removed or 0},
        after={"counties": len(parsed)},
    )
    return len(parsed)


def list_income_limits(
    session: Session, org_id: int, page: int, per_page: int, fiscal_year: int | None, state: str | None
) -> tuple[list[dict[str, Any]], int]:
    query = select(IncomeLimit).where(IncomeLimit.org_id == org_id)
    if fiscal_year:
        query = query.where(IncomeLimit.fiscal_year == fiscal_year)
    if state:
        query = query.where(IncomeLimit.state == state.upper())
    rows, total = paginate(
        session,
        query.order_by(IncomeLimit.fiscal_year.desc(), IncomeLimit.state, IncomeLimit.county_key),
        page,
        per_page,
    )
    return [
        {
            "fiscal_year": r.fiscal_year,
            "state": r.state,
            "county": r.county,
            "median_income": r.median_income,
            "limits": r.limits,
        }
        for r in rows
    ], total
