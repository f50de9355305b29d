"""The weekly rules review for an organisation's admins: the rule items of the states it has cases in that
were last checked more than a year ago (service/rules/maintenance.py). It rides on each admin's digest of
the review day, so it goes through the digest outbox (sent once, never lost) and needs no outbox of its own.

An admin gets that Monday digest even with daily digests turned off: keeping the rules the organisation
relies on reviewed is an admin's duty, not a preference (said in the mail)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case
from service.rules.maintenance import MAX_AGE_DAYS, stale_items
from service.rulebook import rules

REVIEW_WEEKDAY = 0  # Monday, in the organisation's time zone (the digest's own date)


def is_review_day(day: dt.date) -> bool:
    return day.weekday() == REVIEW_WEEKDAY


def stale_rules(session: Session, org_id: int, today: dt.date) -> list[dict[str, Any]]:
    """[{code, name, path, checked_on, days_old}] for the states of the organisation's open cases."""
    codes = sorted(
        set(
            session.scalars(
                select(Case.property_state).where(Case.org_id == org_id, Case.deleted_at.is_(None)).distinct()
            )
        )
    )
    found: list[dict[str, Any]] = []
    for code in codes:
        jurisdiction = rules().jurisdiction(code or "")
        if jurisdiction is None:
            continue
        for item in stale_items(_plain(jurisdiction.raw), today):
            found.append({"code": jurisdiction.code, "name": jurisdiction.name, **item})
    return found


def _plain(value: Any) -> Any:
    """The rules file as plain dicts and lists (the loader keeps read-only mappings)."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


__all__ = ["MAX_AGE_DAYS", "is_review_day", "stale_rules"]
