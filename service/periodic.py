"""Periodic jobs when more than one Celery beat runs (a beat per host, for availability): every job is safe
to be triggered twice, at once or one after the other. The database is the only coordinator.

- Effects exactly once come from the rows themselves: the reminder plan's unique key, one digest per user
  and local date, one daily run per organisation and local date, outbox rows claimed with a lease
  (service/leases.py), reports and imports claimed with a compare-and-set before they render or run.
- On top of that, `alone` keeps two copies of one job from working side by side (wasted work, two
  planners' updates crossing, SQLite's single writer answering "database is locked"): PostgreSQL takes
  `pg_try_advisory_xact_lock` in the job's own transaction (released at its commit, or when a killed
  worker's connection drops); SQLite claims the job's `scheduler_runs` row with a compare-and-set and a
  lease. The copy that does not get it skips: the holder is doing the same work.
- `once_per_period` (the daily deadline refresh, which commits in chunks): the job's row records the
  period whose work is done, claimed with a lease (a worker that dies mid-run leaves it to run out; the
  next trigger in the same period runs it again, and recomputing is idempotent)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Callable, TypeVar

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.base import utcnow
from models.scheduler import SchedulerRun

T = TypeVar("T")

SKIPPED = None  # what `alone` and `once_per_period` answer when another copy holds the job
DEFAULT_LEASE = dt.timedelta(minutes=2)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory locks (per database: two databases never collide)."""
    return int.from_bytes(hashlib.sha256(f"forestall:{name}".encode()).digest()[:8], "big", signed=True)


def _ensure_row(session: Session, name: str) -> None:
    insert = postgresql_insert if _is_postgresql(session) else sqlite_insert
    session.execute(insert(SchedulerRun).values(name=name).on_conflict_do_nothing())


def _compare_and_set(session: Session, name: str, *conditions: ColumnElement[bool], **values) -> bool:
    result = session.execute(
        update(SchedulerRun)
        .where(SchedulerRun.name == name, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _take(session: Session, name: str, lease: dt.timedelta, now: dt.datetime, *conditions) -> str | None:
    """Claim the job's row (committed) unless another claimer's lease is still running; its token."""
    _ensure_row(session, name)
    token = uuid.uuid4().hex
    won = _compare_and_set(
        session,
        name,
        *conditions,
        or_(SchedulerRun.leased_until.is_(None), SchedulerRun.leased_until < now),
        holder=token,
        leased_until=now + lease,
    )
    session.commit()
    return token if won else None


def _release(session: Session, name: str, token: str, **values) -> None:
    session.rollback()  # whatever the work left open (it failed, or committed already)
    _compare_and_set(session, name, SchedulerRun.holder == token, holder=None, leased_until=None, **values)
    session.commit()


def alone(session: Session, name: str, work: Callable[[], T], lease: dt.timedelta = DEFAULT_LEASE) -> T | None:
    """Run `work` (one transaction, which it commits) unless another copy of the job is running; None then.

    PostgreSQL: the advisory lock belongs to the work's transaction, so `work` must commit once, at its
    end. SQLite: a lease on the job's row, released when the work returns or fails."""
    if _is_postgresql(session):
        if not session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name)))):
            session.rollback()
            return SKIPPED
        try:
            return work()
        finally:
            session.rollback()  # releases the lock if the work did not commit (it failed)
    token = _take(session, name, lease, utcnow())
    if token is None:
        return SKIPPED
    try:
        return work()
    finally:
        _release(session, name, token)


def once_per_period(
    session: Session, name: str, period: str, work: Callable[[], T], lease: dt.timedelta = dt.timedelta(minutes=30)
) -> T | None:
    """Run `work` once for `period` (e.g. a date): None when it is done already or another copy runs it.
    The work may commit as often as it likes; the period is marked done when it returns."""
    now = utcnow()
    token = _take(
        session, name, lease, now, or_(SchedulerRun.done_period.is_(None), SchedulerRun.done_period != period)
    )
    if token is None:
        return SKIPPED
    finished = False
    try:
        result = work()
        finished = True
        return result
    finally:
        if finished:
            _release(session, name, token, done_period=period, done_at=utcnow())
        else:
            _release(session, name, token)


def run_state(session: Session, name: str) -> SchedulerRun | None:
    return session.get(SchedulerRun, name, populate_existing=True)
