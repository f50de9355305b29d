"""Reads: whose cases are whose ("my cases", one rule for reminders, digests and the calendar feed),
the deadlines a digest lists, and a case's notices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from models import Case, Deadline, User
from models.notices import Notice
from service.db import paginate
from service.permissions import is_org_admin

DIGEST_DAYS = 14


def my_cases(user: User) -> ColumnElement[bool]:
    """A user's cases, the one rule for reminders, the digest and the calendar feed: the cases assigned to
    them, and the unassigned ones they created (an admin: every unassigned case). It is the same rule as
    who gets a case's reminders (service/notices/planning.py, case_recipients)."""
    unassigned = Case.assigned_to_id.is_(None)
    if is_org_admin(user):
        return or_(Case.assigned_to_id == user.id, unassigned)
    return or_(Case.assigned_to_id == user.id, unassigned & (Case.created_by_id == user.id))


def digest_deadlines(session: Session, user: User, today: dt.date, limit: int | None = None) -> list[Deadline]:
    """Deadlines of the user's cases due in the next 14 days, and the overdue ones, overdue first.

    Overdue means past and still to act on: missed (the engine's verdict), or open and binding the
    borrower or the court, or entered by hand. A computed mark of the servicer's or lender's that is simply
    past (the early-intervention day, the 120-day mark) is not the staff's overdue work, and is left out."""
    upcoming = Deadline.status.in_(("open", "missed")) & (Deadline.due_on >= today)
    still_to_act = (Deadline.status == "missed") | (
        (Deadline.status == "open") & (Deadline.is_manual.is_(True) | Deadline.binds.in_(("borrower", "court")))
    )
    overdue = (Deadline.due_on < today) & still_to_act
    query = (
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(
            Deadline.org_id == user.org_id,
            Deadline.removed_at.is_(None),
            Case.deleted_at.is_(None),
            Case.stage != "closed",
            Deadline.due_on.is_not(None),
            or_(upcoming, overdue),
            Deadline.due_on <= today + dt.timedelta(days=DIGEST_DAYS),
            my_cases(user),
        )
        .order_by(Deadline.due_on, Deadline.id)
    )
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query).all())


def case_notices(session: Session, case: Case, page: int, per_page: int, state: str | None = None):
    query = select(Notice).where(Notice.case_id == case.id, Notice.org_id == case.org_id)
    if state:
        query = query.where(Notice.state == state)
    return paginate(session, query.order_by(Notice.send_at, Notice.id), page, per_page)
