"""GET /cases/{id}/servicer-compliance: every servicer clock with its result (open, on_time, late, missed)."""

from __future__ import annotations

import datetime as dt

import pytest


def log(member, case_id, **fields):
    body = {
        "occurred_at": "2026-10-01T10:00:00",
        "channel": "certified_mail",
        "direction": "outbound",
        "counterparty_type": "servicer",
        "category": "notice_of_error",
        **fields,
    }
    response = member.post(f"/api/v1/cases/{case_id}/communications", json=body)
    assert response.status_code == 201, (response.get_json() or {}).get("errors")
    return response.get_json()


def test_an_empty_case_has_no_clocks(org, new_case):
    case = new_case()
    result = org.viewer.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()
    assert result["items"] == [] and result["total"] == 0
    assert result["summary"] == {"open": 0, "on_time": 0, "late": 0, "missed": 0}
    assert "Not legal advice" in result["disclaimer"]


def test_a_fresh_request_is_open_and_each_clock_shows_its_work(org, new_case):
    case = new_case()
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    request = log(org.attorney, case["id"], occurred_at=now.isoformat())
    result = org.viewer.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()
    assert {c["clock"] for c in result["items"]} == {"servicer_acknowledgment_due", "servicer_response_due"}
    for clock in result["items"]:
        assert clock["result"] == "open" and clock["met_on"] is None and clock["late_by_business_days"] is None
        assert clock["request_communication_id"] == request["id"]
        assert clock["citation"].startswith("12 CFR 1024.35") and clock["source_url"].startswith("https://")
        assert clock["explanation"] and clock["due_on"] > clock["started_on"]
    assert result["summary"]["open"] == 2


def test_a_missed_response_counts_business_days_overdue(org, new_case):
    case = new_case()
    log(org.attorney, case["id"], category="request_for_information", occurred_at="2026-06-01T10:00:00")
    clocks = {
        c["clock"]: c for c in org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()["items"]
    }
    response = clocks["servicer_response_due"]
    assert response["result"] == "missed" and response["late_by_business_days"] > 0
    assert response["citation"].startswith("12 CFR 1024.36")


def test_pagination_tenancy_and_bad_parameters(org, other_org, new_case):
    case = new_case()
    for day in ("2026-10-01", "2026-10-02"):
        log(org.attorney, case["id"], occurred_at=f"{day}T10:00:00")
    page = org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance?per_page=3&page=2").get_json()
    assert page["total"] == 4 and len(page["items"]) == 1 and page["summary"]["missed"] == 4
    assert [
        c["started_on"] for c in org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()["items"]
    ][::2] == ["2026-10-01", "2026-10-02"]
    assert org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance?per_page=101").status_code == 422
    assert org.attorney.get(f"/api/v1/cases/{case['id']}/servicer-compliance?bogus=1").status_code == 422
    response = other_org.admin.get(f"/api/v1/cases/{case['id']}/servicer-compliance")
    assert response.status_code == 404 and response.content_type == "application/problem+json"


def test_a_logged_denial_meets_the_evaluation_clock_and_opens_the_appeal(org, new_case):
    case = new_case()
    log(
        org.attorney,
        case["id"],
        category="loss_mit_application",
        application_complete=True,
        occurred_at="2026-09-01T10:00:00",
    )
    log(
        org.attorney,
        case["id"],
        category="decision",
        direction="inbound",
        decision_result="denied",
        occurred_at="2026-09-20T10:00:00",
    )
    clocks = {
        c["clock"]: c for c in org.viewer.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()["items"]
    }
    evaluation = clocks["loss_mit_evaluation_due"]
    assert evaluation["result"] == "on_time" and evaluation["met_on"] == "2026-09-20"
    kinds = {d["kind"] for d in org.viewer.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["items"]}
    assert "loss_mit_appeal_due" in kinds


@pytest.mark.parametrize(
    "result,option",
    [
        ("forbearance_offered", "forbearance"),
        ("repayment_plan_offered", "repayment_plan"),
        ("short_sale_approved", "short_sale"),
        ("deed_in_lieu_approved", "deed_in_lieu"),
    ],
)
def test_an_offered_option_meets_the_evaluation_and_starts_the_time_to_accept(org, new_case, result, option):
    # 1024.41(c)(1)(ii): the servicer's written determination; 1024.41(e)(1): at least 14 days to accept or reject
    case = new_case()
    log(
        org.attorney,
        case["id"],
        category="loss_mit_application",
        application_complete=True,
        occurred_at="2026-09-01T10:00:00",
    )
    offer = log(
        org.attorney,
        case["id"],
        category="decision",
        direction="inbound",
        decision_result=result,
        occurred_at="2026-09-20T10:00:00",
    )
    event = org.attorney.get(f"/api/v1/events/{offer['clock_events'][0]['id']}").get_json()
    assert (event["type"], event["details"]) == ("loss_mit_option_offered", {"option": option})
    clocks = {
        c["clock"]: c for c in org.viewer.get(f"/api/v1/cases/{case['id']}/servicer-compliance").get_json()["items"]
    }
    assert clocks["loss_mit_evaluation_due"]["met_on"] == "2026-09-20"
    items = org.viewer.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["items"]
    acceptance = [d for d in items if d["kind"] == "loss_mit_offer_acceptance_due"]
    assert len(acceptance) == 1 and acceptance[0]["due_on"] == "2026-10-04" and acceptance[0]["binds"] == "borrower"
    assert "loss_mit_appeal_due" not in {d["kind"] for d in items}  # an offer is not a denial


def test_a_modification_denial_opens_the_appeal_without_a_check(org, new_case):
    case = new_case()
    log(
        org.attorney,
        case["id"],
        category="loss_mit_application",
        application_complete=True,
        occurred_at="2026-09-01T10:00:00",
    )
    log(
        org.attorney,
        case["id"],
        category="decision",
        direction="inbound",
        decision_result="modification_denied",
        occurred_at="2026-09-20T10:00:00",
    )
    appeal = [
        d
        for d in org.viewer.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["items"]
        if d["kind"] == "loss_mit_appeal_due"
    ][0]
    assert appeal["due_on"] == "2026-10-04" and appeal["verify_manually"] is False


def test_a_decision_result_only_on_an_inbound_decision(org, new_case):
    case = new_case()
    response = org.attorney.post(
        f"/api/v1/cases/{case['id']}/communications",
        json={
            "occurred_at": "2026-10-01T10:00:00",
            "channel": "letter",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "category": "notice_of_error",
            "decision_result": "denied",
        },
    )
    assert response.status_code == 422 and "decision_result" in response.get_json()["errors"]
