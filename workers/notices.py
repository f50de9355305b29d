"""Celery tasks for reminders: thin wrappers around service.notices (service.py and outbox.py).

- notices.scan (beat, every minute): plan what changed, the day's escalations and digests; then
  dispatch enough notices.deliver tasks for what is due.
- notices.deliver: claim due notices (lease committed first), send them, record the result. Idempotent:
  a redelivered or duplicated task finds nothing left to claim.
- notices.refresh_deadlines (beat, daily): recompute every open case (statuses move with time) and
  replan every notice; once per UTC day.
Two beats may trigger each of them twice: see service/periodic.py.
Every task takes an optional `now` (ISO 8601, UTC) so tests drive time without sleeping."""

from __future__ import annotations

import datetime as dt
import math

from models.base import utcnow
from service.db import session_factory
from service.deadlines.service import refresh_all, today_by_org
from service import periodic
from service.notices import outbox, service
from workers import app, settings

MAX_PARALLEL_DELIVERIES = 4


def _now(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _sessions():
    # The outbox is one queue for every organisation: the scan plans, and the delivery claims, the due rows
    # of all of them (docs/row-level-security.md).
    return session_factory(settings.database_url, across_orgs="notices: the outbox of every organisation")


@app.task(name="notices.scan")
def scan(now: str | None = None) -> dict | None:
    """Skipped (None) while another copy of the scan runs (two beats): that one plans and dispatches."""
    with _sessions()() as session:
        stats = periodic.alone(session, "notices.scan", lambda: service.scan(session, settings, _now(now)))
    if stats is None:
        return None
    due = stats["due"]
    for _ in range(min(MAX_PARALLEL_DELIVERIES, math.ceil(due / outbox.CLAIM_BATCH))):
        deliver.delay(now)
    return stats


@app.task(name="notices.deliver")
def deliver(now: str | None = None) -> dict:
    return dict(outbox.deliver_due(_sessions(), settings, _now(now)))


@app.task(name="notices.refresh_deadlines")
def refresh_deadlines() -> int | None:
    """Once per UTC day, however many beats trigger it (None: done already, or another copy runs it)."""
    with _sessions()() as session:

        def work() -> int:
            # Each recompute replans its case (deadlines_changed): once per case, no second pass.
            count = refresh_all(session, today_by_org(session))
            session.commit()
            return count

        return periodic.once_per_period(session, "notices.refresh_deadlines", utcnow().date().isoformat(), work)
