"""Reminders through real processes: `celery -A workers worker` subprocesses, a real SMTP server on
loopback (aiosmtpd), and the suite's backend (SQLite + kombu's SQLAlchemy broker, or PostgreSQL + Redis).

The module runs against a database of its own (so the API tests' notices do not join in) and drives
time through the tasks' `now` argument: each test's notices fall due on their own day."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from sqlalchemy import func, select

from tests.conftest import BACKEND, TEST_QUEUE, free_port
from tests.workers.private_backends import private_backends

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
CHICAGO = ZoneInfo("America/Chicago")


class SmtpSink:
    """An SMTP server that records each message's Message-ID; `delay` slows every DATA down."""

    def __init__(self, port: int, delay: float = 0.0):
        self.port, self.delay = port, delay
        self.message_ids: list[str] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        self.message_ids.append(message["Message-ID"])
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        # Down means refused: until the port refuses, a worker's connection could still be accepted and then
        # wait out the SMTP timeout (20 s a message) for a greeting that never comes.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                return
            time.sleep(0.05)
        raise AssertionError(f"the SMTP sink's port {self.port} still accepts connections")


class World:
    """A database, a broker, an organisation with an attorney, SMTP, and worker processes."""

    def __init__(self, tmp: Path, database_url: str, broker_url: str):
        self.tmp, self.database_url, self.broker_url = tmp, database_url, broker_url
        self.sink = SmtpSink(free_port())
        self.workers: dict[str, subprocess.Popen] = {}
        self.sender = Celery("forestall-test", broker=broker_url)
        self.sender.conf.task_default_queue = TEST_QUEUE

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "SMTP_URL": f"smtp://127.0.0.1:{self.sink.port}",
            "FORESTALL_VAR": str(self.tmp / "var"),
        }

    def start_worker(self, name: str, concurrency: int = 2) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "workers",
                "worker",
                "-n",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
                "-c",
                str(concurrency),
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers[name] = process
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if b" ready." in (self.tmp / f"{name}.log").read_bytes().split(b"--- start ---")[-1]:
                return
            assert process.poll() is None, (self.tmp / f"{name}.log").read_text()[-3000:]
            time.sleep(0.1)
        raise AssertionError(f"worker {name} did not start: {(self.tmp / f'{name}.log').read_text()[-3000:]}")

    def kill_worker(self, name: str) -> None:
        """SIGKILL the whole worker (main process and pool children): no clean-up, no acks."""
        process = self.workers.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        with open(self.tmp / f"{name}.log", "ab") as log:
            log.write(b"\n--- start ---\n")

    def stop_all(self) -> None:
        for name in list(self.workers):
            process = self.workers.pop(name)
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def send(self, task: str, now: dt.datetime) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its own setting: point it here.
        saved = os.environ.get("CELERY_BROKER_URL")
        os.environ["CELERY_BROKER_URL"] = self.broker_url
        try:
            self.sender.send_task(task, kwargs={"now": now.isoformat()})
        finally:
            if saved is None:
                os.environ.pop("CELERY_BROKER_URL", None)
            else:
                os.environ["CELERY_BROKER_URL"] = saved

    def scan(self, now: dt.datetime) -> None:
        self.send("notices.scan", now)

    def deliver(self, now: dt.datetime) -> None:
        self.send("notices.deliver", now)

    def sessions(self):
        from service.db import session_factory

        return session_factory(self.database_url, across_orgs="the tests' set-up and checks")


@pytest.fixture(scope="module")
def world(database_url, settings):  # database_url: the suite's migrations have run (imports ready)
    from service.wiring import connect_signals

    # This process adds deadlines (add_batch) and must plan their reminders at once, as every entry point
    # does; without it the tests would depend on an earlier test having built the app.
    connect_signals(settings)
    with private_backends("forestall-workers-") as backends:
        world = World(backends.tmp, backends.database_url, backends.broker_url)
        _seed(world)
        world.sink.start()
        try:
            world.start_worker("a")
            yield world
        finally:
            world.stop_all()
            world.sink.stop()


def _seed(world: World) -> None:
    from models.notices import OrgNotificationSettings, UserNotificationPreference
    from service.auth import Caller
    from service.cases.service import create_case
    from service.orgs import create_org, create_user

    with world.sessions()() as session:
        org = create_org(session, "Workers org", f"w-{uuid.uuid4().hex[:6]}", "America/Chicago")
        admin = create_user(session, org, f"admin@{org.slug}.example", "admin")
        attorney = create_user(session, org, f"attorney@{org.slug}.example", "attorney")
        # One reminder per deadline (on the day, 08:00 Chicago) and no digests: the counts stay simple.
        session.add(OrgNotificationSettings(org_id=org.id, grave_offsets=[0], informational_offsets=[0]))
        for user in (admin, attorney):
            session.add(
                UserNotificationPreference(org_id=org.id, user_id=user.id, daily_digest=False, digest_only=False)
            )
        caller = Caller(
            user_id=attorney.id, org_id=org.id, role="attorney", email=attorney.email, timezone="America/Chicago"
        )
        world.caller = caller
        world.case_ids = []
        for _ in range(4):
            case = create_case(
                session,
                caller,
                {
                    "client": {"first_name": "Ana", "last_name": "Diaz"},
                    "assigned_to": attorney.id,
                    "property": {"street": "10 Elm St", "city": "Joliet", "state": "IL", "zip": "60431"},
                    "loan": {"servicer": "Example Servicing"},
                },
            )
            world.case_ids.append(case.id)
        session.commit()


def add_batch(world: World, case_index: int, count: int, due_on: dt.date) -> list[str]:
    """`count` deadlines due on `due_on` (one notice each); returns their notices' Message-IDs."""
    from models import Case
    from models.notices import Notice
    from service.deadlines.service import add_manual_deadline

    with world.sessions()() as session:
        case = session.get(Case, world.case_ids[case_index])
        for n in range(count):
            add_manual_deadline(session, world.caller, case, {"title": f"Deadline {n}", "due_on": due_on})
        session.commit()
        ids = session.scalars(
            select(Notice.message_id).where(
                Notice.case_id == case.id, Notice.due_on == due_on, Notice.state == "pending"
            )
        ).all()
    assert len(ids) == count
    return list(ids)


def states(world: World, due_on: dt.date) -> Counter:
    from models.notices import Notice

    with world.sessions()() as session:
        rows = session.execute(
            select(Notice.state, func.count()).where(Notice.due_on == due_on).group_by(Notice.state)
        ).all()
    return Counter({state: count for state, count in rows})


def attempts(world: World, due_on: dt.date) -> list[int]:
    from models.notices import Notice

    with world.sessions()() as session:
        return list(session.scalars(select(Notice.attempts).where(Notice.due_on == due_on)))


def wait_for(condition, timeout: float = 45.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def at_eight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 1), tzinfo=CHICAGO).astimezone(dt.timezone.utc)


TODAY = dt.datetime.now(CHICAGO).date()


def test_every_due_notice_is_delivered_exactly_once(world):
    due = TODAY + dt.timedelta(days=10)
    expected = add_batch(world, 0, 40, due)
    world.scan(at_eight(due))
    wait_for(lambda: states(world, due)["sent"] == 40, what="40 notices sent")
    received = Counter(m for m in world.sink.message_ids if m in set(expected))
    assert set(received) == set(expected) and set(received.values()) == {1}
    world.scan(at_eight(due) + dt.timedelta(minutes=1))  # a later scan finds nothing to send again
    time.sleep(2)
    assert Counter(m for m in world.sink.message_ids if m in set(expected)) == received


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_only_with_the_same_message_id(world):
    from service.notices.outbox import LEASE

    due = TODAY + dt.timedelta(days=20)
    expected = set(add_batch(world, 1, 60, due))
    world.sink.delay = 0.05
    try:
        world.scan(at_eight(due))
        wait_for(lambda: len([m for m in world.sink.message_ids if m in expected]) >= 10, what="the first sends")
        world.kill_worker("a")
        in_flight = states(world, due)["sending"]
        world.start_worker("a")
        # The dead worker's claims come back once their lease has run out (a scan after it).
        world.scan(at_eight(due) + LEASE + dt.timedelta(minutes=1))
        wait_for(lambda: states(world, due)["sent"] == 60, what="all 60 sent after the restart")
    finally:
        world.sink.delay = 0.0
    received = Counter(m for m in world.sink.message_ids if m in expected)
    assert set(received) == expected  # no loss
    duplicates = sum(count - 1 for count in received.values())
    # Only a notice the dead worker had claimed may go out twice, with its own Message-ID (the set above).
    assert duplicates <= max(in_flight, 0) + 2, (duplicates, in_flight)
    print(f"killed with {in_flight} notices in flight; {duplicates} re-sent with their own Message-ID")


def test_smtp_down_for_several_scans_then_everything_is_delivered_once(world):
    due = TODAY + dt.timedelta(days=30)
    expected = set(add_batch(world, 2, 20, due))
    world.sink.stop()
    try:
        start = at_eight(due)
        for scan_number in range(1, 4):  # three scans while SMTP refuses connections
            world.scan(start + dt.timedelta(minutes=6 * (scan_number - 1)))
            wait_for(
                lambda n=scan_number: min(attempts(world, due)) >= n and states(world, due)["sending"] == 0,
                timeout=90,  # a loaded machine: 20 refusals and their bookkeeping, after the scan is picked up
                what=f"attempt {scan_number} of every notice",
            )
        assert states(world, due) == Counter({"pending": 20})
    finally:
        world.sink.start()
    world.scan(start + dt.timedelta(minutes=18))  # backoff is capped at 5 minutes: all due again
    wait_for(lambda: states(world, due)["sent"] == 20, what="delivery once SMTP is back")
    received = Counter(m for m in world.sink.message_ids if m in expected)
    assert set(received) == expected and set(received.values()) == {1}


@pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent claimers need PostgreSQL (SQLite: one scanner)")
def test_two_workers_on_postgresql_never_send_the_same_notice_twice(world):
    due = TODAY + dt.timedelta(days=40)
    expected = set(add_batch(world, 3, 120, due))
    world.start_worker("b")
    now = at_eight(due)
    world.scan(now)
    for _ in range(6):  # more deliveries than needed, competing for the same rows
        world.deliver(now)
    wait_for(lambda: states(world, due)["sent"] == 120, what="120 sent by two workers")
    time.sleep(1)
    received = Counter(m for m in world.sink.message_ids if m in expected)
    assert set(received) == expected and set(received.values()) == {1}


def _stop_gracefully(world: World, name: str) -> float:
    """SIGTERM to the worker's main process (Celery's warm shutdown); seconds until it exited."""
    process = world.workers.pop(name)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(90)
    with open(world.tmp / f"{name}.log", "ab") as log:
        log.write(b"\n--- start ---\n")
    return time.monotonic() - started


def test_sigterm_to_a_worker_finishes_the_deliveries_in_progress_before_it_exits(world):
    due = TODAY + dt.timedelta(days=50)
    expected = set(add_batch(world, 0, 6, due))
    if "b" in world.workers:  # only this worker may be sending
        _stop_gracefully(world, "b")
    world.sink.delay = 0.5
    try:
        world.scan(at_eight(due))
        wait_for(lambda: any(m in expected for m in world.sink.message_ids), what="the first send")
        took = _stop_gracefully(world, "a")
        after_exit = states(world, due)
    finally:
        world.sink.delay = 0.0
        world.start_worker("a")
    # Nothing was left claimed and half-sent: the tasks in progress ran to their end before the exit.
    assert after_exit == Counter({"sent": 6}), after_exit
    received = Counter(m for m in world.sink.message_ids if m in expected)
    assert set(received) == expected and set(received.values()) == {1}
    print(f"\nwarm shutdown: the worker finished its deliveries and exited {took:.1f} s after SIGTERM")
