"""Celery tasks for reminders: thin wrappers around service.notices.service.

- notices.scan (beat, every minute): plan what changed, the day's escalations and digests; then
  dispatch enough notices.deliver tasks for what is due.
- notices.deliver: claim due notices (lease committed first), send them, record the result. Idempotent:
  a redelivered or duplicated task finds nothing left to claim.
- notices.refresh_deadlines (beat, daily): recompute every open case (statuses move with time) and
  replan every notice.
Every task takes an optional `now` (ISO 8601, UTC) so tests drive time without sleeping."""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from models import Organization
from models.base import utcnow
from service.config import load_settings
from service.db import session_factory
from service.deadlines.service import refresh_all
from service.notices import service
from workers import app

MAX_PARALLEL_DELIVERIES = 4


def _now(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _sessions():
    return session_factory(load_settings().database_url)


@app.task(name="notices.scan")
def scan(now: str | None = None) -> dict:
    with _sessions()() as session:
        stats = service.scan(session, _now(now))
    due = stats["due"]
    for _ in range(min(MAX_PARALLEL_DELIVERIES, math.ceil(due / service.CLAIM_BATCH))):
        deliver.delay(now)
    return stats


@app.task(name="notices.deliver")
def deliver(now: str | None = None) -> dict:
    return dict(service.deliver_due(_sessions(), _now(now)))


@app.task(name="notices.refresh_deadlines")
def refresh_deadlines() -> int:
    with _sessions()() as session:
        zones: dict[int, str] = {}

        def today_for_org(org_id: int) -> dt.date:
            if org_id not in zones:
                zones[org_id] = session.get(Organization, org_id).timezone
            return utcnow().astimezone(ZoneInfo(zones[org_id])).date()

        count = refresh_all(session, today_for_org)  # each recompute replans through the hook
        service.replan_all(session)
        session.commit()
    return count
