"""Cases: create, read, update, soft-delete, list. Every query is scoped to the caller's organisation."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from models import Borrower, Case, User
from models.base import utcnow
from service import audit
from service.auth import Caller
from service.cases.schemas import CaseAuditSchema, CaseListItemSchema, CaseSchema
from service.db import DirectRead, paginate
from service.deadlines.service import recompute_case
from service.errors import Problem, validation_error
from service.rulebook import local_today, rules

SORT_COLUMNS = {
    "created_at": Case.created_at,
    "updated_at": Case.updated_at,
    "state": Case.property_state,
    "stage": Case.stage,
    "client_last_name": Case.client_sort_name,
}


# Built once (every API call on a case runs one of these): the organisation is in the query itself.
_CASE_WITH_DELETED = (
    select(Case)
    .options(joinedload(Case.borrowers))
    .where(Case.id == bindparam("case_id"), Case.org_id == bindparam("org_id"))
)
_CASE = _CASE_WITH_DELETED.where(Case.deleted_at.is_(None))


def get_case(session: Session, org_id: int, case_id: int, *, include_deleted: bool = False) -> Case:
    """The case, or 404, whether it belongs to another organisation or to none."""
    query = _CASE_WITH_DELETED if include_deleted else _CASE
    case = session.scalars(query, {"case_id": case_id, "org_id": org_id}).unique().one_or_none()
    if case is None:
        raise Problem(404, f"No case {case_id}.")
    return case


# The same row and borrowers as _CASE, as columns (one statement, the borrowers joined in position order),
# less the columns the API's case document does not show (each column costs the driver a description entry
# on every read); the borrower's id stays, to tell a case without borrowers.
_NOT_SHOWN = {
    "org_id",
    "deleted_at",
    "closed_on",
    "search_text",
    "client_sort_name",
    "lsc_problem_code",
    "lsc_closing_code",
}
_SHOWN_CASE_COLUMNS = tuple(column for column in Case.__table__.c if column.key not in _NOT_SHOWN)
_SHOWN_BORROWER_COLUMNS = tuple(column for column in Borrower.__table__.c if column.key not in ("case_id", "position"))
_CASE_KEYS = tuple(column.key for column in _SHOWN_CASE_COLUMNS)
_BORROWER_KEYS = tuple(column.key for column in _SHOWN_BORROWER_COLUMNS)
_CASE_COLUMNS = DirectRead(
    select(*_SHOWN_CASE_COLUMNS, *_SHOWN_BORROWER_COLUMNS)
    .outerjoin(Borrower, Borrower.case_id == Case.id)
    .where(Case.id == bindparam("case_id"), Case.org_id == bindparam("org_id"), Case.deleted_at.is_(None))
    .order_by(Borrower.position)
)


def read_case(connection: Connection, org_id: int, case_id: int) -> Any:
    """get_case for a view that only shows the case: the same case, as plain attributes named like the
    model's (its borrowers in position order; only the attributes CaseSchema shows), not an ORM object.
    Loading ORM objects (identity map, change tracking, the joined eager load) was about a fifth of a case
    read's CPU. Not for changing anything."""
    rows = _CASE_COLUMNS.rows(connection, {"case_id": case_id, "org_id": org_id})
    if not rows:
        raise Problem(404, f"No case {case_id}.")
    width = len(_CASE_KEYS)
    case = SimpleNamespace(**dict(zip(_CASE_KEYS, rows[0][:width])))
    case.borrowers = [
        SimpleNamespace(**dict(zip(_BORROWER_KEYS, row[width:]))) for row in rows if row[width] is not None
    ]
    return case


def case_document(case: Case, *, mask: bool = False) -> dict[str, Any]:
    """The case as the API shows it, JSON-ready (mask: the loan number's last four digits only)."""
    return (CaseListItemSchema() if mask else CaseSchema()).dump(case)


def audit_document(case: Case) -> dict[str, Any]:
    """The case as the audit log compares it: the API's dump without bookkeeping fields."""
    return CaseAuditSchema().dump(case)


def _loan_attribute(name: str) -> str:
    return name if name == "loan_number" else f"loan_{name}"


def _check_assignee(session: Session, org_id: int, user_id: int | None) -> None:
    if user_id is None:
        return
    exists = session.scalar(select(User.id).where(User.id == user_id, User.org_id == org_id, User.is_active.is_(True)))
    if exists is None:
        raise validation_error({"assigned_to": [f"No user {user_id} in your organisation."]})


def _search_text(case: Case) -> str:
    parts: list[str] = []
    for borrower in case.borrowers:
        parts += [
            borrower.first_name,
            borrower.last_name,
            f"{borrower.first_name} {borrower.last_name}",
            borrower.email or "",
        ]
    parts += [case.loan_number or "", case.property_street or ""]
    return "\n".join(p.lower() for p in parts if p)


def _apply(case: Case, data: dict[str, Any]) -> None:
    for name, value in data.get("property", {}).items():
        setattr(case, f"property_{name}", value)
    for name, value in data.get("loan", {}).items():
        setattr(case, _loan_attribute(name), value)
    if "client" in data:
        if case.borrowers:
            for name, value in data["client"].items():
                setattr(case.borrowers[0], name, value)
        else:
            case.borrowers.append(Borrower(position=0, **data["client"]))
    if "co_borrowers" in data:
        client = case.borrowers[0]
        case.borrowers[:] = [client] + [Borrower(position=i + 1, **p) for i, p in enumerate(data["co_borrowers"])]
    for name in ("foreclosure_process", "outcome", "notes"):
        if name in data:
            setattr(case, name, data[name])
    if "assigned_to" in data:
        case.assigned_to_id = data["assigned_to"]
    case.search_text = _search_text(case)
    client = case.borrowers[0] if case.borrowers else None
    case.client_sort_name = f"{client.last_name} {client.first_name}".lower() if client else ""


def _check_process(state: str, process: str | None) -> None:
    if process is None:
        return
    jurisdiction = rules().jurisdiction(state)
    if jurisdiction and process not in jurisdiction.foreclosure_process.available:
        available = " or ".join(jurisdiction.foreclosure_process.available)
        raise validation_error(
            {
                "foreclosure_process": [
                    f"{jurisdiction.name} forecloses homes by {available} process only "
                    f"({jurisdiction.foreclosure_process.source.citation})."
                ]
            }
        )


def create_case(session: Session, caller: Caller, data: dict[str, Any]) -> Case:
    _check_assignee(session, caller.org_id, data.get("assigned_to"))
    _check_process(data["property"]["state"], data.get("foreclosure_process"))
    case = Case(
        org_id=caller.org_id, created_by_id=caller.user_id, stage="intake", property_state=data["property"]["state"]
    )
    _apply(case, data)
    session.add(case)
    session.flush()
    audit.record(
        session, caller, "create", "case", case.id, org_id=caller.org_id, case_id=case.id, after=audit_document(case)
    )
    _sync_parties(session, case)
    return case


def update_case(session: Session, caller: Caller, case: Case, data: dict[str, Any]) -> Case:
    if "assigned_to" in data:
        _check_assignee(session, caller.org_id, data["assigned_to"])
    if "client" in data and not case.borrowers:
        missing = [f for f in ("first_name", "last_name") if not data["client"].get(f)]
        if missing:
            raise validation_error({f"client.{f}": ["Missing data for required field."] for f in missing})
    before = audit_document(case)
    _apply(case, data)
    _check_process(case.property_state, case.foreclosure_process)
    case.updated_at = utcnow()  # always bump the row, so its version moves even if only borrowers changed
    try:
        session.flush()
    except StaleDataError:
        raise Problem(412, "The case was changed by someone else meanwhile; reload it and try again.") from None
    after = audit_document(case)
    audit.record(
        session, caller, "update", "case", case.id, org_id=caller.org_id, case_id=case.id, before=before, after=after
    )
    _sync_parties(session, case)
    # The facts (state, process, occupancy, amounts, outcome) drive the deadlines and the stage.
    recompute_case(session, case, local_today(caller.timezone))
    return case


def _sync_parties(session: Session, case: Case) -> None:
    """The client, co-borrowers and servicer as parties (for conflict checks): service/parties/service.py."""
    from service.parties.service import sync_case_parties

    sync_case_parties(session, case)


def delete_case(session: Session, caller: Caller, case: Case) -> None:
    """Soft delete: the record and its history stay for the audit."""
    case.deleted_at = utcnow()
    try:
        session.flush()
    except StaleDataError:
        raise Problem(412, "The case was changed by someone else meanwhile; reload it and try again.") from None
    audit.record(
        session,
        caller,
        "delete",
        "case",
        case.id,
        org_id=caller.org_id,
        case_id=case.id,
        before={"deleted": False},
        after={"deleted": True},
    )


def list_cases(
    session: Session,
    org_id: int,
    *,
    page: int,
    per_page: int,
    stage: str | None = None,
    state: str | None = None,
    assigned_to: int | None = None,
    q: str | None = None,
    sort: str = "-updated_at",
    total: int | None = None,
) -> tuple[list[Case], int]:
    """A page of the organisation's live cases, filtered and sorted, and how many there are (`total`: the
    caller knows that already, see service.db.paginate)."""
    where = [Case.org_id == org_id, Case.deleted_at.is_(None)]
    if stage:
        where.append(Case.stage == stage)
    if state:
        where.append(Case.property_state == state)
    if assigned_to:
        where.append(Case.assigned_to_id == assigned_to)
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(Case.search_text.like(f"%{escaped}%", escape="\\"))
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    column = SORT_COLUMNS[name]
    order = [column.desc() if descending else column.asc(), Case.id.desc() if descending else Case.id.asc()]
    return paginate(session, select(Case).where(*where).order_by(*order), page, per_page, total)
