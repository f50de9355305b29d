"""Celery tasks for the client's own messages: thin wrappers around service.client_messages.

- client_messages.scan (beat, every minute): replan cases whose deadlines changed (the signal is the
  first path), then dispatch deliveries for what is due.
- client_messages.deliver: claim due messages (lease committed first), send, record. Idempotent.
Every task takes an optional `now` (ISO 8601, UTC) so tests drive time without sleeping."""

from __future__ import annotations

import datetime as dt
import math

from service import periodic
from service.client_messages import outbox, service
from service.db import session_factory
from workers import app, settings

MAX_PARALLEL_DELIVERIES = 2


def _now(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _sessions():
    # Like the staff reminders' outbox: one queue for every organisation, planned and claimed across them
    # (docs/row-level-security.md).
    return session_factory(settings.database_url, across_orgs="client messages: the outbox of every organisation")


@app.task(name="client_messages.scan")
def scan(now: str | None = None) -> dict | None:
    """Skipped (None) while another copy of the scan runs (two beats): that one plans and dispatches."""
    with _sessions()() as session:
        stats = periodic.alone(session, "client_messages.scan", lambda: service.scan(session, settings, _now(now)))
    if stats is None:
        return None
    for _ in range(min(MAX_PARALLEL_DELIVERIES, math.ceil(stats["due"] / outbox.CLAIM_BATCH))):
        deliver.delay(now)
    return stats


@app.task(name="client_messages.deliver")
def deliver(now: str | None = None) -> dict:
    return dict(outbox.deliver_due(_sessions(), settings, _now(now)))
