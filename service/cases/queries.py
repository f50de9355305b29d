"""Read-only questions about the caseload that the pages ask (the list itself is service.list_cases)."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Case, Deadline, User


def stage_counts(session, org_id: int) -> dict[str, int]:  # noqa: ANN001
    """How many open records per stage (deleted cases left out)."""
    rows = session.execute(
        select(Case.stage, func.count()).where(Case.org_id == org_id, Case.deleted_at.is_(None)).group_by(Case.stage)
    ).all()
    return {stage: count for stage, count in rows}


def next_deadlines(session, case_ids: list[int], today) -> dict[int, Deadline]:  # noqa: ANN001
    """Each case's soonest open deadline from today on: one query for a page of cases."""
    if not case_ids:
        return {}
    rows = session.scalars(
        select(Deadline)
        .where(
            Deadline.case_id.in_(case_ids),
            Deadline.status == "open",
            Deadline.removed_at.is_(None),
            Deadline.due_on >= today,
        )
        .order_by(Deadline.case_id, Deadline.due_on, Deadline.id)
    ).all()
    soonest: dict[int, Deadline] = {}
    for row in rows:
        soonest.setdefault(row.case_id, row)
    return soonest


def user_names(session, user_ids: set[int]) -> dict[int, str]:  # noqa: ANN001
    if not user_ids:
        return {}
    # Columns only: the names, without the users' organisations (a joined load on User).
    rows = session.execute(select(User.id, User.full_name, User.email).where(User.id.in_(user_ids)))
    return {user_id: full_name or email for user_id, full_name, email in rows}


def assignable_users(session, org_id: int) -> list[tuple[int, str]]:  # noqa: ANN001
    """(id, name) of the organisation's active users, by name: the choices for 'Assigned to' (columns
    only: an organisation may have hundreds of staff)."""
    rows = session.execute(
        select(User.id, User.full_name, User.email)
        .where(User.org_id == org_id, User.is_active.is_(True))
        .order_by(User.full_name, User.email)
    ).all()
    return [(user_id, full_name or email) for user_id, full_name, email in rows]
