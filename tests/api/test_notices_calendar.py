"""Calendars: the secret per-user feed (tokens, revocation, whose deadlines) and the per-case download.
Every feed is parsed back with icalendar; UIDs are stable across fetches and SEQUENCE follows moves."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import urlsplit

from icalendar import Calendar
from sqlalchemy import select

from models.notices import CalendarToken
from service.config import load_settings
from tests.conftest import case_payload

HOST = urlsplit(load_settings().base_url).hostname  # UIDs are qualified by the installation's host


def feed(client, token: str):
    return client.get(f"/calendar/{token}.ics")


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def make_case_with_deadline(org, assignee: int | None, title: str, days: int = 20) -> tuple[dict, dict]:
    case = org.attorney.post("/api/v1/cases", json=case_payload(assigned_to=assignee)).get_json()
    due = (dt.date.today() + dt.timedelta(days=days)).isoformat()
    deadline = org.attorney.post(
        f"/api/v1/cases/{case['id']}/deadlines", json={"title": title, "due_on": due}
    ).get_json()
    return case, deadline


def test_any_role_gets_a_feed_url_and_the_feed_parses(org):
    case, deadline = make_case_with_deadline(org, org.viewer.user_id, "Answer due")
    response = org.viewer.post("/api/v1/me/calendar-token")
    assert response.status_code == 201
    body = response.get_json()
    assert body["url"].endswith(f"/calendar/{body['token']}.ics")
    first = feed(org.viewer.client, body["token"])
    assert first.status_code == 200 and first.content_type.startswith("text/calendar")
    parsed = events(first.data)
    event = parsed[f"deadline-{deadline['id']}@{HOST}"]
    assert event["DTSTART"].dt == dt.date.fromisoformat(deadline["due_on"])  # all-day
    assert event["DTEND"].dt == dt.date.fromisoformat(deadline["due_on"]) + dt.timedelta(days=1)
    assert int(event["SEQUENCE"]) == 0 and "Answer due" in str(event["SUMMARY"])
    assert "Maria Gonzalez" in str(event["SUMMARY"])
    description = str(event["DESCRIPTION"])
    assert "Rule: manual" in description and "Citation" in description and "Not legal advice" in description
    # At 09:00 a week before and the day before, not at midnight.
    assert sorted(a["TRIGGER"].dt for a in event.walk("VALARM")) == [
        dt.timedelta(days=-7, hours=9),
        dt.timedelta(days=-1, hours=9),
    ]
    second = feed(org.viewer.client, body["token"])
    assert second.data == first.data  # stable across fetches: same UIDs, same bytes


def test_a_moved_deadline_keeps_its_uid_and_bumps_its_sequence(org):
    _case, deadline = make_case_with_deadline(org, org.attorney.user_id, "Answer due")
    token = org.attorney.post("/api/v1/me/calendar-token").get_json()["token"]
    uid = f"deadline-{deadline['id']}@{HOST}"
    assert uid in events(feed(org.attorney.client, token).data)
    new_due = dt.date.today() + dt.timedelta(days=30)
    org.attorney.patch(f"/api/v1/deadlines/{deadline['id']}", json={"due_on": new_due.isoformat()})
    event = events(feed(org.attorney.client, token).data)[uid]
    assert int(event["SEQUENCE"]) == 1 and event["DTSTART"].dt == new_due
    org.attorney.patch(f"/api/v1/deadlines/{deadline['id']}", json={"status": "met"})
    assert uid not in events(feed(org.attorney.client, token).data)  # only open deadlines


def test_the_feed_shows_the_users_cases_the_same_as_their_reminders(org):
    """My cases: assigned to me, or unassigned and created by me; an admin's also every unassigned case."""
    _, mine = make_case_with_deadline(org, org.attorney.user_id, "Mine")
    _, theirs = make_case_with_deadline(org, org.counselor.user_id, "Theirs")
    _, nobodys = make_case_with_deadline(org, None, "Nobody's")  # created by the attorney, unassigned
    attorney = events(
        feed(org.attorney.client, org.attorney.post("/api/v1/me/calendar-token").get_json()["token"]).data
    )
    assert {f"deadline-{mine['id']}@{HOST}", f"deadline-{nobodys['id']}@{HOST}"} <= set(attorney)
    assert f"deadline-{theirs['id']}@{HOST}" not in attorney
    admin = events(feed(org.admin.client, org.admin.post("/api/v1/me/calendar-token").get_json()["token"]).data)
    assert f"deadline-{nobodys['id']}@{HOST}" in admin
    assert f"deadline-{mine['id']}@{HOST}" not in admin and f"deadline-{theirs['id']}@{HOST}" not in admin


def test_a_new_token_revokes_the_old_one_and_delete_revokes(org):
    first = org.attorney.post("/api/v1/me/calendar-token").get_json()["token"]
    second = org.attorney.post("/api/v1/me/calendar-token").get_json()["token"]
    gone = feed(org.attorney.client, first)
    assert gone.status_code == 404 and gone.content_type == "application/problem+json"
    assert feed(org.attorney.client, second).status_code == 200
    assert org.viewer.delete("/api/v1/me/calendar-token").status_code == 204  # a viewer may manage its own
    assert org.attorney.delete("/api/v1/me/calendar-token").status_code == 204
    assert feed(org.attorney.client, second).status_code == 404
    assert feed(org.attorney.client, "fsc_nonsense").status_code == 404


def test_tokens_are_stored_only_as_sha256(org, db_session):
    token = org.attorney.post("/api/v1/me/calendar-token").get_json()["token"]
    rows = db_session.scalars(select(CalendarToken).where(CalendarToken.user_id == org.attorney.user_id)).all()
    assert [r.token_sha256 for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]


def test_the_per_case_download(org, other_org):
    case, deadline = make_case_with_deadline(org, None, "Sale date")
    response = org.viewer.get(f"/api/v1/cases/{case['id']}/calendar.ics")
    assert response.status_code == 200 and response.content_type.startswith("text/calendar")
    assert list(events(response.data)) == [f"deadline-{deadline['id']}@{HOST}"]
    assert other_org.admin.get(f"/api/v1/cases/{case['id']}/calendar.ics").status_code == 404


def test_the_feed_needs_no_authorization_header_but_the_api_does(app, org):
    client = app.test_client()
    assert client.post("/api/v1/me/calendar-token").status_code == 401
    token = org.attorney.post("/api/v1/me/calendar-token").get_json()["token"]
    assert client.get(f"/calendar/{token}.ics").status_code == 200
