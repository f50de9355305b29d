"""Deadlines: recompute a case's from its events (idempotently), manual deadlines, user-set statuses,
and the caseload view. The arithmetic itself lives in the pure engine (service/clock)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import lazyload, selectinload

from models import Case, CaseEvent, Deadline, Organization, User
from models.base import utcnow
from service import audit
from service.auth import Caller
from service.cases.display import client_name
from service.clock.engine import CaseFacts, Event, compute_deadlines
from service.clock.kinds import deadline_kind
from service.clock.stages import derive_stage
from service.db import paginate
from service.deadlines.schemas import DeadlineSchema
from service.errors import Problem, validation_error
from service.rulebook import local_today, rules
from service.signals import deadlines_changed

# What a user may set. "open" hands the status back to the engine.
USER_STATUSES = ("open", "met", "missed", "waived", "tolled")


def case_facts(case: Case) -> CaseFacts:
    return CaseFacts(
        state=case.property_state,
        process=case.foreclosure_process,
        occupancy=case.property_occupancy,
        dwelling_units=case.property_dwelling_units,
        acreage=case.property_acreage,
        purpose=case.loan_purpose,
        lien_position=case.loan_lien_position,
        investor=case.loan_investor,
        unpaid_principal=case.loan_unpaid_principal,
        accrued_interest=case.loan_accrued_interest,
        fees_and_costs=case.loan_fees_and_costs,
        credits=case.loan_credits,
        homestead_claimed=case.property_homestead_claimed,
        agricultural_use=case.property_agricultural_use,
        original_principal=case.loan_original_principal,
        amount_claimed_at_sale=case.loan_amount_claimed_at_sale,
        executed_on=case.loan_executed_on,
        deficiency_waived_by_lender=case.loan_deficiency_waived_by_lender,
    )


def engine_events(session, case: Case) -> list[Event]:
    return _engine_events_by_case(session, [case.id]).get(case.id, [])


def as_engine_events(rows) -> list[Event]:  # noqa: ANN001
    """Live CaseEvent rows already loaded (the case page's events) as the engine's events: no second read."""
    return [Event(id=str(r.id), type=r.type, occurred_on=r.occurred_on, details=dict(r.details or {})) for r in rows]


@dataclass(frozen=True)
class EngineAnswer:
    """What the engine says about one case today: the stage and the deficiency both read it, so a page or a
    report that shows both computes the deadlines once."""

    facts: CaseFacts
    events: list[Event]
    deadlines: list[Any]


def engine_answer(session, case: Case, today: dt.date, events: list[Event] | None = None) -> EngineAnswer:
    facts = case_facts(case)
    events = engine_events(session, case) if events is None else events
    return EngineAnswer(facts, events, compute_deadlines(facts, events, rules(), today))


def _engine_events_by_case(session, case_ids: list[int]) -> dict[int, list[Event]]:
    grouped: dict[int, list[Event]] = {case_id: [] for case_id in case_ids}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.id, CaseEvent.type, CaseEvent.occurred_on, CaseEvent.details).where(
            CaseEvent.case_id.in_(case_ids), CaseEvent.deleted_at.is_(None)
        )
    ).all()
    for case_id, event_id, event_type, occurred_on, details in rows:
        grouped[case_id].append(
            Event(id=str(event_id), type=event_type, occurred_on=occurred_on, details=dict(details or {}))
        )
    return grouped


def recompute_case(session, case: Case, today: dt.date) -> None:
    """Bring the case's computed deadlines and stage in line with its events.

    Idempotent: the same events give the same rows. User-set statuses (met, waived, ...) and manual
    deadlines survive; deadlines whose trigger disappeared are marked removed (kept for the audit and
    for the notices that named them); a moved due date bumps the row's sequence (calendar updates)."""
    recompute_cases(session, [case], lambda _org_id: today)


# The columns the engine owns on a computed deadline row.
_ENGINE_COLUMNS = (
    "kind",
    "title",
    "due_on",
    "binds",
    "engine_status",
    "status",
    "met_on",
    "rule_id",
    "citation",
    "source_url",
    "confidence",
    "explanation",
    "computed_from_event_type",
    "computed_from_occurred_on",
    "verify_manually",
    "alternatives",
    "expires_on",
    "removed_at",
    "sequence",
)


def recompute_cases(session, cases: list[Case], today_for_org) -> None:
    """recompute_case for many cases: two reads per chunk (events, existing rows) and bulk writes of only
    what changed (the daily refresh of 100,000 cases depends on it; see bench/recompute_bench.py)."""
    rulebook = rules()
    case_ids = [case.id for case in cases]
    events_by_case = _engine_events_by_case(session, case_ids)
    existing_by_case: dict[int, dict[str, Any]] = {case_id: {} for case_id in case_ids}
    columns = [getattr(Deadline, name) for name in ("id", "case_id", "key", "user_status", *_ENGINE_COLUMNS)]
    for row in session.execute(select(*columns).where(Deadline.case_id.in_(case_ids), Deadline.is_manual.is_(False))):
        existing_by_case[row.case_id][row.key] = row
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for case in cases:
        today = today_for_org(case.org_id)
        facts = case_facts(case)
        events = events_by_case[case.id]
        existing = existing_by_case[case.id]
        computed = compute_deadlines(facts, events, rulebook, today)
        for item in computed:
            row = existing.pop(item.key, None)
            if row is None:
                inserts.append(
                    {
                        "org_id": case.org_id,
                        "case_id": case.id,
                        "key": item.key,
                        "is_manual": False,
                        "user_status": None,
                        "created_at": now,
                        "updated_at": now,
                        **_computed_values(item, None, None, 0, moved=False),
                    }
                )
                continue
            moved = row.removed_at is not None or row.due_on != item.due_on
            values = _computed_values(item, row.user_status, row.met_on, row.sequence, moved)
            if any(values[name] != getattr(row, name) for name in _ENGINE_COLUMNS):
                updates.append({"id": row.id, "updated_at": now, **values})
        for row in existing.values():
            if row.removed_at is None:  # its trigger disappeared: keep the row, marked removed
                updates.append(
                    {
                        "id": row.id,
                        "updated_at": now,
                        **{name: getattr(row, name) for name in _ENGINE_COLUMNS},
                        "removed_at": now,
                    }
                )
        stage = derive_stage(events, facts, rulebook, today, outcome=case.outcome, deadlines=computed)
        case.stage = stage.stage
        case.event_outcome = None if case.outcome else stage.outcome
    if inserts:
        session.execute(insert(Deadline), inserts)
    if updates:
        session.execute(update(Deadline), updates)  # bulk UPDATE by primary key
    session.flush()
    for obj in list(session.identity_map.values()):  # rows loaded earlier in this session are now stale
        if isinstance(obj, Deadline):
            session.expire(obj)
    for case in cases:
        _after_recompute(session, case)


def _computed_values(
    item, user_status: str | None, met_on: dt.date | None, sequence: int, moved: bool
) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "title": item.title,
        "due_on": item.due_on,
        "binds": item.binds,
        "engine_status": item.status,
        "status": user_status or item.status,
        # A user's "met" keeps the day they gave; otherwise the engine's satisfying event decides.
        "met_on": item.met_on if user_status is None else (met_on or item.met_on),
        "rule_id": item.rule_id,
        "citation": item.citation,
        "source_url": item.source_url,
        "confidence": item.confidence,
        "explanation": item.explanation,
        "computed_from_event_type": item.computed_from_event_type,
        "computed_from_occurred_on": item.computed_from_occurred_on,
        "verify_manually": item.verify_manually,
        "alternatives": [a.as_dict() for a in item.alternatives],
        "expires_on": item.expires_on,
        "removed_at": None,
        "sequence": sequence + (1 if moved else 0),
    }


def _after_recompute(session, case: Case) -> None:
    """Tell the domains that follow deadlines (reminder plans; see service/wiring.py)."""
    deadlines_changed.send(case, session=session)


def stage_history(session, case: Case, today: dt.date, answer: EngineAnswer | None = None):
    answer = answer or engine_answer(session, case, today)
    return derive_stage(answer.events, answer.facts, rules(), today, outcome=case.outcome, deadlines=answer.deadlines)


def get_deadline(session, org_id: int, deadline_id: int) -> Deadline:
    row = session.scalars(
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(
            Deadline.id == deadline_id,
            Deadline.org_id == org_id,
            Deadline.removed_at.is_(None),
            Case.deleted_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        raise Problem(404, f"No deadline {deadline_id}.")
    return row


_AUDITED = DeadlineSchema(only=("title", "due_on", "status", "kind", "binds", "explanation"))


def _deadline_document(row: Deadline) -> dict[str, Any]:
    """The deadline as the audit log compares it: the API's dump of the fields a user sets."""
    return _AUDITED.dump(row)


def add_manual_deadline(session, caller: Caller, case: Case, data: dict[str, Any], plan: bool = True) -> Deadline:
    """A deadline entered by hand; reminder plans follow at once, unless plan=False (the caller recomputes
    the case afterwards, which plans them)."""
    kind = data.get("kind") or "manual"
    try:
        spec = deadline_kind(kind)
    except KeyError:
        raise validation_error({"kind": [f"Unknown kind {kind!r}; see GET /api/v1/deadline-kinds."]}) from None
    row = Deadline(
        org_id=case.org_id,
        case_id=case.id,
        key=f"manual:{uuid.uuid4().hex}",
        kind=kind,
        title=data["title"],
        due_on=data["due_on"],
        binds=data.get("binds") or spec.binds,
        status="open",
        engine_status=None,
        rule_id="manual",
        citation=None,
        source_url=None,
        confidence=None,
        is_manual=True,
        explanation=data.get("explanation") or f"Entered by {caller.email}.",
        created_by_id=caller.user_id,
        sequence=0,
        verify_manually=False,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "deadline",
        row.id,
        org_id=case.org_id,
        case_id=case.id,
        after=_deadline_document(row),
    )
    if plan:
        _after_recompute(session, case)
    return row


def update_deadline(session, caller: Caller, row: Deadline, data: dict[str, Any], today: dt.date) -> Deadline:
    before = _deadline_document(row)
    manual_only = sorted(set(data) & {"title", "due_on", "explanation", "binds"})
    if manual_only and not row.is_manual:
        raise validation_error(
            {
                name: [
                    "Only a manual deadline's fields can be changed; a computed one follows "
                    "its events (change the event instead)."
                ]
                for name in manual_only
            }
        )
    if "due_on" in data and data["due_on"] != row.due_on:
        row.sequence += 1
    for name in manual_only:
        setattr(row, name, data[name])
    if "status" in data:
        status = data["status"]
        if status == "open":
            row.user_status = None
            row.status = row.engine_status or "open"
        else:
            row.user_status = status
            row.status = status
        if status == "met":
            row.met_on = data.get("met_on") or row.met_on or today
    elif "met_on" in data:
        row.met_on = data["met_on"]
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "deadline",
        row.id,
        org_id=row.org_id,
        case_id=row.case_id,
        before=before,
        after=_deadline_document(row),
    )
    case = session.get(Case, row.case_id)
    _after_recompute(session, case)
    return row


def delete_manual_deadline(session, caller: Caller, row: Deadline) -> None:
    if not row.is_manual:
        raise Problem(409, "A computed deadline goes away when its trigger event does; mark it waived instead.")
    row.removed_at = utcnow()
    audit.record(
        session,
        caller,
        "delete",
        "deadline",
        row.id,
        org_id=row.org_id,
        case_id=row.case_id,
        before=_deadline_document(row),
    )
    _after_recompute(session, session.get(Case, row.case_id))


def case_deadlines(session, case: Case, page: int, per_page: int, status: str | None = None):
    query = select(Deadline).where(Deadline.case_id == case.id, Deadline.removed_at.is_(None))
    if status:
        query = query.where(Deadline.status == status)
    return paginate(session, query.order_by(Deadline.due_on.is_(None), Deadline.due_on, Deadline.id), page, per_page)


def caseload_deadlines(
    session,
    org_id: int,
    *,
    page: int,
    per_page: int,
    due_after: dt.date | None = None,
    due_before: dt.date | None = None,
    assigned_to: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    case_id: int | None = None,
):
    """The organisation's deadlines across cases, soonest first (unknown dates last)."""
    query = (
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.org_id == org_id, Deadline.removed_at.is_(None), Case.deleted_at.is_(None))
    )
    if due_after:
        query = query.where(Deadline.due_on >= due_after)
    if due_before:
        query = query.where(Deadline.due_on <= due_before)
    if assigned_to:
        query = query.where(Case.assigned_to_id == assigned_to)
    if status:
        query = query.where(Deadline.status == status)
    if kind:
        query = query.where(Deadline.kind == kind)
    if case_id:
        query = query.where(Deadline.case_id == case_id)
    return paginate(
        session,
        query.options(selectinload(Deadline.case)).order_by(Deadline.due_on.is_(None), Deadline.due_on, Deadline.id),
        page,
        per_page,
    )


def case_summaries(session, case_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Client name and assignee for each case: one query for a whole page, not one per row."""
    if not case_ids:
        return {}
    cases = session.scalars(select(Case).where(Case.id.in_(case_ids))).all()
    return {
        c.id: {
            "case_id": c.id,
            "client_name": client_name(c),
            "assigned_to": c.assigned_to_id,
            "state": c.property_state,
            "stage": c.stage,
        }
        for c in cases
    }


def refresh_all(session, today_for_org, chunk_size: int = 500) -> int:
    """Recompute every case not closed, in chunks, committing each (daily: statuses move with time, e.g.
    open -> missed, redemption -> post_sale, without any new event)."""
    count, last_id = 0, 0
    while True:
        cases = session.scalars(
            select(Case)
            .where(Case.deleted_at.is_(None), Case.stage != "closed", Case.id > last_id)
            .options(lazyload(Case.borrowers))  # facts need no names
            .order_by(Case.id)
            .limit(chunk_size)
        ).all()
        if not cases:
            return count
        recompute_cases(session, list(cases), today_for_org)
        session.commit()
        count += len(cases)
        last_id = cases[-1].id


def assignee_exists(session, org_id: int, user_id: int) -> bool:
    return session.scalar(select(User.id).where(User.id == user_id, User.org_id == org_id)) is not None


def today_by_org(session):
    """A function org_id -> today in that organisation's time zone (for refresh_all and the workers)."""
    zones = dict(session.execute(select(Organization.id, Organization.timezone)).all())
    return lambda org_id: local_today(zones.get(org_id, "America/New_York"))
