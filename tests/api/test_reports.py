"""Reports through the API: 202 + Location, queued -> ready (rendered as the worker does), the PDF with its
SHA-256, read back with pypdf (content, page X of Y, metadata, tagging), per-case lists, the audit, the
options of each type and their 422s, and failures recorded with their reason."""

from __future__ import annotations

import re

import datetime as dt

import pytest

from tests.reports.helpers import check_print_quality, ready_pdf, render_as_worker, request


def add_event(member, case_id, type_, occurred_on, **details):
    response = member.post(
        f"/api/v1/cases/{case_id}/events", json={"type": type_, "occurred_on": occurred_on, "details": details}
    )
    assert response.status_code == 201, response.get_json()


def test_case_timeline_is_queued_then_ready_with_its_content(org, new_case, database_url):
    case = new_case()
    add_event(org.attorney, case["id"], "first_missed_payment", "2026-01-01")
    org.attorney.post(
        f"/api/v1/cases/{case['id']}/deadlines", json={"title": "Call the client back", "due_on": "2026-12-01"}
    )
    report = request(org.attorney, case["id"], type="case_timeline")
    assert report["state"] == "queued" and report["url"] == f"/api/v1/reports/{report['id']}"
    assert set(report) >= {"id", "state", "url"}
    pending = org.viewer.get(f"/api/v1/reports/{report['id']}/pdf")
    assert pending.status_code == 409 and pending.content_type == "application/problem+json"

    state, reader, text = ready_pdf(org.viewer, database_url, report)
    check_print_quality(reader, text, "Case Timeline: Maria Gonzalez", "Test org")
    for expected in (
        "Maria Gonzalez",
        "Luis Gonzalez",
        "1420 W Addison St",
        "Midland",
        "******3456",
        "First missed payment",
        "Regulation X 120-day mark",
        "12 CFR 1024.41",
        "Call the client back",
        "Entered by hand",
        "Deficiency exposure",
        "$600,000.00",
        "Not legal advice",
    ):
        assert expected in text, expected
    assert "4000123456" not in text  # the account number is masked, as in a court filing
    assert state["filename"].endswith(".pdf") and state["case_id"] == case["id"]
    # An exhibit does not depend on the day it was printed: dates, not "N days ago", and one "as of".
    assert re.search(r"\b\d+ days? ago\b|\bin \d+ days?\b", text) is None
    assert "statuses are as of that date" in text
    # Citations are link texts; the full addresses are listed once, under Sources.
    assert "Sources" in text and text.index("Sources") > text.index("Deficiency exposure")
    assert "https://www.ecfr.gov/" in text[text.index("Sources") :]

    listed = org.viewer.get(f"/api/v1/cases/{case['id']}/reports").get_json()
    assert listed["total"] == 1 and listed["items"][0]["sha256"] == state["sha256"]
    history = org.admin.get(f"/api/v1/cases/{case['id']}/history?per_page=100").get_json()["items"]
    audited = [
        (e["action"], e["changes"].get("state", {}).get("after")) for e in history if e["entity_type"] == "report"
    ]
    assert audited == [("create", "queued"), ("update", "ready")]
    sha_change = [e for e in history if e["entity_type"] == "report" and e["action"] == "update"][0]
    assert sha_change["changes"]["sha256"]["after"] == state["sha256"]


def test_a_second_render_of_the_same_report_does_nothing(org, new_case, database_url):
    report = request(org.attorney, new_case()["id"], type="case_timeline")
    first = render_as_worker(database_url, report["id"])
    assert first.state == "ready"
    assert render_as_worker(database_url, report["id"]) is None  # redelivered message: already done
    assert org.attorney.get(report["url"]).get_json()["sha256"] == first.sha256


def test_caseload_deadlines_for_the_organisation_and_for_one_user(org, new_case, database_url):
    today = dt.date.today()
    mine = new_case(assigned_to=org.attorney.user_id, client={"first_name": "Ada", "last_name": "Mine"})
    theirs = new_case(assigned_to=org.counselor.user_id, client={"first_name": "Bo", "last_name": "Theirs"})
    for case, title, due in (
        (mine, "Overdue filing", today - dt.timedelta(days=3)),
        (mine, "Next week hearing", today + dt.timedelta(days=8)),
        (theirs, "Counselor call", today + dt.timedelta(days=2)),
        (mine, "Far away", today + dt.timedelta(days=200)),
    ):
        response = org.attorney.post(
            f"/api/v1/cases/{case['id']}/deadlines", json={"title": title, "due_on": str(due), "binds": "borrower"}
        )
        assert response.status_code == 201, response.get_json()

    whole = org.attorney.post("/api/v1/reports", json={"type": "caseload_deadlines", "days": 14})
    assert whole.status_code == 202, whole.get_json()
    state, reader, text = ready_pdf(org.attorney, database_url, whole.get_json())
    check_print_quality(reader, text, "Caseload Deadlines", "Test org")
    assert state["case_id"] is None
    assert "Whole organisation" in text and "Counselor call" in text and "Far away" not in text
    assert (
        text.index("Overdue") < text.index("Overdue filing") < text.index("Week of") < text.index("Next week hearing")
    )

    one_user = request(org.attorney, mine["id"], type="caseload_deadlines", assigned_to=org.attorney.user_id)
    _, _, text = ready_pdf(org.attorney, database_url, one_user)
    assert "Next week hearing" in text and "Counselor call" not in text
    assert "Assigned to Attorney" in text


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "waiver_request_letter"}, "waiver_request_id"),
        ({"type": "waiver_request_letter", "waiver_request_id": 2_000_000_000}, "waiver_request_id"),
        ({"type": "case_timeline", "days": 10}, "days"),
        ({"type": "caseload_deadlines", "days": 0}, "days"),
        ({"type": "nonsense"}, "type"),
        ({"type": "case_timeline", "colour": "red"}, "colour"),
    ],
)
def test_bad_requests_answer_422_and_store_nothing(org, new_case, body, field):
    case = new_case()
    response = org.attorney.post(f"/api/v1/cases/{case['id']}/reports", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    assert org.attorney.get(f"/api/v1/cases/{case['id']}/reports").get_json()["total"] == 0


def test_ids_of_another_organisation_answer_422(org, other_org, new_case):
    case = new_case()
    foreign_case = other_org.attorney.post("/api/v1/cases", json=_payload()).get_json()
    foreign_waiver = other_org.attorney.post(
        f"/api/v1/cases/{foreign_case['id']}/waiver-requests",
        json={"resolution": "short_sale", "recipient": "Midland", "ask": "full_waiver"},
    ).get_json()
    response = org.attorney.post(
        f"/api/v1/cases/{case['id']}/reports",
        json={"type": "waiver_request_letter", "waiver_request_id": foreign_waiver["id"]},
    )
    assert response.status_code == 422 and "waiver_request_id" in response.get_json()["errors"]
    response = org.attorney.post(
        "/api/v1/reports", json={"type": "caseload_deadlines", "assigned_to": other_org.attorney.user_id}
    )
    assert response.status_code == 422 and "assigned_to" in response.get_json()["errors"]
    # A waiver request on another case of the same organisation is not this case's either.
    sibling = new_case()
    waiver = org.attorney.post(
        f"/api/v1/cases/{sibling['id']}/waiver-requests",
        json={"resolution": "short_sale", "recipient": "Midland", "ask": "full_waiver"},
    ).get_json()
    response = org.attorney.post(
        f"/api/v1/cases/{case['id']}/reports", json={"type": "waiver_request_letter", "waiver_request_id": waiver["id"]}
    )
    assert response.status_code == 422


def _payload():
    from tests.conftest import case_payload

    return case_payload()


def test_viewers_cannot_request_and_only_case_types_go_under_cases(org, new_case):
    case = new_case()
    assert org.viewer.post(f"/api/v1/cases/{case['id']}/reports", json={"type": "case_timeline"}).status_code == 403
    assert org.viewer.post("/api/v1/reports", json={"type": "caseload_deadlines"}).status_code == 403
    assert org.attorney.post("/api/v1/reports", json={"type": "case_timeline"}).status_code == 422


def test_a_failing_render_is_recorded_as_failed_with_its_reason(org, new_case, database_url, monkeypatch):
    import service.reports.service as report_service

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer ran out of paper")

    monkeypatch.setattr(report_service, "render_pdf", broken)
    report = request(org.attorney, new_case()["id"], type="case_timeline")
    assert render_as_worker(database_url, report["id"]).state == "failed"
    state = org.attorney.get(report["url"]).get_json()
    assert state["state"] == "failed" and "ran out of paper" in state["error"]
    response = org.attorney.get(state["pdf_url"])
    assert response.status_code == 409 and "ran out of paper" in response.get_json()["detail"]


def test_a_case_deleted_before_the_render_fails_the_report_with_the_reason(org, new_case, database_url):
    case = new_case()
    report = request(org.attorney, case["id"], type="case_timeline")
    assert org.admin.delete(f"/api/v1/cases/{case['id']}").status_code == 204
    failed = render_as_worker(database_url, report["id"])
    assert failed.state == "failed" and "deleted" in failed.error
    assert org.attorney.get(report["url"]).status_code == 404  # like every object of a deleted case


def test_the_rescan_finds_lost_messages_and_dead_workers(org, new_case, database_url):
    from models.base import utcnow
    from models.reports import Report
    from service.db import session_factory
    from service.reports import service

    case = new_case()
    lost = request(org.attorney, case["id"], type="case_timeline")
    died = request(org.attorney, case["id"], type="case_timeline")
    hopeless = request(org.attorney, case["id"], type="case_timeline")
    now = utcnow()
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        assert lost["id"] not in service.reports_to_enqueue(session, now)  # just queued: its message is on its way
        # A worker claimed `died` and `hopeless` and vanished; `hopeless` has used up its attempts.
        for report_id, attempts in ((died["id"], 1), (hopeless["id"], service.MAX_ATTEMPTS)):
            report = session.get(Report, report_id)
            report.state, report.attempts, report.lease_expires_at = (
                "rendering",
                attempts,
                now - dt.timedelta(seconds=1),
            )
        session.commit()
        later = now + dt.timedelta(minutes=2)
        found = service.reports_to_enqueue(session, later)
        session.commit()
    assert lost["id"] in found and died["id"] in found and hopeless["id"] not in found
    failed = org.attorney.get(hopeless["url"]).get_json()
    assert failed["state"] == "failed" and "interrupted" in failed["error"]
    assert render_as_worker(database_url, died["id"]).state == "ready"  # the expired lease is claimable again


def test_progress_is_visible_while_rendering(org, new_case, database_url, monkeypatch):
    import service.reports.service as report_service
    from reports.render import render_pdf

    seen = {}

    def observed_render(template, context, progress=None):
        progress(40)
        seen["during"] = org.attorney.get(report["url"]).get_json()
        return render_pdf(template, context, progress)

    monkeypatch.setattr(report_service, "render_pdf", observed_render)
    report = request(org.attorney, new_case()["id"], type="case_timeline")
    assert render_as_worker(database_url, report["id"]).state == "ready"
    assert (seen["during"]["state"], seen["during"]["progress"]) == ("rendering", 40)
