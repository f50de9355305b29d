"""The client's SMS through real processes: `celery -A workers worker` subprocesses with SMS_URL pointing at a
local HTTP server playing Twilio, on a database of this module's own. Scans and deliveries sent twice (as a
redelivered broker message would be) send each message once; the provider down for several scans: retries,
then one message each."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.workers.private_backends import private_backends
from tests.api.test_client_messages_twilio import SID, FakeTwilio
from tests.api.client_messages_support import AUTH_TOKEN
from tests.workers.test_notices_workers import World

pytestmark = pytest.mark.slow

CHICAGO = ZoneInfo("America/Chicago")


class SmsWorld(World):
    def __init__(self, tmp: Path, database_url: str, broker_url: str, twilio: FakeTwilio):
        super().__init__(tmp, database_url, broker_url)
        self.twilio = twilio

    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            "SMS_URL": f"twilio://{SID}:{AUTH_TOKEN}@127.0.0.1:{self.twilio.port}?from=%2B15555550100",
        }


@pytest.fixture(scope="module")
def world(database_url, settings):
    from service.wiring import connect_signals

    connect_signals(settings)
    with private_backends("forestall-sms-workers-") as backends, FakeTwilio() as twilio:
        world = SmsWorld(backends.tmp, backends.database_url, backends.broker_url, twilio)
        _seed(world)
        try:
            world.start_worker("a")
            yield world
        finally:
            world.stop_all()


def _seed(world: SmsWorld) -> None:
    from models.client_messages import ClientMessageSettings
    from models.intake import Party
    from service.auth import Caller
    from service.cases.service import create_case
    from service.client_messages.consents import record_consent
    from service.orgs import create_org, create_user
    from sqlalchemy import select

    with world.sessions()() as session:
        org = create_org(session, "SMS org", f"s-{uuid.uuid4().hex[:6]}", "America/Chicago")
        attorney = create_user(session, org, f"attorney@{org.slug}.example", "attorney")
        session.add(ClientMessageSettings(org_id=org.id, phone="(312) 555-0100"))
        world.caller = Caller(
            user_id=attorney.id, org_id=org.id, role="attorney", email=attorney.email, timezone="America/Chicago"
        )
        world.phones = []
        world.case_ids = []
        for index in range(3):
            phone = f"+1708555{index:04d}"
            case = create_case(
                session,
                world.caller,
                {
                    "client": {"first_name": "Ana", "last_name": f"Diaz{index}", "phone": phone},
                    "property": {"street": "10 Elm St", "city": "Joliet", "state": "IL", "zip": "60431"},
                    "loan": {"servicer": "Example Servicing"},
                },
            )
            session.flush()
            party = session.scalars(select(Party).where(Party.case_id == case.id, Party.role == "client")).one()
            record_consent(session, world.caller, party, "sms", True, "written")
            world.phones.append(phone)
            world.case_ids.append(case.id)
        session.commit()


def add_hearing(world: SmsWorld, case_index: int, due_on: dt.date) -> None:
    from models import Case
    from service.deadlines.service import add_manual_deadline

    with world.sessions()() as session:
        case = session.get(Case, world.case_ids[case_index])
        add_manual_deadline(session, world.caller, case, {"title": "Hearing", "due_on": due_on, "binds": "court"})
        session.commit()


def ten_am(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 1), tzinfo=CHICAGO).astimezone(dt.timezone.utc)


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def sent_to(world: SmsWorld, phone: str) -> list[dict]:
    return [m for m in world.twilio.accepted if m["To"] == phone]


def test_duplicated_scans_and_deliveries_send_once(world):
    due = dt.date.today() + dt.timedelta(days=30)
    add_hearing(world, 0, due)
    moment = ten_am(due - dt.timedelta(days=7))
    for _ in range(2):
        world.send("client_messages.scan", moment)
        world.send("client_messages.deliver", moment)
    wait_for(lambda: len(sent_to(world, world.phones[0])) == 1)
    time.sleep(3)  # any duplicate would have arrived by now
    assert len(sent_to(world, world.phones[0])) == 1
    assert "(312) 555-0100" in sent_to(world, world.phones[0])[0]["Body"]


def test_provider_down_for_several_scans_then_one_each(world):
    due = dt.date.today() + dt.timedelta(days=40)
    add_hearing(world, 1, due)
    add_hearing(world, 2, due)
    world.twilio.failures = 4
    moment = ten_am(due - dt.timedelta(days=7))
    for minute in range(0, 12, 2):  # a scan every two minutes of the test's clock
        world.send("client_messages.scan", moment + dt.timedelta(minutes=minute))
        time.sleep(1.5)
    wait_for(lambda: all(len(sent_to(world, world.phones[i])) == 1 for i in (1, 2)))
    time.sleep(3)
    assert [len(sent_to(world, world.phones[i])) for i in (1, 2)] == [1, 1]
    assert world.twilio.failures == 0
