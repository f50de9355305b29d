"""The Today list: a user's deadlines for the next days, and what is overdue that binds the borrower or
the court (those cost a client the house when missed), soonest first. Read-only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from models import Case, Deadline

OVERDUE_BINDS = ("borrower", "court")
AHEAD_DAYS = 14


def today_deadlines(
    session,
    org_id: int,
    today: dt.date,
    *,
    assigned_to: int | None,
    page: int,
    per_page: int,  # noqa: ANN001
    days: int = AHEAD_DAYS,
) -> tuple[list[Deadline], bool]:
    """Open deadlines due from today to today + days, and open or missed ones before today that bind the
    borrower or the court; of the cases assigned to `assigned_to` (None: the whole organisation).

    Returns one page and whether another follows. No total: counting every overdue deadline of a
    100,000-case organisation costs more than the page itself, and nobody pages to the end of Today."""
    ahead = and_(
        Deadline.status == "open", Deadline.due_on >= today, Deadline.due_on <= today + dt.timedelta(days=days)
    )
    overdue = and_(Deadline.status.in_(("open", "missed")), Deadline.due_on < today, Deadline.binds.in_(OVERDUE_BINDS))
    query = (
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(
            Deadline.org_id == org_id,
            Deadline.removed_at.is_(None),
            Case.deleted_at.is_(None),
            Deadline.due_on <= today + dt.timedelta(days=days),
            or_(ahead, overdue),
        )
        .order_by(Deadline.due_on, Deadline.id)
    )
    if assigned_to is not None:
        query = query.where(Case.assigned_to_id == assigned_to)
    rows = list(session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page
