"""The client's own messages through the API: consents (history, the latest decides, audited), planning
from deadlines (topics chosen per organisation, never the servicer's clocks), nothing sent without a current
consent (skipped_no_consent, visibly), quiet hours in the property's time zone (daylight saving), one SMS an
hour per client, the e-mail's signed single-use unsubscribe link, and the provider's signed webhooks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from sqlalchemy import select

from models.client_messages import Consent
from service.client_messages.rules import count_segments
from tests.api.client_messages_support import (
    AUTH_TOKEN,
    CHICAGO,
    at_local,
    client_case,
    consent,
    hearing,
    messages,
    run,
    signed_post,
)

UTC = dt.timezone.utc


def today() -> dt.date:
    return dt.datetime.now(CHICAGO).date()


# ----------------------------------------------------------------------------------------------------
# Consents


def test_consent_history_latest_decides_and_is_audited(org):
    case, client = client_case(org)
    first = consent(org, case["id"], client["id"], "sms", True, "verbal", recorded_at="2026-11-01T10:00:00")
    assert first["recorded_by"] == org.attorney.user_id and first["method"] == "verbal"
    assert first["recorded_at"].startswith("2026-11-01T16:00:00")  # 10:00 in the organisation's time zone
    consent(org, case["id"], client["id"], "sms", False, "written", recorded_at="2026-11-02T10:00:00-06:00")
    consent(org, case["id"], client["id"], "email", True, "written")
    history = org.viewer.get(f"/api/v1/cases/{case['id']}/consents").get_json()
    assert history["total"] == 3
    assert [(c["channel"], c["given"]) for c in history["items"]] == [("sms", True), ("sms", False), ("email", True)]
    audit = org.viewer.get(f"/api/v1/cases/{case['id']}/history?per_page=100").get_json()["items"]
    assert sum(1 for entry in audit if entry.get("entity_type") == "consent") == 3


def test_consent_validation_and_roles(org, other_org):
    case, client = client_case(org)
    parties = org.attorney.get(f"/api/v1/cases/{case['id']}/parties").get_json()["items"]
    servicer = next(p for p in parties if p["role"] == "servicer")
    other_case, other_client = client_case(other_org)
    url = f"/api/v1/cases/{case['id']}/consents"
    body = {"party_id": client["id"], "channel": "sms", "given": True, "method": "written"}
    assert org.viewer.post(url, json=body).status_code == 403
    for bad, field in [
        ({**body, "party_id": servicer["id"]}, "party_id"),
        ({**body, "party_id": other_client["id"]}, "party_id"),
        ({**body, "channel": "fax"}, "channel"),
        ({**body, "method": "telepathy"}, "method"),
        ({k: v for k, v in body.items() if k != "given"}, "given"),
        ({**body, "recorded_at": "2099-01-01T00:00:00Z"}, "recorded_at"),
        ({**body, "recorded_at": "0001-01-01T00:00:00"}, "recorded_at"),
    ]:
        response = org.attorney.post(url, json=bad)
        assert response.status_code == 422 and field in response.get_json()["errors"], (bad, response.get_json())
    assert org.viewer.get(url).get_json()["total"] == 0
    assert other_org.attorney.get(url).status_code == 404


# ----------------------------------------------------------------------------------------------------
# Planning


def test_a_hearing_plans_email_and_sms_for_the_client_at_ten_local(org):
    case, client = client_case(org)
    due = today() + dt.timedelta(days=20)
    hearing(org, case["id"], due)
    rows = messages(org, case["id"])
    assert {(r["channel"], r["party_id"]) for r in rows} == {("email", client["id"]), ("sms", client["id"])}
    assert len(rows) == 4 and all(r["state"] == "planned" and r["kind"] == "reminder" for r in rows)
    assert {dt.datetime.fromisoformat(r["send_at"]) for r in rows} == {
        at_local(due - dt.timedelta(days=7), 10),
        at_local(due - dt.timedelta(days=1), 10),
    }
    sms = next(r for r in rows if r["channel"] == "sms")
    assert "court hearing" in sms["body"] and str(due.year) in sms["body"] and "4000123456" not in sms["body"]
    assert count_segments(sms["body"]).count <= 2
    email = next(r for r in rows if r["channel"] == "email")
    assert email["to"] == client["email"] and email["subject"].startswith("Reminder: your court hearing")


def test_the_servicers_clocks_and_unchosen_topics_never_reach_the_client(org):
    case, _client = client_case(org)
    hearing(org, case["id"], today() + dt.timedelta(days=20), binds="servicer")
    hearing(org, case["id"], today() + dt.timedelta(days=20), binds="lender")
    assert messages(org, case["id"]) == []
    hearing(org, case["id"], today() + dt.timedelta(days=21))
    assert len(messages(org, case["id"], state="planned")) == 4
    # The organisation stops sending hearings: the planned messages are cancelled.
    assert org.attorney.put("/api/v1/client-message-settings", json={"topics": ["sale_date"]}).status_code == 403
    response = org.admin.put("/api/v1/client-message-settings", json={"topics": ["sale_date"], "phone": "312-555-0199"})
    assert response.status_code == 200 and response.get_json()["topics"] == ["sale_date"]
    assert {r["state"] for r in messages(org, case["id"])} == {"cancelled"}
    response = org.admin.put("/api/v1/client-message-settings", json={"topics": None, "phone": "312-555-0199"})
    rows = messages(org, case["id"], state="planned")
    assert len(rows) == 4 and all("312-555-0199" in r["body"] for r in rows)
    assert org.admin.put("/api/v1/client-message-settings", json={"topics": ["bogus"]}).status_code == 422


def test_spanish_for_a_client_who_prefers_it(org):
    case, _client = client_case(org, language="es")
    hearing(org, case["id"], dt.date(2031, 9, 30))
    rows = messages(org, case["id"])
    assert all(r["language"] == "es" for r in rows)
    sms = next(r for r in rows if r["channel"] == "sms")
    assert "audiencia" in sms["body"] and "septiembre" in sms["body"] and count_segments(sms["body"]).count <= 2


def test_a_moved_deadline_replans(org):
    case, _client = client_case(org)
    deadline = hearing(org, case["id"], today() + dt.timedelta(days=20))
    new_due = today() + dt.timedelta(days=30)
    assert (
        org.attorney.patch(f"/api/v1/deadlines/{deadline['id']}", json={"due_on": new_due.isoformat()}).status_code
        == 200
    )
    rows = messages(org, case["id"])
    assert sorted(r["state"] for r in rows) == ["cancelled"] * 4 + ["planned"] * 4
    assert {r["due_on"] for r in rows if r["state"] == "planned"} == {new_due.isoformat()}
    org.attorney.patch(f"/api/v1/deadlines/{deadline['id']}", json={"status": "met"})
    assert {r["state"] for r in messages(org, case["id"])} == {"cancelled"}


# ----------------------------------------------------------------------------------------------------
# Sending: consent, quiet hours, pace


def test_nothing_goes_without_a_current_consent(org, sessions):
    case, client = client_case(org)
    due = today() + dt.timedelta(days=20)
    hearing(org, case["id"], due)
    consent(org, case["id"], client["id"], "sms", True, "written")
    consent(org, case["id"], client["id"], "email", True, "verbal")
    consent(org, case["id"], client["id"], "email", False, "verbal")  # revoked: the latest decides
    ids = {r["id"] for r in messages(org, case["id"])}
    mailer, texter = run(sessions, at_local(due - dt.timedelta(days=7), 10, 1))
    assert mailer.for_ids(ids) == []
    sent = texter.for_ids(ids)
    assert len(sent) == 1 and sent[0][0] == client["phone"]
    rows = {
        r["channel"]: r
        for r in messages(org, case["id"])
        if r["send_at"] <= at_local(due - dt.timedelta(days=7), 10, 1).isoformat()
    }
    assert rows["sms"]["state"] == "sent" and rows["sms"]["sent_at"]
    assert rows["email"]["state"] == "skipped_no_consent" and "consent" in rows["email"]["error"]
    # Run again: nothing more (no double).
    mailer, texter = run(sessions, at_local(due - dt.timedelta(days=7), 10, 5))
    assert texter.for_ids(ids) == [] and mailer.for_ids(ids) == []


def test_a_deadline_entered_late_at_night_waits_for_eight_across_daylight_saving(org, sessions, frozen_now):
    # 22:30 on Saturday 2027-03-13 in Chicago; daylight saving starts that night (02:00 -> 03:00).
    frozen_now(dt.datetime(2027, 3, 13, 22, 30, tzinfo=CHICAGO).astimezone(UTC))
    case, client = client_case(org)
    hearing(org, case["id"], dt.date(2027, 3, 16))
    rows = messages(org, case["id"])
    catch_up = [r for r in rows if dt.datetime.fromisoformat(r["send_at"]) < dt.datetime(2027, 3, 15, tzinfo=UTC)]
    assert len(catch_up) == 2  # e-mail and SMS: the 7-day reminder, late
    assert {dt.datetime.fromisoformat(r["send_at"]) for r in catch_up} == {dt.datetime(2027, 3, 14, 13, 0, tzinfo=UTC)}
    assert dt.datetime(2027, 3, 14, 13, 0, tzinfo=UTC).astimezone(CHICAGO).hour == 8


def test_quiet_hours_hold_a_retry_that_falls_at_night(org, sessions):
    case, client = client_case(org)
    due = today() + dt.timedelta(days=20)
    hearing(org, case["id"], due)
    consent(org, case["id"], client["id"], "sms", True, "written")
    ids = {r["id"] for r in messages(org, case["id"]) if r["channel"] == "sms"}
    night = at_local(due - dt.timedelta(days=7), 23, 0)  # e.g. a scheduler down all day, back at 23:00
    _mailer, texter = run(sessions, night)
    assert texter.for_ids(ids) == []
    waiting = [r for r in messages(org, case["id"]) if r["id"] in ids and r["state"] == "planned"]
    assert waiting and "Quiet hours" in waiting[0]["error"]
    _mailer, texter = run(sessions, at_local(due - dt.timedelta(days=6), 8, 1))
    assert len(texter.for_ids(ids)) == 1


def test_at_most_one_sms_an_hour_per_client(org, sessions):
    case, client = client_case(org)
    due = today() + dt.timedelta(days=20)
    hearing(org, case["id"], due)
    hearing(org, case["id"], due)  # two hearings the same day: two texts due at the same minute
    consent(org, case["id"], client["id"], "sms", True, "written")
    ids = {r["id"] for r in messages(org, case["id"]) if r["channel"] == "sms"}
    ten = at_local(due - dt.timedelta(days=7), 10, 1)
    _m, texter = run(sessions, ten)
    assert len(texter.for_ids(ids)) == 1
    _m, texter = run(sessions, ten + dt.timedelta(minutes=30))
    assert texter.for_ids(ids) == []
    _m, texter = run(sessions, ten + dt.timedelta(hours=1, minutes=1))
    assert len(texter.for_ids(ids)) == 1


# ----------------------------------------------------------------------------------------------------
# The e-mail: Message-ID and the unsubscribe link


def test_the_email_unsubscribe_link_revokes_once_without_signing_in(org, sessions, app):
    case, client = client_case(org)
    due = today() + dt.timedelta(days=20)
    hearing(org, case["id"], due)
    consent(org, case["id"], client["id"], "email", True, "written")
    ids = {r["id"] for r in messages(org, case["id"]) if r["channel"] == "email"}
    mailer, _t = run(sessions, at_local(due - dt.timedelta(days=7), 10, 1))
    [message] = mailer.for_ids(ids)
    assert message["To"] == client["email"] and re.fullmatch(r"<[0-9a-f]{32}\.client@.+>", message["Message-ID"])
    text = message.get_content()
    assert "{unsubscribe}" not in text
    link = re.search(r"https?://\S+/client-messages/unsubscribe/\S+", text).group(0)
    assert message["List-Unsubscribe"] == f"<{link}>"
    path = "/" + link.split("/", 3)[3]
    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200 and b"Yes, stop the e-mails" in page.data
    assert browser.get(path + "x").status_code == 404  # a tampered link
    assert browser.post(path).status_code == 200
    latest = org.viewer.get(f"/api/v1/cases/{case['id']}/consents").get_json()["items"][-1]
    assert (latest["channel"], latest["given"], latest["method"], latest["recorded_by"]) == (
        "email",
        False,
        "link",
        None,
    )
    again = browser.post(path)
    assert again.status_code == 200 and b"already used" in again.data
    assert org.viewer.get(f"/api/v1/cases/{case['id']}/consents").get_json()["total"] == 2
    mailer, _t = run(sessions, at_local(due - dt.timedelta(days=1), 10, 1))
    assert mailer.for_ids(ids) == []
    assert {r["state"] for r in messages(org, case["id"]) if r["channel"] == "email"} == {"sent", "skipped_no_consent"}


# ----------------------------------------------------------------------------------------------------
# The provider's webhooks


@pytest.fixture()
def with_provider(app, monkeypatch):
    configured = dataclasses.replace(
        app.config["FORESTALL"], sms_url=f"twilio://AC123:{AUTH_TOKEN}@127.0.0.1:9?from=%2B15555550100"
    )
    monkeypatch.setitem(app.config, "FORESTALL", configured)
    return configured


def _sms_consents(db_session, party_id: int) -> list[tuple[bool, str]]:
    db_session.expire_all()
    return [
        (c.given, c.method)
        for c in db_session.scalars(
            select(Consent).where(Consent.party_id == party_id, Consent.channel == "sms").order_by(Consent.id)
        )
    ]


@pytest.mark.parametrize("word", ["STOP", " alto ", "Cancel", "UNSUBSCRIBE", "quit"])
def test_inbound_stop_revokes_at_once_with_one_confirmation(org, app, with_provider, db_session, word):
    case, client = client_case(org, language="es" if "alto" in word else None)
    consent(org, case["id"], client["id"], "sms", True, "written")
    form = {"MessageSid": f"SMin{client['id']}", "From": client["phone"], "To": "+15555550100", "Body": word}
    browser = app.test_client()
    response = signed_post(browser, "/webhooks/sms/inbound", form)
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert _sms_consents(db_session, client["id"]) == [(True, "written"), (False, "keyword")]
    replies = [r for r in messages(org, case["id"]) if r["kind"] == "stop_confirmation"]
    assert len(replies) == 1 and replies[0]["to"] == client["phone"] and replies[0]["state"] == "planned"
    assert ("ya no recibir" if "alto" in word else "no more texts") in replies[0]["body"]
    # The provider retries the webhook: nothing more.
    signed_post(browser, "/webhooks/sms/inbound", form)
    assert _sms_consents(db_session, client["id"]) == [(True, "written"), (False, "keyword")]
    assert len([r for r in messages(org, case["id"]) if r["kind"] != "reminder"]) == 1


def test_stop_confirmation_goes_out_and_start_re_consents_and_help_answers(
    org, app, with_provider, db_session, sessions
):
    case, client = client_case(org)
    browser = app.test_client()
    signed_post(
        browser,
        "/webhooks/sms/inbound",
        {"MessageSid": "SMs1" + str(client["id"]), "From": client["phone"], "Body": "STOP"},
    )
    signed_post(
        browser,
        "/webhooks/sms/inbound",
        {"MessageSid": "SMs2" + str(client["id"]), "From": client["phone"], "Body": "start"},
    )
    signed_post(
        browser,
        "/webhooks/sms/inbound",
        {"MessageSid": "SMs3" + str(client["id"]), "From": client["phone"], "Body": "HELP"},
    )
    assert _sms_consents(db_session, client["id"]) == [(False, "keyword"), (True, "keyword")]
    replies = {r["kind"]: r for r in messages(org, case["id"])}
    assert set(replies) == {"stop_confirmation", "start_confirmation", "help"}
    ids = {r["id"] for r in replies.values()}
    _m, texter = run(sessions, dt.datetime.now(UTC) + dt.timedelta(seconds=1))
    assert sorted(s[0] for s in texter.for_ids(ids)) == [client["phone"]] * 3


def test_forged_or_unsigned_webhooks_are_refused_and_change_nothing(org, app, with_provider, db_session):
    case, client = client_case(org)
    consent(org, case["id"], client["id"], "sms", True, "written")
    browser = app.test_client()
    form = {"MessageSid": "SMforged" + str(client["id"]), "From": client["phone"], "Body": "STOP"}
    assert browser.post("/webhooks/sms/inbound", data=form).status_code == 403
    assert signed_post(browser, "/webhooks/sms/inbound", form, token="not-the-token").status_code == 403
    tampered = signed_post(browser, "/webhooks/sms/inbound", {**form, "Body": "HELLO"}, signature=None)
    assert tampered.status_code == 200  # correctly signed, not a keyword: nothing to do
    response = browser.post(
        "/webhooks/sms/status",
        data={"MessageSid": "SMx", "MessageStatus": "delivered"},
        headers={"X-Twilio-Signature": "AAAA"},
    )
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert _sms_consents(db_session, client["id"]) == [(True, "written")]
    assert [r for r in messages(org, case["id"]) if r["kind"] != "reminder"] == []


def test_webhooks_refuse_everything_without_a_provider(org, app):
    case, client = client_case(org)
    browser = app.test_client()
    form = {"MessageSid": "SMnoprov", "From": client["phone"], "Body": "STOP"}
    assert signed_post(browser, "/webhooks/sms/inbound", form, token="").status_code == 403


def test_without_the_organisations_phone_messages_wait_until_it_is_set(make_org, sessions):
    org = make_org()
    response = org.attorney.post(
        "/api/v1/cases",
        json=__import__("tests.conftest", fromlist=["case_payload"]).case_payload(
            client={"first_name": "Ana", "last_name": "Diaz", "phone": "+17085550111"}
        ),
    )
    case = response.get_json()
    client = next(
        p for p in org.attorney.get(f"/api/v1/cases/{case['id']}/parties").get_json()["items"] if p["role"] == "client"
    )
    due = today() + dt.timedelta(days=20)
    hearing(org, case["id"], due)
    consent(org, case["id"], client["id"], "sms", True, "written")
    ids = {r["id"] for r in messages(org, case["id"])}
    moment = at_local(due - dt.timedelta(days=7), 10, 1)
    _m, texter = run(sessions, moment)
    assert texter.for_ids(ids) == []
    assert any("phone is not set" in (r["error"] or "") for r in messages(org, case["id"]))
    org.admin.put("/api/v1/client-message-settings", json={"topics": None, "phone": "(708) 555-0199"})
    _m, texter = run(sessions, moment + dt.timedelta(minutes=6))
    [(_to, body, _ref)] = texter.for_ids(ids)
    assert "(708) 555-0199" in body


def test_two_claimers_never_win_the_same_message(org, sessions):
    """The claim is a compare-and-set: a second claimer at the same moment gets nothing. The naive claim
    (no condition) is the negative control: both win."""
    from service.client_messages import outbox

    case, client = client_case(org)
    due = today() + dt.timedelta(days=20)
    hearing(org, case["id"], due)
    moment = at_local(due - dt.timedelta(days=7), 10, 1)
    later = moment + outbox.LEASE + dt.timedelta(seconds=1)
    for at, naive in ((moment, False), (later, True)):
        with sessions() as first, sessions() as second:
            # Both read the due rows before either claims them (the race a lock-free claim must survive).
            seen_first = outbox.claim_candidates(first, at, 1000, lock=False)
            seen_second = outbox.claim_candidates(second, at, 1000, lock=False)
            first.commit()
            second.commit()
            won_first = {i for i, _t in outbox.take_claims(first, seen_first, at, naive=naive)}
            won_second = {i for i, _t in outbox.take_claims(second, seen_second, at, naive=naive)}
        mine = {r["id"] for r in messages(org, case["id"])}
        assert won_first & mine
        if naive:
            assert won_first & won_second & mine  # the negative control: doubled
        else:
            assert not (won_first & won_second)


# ----------------------------------------------------------------------------------------------------
# Appointments: 2 days and 2 hours before, an .ics with the e-mail


def test_an_appointment_is_reminded_two_days_and_two_hours_before_with_a_calendar_file(org, sessions):
    import icalendar

    case, client = client_case(org)
    day = today() + dt.timedelta(days=10)
    starts = at_local(day, 14, 30)
    response = org.attorney.post(
        f"/api/v1/cases/{case['id']}/appointments",
        json={
            "kind": "counseling_session",
            "starts_at": f"{day.isoformat()}T14:30:00",
            "place": "Our office, 10 Elm St",
        },
    )
    assert response.status_code == 201, response.get_json()
    appointment = response.get_json()
    assert dt.datetime.fromisoformat(appointment["starts_at"]) == starts
    bad = org.attorney.post(
        f"/api/v1/cases/{case['id']}/appointments",
        json={"kind": "court_date", "starts_at": "9999-12-31T23:59:59", "place": "x"},
    )
    assert bad.status_code == 422 and "starts_at" in bad.get_json()["errors"]
    assert (
        org.viewer.post(
            f"/api/v1/cases/{case['id']}/appointments",
            json={"kind": "counseling_session", "starts_at": "2030-01-01T10:00:00", "place": "x"},
        ).status_code
        == 403
    )
    rows = [r for r in messages(org, case["id"]) if r["kind"] == "appointment_reminder"]
    assert len(rows) == 4
    assert {dt.datetime.fromisoformat(r["send_at"]) for r in rows} == {
        starts - dt.timedelta(days=2),
        starts - dt.timedelta(hours=2),
    }
    consent(org, case["id"], client["id"], "email", True, "written")
    consent(org, case["id"], client["id"], "sms", True, "written")
    ids = {r["id"] for r in rows}
    mailer, texter = run(sessions, starts - dt.timedelta(days=2) + dt.timedelta(minutes=1))
    [message] = mailer.for_ids(ids)
    [(_to, body, _ref)] = texter.for_ids(ids)
    assert "Our office, 10 Elm St" in body and "2:30 PM" in body and count_segments(body).count <= 2
    [attachment] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    event = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts and str(event["location"]) == "Our office, 10 Elm St"
    assert "(312) 555-0142" in str(event["description"])

    # Moved to 09:00 another day: a new plan; the 2-hour reminder (07:00) waits for 08:00 (quiet hours).
    later = day + dt.timedelta(days=3)
    response = org.attorney.patch(
        f"/api/v1/appointments/{appointment['id']}", json={"starts_at": f"{later.isoformat()}T09:00:00"}
    )
    assert response.status_code == 200 and response.get_json()["sequence"] == 2
    planned = [r for r in messages(org, case["id"], state="planned") if r["kind"] == "appointment_reminder"]
    assert {dt.datetime.fromisoformat(r["send_at"]) for r in planned} == {
        at_local(later - dt.timedelta(days=2), 9),
        at_local(later, 8),
    }
    assert org.attorney.patch(f"/api/v1/appointments/{appointment['id']}", json={"cancelled": True}).status_code == 200
    assert not [r for r in messages(org, case["id"], state="planned") if r["kind"] == "appointment_reminder"]
