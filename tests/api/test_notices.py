"""Reminder notices: the plan (offsets, recipients, catch-up, escalation, cancellation), the outbox
(claims, leases, retries, Message-IDs), digests and preferences. Time is driven with the scan's `now`
parameter; e-mail goes to a recording mailer (real SMTP and real workers: tests/workers/)."""
from __future__ import annotations

import datetime as dt
import smtplib
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from models.notices import Digest, Notice
from service.config import load_settings
from service.db import session_factory
from service.notices import outbox, planning, preferences, service
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


@pytest.fixture()
def sessions(database_url):
    return session_factory(database_url)


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
    response = org.attorney.post(f"/api/v1/cases/{case_id}/deadlines",
                                 json={"title": "File the answer", "due_on": due_on.isoformat(), **extra})
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


# ---------------------------------------------------------------------------------------------- plan

def test_a_grave_deadline_gets_six_reminders_at_eight_local(org):
    case = assigned_case(org)
    due = today() + dt.timedelta(days=40)
    deadline = add_deadline(org, case["id"], due)
    planned = notices(org, case["id"])
    assert sorted(n["offset_days"] for n in planned) == [0, 1, 3, 7, 14, 30]
    assert {n["recipient"] for n in planned} == {org.attorney.email}
    assert {n["state"] for n in planned} == {"pending"} and {n["kind"] for n in planned} == {"reminder"}
    for notice in planned:
        local = dt.datetime.fromisoformat(notice["send_at"]).astimezone(CHICAGO)
        assert (local.hour, local.minute) == (8, 0)
        assert local.date() == due - dt.timedelta(days=notice["offset_days"])
        assert notice["deadline_id"] == deadline["id"] and notice["message_id"].startswith("<")
    assert len({n["message_id"] for n in planned}) == 6


def test_an_informational_deadline_gets_fewer(org):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=40), kind="servicer_response_due")
    assert sorted(n["offset_days"] for n in notices(org, case["id"])) == [0, 1, 7]


def test_unassigned_case_goes_to_creator_and_admins_one_copy_each_never_the_client(org):
    by_attorney = org.attorney.post("/api/v1/cases", json=case_payload()).get_json()
    add_deadline(org, by_attorney["id"], today() + dt.timedelta(days=40))
    recipients = {n["recipient"] for n in notices(org, by_attorney["id"])}
    assert recipients == {org.attorney.email, org.admin.email}
    by_admin = org.admin.post("/api/v1/cases", json=case_payload()).get_json()
    add_deadline(org, by_admin["id"], today() + dt.timedelta(days=40))
    planned = notices(org, by_admin["id"])
    assert {n["recipient"] for n in planned} == {org.admin.email} and len(planned) == 6  # the creator-admin: one
    assert all("maria@example.com" != n["recipient"] for n in planned)


def test_every_offset_is_sent_once_when_scans_run_on_time(org, sessions):
    case = assigned_case(org)
    due = today() + dt.timedelta(days=40)
    add_deadline(org, case["id"], due)
    sent: list[EmailMessage] = []
    for offset in (30, 14, 7, 3, 1, 0):
        moment = at_local(due - dt.timedelta(days=offset))
        sent += reminders_to(run(sessions, moment).sent, org.attorney.email)
        sent += reminders_to(run(sessions, moment + dt.timedelta(minutes=1)).sent, org.attorney.email)  # nothing new
    assert len(sent) == 6 and len({m["Message-ID"] for m in sent}) == 6
    assert {n["state"] for n in notices(org, case["id"])} == {"sent"}
    message = sent[-1]
    assert message["Subject"].startswith("Reminder: File the answer") and "Maria Gonzalez" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Maria Gonzalez" in part and "File the answer" in part and due.isoformat() in part
        assert "Not legal advice" in part and f"/cases/{case['id']}" in part and "/api/v1/" not in part and "Citation" in part


def test_a_scheduler_that_was_down_sends_only_the_latest_missed_offset(org, sessions):
    case = assigned_case(org)
    due = today() + dt.timedelta(days=40)
    add_deadline(org, case["id"], due)
    mailer = run(sessions, at_local(due - dt.timedelta(days=2)))  # down since before the 30-day reminder
    sent = reminders_to(mailer.sent, org.attorney.email)
    assert len(sent) == 1 and "in 2 days" in sent[0].get_body(("plain",)).get_content()
    states = {n["offset_days"]: n["state"] for n in notices(org, case["id"])}
    assert states == {30: "skipped", 14: "skipped", 7: "skipped", 3: "sent", 1: "pending", 0: "pending"}


def test_a_late_entered_case_gets_one_catch_up(org, sessions):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=5))
    planned = {n["offset_days"]: n for n in notices(org, case["id"])}
    assert sorted(planned) == [0, 1, 3, 7]  # 30 and 14 are not even planned; 7 is the catch-up
    mailer = run(sessions, dt.datetime.now(dt.timezone.utc))
    assert len(reminders_to(mailer.sent, org.attorney.email)) == 1
    assert len(reminders_to(run(sessions, dt.datetime.now(dt.timezone.utc)).sent, org.attorney.email)) == 0
    assert {n["offset_days"]: n["state"] for n in notices(org, case["id"])}[7] == "sent"


def test_a_past_deadline_gets_no_catch_up_but_the_daily_escalation_to_admins(org, sessions):
    case = assigned_case(org)
    past = add_deadline(org, case["id"], today() - dt.timedelta(days=2))
    planned = notices(org, case["id"])
    assert [n["kind"] for n in planned] == ["escalation"]
    assert planned[0]["recipient"] == org.admin.email and planned[0]["offset_days"] == -2
    mailer = run(sessions, after_eight_today())
    overdue = [m for m in mailer.sent if m["Subject"].startswith("Overdue:") and m["To"].endswith(org.slug + ".example")]
    assert len(overdue) == 1 and overdue[0]["To"] == org.admin.email and "Maria Gonzalez" in overdue[0]["Subject"]
    # The next day: one more, to the admins only; marking it met stops them.
    tomorrow = at_local(today() + dt.timedelta(days=1))
    assert len(overdue_to(run(sessions, tomorrow).sent, org.admin.email)) == 1
    org.attorney.patch(f"/api/v1/deadlines/{past['id']}", json={"status": "met"})
    assert not overdue_to(run(sessions, at_local(today() + dt.timedelta(days=2))).sent, org.admin.email)


def test_servicer_deadlines_are_not_escalated(org, sessions):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() - dt.timedelta(days=2), kind="servicer_response_due")
    assert notices(org, case["id"]) == []
    assert not overdue_to(run(sessions, at_local(today() + dt.timedelta(days=1))).sent, org.admin.email)


def test_a_met_deadline_cancels_its_pending_notices_and_reopening_restores_them(org):
    case = assigned_case(org)
    deadline = add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    org.attorney.patch(f"/api/v1/deadlines/{deadline['id']}", json={"status": "met"})
    cancelled = notices(org, case["id"])
    assert {n["state"] for n in cancelled} == {"cancelled"} and "met" in cancelled[0]["error"]
    org.attorney.patch(f"/api/v1/deadlines/{deadline['id']}", json={"status": "open"})
    again = notices(org, case["id"])
    assert {n["state"] for n in again} == {"pending"} and len(again) == 6
    assert {n["message_id"] for n in again} == {n["message_id"] for n in cancelled}  # the same rows


@pytest.mark.parametrize("status", ["waived", "tolled"])
def test_waived_or_tolled_cancels(org, status):
    case = assigned_case(org)
    deadline = add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    org.attorney.patch(f"/api/v1/deadlines/{deadline['id']}", json={"status": status})
    assert {n["state"] for n in notices(org, case["id"])} == {"cancelled"}


def test_a_deleted_deadline_cancels(org):
    case = assigned_case(org)
    deadline = add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    assert org.attorney.delete(f"/api/v1/deadlines/{deadline['id']}").status_code == 204
    assert {n["state"] for n in notices(org, case["id"])} == {"cancelled"}


def test_a_moved_deadline_gets_a_new_plan(org):
    case = assigned_case(org)
    deadline = add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    new_due = today() + dt.timedelta(days=50)
    org.attorney.patch(f"/api/v1/deadlines/{deadline['id']}", json={"due_on": new_due.isoformat()})
    rows = notices(org, case["id"])
    old = [n for n in rows if n["deadline_sequence"] == 0]
    new = [n for n in rows if n["deadline_sequence"] == 1]
    assert {n["state"] for n in old} == {"cancelled"} and len(old) == 6
    assert {n["state"] for n in new} == {"pending"} and len(new) == 6
    assert {n["due_on"] for n in new} == {new_due.isoformat()}


def test_a_deleted_case_is_not_reminded(org, sessions):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=5))
    org.attorney.delete(f"/api/v1/cases/{case['id']}")
    assert not reminders_to(run(sessions, dt.datetime.now(dt.timezone.utc)).sent, org.attorney.email)


def test_the_scan_plans_what_the_signal_did_not_reach(org, sessions, database_url):
    """A deadline written while the planner was not connected to deadlines_changed is planned by the scan."""
    from service.signals import deadlines_changed

    case = assigned_case(org)
    with deadlines_changed.muted():
        add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    assert notices(org, case["id"]) == []
    with sessions() as session:
        service.scan(session, SETTINGS, dt.datetime.now(dt.timezone.utc))
    assert len(notices(org, case["id"])) == 6


def test_planning_twice_changes_nothing(org, sessions):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=5))
    before = notices(org, case["id"])
    with sessions() as session:
        from models import Case
        for _ in range(3):
            planning.plan_case(session, session.get(Case, case["id"]), SETTINGS)
        session.commit()
    assert notices(org, case["id"]) == before


def test_local_hour_follows_daylight_saving_without_skip_or_double():
    # America/Chicago: spring forward 2026-03-08, fall back 2026-11-01.
    days = [dt.date(2026, 3, 7), dt.date(2026, 3, 8), dt.date(2026, 3, 9), dt.date(2026, 10, 31),
            dt.date(2026, 11, 1), dt.date(2026, 11, 2)]
    for day in days:
        local = preferences.local_send_at(day, 8, "America/Chicago").astimezone(CHICAGO)
        assert (local.date(), local.hour) == (day, 8)
    # An hour inside the spring gap still gives exactly one instant that day; a repeated one its first.
    gap = preferences.local_send_at(dt.date(2026, 3, 8), 2, "America/Chicago")
    assert gap.astimezone(CHICAGO).date() == dt.date(2026, 3, 8)
    repeated = preferences.local_send_at(dt.date(2026, 11, 1), 1, "America/Chicago")
    assert repeated == dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------------------------------- outbox

def test_claims_are_compare_and_set_and_the_naive_claim_doubles(org, sessions):
    """Two claimers that both saw the same due rows: the compare-and-set gives each row to one of them;
    the naive claim (the negative control) gives the same rows to both."""
    case = assigned_case(org)
    for offset in range(4):
        add_deadline(org, case["id"], today() + dt.timedelta(days=40 + offset))
    now = at_local(today() + dt.timedelta(days=60))
    for naive in (True, False):
        with sessions() as session:
            ids = list(session.scalars(select(Notice.id).where(Notice.case_id == case["id"])))
            session.execute(update(Notice).where(Notice.id.in_(ids)).values(state="pending", attempt_at=now,
                                                                             claim_token=None))
            session.commit()
        with sessions() as first, sessions() as second:
            # Both look before either claims (on PostgreSQL the second look skips the first's locked rows).
            seen_first = outbox.claim_candidates(first, Notice, now, 100, lock=not naive)
            seen_second = outbox.claim_candidates(second, Notice, now, 100, lock=False) if naive else seen_first
            won_first = outbox.take_claims(first, Notice, seen_first, now, naive=naive)
            won_second = outbox.take_claims(second, Notice, seen_second, now, naive=naive)
        both = {i for i, _ in won_first} & {i for i, _ in won_second}
        if naive:
            assert both, "the naive claim should hand the same rows to both claimers"
        else:
            assert not both and len(won_first) + len(won_second) == len(seen_first)


def test_a_dead_workers_claim_is_taken_over_after_the_lease_with_the_same_message_id(org, sessions):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=5))
    # After the local hour, whatever the wall clock says: the digest hour must not fall inside the test.
    now = after_eight_today()
    with sessions() as session:
        service.scan(session, SETTINGS, now)
        ours = {n["id"] for n in notices(org, case["id"])}
        claimed = [c for c in outbox.claim(session, Notice, now, limit=1000) if c[0] in ours]  # ... then the worker dies
    assert len(claimed) == 1
    # The lease still holds (other tests' notices and digests may go out meanwhile: look at this case's only).
    assert not reminders_to(run(sessions, now + dt.timedelta(seconds=30)).sent, org.attorney.email)
    mailer = run(sessions, now + outbox.LEASE + dt.timedelta(seconds=1))
    sent = reminders_to(mailer.sent, org.attorney.email)
    assert len(sent) == 1
    row = [n for n in notices(org, case["id"]) if n["state"] == "sent"][0]
    assert sent[0]["Message-ID"] == row["message_id"] and row["attempts"] == 2


def test_transient_errors_retry_with_capped_backoff_and_permanent_ones_fail_visibly(org, sessions):
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 6, 12)] == [30, 60, 120, 240, 300, 300, 300]
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=5))
    # A little ahead of the wall clock: the retry is counted from max(now, the clock), and a slow machine
    # must not move it.
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)
    down = RecordingMailer(ConnectionRefusedError(111, "Connection refused"))
    run(sessions, now, down)
    row = [n for n in notices(org, case["id"]) if n["attempts"]][0]
    assert row["state"] == "pending" and "Connection refused" in row["error"]
    retry_at = dt.datetime.fromisoformat(row["next_attempt_at"])
    assert dt.timedelta(seconds=29) <= retry_at - now <= dt.timedelta(seconds=31)
    refused = smtplib.SMTPRecipientsRefused({row["recipient"]: (550, b"5.1.1 mailbox unavailable")})
    run(sessions, now + dt.timedelta(minutes=1), RecordingMailer(refused))
    failed = [n for n in notices(org, case["id"]) if n["id"] == row["id"]][0]
    assert failed["state"] == "failed" and "mailbox unavailable" in failed["error"] and failed["attempts"] == 2
    assert notices(org, case["id"], state="failed")[0]["id"] == row["id"]


def test_without_smtp_url_mail_is_written_as_eml_files_named_by_message_id(org, sessions):
    from service.notices.mail import Mailer

    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=5))
    run(sessions, dt.datetime.now(dt.timezone.utc), Mailer(load_settings()))
    row = [n for n in notices(org, case["id"]) if n["state"] == "sent"][0]
    name = row["message_id"].strip("<>").replace("@", "_") + ".eml"
    path = load_settings().outbox_dir / name
    assert path.exists()
    text = path.read_text()
    assert "Subject: Reminder: File the answer" in text and "Maria Gonzalez" in text


# ---------------------------------------------------------------------------------------------- digests

def test_a_daily_digest_lists_overdue_first_and_digest_only_users_get_no_reminders(org, sessions):
    case = assigned_case(org)
    org.attorney.put("/api/v1/me/notification-preferences", json={"digest_only": True})
    add_deadline(org, case["id"], today() + dt.timedelta(days=3), title="Upcoming thing")
    add_deadline(org, case["id"], today() - dt.timedelta(days=1), title="Overdue thing")
    assert [n["kind"] for n in notices(org, case["id"])] == ["escalation"]  # to the admin; no reminders
    tomorrow = at_local(today() + dt.timedelta(days=1), 8, 5)
    mailer = run(sessions, tomorrow)
    digests = [m for m in mailer.sent if m["Subject"].startswith("Digest:") and m["To"] == org.attorney.email]
    assert len(digests) == 1
    text = digests[0].get_body(("plain",)).get_content()
    assert text.index("Overdue thing") < text.index("Upcoming thing") and "Not legal advice" in text
    assert not reminders_to(mailer.sent, org.attorney.email)
    assert not [m for m in run(sessions, tomorrow + dt.timedelta(hours=2)).sent if m["To"] == org.attorney.email]
    with sessions() as session:
        rows = session.scalars(select(Digest).where(Digest.user_id == org.attorney.user_id)).all()
        assert [r.state for r in rows if r.digest_on == today() + dt.timedelta(days=1)] == ["sent"]


# ---------------------------------------------------------------------------------------------- preferences

def test_my_preferences_change_the_plan(org):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    response = org.attorney.put("/api/v1/me/notification-preferences",
                                json={"grave_offsets": [10, 2], "local_hour": 7})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["effective"]["grave_offsets"] == [10, 2] and body["effective"]["local_hour"] == 7
    assert body["effective"]["informational_offsets"] == [7, 1, 0] and body["timezone"] == "America/Chicago"
    pending = notices(org, case["id"], state="pending")
    assert sorted(n["offset_days"] for n in pending) == [2, 10]
    assert {dt.datetime.fromisoformat(n["send_at"]).astimezone(CHICAGO).hour for n in pending} == {7}
    assert org.attorney.get("/api/v1/me/notification-preferences").get_json() == body


def test_organisation_preferences_are_admin_only_and_replan(org):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    assert org.attorney.put("/api/v1/notification-preferences", json={"local_hour": 9}).status_code == 403
    assert org.viewer.put("/api/v1/notification-preferences", json={"local_hour": 9}).status_code == 403
    assert org.viewer.get("/api/v1/notification-preferences").status_code == 200
    response = org.admin.put("/api/v1/notification-preferences", json={"grave_offsets": [5, 0], "local_hour": 9})
    assert response.status_code == 200 and response.get_json()["effective"]["local_hour"] == 9
    pending = notices(org, case["id"], state="pending")
    assert sorted(n["offset_days"] for n in pending) == [0, 5]
    assert org.attorney.get("/api/v1/me/notification-preferences").get_json()["effective"]["grave_offsets"] == [5, 0]


@pytest.mark.parametrize("body", [{"local_hour": 24}, {"grave_offsets": []}, {"grave_offsets": [-1]},
                                  {"grave_offsets": [400]}, {"surprise": 1}, {"digest_only": "maybe"}])
def test_preferences_are_validated(org, body):
    response = org.attorney.put("/api/v1/me/notification-preferences", json=body)
    assert response.status_code == 422 and response.content_type == "application/problem+json"


def test_viewers_cannot_change_preferences(org):
    assert org.viewer.put("/api/v1/me/notification-preferences", json={}).status_code == 403


def test_another_organisations_case_notices_answer_404(org, other_org):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    assert other_org.admin.get(f"/api/v1/cases/{case['id']}/notices").status_code == 404


def test_smtp_url_with_user_and_password_logs_in(org, sessions, monkeypatch):
    """smtp://user:pass@host:port: the Mailer authenticates (AUTH PLAIN/LOGIN) before sending."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from service.notices.mail import Mailer
    from tests.conftest import free_port

    logins: list[bytes] = []
    received: list[str] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append(envelope.mail_from)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append(auth_data.login)
        return AuthResult(success=auth_data.login == b"mailer" and auth_data.password == b"s3cret")

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        monkeypatch.setenv("SMTP_URL", f"smtp://mailer:s3cret@127.0.0.1:{port}")
        case = assigned_case(org)
        add_deadline(org, case["id"], today() + dt.timedelta(days=5))
        run(sessions, dt.datetime.now(dt.timezone.utc), Mailer(load_settings()))
    finally:
        controller.stop()
    assert logins == [b"mailer"] and len(received) >= 1
    assert [n["state"] for n in notices(org, case["id"]) if n["attempts"]] == ["sent"]


def test_beat_runs_the_scan_every_minute_and_the_daily_refresh():
    import workers.notices  # noqa: F401 - what `celery -A workers` loads through `include`
    from workers import app as celery_app

    schedule = celery_app.conf.beat_schedule
    assert schedule["notices-scan"]["task"] == "notices.scan" and schedule["notices-scan"]["schedule"] == 60.0
    assert schedule["deadlines-refresh"]["task"] == "notices.refresh_deadlines"
    assert {"notices.scan", "notices.deliver", "notices.refresh_deadlines"} <= set(celery_app.tasks.keys())


def test_the_daily_refresh_recomputes_and_replans(org, sessions):
    from workers.notices import refresh_deadlines

    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    with sessions() as session:  # as if planned by an older version: one notice lost its row's state
        session.execute(update(Notice).where(Notice.case_id == case["id"], Notice.offset_days == 30)
                        .values(state="cancelled"))
        session.commit()
    assert refresh_deadlines() >= 1
    assert {n["state"] for n in notices(org, case["id"])} == {"pending"}


def test_the_digest_leaves_out_informational_marks_that_are_merely_past(org, sessions):
    """The servicer's early-intervention days are not the staff's overdue work (a bug seen in the demo)."""
    case = assigned_case(org)
    org.attorney.post(f"/api/v1/cases/{case['id']}/events",
                      json={"type": "first_missed_payment", "occurred_on": (today() - dt.timedelta(days=60)).isoformat()})
    add_deadline(org, case["id"], today() + dt.timedelta(days=3), title="Upcoming thing")
    tomorrow = at_local(today() + dt.timedelta(days=1), 8, 5)
    mailer = run(sessions, tomorrow)
    digests = [m for m in mailer.sent if m["Subject"].startswith("Digest:") and m["To"] == org.attorney.email]
    assert len(digests) == 1
    text = digests[0].get_body(("plain",)).get_content()
    assert "Upcoming thing" in text and "Early intervention" not in text
    assert digests[0]["Subject"].startswith("Digest: 0 overdue")
