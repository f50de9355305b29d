"""The Twilio implementation against a local HTTP server playing Twilio's Messages API: sends (basic auth,
form fields, status callback URL), status callbacks delivered and failed, the provider down for several
scans (retries with backoff, exactly one message in the end), a refusal (failed, not retried), and an SMS
the provider took while its answer was lost or its worker died: found in the provider's list, not re-sent."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import threading
import uuid
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from service.client_messages import outbox
from tests.api.client_messages_support import (
    AUTH_TOKEN,
    RecordingMailer,
    at_local,
    client_case,
    consent,
    hearing,
    messages,
    signed_post,
)
from tests.api.test_client_messages import today

SID = "AC0123456789abcdef"


class FakeTwilio:
    """Answers POST /2010-04-01/Accounts/{sid}/Messages.json; `failures` answers that many 503s first;
    `refuse` answers 400 (an invalid number); `lost_answers` takes that many messages but answers 503 (the
    answer lost on the way). GET on the same path lists the messages taken, newest first (To, From)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        self.lookups: list[dict] = []
        self.failures = 0
        self.refuse = False
        self.lost_answers = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # noqa: ANN002 - quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server's API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {k: v[-1] for k, v in parse_qs(body).items()}
                expected = "Basic " + base64.b64encode(f"{SID}:{AUTH_TOKEN}".encode()).decode()
                fake.requests.append({"path": self.path, "form": form, "auth": self.headers.get("Authorization")})
                if (
                    self.headers.get("Authorization") != expected
                    or self.path != f"/2010-04-01/Accounts/{SID}/Messages.json"
                ):
                    return self._answer(401, {"code": 20003, "message": "Authenticate"})
                if fake.failures > 0:
                    fake.failures -= 1
                    return self._answer(503, {"message": "Service Unavailable"})
                if fake.refuse:
                    return self._answer(400, {"code": 21211, "message": "The 'To' number is not a valid phone number."})
                sid = f"SM{uuid.uuid4().hex}"
                fake.accepted.append({**form, "sid": sid, "created": dt.datetime.now(dt.timezone.utc)})
                if fake.lost_answers > 0:
                    fake.lost_answers -= 1
                    return self._answer(503, {"message": "Service Unavailable"})
                return self._answer(201, {"sid": sid, "status": "queued"})

            def do_GET(self):  # noqa: N802 - http.server's API
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                fake.lookups.append(query)
                expected = "Basic " + base64.b64encode(f"{SID}:{AUTH_TOKEN}".encode()).decode()
                if (
                    self.headers.get("Authorization") != expected
                    or url.path != f"/2010-04-01/Accounts/{SID}/Messages.json"
                ):
                    return self._answer(401, {"code": 20003, "message": "Authenticate"})
                taken = [
                    {
                        "sid": m["sid"],
                        "to": m["To"],
                        "from": m["From"],
                        "body": m["Body"],
                        "date_created": format_datetime(m["created"]),
                    }
                    for m in reversed(fake.accepted)
                    if m["To"] == query.get("To") and m["From"] == query.get("From")
                ]
                return self._answer(200, {"messages": taken[: int(query.get("PageSize", 50))]})

            def _answer(self, status: int, document: dict) -> None:
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeTwilio":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture()
def twilio(app, monkeypatch):
    with FakeTwilio() as fake:
        configured = dataclasses.replace(
            app.config["FORESTALL"], sms_url=f"twilio://{SID}:{AUTH_TOKEN}@127.0.0.1:{fake.port}?from=%2B15555550100"
        )
        monkeypatch.setitem(app.config, "FORESTALL", configured)
        fake.settings = configured
        yield fake


def deliver(sessions, settings, now):
    return outbox.deliver_due(sessions, settings, now, mailer=RecordingMailer())


def _sms_case(org, due):
    case, client = client_case(org)
    hearing(org, case["id"], due)
    consent(org, case["id"], client["id"], "sms", True, "written")
    first = min((r for r in messages(org, case["id"]) if r["channel"] == "sms"), key=lambda r: r["send_at"])
    return case, client, first


def _mine(fake: FakeTwilio, phone: str, accepted: bool = False) -> list[dict]:
    rows = fake.accepted if accepted else [r["form"] for r in fake.requests]
    return [r for r in rows if r.get("To") == phone]


def test_send_and_status_callbacks(org, app, sessions, twilio):
    due = today() + dt.timedelta(days=20)
    case, client, first = _sms_case(org, due)
    deliver(sessions, twilio.settings, at_local(due - dt.timedelta(days=7), 10, 1))
    [sent] = _mine(twilio, client["phone"], accepted=True)
    assert sent["From"] == "+15555550100" and sent["Body"] == first["body"]
    assert sent["StatusCallback"] == twilio.settings.base_url.rstrip("/") + "/webhooks/sms/status"
    row = next(r for r in messages(org, case["id"]) if r["id"] == first["id"])
    assert row["state"] == "sent"
    browser = app.test_client()
    callback = {"MessageSid": sent["sid"], "MessageStatus": "delivered", "AccountSid": SID, "To": client["phone"]}
    forged = signed_post(browser, "/webhooks/sms/status", callback, token="wrong")
    assert forged.status_code == 403
    assert next(r for r in messages(org, case["id"]) if r["id"] == first["id"])["state"] == "sent"
    assert signed_post(browser, "/webhooks/sms/status", callback).status_code == 200
    row = next(r for r in messages(org, case["id"]) if r["id"] == first["id"])
    assert row["state"] == "delivered" and row["delivered_at"]

    # The 1-day reminder: the carrier gives up.
    deliver(sessions, twilio.settings, at_local(due - dt.timedelta(days=1), 10, 1))
    second = _mine(twilio, client["phone"], accepted=True)[-1]
    assert second["sid"] != sent["sid"]
    signed_post(
        browser,
        "/webhooks/sms/status",
        {"MessageSid": second["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )
    failed = [r for r in messages(org, case["id"]) if r["state"] == "failed"]
    assert len(failed) == 1 and "30003" in failed[0]["error"]


def test_provider_down_for_several_scans_retries_then_sends_once(org, sessions, twilio):
    due = today() + dt.timedelta(days=20)
    case, client, first = _sms_case(org, due)
    twilio.failures = 3
    moment = at_local(due - dt.timedelta(days=7), 10, 1)
    for _scan in range(8):  # every minute for a while, then a few minutes apart (the backoff)
        deliver(sessions, twilio.settings, moment)
        moment += dt.timedelta(minutes=2)
    assert len(_mine(twilio, client["phone"])) == 4  # three 503s, then one accepted
    assert len(_mine(twilio, client["phone"], accepted=True)) == 1  # never doubled
    row = next(r for r in messages(org, case["id"]) if r["id"] == first["id"])
    assert row["state"] == "sent" and row["attempts"] == 4


def test_provider_unreachable_then_back(org, sessions, twilio):
    due = today() + dt.timedelta(days=20)
    case, client, first = _sms_case(org, due)
    moment = at_local(due - dt.timedelta(days=7), 10, 1)
    down = dataclasses.replace(twilio.settings, sms_url=f"twilio://{SID}:{AUTH_TOKEN}@127.0.0.1:9?from=%2B15555550100")
    deliver(sessions, down, moment)  # connection refused
    row = next(r for r in messages(org, case["id"]) if r["id"] == first["id"])
    assert row["state"] == "planned" and "Error" in row["error"]
    deliver(sessions, twilio.settings, moment + dt.timedelta(minutes=1))
    assert len(_mine(twilio, client["phone"], accepted=True)) == 1
    deliver(sessions, twilio.settings, moment + dt.timedelta(minutes=5))
    assert len(_mine(twilio, client["phone"], accepted=True)) == 1


def test_a_refused_number_fails_without_retrying(org, sessions, twilio):
    due = today() + dt.timedelta(days=20)
    case, client, first = _sms_case(org, due)
    twilio.refuse = True
    moment = at_local(due - dt.timedelta(days=7), 10, 1)
    deliver(sessions, twilio.settings, moment)
    deliver(sessions, twilio.settings, moment + dt.timedelta(minutes=10))
    assert len(_mine(twilio, client["phone"])) == 1
    row = next(r for r in messages(org, case["id"]) if r["id"] == first["id"])
    assert row["state"] == "failed" and "21211" in row["error"]


def _stored(sessions, message_id: int):  # noqa: ANN001
    from models.client_messages import ClientMessage

    with sessions() as session:
        return session.get(ClientMessage, message_id)


class WorkerDied(BaseException):
    """The process ending mid-send (not an Exception: nothing in the outbox catches it)."""


class DiesAfterSending:
    """Hands the SMS to the provider, then the worker dies before recording it."""

    def __init__(self, provider, before: bool = False):  # noqa: ANN001
        self.provider, self.before = provider, before

    def send(self, *args) -> str:  # noqa: ANN002
        if self.before:
            raise WorkerDied
        self.provider.send(*args)
        raise WorkerDied

    def find_sent(self, *args) -> str | None:  # noqa: ANN002
        return self.provider.find_sent(*args)


def test_an_sms_taken_while_its_answer_was_lost_is_found_not_sent_again(org, sessions, twilio):
    due = today() + dt.timedelta(days=20)
    case, client, first = _sms_case(org, due)
    twilio.lost_answers = 1
    moment = at_local(due - dt.timedelta(days=7), 10, 1)
    deliver(sessions, twilio.settings, moment)
    row = next(r for r in messages(org, case["id"]) if r["id"] == first["id"])
    assert row["state"] == "planned" and "503" in row["error"]  # as far as we know, it failed
    for minutes in (1, 5, 10):
        deliver(sessions, twilio.settings, moment + dt.timedelta(minutes=minutes))
    [taken] = _mine(twilio, client["phone"], accepted=True)
    assert len(twilio.lookups) == 1 and twilio.lookups[0]["To"] == client["phone"]
    row = _stored(sessions, first["id"])
    assert (row.state, row.provider_id, row.send_started_at) == ("sent", taken["sid"], None)


@pytest.mark.parametrize("before", [False, True], ids=["after the provider took it", "before"])
def test_a_worker_dying_mid_send_leaves_exactly_one_sms(org, sessions, twilio, before):
    from service.client_messages import sms

    due = today() + dt.timedelta(days=20)
    case, client, first = _sms_case(org, due)
    moment = at_local(due - dt.timedelta(days=7), 10, 1)
    dying = DiesAfterSending(sms.provider(twilio.settings), before=before)
    with pytest.raises(WorkerDied):
        outbox.deliver_due(sessions, twilio.settings, moment, mailer=RecordingMailer(), texter=dying)
    held = _stored(sessions, first["id"])
    assert held.state == "sending" and held.send_started_at is not None  # until its lease ends
    deliver(sessions, twilio.settings, moment + dt.timedelta(minutes=1))  # the lease holds: nothing happens
    assert len(twilio.lookups) == 0
    # Another worker once the lease has ended, and the hour's SMS slot the dead attempt took has passed.
    for minutes in (3, 61, 65, 70):
        deliver(sessions, twilio.settings, moment + dt.timedelta(minutes=minutes))
    [taken] = _mine(twilio, client["phone"], accepted=True)
    assert len(twilio.lookups) == 1  # asked once, before sending again
    row = _stored(sessions, first["id"])
    assert (row.state, row.provider_id, row.send_started_at) == ("sent", taken["sid"], None)
