"""Two Celery beats and two workers, as real processes, for several scan periods (FORESTALL_SCAN_SECONDS=1):
every reminder and every digest reaches the SMTP server exactly once; a beat killed with SIGKILL costs
nothing, since the other beat keeps triggering the scans (no failover to wait for).

Unlike tests/workers/test_notices_workers.py, time is not driven through `now`: the beats send the scans,
so the notices are due at the wall clock's now (local hour 0, deadlines due today)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.workers.private_backends import private_backends
from tests.conftest import BACKEND
from tests.workers.test_notices_workers import CELERY, CHICAGO, ROOT, World, wait_for

pytestmark = pytest.mark.slow

SCAN_SECONDS = 1.0


class Beats(World):
    def __init__(self, *args):
        super().__init__(*args)
        self.beats: dict[str, subprocess.Popen] = {}

    def env(self) -> dict[str, str]:
        return {**super().env(), "FORESTALL_SCAN_SECONDS": str(SCAN_SECONDS)}

    def start_beat(self, name: str) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.beats[name] = subprocess.Popen(
            [str(CELERY), "-A", "workers", "beat", "-s", str(self.tmp / f"{name}-schedule"), "--loglevel=INFO"],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_beat(self, name: str) -> None:
        process = self.beats.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.beats):
            process = self.beats.pop(name)
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        super().stop_all()


@pytest.fixture()
def beats(database_url, settings):
    from service.wiring import connect_signals

    connect_signals(settings)
    with private_backends("forestall-beats-") as backends:
        world = Beats(backends.tmp, backends.database_url, backends.broker_url)
        world.sink.start()
        try:
            yield world
        finally:
            world.stop_all()
            world.sink.stop()


def _seed_org(world: World, users: int, per_case: int) -> tuple:
    """An organisation whose reminders and digests go out at local hour 0, with `users` attorneys and one
    case each (assigned to them) with `per_case` deadlines due today, committed at once (the day's digests
    are planned by the organisation's first scan); answers (caller, case ids)."""
    from models.notices import OrgNotificationSettings
    from service.auth import Caller
    from service.cases.service import create_case
    from service.orgs import create_org, create_user

    with world.sessions()() as session:
        org = create_org(session, "Beats org", f"b-{uuid.uuid4().hex[:6]}", "America/Chicago")
        session.add(OrgNotificationSettings(org_id=org.id, grave_offsets=[0], informational_offsets=[0], local_hour=0))
        people = [create_user(session, org, f"attorney{n}@{org.slug}.example", "attorney") for n in range(users)]
        admin = create_user(session, org, f"admin@{org.slug}.example", "admin")
        caller = Caller(user_id=admin.id, org_id=org.id, role="admin", email=admin.email, timezone="America/Chicago")
        case_ids = []
        for person in people:
            case = create_case(
                session,
                caller,
                {
                    "client": {"first_name": "Ana", "last_name": "Diaz"},
                    "assigned_to": person.id,
                    "property": {"street": "10 Elm St", "city": "Joliet", "state": "IL", "zip": "60431"},
                    "loan": {"servicer": "Example Servicing"},
                },
            )
            case_ids.append(case.id)
        _add_deadlines(session, caller, case_ids, per_case)
        session.commit()
    return caller, case_ids


def _add_deadlines(session, caller, case_ids: list[int], per_case: int) -> None:
    """Deadlines due today: at local hour 0 their reminder (offset 0) is due at once."""
    from models import Case
    from service.deadlines.service import add_manual_deadline

    today = dt.datetime.now(CHICAGO).date()
    for case_id in case_ids:
        for n in range(per_case):
            add_manual_deadline(
                session,
                caller,
                session.get(Case, case_id),
                {"title": f"Deadline {uuid.uuid4().hex[:6]} {n}", "due_on": today},
            )


def _add(world: World, caller, case_ids: list[int], per_case: int) -> None:
    with world.sessions()() as session:
        _add_deadlines(session, caller, case_ids, per_case)
        session.commit()


def _rows(world: World) -> dict[str, Counter]:
    from models.notices import Digest, Notice

    with world.sessions()() as session:
        return {
            model.__name__: Counter(
                dict(session.execute(select(model.state, func.count()).group_by(model.state)).all())
            )
            for model in (Notice, Digest)
        }


def _sent_ids(world: World) -> set[str]:
    from models.notices import Digest, Notice

    with world.sessions()() as session:
        return {
            m
            for model in (Notice, Digest)
            for m in session.scalars(select(model.message_id).where(model.state == "sent"))
        }


def _all_sent(world: World, notices: int, digests: int) -> bool:
    rows = _rows(world)
    return (
        rows["Notice"]["sent"] >= notices
        and rows["Digest"]["sent"] >= digests
        and not rows["Notice"]["pending"]
        and not rows["Notice"]["sending"]
    )


def test_two_beats_and_two_workers_send_each_reminder_and_digest_once_and_survive_a_killed_beat(beats):
    world = beats
    caller, case_ids = _seed_org(world, users=4, per_case=3)  # 12 reminders, 4 digests (the admin has no
    world.start_worker("a")  # case of their own: no digest)
    world.start_worker("b")
    world.start_beat("beat-a")
    world.start_beat("beat-b")
    wait_for(lambda: _all_sent(world, 12, 4), timeout=90, what="the first reminders and digests")

    # Several scan periods with both beats, new work arriving in between (a second organisation's digests
    # come with its first scan).
    caller2, case_ids2 = _seed_org(world, users=2, per_case=1)
    for _ in range(4):
        _add(world, caller, case_ids, per_case=1)
        _add(world, caller2, case_ids2, per_case=1)
        time.sleep(3 * SCAN_SECONDS)
    wait_for(lambda: _all_sent(world, 12 + 2 + 4 * 6, 6), timeout=60, what="the reminders of several scan periods")

    # One beat killed outright: the next batch goes out as fast as before.
    world.kill_beat("beat-a")
    killed = time.monotonic()
    _add(world, caller, case_ids, per_case=2)
    wait_for(lambda: _all_sent(world, 12 + 2 + 4 * 6 + 8, 6), timeout=60, what="the reminders after a beat was killed")
    recovery = time.monotonic() - killed
    total = 46
    if BACKEND == "postgresql":  # every connection of the database terminated: the workers carry on
        from tests.conftest import terminate_backends

        terminate_backends(database=world.database_url.rsplit("/", 1)[1])
        _add(world, caller, case_ids, per_case=1)
        total += 4
        wait_for(lambda: _all_sent(world, total, 6), timeout=60, what="the reminders after the connections died")
    time.sleep(4 * SCAN_SECONDS)  # more scans by the surviving beat find nothing more to send

    rows = _rows(world)
    assert rows["Notice"] == Counter({"sent": total}) and rows["Digest"] == Counter({"sent": 6}), rows
    received = Counter(world.sink.message_ids)
    assert set(received) == _sent_ids(world) and set(received.values()) == {1}, received.most_common(3)
    assert recovery < 20, recovery
    logs = [
        line
        for name in ("a", "b")
        for line in (world.tmp / f"{name}.log").read_text().splitlines()
        if "notices.scan[" in line and "succeeded in" in line
    ]
    skipped = sum(line.rstrip().endswith(": None") for line in logs)
    print(
        f"\n{total} reminders and 6 digests, each received once; {len(logs)} scans, {skipped} skipped (the "
        f"other copy was running); "
        f"after SIGKILL of one beat, the next batch was sent in {recovery:.1f} s (scan period {SCAN_SECONDS} s)"
    )
