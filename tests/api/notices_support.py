"""What the reminder-notice tests share: a recording mailer, the clock of the org fixture, a few API shortcuts,
and run(): one scan and one delivery at a given `now`."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from service.config import load_settings
from service.notices import outbox, service
from tests.conftest import case_payload

SETTINGS = load_settings()  # this test module's settings, built once (as an entry point does)

CHICAGO = ZoneInfo("America/Chicago")  # the org fixture's time zone


class RecordingMailer:
    """Collects messages; `fail_with` makes every send raise (transient or permanent SMTP errors)."""

    def __init__(self, fail_with: Exception | None = None):
        self.sent: list[EmailMessage] = []
        self.fail_with = fail_with

    def send(self, message: EmailMessage) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)

    def close(self) -> None:
        pass


def today() -> dt.date:
    return dt.datetime.now(CHICAGO).date()


def at_local(day: dt.date, hour: int = 8, minute: int = 1) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CHICAGO).astimezone(dt.timezone.utc)


def after_eight_today() -> dt.datetime:
    """Now, or 08:01 local today if that is later (escalations and digests go out at the local hour)."""
    return max(dt.datetime.now(dt.timezone.utc), at_local(today()))


def assigned_case(org, **overrides) -> dict:
    response = org.attorney.post("/api/v1/cases", json=case_payload(assigned_to=org.attorney.user_id, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_deadline(org, case_id: int, due_on: dt.date, **extra) -> dict:
    response = org.attorney.post(
        f"/api/v1/cases/{case_id}/deadlines", json={"title": "File the answer", "due_on": due_on.isoformat(), **extra}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def notices(org, case_id: int, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in {"per_page": 100, **filters}.items())
    response = org.viewer.get(f"/api/v1/cases/{case_id}/notices?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def run(sessions, now: dt.datetime, mailer=None) -> RecordingMailer:
    """One scan and one delivery round at `now`, as the beat job and a worker would do."""
    mailer = mailer or RecordingMailer()
    with sessions() as session:
        service.scan(session, SETTINGS, now)
    outbox.deliver_due(sessions, SETTINGS, now, mailer=mailer)
    return mailer


def reminders_to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if m["To"] == address and not m["Subject"].startswith("Digest:")]


def overdue_to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if m["To"] == address and m["Subject"].startswith("Overdue:")]
