"""What the client-message tests share: recording mailer and texter, a case whose client has a phone of
its own (STOP revokes by phone number, across cases), consents, and run(): one scan and one delivery."""

from __future__ import annotations

import datetime as dt
import random
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from service.client_messages import outbox, service
from service.client_messages.rules import twilio_signature
from service.config import load_settings
from tests.conftest import case_payload

SETTINGS = load_settings()
CHICAGO = ZoneInfo("America/Chicago")  # the org fixture's time zone, and Illinois'
AUTH_TOKEN = "test-auth-token"
ORG_PHONE = "(312) 555-0142"


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    def close(self) -> None:
        pass

    def for_ids(self, ids: set[int]) -> list[EmailMessage]:
        return [m for m in self.sent if int(m["X-Forestall-Client-Message"].rsplit("-", 1)[1]) in ids]


class RecordingTexter:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, body: str, reference: str, status_callback: str) -> str:
        self.sent.append((to, body, reference))
        return f"SM{len(self.sent)}{random.randrange(10**12):012d}"

    def for_ids(self, ids: set[int]) -> list[tuple[str, str, str]]:
        return [s for s in self.sent if int(s[2].rsplit("-", 1)[1]) in ids]


def unique_phone() -> str:
    return f"+1708{random.randrange(2000000, 9999999)}"


def client_case(org, language: str | None = None, **overrides) -> tuple[dict, dict]:
    """A case (property in Illinois) whose client has an e-mail address and a phone of their own; answers
    (case, client party)."""
    client = {
        "first_name": "Maria",
        "last_name": "Gonzalez",
        "email": f"maria.{random.randrange(10**9)}@example.com",
        "phone": unique_phone(),
    }
    if language:
        client["preferred_language"] = language
    if org.admin.get("/api/v1/client-message-settings").get_json()["phone"] is None:
        org.admin.put("/api/v1/client-message-settings", json={"topics": None, "phone": ORG_PHONE})
    response = org.attorney.post("/api/v1/cases", json=case_payload(client=client, **overrides))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    parties = org.attorney.get(f"/api/v1/cases/{case['id']}/parties").get_json()["items"]
    return case, next(p for p in parties if p["role"] == "client")


def consent(org, case_id: int, party_id: int, channel: str, given: bool = True, method: str = "written", **extra):
    response = org.attorney.post(
        f"/api/v1/cases/{case_id}/consents",
        json={"party_id": party_id, "channel": channel, "given": given, "method": method, **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def hearing(org, case_id: int, due_on: dt.date, binds: str = "court") -> dict:
    response = org.attorney.post(
        f"/api/v1/cases/{case_id}/deadlines",
        json={"title": "Hearing on the motion", "due_on": due_on.isoformat(), "binds": binds},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def messages(org, case_id: int, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in {"per_page": 100, **filters}.items())
    response = org.viewer.get(f"/api/v1/cases/{case_id}/client-messages?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def at_local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CHICAGO).astimezone(dt.timezone.utc)


def run(sessions, now: dt.datetime, mailer=None, texter=None, settings=SETTINGS):
    mailer = mailer or RecordingMailer()
    texter = texter or RecordingTexter()
    with sessions() as session:
        service.scan(session, settings, now)
    outbox.deliver_due(sessions, settings, now, mailer=mailer, texter=texter)
    return mailer, texter


def signed_post(
    client,
    path: str,
    form: dict[str, str],
    token: str = AUTH_TOKEN,
    base_url: str | None = None,
    signature: str | None = None,
):
    url = (base_url or SETTINGS.base_url).rstrip("/") + path
    header = signature if signature is not None else twilio_signature(token, url, form.items())
    return client.post(path, data=form, headers={"X-Twilio-Signature": header})
