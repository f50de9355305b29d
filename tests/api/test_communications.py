"""Communications log: entries, corrections kept in the audit, the servicer clocks they start and stop,
duplicate document requests, and ids in bodies that name another organisation's entry."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.conftest import case_payload


def log(member, case_id, expect=201, **fields):
    body = {
        "occurred_at": "2026-10-01T10:00:00",
        "channel": "certified_mail",
        "direction": "outbound",
        "counterparty_type": "servicer",
        "counterparty_name": "Midland",
        "category": "other",
        **fields,
    }
    response = member.post(f"/api/v1/cases/{case_id}/communications", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def deadlines(member, case_id):
    items = member.get(f"/api/v1/cases/{case_id}/deadlines?per_page=100").get_json()["items"]
    return items


def by_kind(member, case_id, kind):
    return [d for d in deadlines(member, case_id) if d["kind"] == kind]


def test_an_entry_is_logged_listed_and_read_with_its_disclaimer(org, new_case):
    case = new_case()
    entry = log(
        org.paralegal,
        case["id"],
        category="other",
        subject="Called about the payoff",
        channel="phone",
        direction="inbound",
        contact_person="J. Smith",
        department="Loss mitigation",
        summary="Said the file is under review.",
        occurred_at="2026-10-01T09:30:00-05:00",
    )
    assert entry["occurred_at"].startswith("2026-10-01T14:30:00")  # stored in UTC
    assert entry["contact_person"] == "J. Smith" and entry["department"] == "Loss mitigation"
    assert entry["clock_events"] == [] and entry["corrected"] is False
    assert "Not legal advice" in entry["disclaimer"]
    listed = org.viewer.get(f"/api/v1/cases/{case['id']}/communications").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == entry["id"]
    assert org.viewer.get(f"/api/v1/communications/{entry['id']}").get_json()["subject"] == "Called about the payoff"
    # A date-time without an offset is in the organisation's time zone (America/Chicago: UTC-5 in October).
    naive = log(org.attorney, case["id"], occurred_at="2026-10-02T09:00:00")
    assert naive["occurred_at"].startswith("2026-10-02T14:00:00")


def test_validation_and_roles(org, new_case):
    case = new_case()
    assert org.viewer.post(f"/api/v1/cases/{case['id']}/communications", json={}).status_code == 403
    response = org.attorney.post(f"/api/v1/cases/{case['id']}/communications", json={"channel": "pigeon"})
    assert response.status_code == 422
    assert {"channel", "occurred_at", "direction", "counterparty_type", "category"} <= set(
        response.get_json()["errors"]
    )
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).isoformat()
    assert "occurred_at" in log(org.attorney, case["id"], expect=422, occurred_at=future)["errors"]
    assert "qwr_treated_as" in log(org.attorney, case["id"], expect=422, qwr_treated_as="notice_of_error")["errors"]
    assert "application_complete" in log(org.attorney, case["id"], expect=422, application_complete=True)["errors"]
    assert (
        "received_on"
        in log(org.attorney, case["id"], expect=422, category="notice_of_error", received_on="2026-09-01")["errors"]
    )
    assert "servicer_extended" in log(org.attorney, case["id"], expect=422, servicer_extended=True)["errors"]
    assert log(org.attorney, case["id"], expect=422, unknown_field=1)["errors"] == {"unknown_field": ["Unknown field."]}
    # Nothing was written by the failed requests.
    assert org.attorney.get(f"/api/v1/cases/{case['id']}/communications").get_json()["total"] == 0


def test_in_reply_to_naming_another_organisations_or_an_unknown_entry_answers_422(org, other_org, new_case):
    theirs_case = other_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()
    theirs = log(other_org.attorney, theirs_case["id"], category="notice_of_error")
    case = new_case()
    other_case = new_case()
    on_other_case = log(org.attorney, other_case["id"], category="notice_of_error")
    for target in (theirs["id"], 2_000_000_000, on_other_case["id"]):
        errors = log(
            org.attorney,
            case["id"],
            expect=422,
            direction="inbound",
            category="acknowledgment",
            in_reply_to=target,
            occurred_at="2026-10-05T10:00:00",
        )["errors"]
        assert errors == {"in_reply_to": [f"No communication {target} on this case."]}
    # Theirs did not move.
    assert other_org.attorney.get(f"/api/v1/communications/{theirs['id']}").status_code == 200


def test_a_correction_keeps_the_original_in_the_history(org, new_case):
    case = new_case()
    entry = log(org.attorney, case["id"], subject="Called", channel="phone")
    response = org.attorney.patch(f"/api/v1/communications/{entry['id']}", json={"subject": "Called twice"})
    assert response.status_code == 200, response.get_json()
    corrected = org.attorney.get(f"/api/v1/communications/{entry['id']}").get_json()
    assert corrected["subject"] == "Called twice" and corrected["corrected"] is True
    assert corrected["corrections"][0]["changes"]["subject"] == {"before": "Called", "after": "Called twice"}
    history = org.attorney.get(f"/api/v1/cases/{case['id']}/history?per_page=100").get_json()["items"]
    assert any(h["entity_type"] == "communication" and h["action"] == "update" for h in history)
    assert org.viewer.patch(f"/api/v1/communications/{entry['id']}", json={"subject": "x"}).status_code == 403


@pytest.mark.parametrize(
    "category, fields, event_type",
    [
        ("notice_of_error", {}, "notice_of_error_sent"),
        ("request_for_information", {}, "request_for_information_sent"),
        ("qualified_written_request", {}, "notice_of_error_sent"),
        ("qualified_written_request", {"qwr_treated_as": "request_for_information"}, "request_for_information_sent"),
    ],
)
def test_outbound_requests_start_the_servicer_clocks(org, new_case, category, fields, event_type):
    case = new_case()
    entry = log(org.attorney, case["id"], category=category, received_on="2026-10-01", **fields)
    assert [e["type"] for e in entry["clock_events"]] == [event_type]
    event = org.attorney.get(f"/api/v1/events/{entry['clock_events'][0]['id']}").get_json()
    assert event["occurred_on"] == "2026-10-01" and event["details"]["received_on"] == "2026-10-01"
    ack = by_kind(org.attorney, case["id"], "servicer_acknowledgment_due")
    response = by_kind(org.attorney, case["id"], "servicer_response_due")
    assert len(ack) == 1 and len(response) == 1
    assert ack[0]["due_on"] == "2026-10-08"  # 5 business days after Thursday 2026-10-01
    if category == "qualified_written_request":
        assert entry["qwr_treated_as"] == fields.get("qwr_treated_as", "notice_of_error")
    # An inbound entry or another category starts nothing.
    other = log(org.attorney, case["id"], category=category, direction="inbound", **fields)
    assert other["clock_events"] == []


def test_acknowledgment_on_time_late_and_missing(org, new_case):
    case = new_case()
    on_time = log(org.attorney, case["id"], category="notice_of_error", subject="Misapplied payments")
    late = log(org.attorney, case["id"], category="request_for_information", subject="Owner of the loan")
    log(org.attorney, case["id"], category="notice_of_error", subject="Fees", occurred_at="2026-10-01T11:00:00")
    log(
        org.attorney,
        case["id"],
        category="acknowledgment",
        direction="inbound",
        in_reply_to=on_time["id"],
        occurred_at="2026-10-08T10:00:00",
    )
    reply = log(
        org.attorney,
        case["id"],
        category="acknowledgment",
        direction="inbound",
        in_reply_to=late["id"],
        occurred_at="2026-10-13T10:00:00",
    )
    event = org.attorney.get(f"/api/v1/events/{reply['clock_events'][0]['id']}").get_json()
    assert event["type"] == "servicer_acknowledged"
    assert event["details"]["in_reply_to"] == late["clock_events"][0]["id"]  # the request's EVENT id
    clocks = org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()
    acks = {c["request_communication_id"]: c for c in clocks["items"] if c["clock"] == "servicer_acknowledgment_due"}
    assert acks[on_time["id"]]["result"] == "on_time" and acks[on_time["id"]]["met_on"] == "2026-10-08"
    assert acks[late["id"]]["result"] == "late"
    # Due Thursday 10-08; met Tuesday 10-13: Friday 10-09 and Tuesday (Monday 10-12 is Columbus Day).
    assert acks[late["id"]]["late_by_business_days"] == 2
    assert acks[late["id"]]["answered_by_communication_ids"] == [reply["id"]]
    missing = [c for c in acks.values() if c["request_communication_id"] not in (on_time["id"], late["id"])][0]
    assert missing["result"] == "missed" and missing["met_on"] is None and missing["late_by_business_days"] > 0
    assert all(c["citation"].startswith("12 CFR 1024.3") for c in acks.values())


def test_a_response_stops_both_clocks_and_an_extension_moves_the_response(org, new_case):
    case = new_case()
    request = log(org.attorney, case["id"], category="request_for_information")
    log(
        org.attorney,
        case["id"],
        category="acknowledgment",
        direction="inbound",
        in_reply_to=request["id"],
        occurred_at="2026-10-05T10:00:00",
        servicer_extended=True,
    )
    moved = by_kind(org.attorney, case["id"], "servicer_response_due")[0]
    assert "extended" in moved["explanation"]
    log(
        org.attorney,
        case["id"],
        category="response",
        direction="inbound",
        in_reply_to=request["id"],
        occurred_at="2026-11-02T10:00:00",
    )
    clocks = org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()
    assert {c["clock"]: c["result"] for c in clocks["items"]} == {
        "servicer_acknowledgment_due": "on_time",
        "servicer_response_due": "on_time",
    }
    assert clocks["summary"]["on_time"] == 2 and "Not legal advice" in clocks["disclaimer"]


def test_loss_mitigation_application_starts_the_acknowledgment_and_evaluation_clocks(org, new_case):
    case = new_case()
    incomplete = log(
        org.attorney,
        case["id"],
        category="loss_mit_application",
        received_on="2026-09-01",
        occurred_at="2026-08-31T10:00:00",
    )
    assert [e["type"] for e in incomplete["clock_events"]] == ["loss_mit_application_received"]
    assert by_kind(org.attorney, case["id"], "loss_mit_acknowledgment_due")
    assert not by_kind(org.attorney, case["id"], "loss_mit_evaluation_due")
    ack = log(
        org.attorney,
        case["id"],
        category="acknowledgment",
        direction="inbound",
        in_reply_to=incomplete["id"],
        occurred_at="2026-09-04T10:00:00",
    )
    assert ack["clock_events"][0]["type"] == "servicer_acknowledged"
    # Marking it complete (a correction) starts the evaluation clock: 30 days from receipt.
    corrected = org.attorney.patch(
        f"/api/v1/communications/{incomplete['id']}", json={"application_complete": True}
    ).get_json()
    assert [e["type"] for e in corrected["clock_events"]] == [
        "loss_mit_application_received",
        "loss_mit_application_complete",
    ]
    evaluation = by_kind(org.attorney, case["id"], "loss_mit_evaluation_due")[0]
    assert evaluation["due_on"] == "2026-10-01" and evaluation["citation"] == "12 CFR 1024.41(c)(1)"
    clocks = {
        c["clock"]: c for c in org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()["items"]
    }
    assert clocks["loss_mit_acknowledgment_due"]["result"] == "on_time"
    assert clocks["loss_mit_evaluation_due"]["result"] == "missed"
    assert clocks["loss_mit_evaluation_due"]["started_on"] == "2026-09-01"


def test_changing_or_deleting_an_entry_moves_or_removes_its_clocks(org, new_case):
    case = new_case()
    entry = log(org.attorney, case["id"], category="notice_of_error")
    reply = log(
        org.attorney,
        case["id"],
        category="acknowledgment",
        direction="inbound",
        in_reply_to=entry["id"],
        occurred_at="2026-10-20T10:00:00",
    )
    assert by_kind(org.attorney, case["id"], "servicer_acknowledgment_due")[0]["met_on"] == "2026-10-20"
    moved = org.attorney.patch(f"/api/v1/communications/{entry['id']}", json={"occurred_at": "2026-10-14T10:00:00"})
    assert moved.status_code == 200, moved.get_json()
    ack = by_kind(org.attorney, case["id"], "servicer_acknowledgment_due")
    assert len(ack) == 1 and ack[0]["due_on"] == "2026-10-21" and ack[0]["met_on"] == "2026-10-20"
    # Turned into another category: no clocks; the reply's event goes too.
    org.attorney.patch(f"/api/v1/communications/{entry['id']}", json={"category": "document_submission"})
    assert by_kind(org.attorney, case["id"], "servicer_acknowledgment_due") == []
    assert org.attorney.get(f"/api/v1/communications/{reply['id']}").get_json()["clock_events"] == []
    # Back to a notice of error: the clocks and the reply's event return.
    org.attorney.patch(f"/api/v1/communications/{entry['id']}", json={"category": "notice_of_error"})
    assert by_kind(org.attorney, case["id"], "servicer_acknowledgment_due")[0]["met_on"] == "2026-10-20"
    assert org.attorney.delete(f"/api/v1/communications/{entry['id']}").status_code == 204
    assert by_kind(org.attorney, case["id"], "servicer_acknowledgment_due") == []
    assert org.attorney.get(f"/api/v1/communications/{entry['id']}").status_code == 404
    events = org.attorney.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    assert events == []


def test_a_repeated_document_request_links_to_the_earlier_submission(org, new_case):
    case = new_case()
    sent = log(
        org.attorney,
        case["id"],
        category="document_submission",
        channel="fax",
        documents_sent=["2025 W-2", "Bank statements (3 months)"],
        occurred_at="2026-09-01T10:00:00",
    )
    org.attorney.client.post(
        f"/api/v1/communications/{sent['id']}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.7 hardship"), "Hardship letter.pdf")},
        headers={"Authorization": f"Bearer {org.attorney.token}"},
        content_type="multipart/form-data",
    )
    request = log(
        org.attorney,
        case["id"],
        category="document_request",
        direction="inbound",
        documents_requested=["2025  w-2", "hardship letter", "Pay stubs"],
        occurred_at="2026-09-15T10:00:00",
    )
    assert request["duplicate_request"] is True
    found = {(p["document"], p["matched"]) for p in request["previously_sent"]}
    assert found == {("2025  w-2", "documents_sent"), ("hardship letter", "attachment")}
    assert all(p["communication_id"] == sent["id"] for p in request["previously_sent"])
    assert [p["sha256"] for p in request["previously_sent"] if p["matched"] == "attachment"][0]
    # A request before the submission, or for new documents only, is no duplicate.
    earlier = log(
        org.attorney,
        case["id"],
        category="document_request",
        direction="inbound",
        documents_requested=["2025 W-2"],
        occurred_at="2026-08-15T10:00:00",
    )
    fresh = log(
        org.attorney, case["id"], category="document_request", direction="inbound", documents_requested=["Pay stubs"]
    )
    assert earlier["duplicate_request"] is False and fresh["duplicate_request"] is False
    assert (
        "documents_requested"
        in log(org.attorney, case["id"], expect=422, category="other", documents_requested=["x"])["errors"]
    )


@pytest.mark.parametrize("category", ["request_for_information", "notice_of_error", "qualified_written_request"])
def test_an_oral_request_starts_no_servicer_clock_and_says_so(org, new_case, category):
    # 12 CFR 1024.36(a) and 1024.35(a) require a written request; a QWR is written by definition.
    case = new_case()
    call = log(org.attorney, case["id"], category=category, channel="phone", subject="Asked who owns the loan")
    assert call["clock_events"] == []
    assert "oral request starts no servicer clock" in call["clock_note"]
    assert "record the written follow-up" in call["clock_note"]
    assert by_kind(org.attorney, case["id"], "servicer_acknowledgment_due") == []
    clocks = org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()["items"]
    assert clocks == []
    # The written follow-up starts the clocks.
    letter = log(org.attorney, case["id"], category=category, channel="letter", subject="Asked who owns the loan")
    assert len(letter["clock_events"]) == 1 and letter["clock_note"] is None
    assert len(by_kind(org.attorney, case["id"], "servicer_acknowledgment_due")) == 1


def test_an_oral_acknowledgment_does_not_meet_the_clock(org, new_case):
    case = new_case()
    request = log(org.attorney, case["id"], category="notice_of_error", subject="Fees")
    call = log(
        org.attorney,
        case["id"],
        category="acknowledgment",
        direction="inbound",
        channel="phone",
        in_reply_to=request["id"],
        occurred_at="2026-10-02T10:00:00",
    )
    assert call["clock_events"] == [] and "must be in writing" in call["clock_note"]
    ack = by_kind(org.attorney, case["id"], "servicer_acknowledgment_due")[0]
    assert ack["met_on"] is None
