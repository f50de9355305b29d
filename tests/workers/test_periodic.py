"""Periodic jobs triggered twice (two Celery beats): service/periodic.py on the suite's backend.

`alone`: while one copy of a job runs, a second skips (PostgreSQL: an advisory transaction lock; SQLite:
a lease on the job's row). `once_per_period`: the daily refresh runs once per day however often it is
triggered, and again when a run failed."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from service import periodic


@pytest.fixture()
def sessions(database_url):
    from service.db import session_factory

    return session_factory(database_url, across_orgs="the tests' set-up and checks")


def _hold(sessions, name: str, function, *args):
    """Run function(session, name, ..., work) in a thread whose work waits until released."""
    entered, release, result = threading.Event(), threading.Event(), {}

    def work():
        entered.set()
        assert release.wait(20)
        return "first"

    def run():
        with sessions() as session:
            result["value"] = function(session, name, *args, work)

    thread = threading.Thread(target=run)
    thread.start()
    assert entered.wait(20)
    return release, thread, result


def test_a_second_copy_skips_while_the_first_runs_and_runs_after_it(sessions):
    name = f"test.alone.{uuid.uuid4().hex[:8]}"
    release, thread, result = _hold(sessions, name, periodic.alone)
    try:
        with sessions() as session:
            assert periodic.alone(session, name, lambda: "second") is None
    finally:
        release.set()
        thread.join(20)
    assert result["value"] == "first"
    with sessions() as session:
        assert periodic.alone(session, name, lambda: "third") == "third"  # one after the other: both run


def test_a_failed_run_releases_the_job(sessions):
    name = f"test.alone.{uuid.uuid4().hex[:8]}"

    def boom():
        raise RuntimeError("worker lost its database")

    with sessions() as session:
        with pytest.raises(RuntimeError):
            periodic.alone(session, name, boom)
        assert periodic.alone(session, name, lambda: "again") == "again"


def test_once_per_period_runs_once_however_often_it_is_triggered(sessions):
    name = f"test.daily.{uuid.uuid4().hex[:8]}"
    release, thread, result = _hold(sessions, name, periodic.once_per_period, "2026-11-27")
    try:
        with sessions() as session:  # a second beat's trigger while the first runs
            assert periodic.once_per_period(session, name, "2026-11-27", lambda: "second") is None
    finally:
        release.set()
        thread.join(20)
    assert result["value"] == "first"
    with sessions() as session:
        assert periodic.once_per_period(session, name, "2026-11-27", lambda: "late") is None  # done today
        assert periodic.run_state(session, name).done_period == "2026-11-27"
        assert periodic.once_per_period(session, name, "2026-11-28", lambda: "next day") == "next day"


def test_once_per_period_runs_again_after_a_failed_run(sessions):
    name = f"test.daily.{uuid.uuid4().hex[:8]}"
    with sessions() as session:
        with pytest.raises(RuntimeError):
            periodic.once_per_period(session, name, "2026-11-27", lambda: (_ for _ in ()).throw(RuntimeError()))
        assert periodic.run_state(session, name).done_period is None
        assert periodic.once_per_period(session, name, "2026-11-27", lambda: "retried") == "retried"


def test_a_dead_claimers_lease_runs_out(sessions, frozen_now):
    """SQLite's lease (and the daily jobs' on both backends): a worker killed mid-run blocks the job only
    until its lease ends."""
    import datetime as dt

    from models.scheduler import SchedulerRun

    name = f"test.daily.{uuid.uuid4().hex[:8]}"
    start = dt.datetime(2026, 11, 27, 10, 10, tzinfo=dt.timezone.utc)
    frozen_now(start)
    with sessions() as session:  # a claim whose holder died: the row says "running" until its lease ends
        session.add(SchedulerRun(name=name, holder="dead", leased_until=start + dt.timedelta(minutes=30)))
        session.commit()
        assert periodic.once_per_period(session, name, "2026-11-27", lambda: "blocked") is None
    frozen_now(start + dt.timedelta(minutes=31))
    with sessions() as session:
        assert periodic.once_per_period(session, name, "2026-11-27", lambda: "taken over") == "taken over"
        assert session.scalar(select(SchedulerRun.holder).where(SchedulerRun.name == name)) is None


def test_the_daily_refresh_task_triggered_twice_at_once_recomputes_once(database_url, monkeypatch):
    """Two beats fire notices.refresh_deadlines at 10:10 UTC: one recomputes, the other skips."""
    import workers.notices as tasks

    from models.scheduler import SchedulerRun

    calls: list[int] = []
    gate = threading.Barrier(2, timeout=20)

    def fake_refresh_all(session, today_for_org):
        calls.append(1)
        return 7

    monkeypatch.setattr(tasks, "refresh_all", fake_refresh_all)
    assert tasks.settings.database_url == database_url  # the suite's DATABASE_URL
    with tasks._sessions()() as session:  # today's run not done yet
        session.query(SchedulerRun).filter_by(name="notices.refresh_deadlines").delete()
        session.commit()
    results: list = []

    def trigger():
        gate.wait()
        results.append(tasks.refresh_deadlines.run())  # the task body, as a worker runs it

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results, key=str) == [7, None] and calls == [1]
    assert tasks.refresh_deadlines.run() is None  # a later trigger the same day finds it done
