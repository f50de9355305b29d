"""Reminder notices: the outbox (claims, leases, retries, Message-IDs), SMTP, digests, the beat schedule and
the daily refresh. Time is driven with the scan's `now` parameter; e-mail goes to a recording mailer."""

from __future__ import annotations

import datetime as dt
import smtplib

from sqlalchemy import select, update

from models.notices import Digest, Notice
from service.config import load_settings
from service.notices import outbox, service
from tests.api.notices_support import (
    SETTINGS,
    RecordingMailer,
    add_deadline,
    after_eight_today,
    assigned_case,
    at_local,
    notices,
    reminders_to,
    run,
    today,
)


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
            session.execute(
                update(Notice).where(Notice.id.in_(ids)).values(state="pending", attempt_at=now, claim_token=None)
            )
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
        claimed = [
            c for c in outbox.claim(session, Notice, now, limit=1000) if c[0] in ours
        ]  # ... then the worker dies
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


def _next_review_day_a_year_on() -> dt.date:
    """The first Monday more than a year after every rule item was checked (November 2026)."""
    day = dt.date(2027, 11, 25)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def test_admins_get_the_weekly_rules_review_on_monday_even_with_digests_off(org, sessions):
    """Rule items of the organisation's states checked more than a year ago reach its admins once a week,
    in their Monday digest (sent through the digest outbox: once); other staff's digests do not carry it."""
    case = assigned_case(org)  # an Illinois case
    monday = _next_review_day_a_year_on()
    add_deadline(org, case["id"], monday + dt.timedelta(days=3), title="Upcoming thing")
    assert org.admin.put("/api/v1/me/notification-preferences", json={"daily_digest": False}).status_code == 200
    mailer = run(sessions, at_local(monday, 8, 5))
    to_admin = [m for m in mailer.sent if m["Subject"].startswith("Digest:") and m["To"] == org.admin.email]
    assert len(to_admin) == 1 and "rule items to review" in to_admin[0]["Subject"]
    text = to_admin[0].get_body(("plain",)).get_content()
    assert "RULES TO REVIEW" in text and "Illinois (IL)" in text and "checked 2026-11-2" in text
    assert "Upcoming thing" not in text  # daily digests off: the review only
    to_attorney = [m for m in mailer.sent if m["Subject"].startswith("Digest:") and m["To"] == org.attorney.email]
    assert len(to_attorney) == 1 and "RULES TO REVIEW" not in to_attorney[0].get_body(("plain",)).get_content()
    again = run(sessions, at_local(monday, 10, 5))
    assert not [m for m in again.sent if m["To"] == org.admin.email]  # sent once
    tuesday = run(sessions, at_local(monday + dt.timedelta(days=1), 8, 5))
    assert not [m for m in tuesday.sent if m["To"] == org.admin.email]  # weekly, not daily


def test_no_rules_review_while_the_rules_are_fresh(org, sessions):
    case = assigned_case(org)
    this_monday = dt.date(2026, 11, 30)  # a week after the rule items were checked
    add_deadline(org, case["id"], this_monday + dt.timedelta(days=2), title="Upcoming thing")
    mailer = run(sessions, at_local(this_monday, 8, 5))
    assert not [m for m in mailer.sent if m["To"] == org.admin.email]


# ---------------------------------------------------------------------------------------------- SMTP, beat


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
    controller = Controller(
        Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
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
        session.execute(
            update(Notice).where(Notice.case_id == case["id"], Notice.offset_days == 30).values(state="cancelled")
        )
        session.commit()
    assert refresh_deadlines() >= 1
    assert {n["state"] for n in notices(org, case["id"])} == {"pending"}


def test_the_digest_leaves_out_informational_marks_that_are_merely_past(org, sessions):
    """The servicer's early-intervention days are not the staff's overdue work (a bug seen in the demo)."""
    case = assigned_case(org)
    org.attorney.post(
        f"/api/v1/cases/{case['id']}/events",
        json={"type": "first_missed_payment", "occurred_on": (today() - dt.timedelta(days=60)).isoformat()},
    )
    add_deadline(org, case["id"], today() + dt.timedelta(days=3), title="Upcoming thing")
    tomorrow = at_local(today() + dt.timedelta(days=1), 8, 5)
    mailer = run(sessions, tomorrow)
    digests = [m for m in mailer.sent if m["Subject"].startswith("Digest:") and m["To"] == org.attorney.email]
    assert len(digests) == 1
    text = digests[0].get_body(("plain",)).get_content()
    assert "Upcoming thing" in text and "Early intervention" not in text
    assert digests[0]["Subject"].startswith("Digest: 0 overdue")
