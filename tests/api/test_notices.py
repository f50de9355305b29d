"""Reminder notices: the plan (offsets, recipients, catch-up, escalation, cancellation) and preferences. Time is
driven with the scan's `now` parameter; e-mail goes to a recording mailer (real SMTP and real workers:
tests/workers/)."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest

from service.notices import planning, preferences, service
from tests.api.notices_support import (
    CHICAGO,
    SETTINGS,
    add_deadline,
    after_eight_today,
    assigned_case,
    at_local,
    notices,
    overdue_to,
    reminders_to,
    run,
    today,
)
from tests.conftest import case_payload


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
        assert (
            "Not legal advice" in part
            and f"/cases/{case['id']}" in part
            and "/api/v1/" not in part
            and "Citation" in part
        )


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
    overdue = [
        m for m in mailer.sent if m["Subject"].startswith("Overdue:") and m["To"].endswith(org.slug + ".example")
    ]
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
    days = [
        dt.date(2026, 3, 7),
        dt.date(2026, 3, 8),
        dt.date(2026, 3, 9),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 2),
    ]
    for day in days:
        local = preferences.local_send_at(day, 8, "America/Chicago").astimezone(CHICAGO)
        assert (local.date(), local.hour) == (day, 8)
    # An hour inside the spring gap still gives exactly one instant that day; a repeated one its first.
    gap = preferences.local_send_at(dt.date(2026, 3, 8), 2, "America/Chicago")
    assert gap.astimezone(CHICAGO).date() == dt.date(2026, 3, 8)
    repeated = preferences.local_send_at(dt.date(2026, 11, 1), 1, "America/Chicago")
    assert repeated == dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------------------------------- preferences


def test_my_preferences_change_the_plan(org):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    response = org.attorney.put("/api/v1/me/notification-preferences", json={"grave_offsets": [10, 2], "local_hour": 7})
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


@pytest.mark.parametrize(
    "body",
    [
        {"local_hour": 24},
        {"grave_offsets": []},
        {"grave_offsets": [-1]},
        {"grave_offsets": [400]},
        {"surprise": 1},
        {"digest_only": "maybe"},
    ],
)
def test_preferences_are_validated(org, body):
    response = org.attorney.put("/api/v1/me/notification-preferences", json=body)
    assert response.status_code == 422 and response.content_type == "application/problem+json"


def test_viewers_cannot_change_preferences(org):
    assert org.viewer.put("/api/v1/me/notification-preferences", json={}).status_code == 403


def test_another_organisations_case_notices_answer_404(org, other_org):
    case = assigned_case(org)
    add_deadline(org, case["id"], today() + dt.timedelta(days=40))
    assert other_org.admin.get(f"/api/v1/cases/{case['id']}/notices").status_code == 404
