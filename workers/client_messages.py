"""Celery tasks for the client's own messages: thin wrappers around service.client_messages.

- client_messages.scan (beat, every minute): replan cases whose deadlines changed (the signal is the
  first path), then dispatch deliveries for what is due.
- client_messages.deliver: claim due messages (lease committed first), send, record. Idempotent.
Every task takes an optional `now` (ISO 8601, UTC) so tests drive time without sleeping."""
from __future__ import annotations

import datetime as dt
import math

from service.client_messages import outbox, service
from service.db import session_factory
from workers import app, settings

MAX_PARALLEL_DELIVERIES = 2


def _now(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@app.task(name="client_messages.scan")
def scan(now: str | None = None) -> dict:
    with session_factory(settings.database_url)() as session:
        stats = service.scan(session, settings, _now(now))
    for _ in range(min(MAX_PARALLEL_DELIVERIES, math.ceil(stats["due"] / outbox.CLAIM_BATCH))):
        deliver.delay(now)
    return stats


@app.task(name="client_messages.deliver")
def deliver(now: str | None = None) -> dict:
    return dict(outbox.deliver_due(session_factory(settings.database_url), settings, _now(now)))
