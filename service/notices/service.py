"""Reminder notices, the domain's entry points: the every-minute scan, the replan after a settings
change, and the API's reads and writes of notification preferences.

The parts: preferences.py (organisation defaults and each user's own), planning.py (which e-mails, to
whom, when), outbox.py (claim with a lease, send, record), queries.py ("my cases", digests, a case's
notices), mail.py (the messages) and calendar.py (the feeds)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, Deadline, Organization, User
from models.base import utcnow
from models.notices import OrgNotificationSettings, UserNotificationPreference
from service import audit
from service.auth import Caller
from service.config import Settings
from service.permissions import can_change_org_settings, require
from service.notices.outbox import count_due
from service.notices.planning import PlanContext, plan_cases, plan_changed, run_daily, skip_superseded
from service.notices.preferences import effective_preferences, org_defaults, org_settings, user_preference
from service.notices.queries import case_notices, my_cases

__all__ = [
    "scan",
    "replan_all",
    "case_notices",
    "my_preferences",
    "set_my_preferences",
    "organisation_preferences",
    "set_organisation_preferences",
]


def scan(session: Session, settings: Settings, now: dt.datetime | None = None) -> dict[str, int]:
    """The every-minute job: plan what changed, the day's escalations and digests, drop superseded
    catch-ups; answer how many notices are due (the caller dispatches that many deliveries)."""
    now = now or utcnow()
    ctx = PlanContext(session, now, settings)
    planned = plan_changed(session, now, ctx)
    daily = run_daily(session, now, ctx)
    skipped = skip_superseded(session, now)
    session.commit()
    return {"planned_cases": planned, "daily_runs": daily, "skipped": skipped, "due": count_due(session, now)}


def replan_all(session: Session, settings: Settings, now: dt.datetime | None = None) -> int:
    """Every case with deadlines."""
    ctx = PlanContext(session, now or utcnow(), settings)
    return plan_cases(session, session.scalars(select(Deadline.case_id).distinct()).all(), ctx)


# ----------------------------------------------------------------------------------------------------
# The API's reads and writes of preferences

PREFERENCE_FIELDS = ("grave_offsets", "informational_offsets", "local_hour")


def _clean_offsets(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    for name in ("grave_offsets", "informational_offsets"):
        if cleaned.get(name) is not None:
            cleaned[name] = sorted(set(cleaned[name]), reverse=True)
    return cleaned


def my_preferences(session: Session, caller: Caller) -> dict[str, Any]:
    own = user_preference(session, caller.user_id)
    org = org_defaults(org_settings(session, caller.org_id))
    effective = effective_preferences(org, own)
    return {
        "own": {
            **{name: getattr(own, name, None) for name in PREFERENCE_FIELDS},
            "daily_digest": own.daily_digest if own else True,
            "digest_only": own.digest_only if own else False,
        },
        "effective": effective.as_dict(),
        "timezone": session.get(Organization, caller.org_id).timezone,
    }


def set_my_preferences(session: Session, caller: Caller, data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    data = _clean_offsets(data)
    own = user_preference(session, caller.user_id)
    before = my_preferences(session, caller)["own"]
    if own is None:
        own = UserNotificationPreference(org_id=caller.org_id, user_id=caller.user_id)
        session.add(own)
    for name in PREFERENCE_FIELDS:
        setattr(own, name, data.get(name))
    own.daily_digest = data.get("daily_digest", True)
    own.digest_only = data.get("digest_only", False)
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "notification_preferences",
        own.id,
        org_id=caller.org_id,
        case_id=None,
        before=before,
        after=my_preferences(session, caller)["own"],
    )
    user = session.get(User, caller.user_id)
    plan_cases(
        session,
        session.scalars(
            select(Case.id).where(Case.org_id == caller.org_id, Case.deleted_at.is_(None), my_cases(user))
        ).all(),
        PlanContext(session, utcnow(), settings),
    )
    return my_preferences(session, caller)


def organisation_preferences(session: Session, caller: Caller) -> dict[str, Any]:
    settings = org_settings(session, caller.org_id)
    defaults = org_defaults(settings)
    return {
        "own": {name: getattr(settings, name, None) for name in PREFERENCE_FIELDS},
        "effective": {
            name: getattr(defaults, name) if name == "local_hour" else list(getattr(defaults, name))
            for name in PREFERENCE_FIELDS
        },
        "timezone": session.get(Organization, caller.org_id).timezone,
    }


def set_organisation_preferences(
    session: Session, caller: Caller, data: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    require(caller, can_change_org_settings, "change the organisation's notification settings")
    data = _clean_offsets(data)
    row = org_settings(session, caller.org_id)
    before = organisation_preferences(session, caller)["own"]
    if row is None:
        row = OrgNotificationSettings(org_id=caller.org_id)
        session.add(row)
    for name in PREFERENCE_FIELDS:
        setattr(row, name, data.get(name))
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "org_notification_settings",
        row.id,
        org_id=caller.org_id,
        case_id=None,
        before=before,
        after=organisation_preferences(session, caller)["own"],
    )
    plan_cases(
        session,
        session.scalars(select(Case.id).where(Case.org_id == caller.org_id, Case.deleted_at.is_(None))).all(),
        PlanContext(session, utcnow(), settings),
    )
    return organisation_preferences(session, caller)
