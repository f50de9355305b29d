"""Deadlines through the API: recompute on every event change, idempotence, user statuses and manual
deadlines surviving, removed triggers, bankruptcy tolling, the caseload view, stages, deficiency."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import service.jurisdictions.api as jurisdictions_api
from tests.conftest import case_payload


def add_event(member, case_id, type_, occurred_on, **details):
    response = member.post(
        f"/api/v1/cases/{case_id}/events", json={"type": type_, "occurred_on": occurred_on, "details": details}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deadlines(member, case_id, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    response = member.get(f"/api/v1/cases/{case_id}/deadlines?per_page=100&{qs}")
    assert response.status_code == 200, response.get_json()
    return {d["kind"]: d for d in response.get_json()["items"]}


def test_first_missed_payment_gives_the_federal_clocks_with_their_work_shown(org, new_case):
    case = new_case()
    add_event(org.attorney, case["id"], "first_missed_payment", "2026-01-01")
    found = deadlines(org.attorney, case["id"])
    mark = found["reg_x_120_day_mark"]
    assert mark["due_on"] == "2026-05-02"  # more than 120 days delinquent: day 121 (see the rule's notes)
    assert mark["binds"] == "servicer" and mark["status"] == "open"
    assert mark["citation"].startswith("12 CFR 1024.41(f)")
    assert "2026-01-01" in mark["explanation"] and mark["source_url"].startswith("https://")
    assert mark["computed_from"] == {"event_type": "first_missed_payment", "occurred_on": "2026-01-01"}
    assert "early_intervention_live_contact" in found and "early_intervention_written_notice" in found
    for item in found.values():  # every computed deadline shows its citation and arithmetic
        assert item["citation"] and item["explanation"] and item["rule_id"]
        assert "Not legal advice" in item["disclaimer"]


def test_recompute_is_idempotent_and_follows_event_changes(org, new_case):
    case = new_case(property={"state": "MN", "zip": "55406"}, foreclosure_process="nonjudicial")
    sale = add_event(org.attorney, case["id"], "sale_held", "2026-03-02", sale_price="180000.00")
    first = deadlines(org.attorney, case["id"])
    redemption = first["redemption_period_end"]
    assert redemption["due_on"] == "2026-09-02" and "580.23" in redemption["citation"]
    # The same events again (a harmless edit) give the same deadlines: same ids, same dates.
    org.attorney.patch(f"/api/v1/events/{sale['id']}", json={"details": {"sale_price": "180000.00"}})
    again = deadlines(org.attorney, case["id"])
    assert {k: (v["id"], v["due_on"], v["sequence"]) for k, v in again.items()} == {
        k: (v["id"], v["due_on"], v["sequence"]) for k, v in first.items()
    }
    # Moving the trigger moves the deadline (same row, its sequence grows for calendar updates).
    org.attorney.patch(f"/api/v1/events/{sale['id']}", json={"occurred_on": "2026-04-01"})
    moved = deadlines(org.attorney, case["id"])["redemption_period_end"]
    assert moved["id"] == redemption["id"] and moved["due_on"] == "2026-10-01" and moved["sequence"] == 1
    # Deleting the trigger removes the deadline.
    assert org.attorney.delete(f"/api/v1/events/{sale['id']}").status_code == 204
    assert "redemption_period_end" not in deadlines(org.attorney, case["id"])


def test_user_status_and_manual_deadlines_survive_recompute(org, new_case):
    case = new_case()
    add_event(org.attorney, case["id"], "first_missed_payment", "2026-01-01")
    mark = deadlines(org.attorney, case["id"])["early_intervention_live_contact"]
    response = org.paralegal.patch(f"/api/v1/deadlines/{mark['id']}", json={"status": "waived"})
    assert response.status_code == 200 and response.get_json()["status_set_by_user"] is True
    manual = org.attorney.post(
        f"/api/v1/cases/{case['id']}/deadlines",
        json={"title": "Hearing on motion to dismiss", "due_on": "2026-12-15", "binds": "court"},
    )
    assert manual.status_code == 201 and manual.get_json()["kind"] == "manual"
    add_event(org.attorney, case["id"], "pre_foreclosure_notice_sent", "2026-02-01")  # triggers a recompute
    after = deadlines(org.attorney, case["id"])
    assert after["early_intervention_live_contact"]["status"] == "waived"
    assert after["manual"]["title"] == "Hearing on motion to dismiss" and after["manual"]["binds"] == "court"
    # "open" hands the status back to the engine
    org.attorney.patch(f"/api/v1/deadlines/{mark['id']}", json={"status": "open"})
    assert deadlines(org.attorney, case["id"])["early_intervention_live_contact"]["status_set_by_user"] is False


def test_answer_deadline_met_by_answer_and_missed_without(org, new_case):
    case = new_case()  # Illinois, judicial
    add_event(org.attorney, case["id"], "complaint_served", "2026-04-17")
    answer = deadlines(org.attorney, case["id"])["answer_due"]
    assert answer["binds"] == "borrower"
    assert answer["due_on"] == "2026-05-18"  # 30 days = Sunday 2026-05-17, rolled to Monday
    assert "rolled" in answer["explanation"]
    assert answer["status"] == "missed"  # past, not met (today is later than 2026-05-18)
    add_event(org.attorney, case["id"], "answer_filed", "2026-05-15")
    answer = deadlines(org.attorney, case["id"])["answer_due"]
    assert answer["status"] == "met" and answer["met_on"] == "2026-05-15"


def test_bankruptcy_tolls_foreclosure_deadlines_until_it_closes(org, new_case):
    case = new_case(property={"state": "MN", "zip": "55406"}, foreclosure_process="nonjudicial")
    today = dt.date.today()
    sale_on = (today - dt.timedelta(days=30)).isoformat()
    add_event(org.attorney, case["id"], "sale_held", sale_on, sale_price="100000.00")
    assert deadlines(org.attorney, case["id"])["redemption_period_end"]["status"] == "open"
    filed = add_event(org.attorney, case["id"], "bankruptcy_filed", (today - dt.timedelta(days=10)).isoformat())
    tolled = deadlines(org.attorney, case["id"])["redemption_period_end"]
    assert tolled["status"] == "tolled" and "362" in tolled["explanation"]
    assert deadlines(org.attorney, case["id"], status="tolled")
    add_event(org.attorney, case["id"], "bankruptcy_closed", (today - dt.timedelta(days=1)).isoformat())
    reopened = deadlines(org.attorney, case["id"])["redemption_period_end"]
    assert reopened["status"] == "open" and "108" in reopened["explanation"]
    assert filed


def test_stage_follows_events_and_outcome_closes(org, new_case):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}"
    assert org.attorney.get(path).get_json()["stage"] == "intake"
    add_event(org.attorney, case["id"], "first_missed_payment", "2026-01-01")
    assert org.attorney.get(path).get_json()["stage"] == "delinquent"
    add_event(org.attorney, case["id"], "complaint_filed", "2026-06-01")
    assert org.attorney.get(path).get_json()["stage"] == "foreclosure_filed"
    stages = org.viewer.get(f"{path}/stages").get_json()
    assert [h["stage"] for h in stages["history"]] == ["intake", "delinquent", "foreclosure_filed"]
    add_event(org.attorney, case["id"], "modification_approved", "2026-07-01")
    body = org.attorney.get(path).get_json()
    assert body["stage"] == "closed" and body["outcome"] == "modified"
    assert org.attorney.get("/api/v1/cases?stage=closed").get_json()["total"] == 1


def test_outcome_set_by_a_user_closes_the_case(org, new_case):
    case = new_case()
    response = org.attorney.patch(
        f"/api/v1/cases/{case['id']}", json={"outcome": "dismissed"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200
    assert response.get_json()["stage"] == "closed" and response.get_json()["outcome"] == "dismissed"


@pytest.mark.parametrize(
    "state,process,owed,sale,expected,recoverable",
    [
        ("IL", None, "600000.00", "450000.00", "150000.00", "yes"),  # seed 004: Illinois, recourse
        ("NY", None, "250000.00", "200000.00", "50000.00", "yes"),  # seed 002: a recourse state
        ("CA", "nonjudicial", "250000.00", "200000.00", "50000.00", "no"),  # CCP 580d: none after a trustee's sale
    ],
)
def test_deficiency_seeds_through_the_api(org, state, process, owed, sale, expected, recoverable):
    zips = {"IL": "60613", "NY": "12207", "CA": "95814"}
    payload = case_payload(
        property={"state": state, "zip": zips[state]},
        foreclosure_process=process,
        loan={
            "unpaid_principal": owed,
            "accrued_interest": "0.00",
            "fees_and_costs": "0.00",
            "credits": "0.00",
            "purpose": "refinance",
        },
    )
    case = org.attorney.post("/api/v1/cases", json=payload).get_json()
    add_event(org.attorney, case["id"], "sale_held", "2026-03-02", sale_price=sale)
    body = org.viewer.get(f"/api/v1/cases/{case['id']}/deficiency").get_json()
    assert body["deficiency"] == expected and body["recoverable"] == recoverable
    assert body["citation"] and body["reason"] and "Not legal advice" in body["disclaimer"]


def test_seed_example_with_costs(org):
    """Seed 003: $220,000 owed with fees and costs, a $150,000 sale: $70,000."""
    payload = case_payload(
        loan={
            "unpaid_principal": "200000.00",
            "accrued_interest": "8000.00",
            "fees_and_costs": "12000.00",
            "credits": "0.00",
        }
    )
    case = org.attorney.post("/api/v1/cases", json=payload).get_json()
    add_event(org.attorney, case["id"], "sale_held", "2026-03-02", sale_price="150000.00")
    body = org.attorney.get(f"/api/v1/cases/{case['id']}/deficiency").get_json()
    assert body["amount_owed"] == "220000.00" and body["deficiency"] == "70000.00"


def test_caseload_view_soonest_first_with_filters(org, new_case):
    first = new_case(assigned_to=org.attorney.user_id)
    second = new_case(assigned_to=org.counselor.user_id)
    add_event(org.attorney, first["id"], "first_missed_payment", "2026-02-01")
    add_event(org.attorney, second["id"], "first_missed_payment", "2026-01-01")
    body = org.viewer.get("/api/v1/deadlines?per_page=100").get_json()
    dues = [d["due_on"] for d in body["items"]]
    assert dues == sorted(dues) and body["total"] == 6
    assert body["items"][0]["case"]["client_name"] == "Maria Gonzalez"
    mine = org.viewer.get(f"/api/v1/deadlines?assigned_to={org.counselor.user_id}").get_json()
    assert {d["case_id"] for d in mine["items"]} == {second["id"]}
    marks = org.viewer.get("/api/v1/deadlines?kind=reg_x_120_day_mark&due_after=2026-05-10").get_json()
    assert [d["case_id"] for d in marks["items"]] == [first["id"]]
    assert org.viewer.get("/api/v1/deadlines?due_after=2026-05-10&due_before=2026-05-01").status_code == 422
    assert org.viewer.get("/api/v1/deadlines?status=bogus").status_code == 422


@pytest.mark.parametrize(
    "body,field",
    [
        ({"type": "first_missed_payment", "occurred_on": "2999-01-01"}, "occurred_on"),  # in the future
        ({"type": "first_missed_payment", "occurred_on": "1899-01-01"}, "occurred_on"),
        ({"type": "tea_party", "occurred_on": "2026-01-01"}, "type"),
        ({"type": "sale_held", "occurred_on": "2026-01-01", "details": {"sale_price": 1000.5}}, "details.sale_price"),
        ({"type": "sale_held", "occurred_on": "2026-01-01", "details": {"colour": "red"}}, "details.colour"),
        (
            {"type": "servicer_responded", "occurred_on": "2026-01-01", "details": {"in_reply_to": 999999}},
            "details.in_reply_to",
        ),
        (
            {"type": "pre_foreclosure_notice_sent", "occurred_on": "2026-01-01", "details": {"notice_id": "nope"}},
            "details.notice_id",
        ),
        ({"occurred_on": "2026-01-01"}, "type"),
    ],
)
def test_bad_events_are_refused_and_change_nothing(org, new_case, body, field):
    case = new_case()
    response = org.attorney.post(f"/api/v1/cases/{case['id']}/events", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert org.attorney.get(f"/api/v1/cases/{case['id']}/events").get_json()["total"] == 0
    assert org.attorney.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["total"] == 0


def test_a_scheduled_sale_may_be_in_the_future(org, new_case):
    case = new_case()
    sale_on = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    add_event(org.attorney, case["id"], "sale_scheduled", sale_on)
    assert deadlines(org.attorney, case["id"])["sale_date"]["due_on"] == sale_on


def test_only_one_first_missed_payment(org, new_case):
    case = new_case()
    add_event(org.attorney, case["id"], "first_missed_payment", "2026-01-01")
    again = org.attorney.post(
        f"/api/v1/cases/{case['id']}/events", json={"type": "first_missed_payment", "occurred_on": "2026-02-01"}
    )
    assert again.status_code == 422


def test_servicer_clocks_from_a_notice_of_error(org, new_case):
    case = new_case()
    notice = add_event(org.attorney, case["id"], "notice_of_error_sent", "2026-03-02")
    found = deadlines(org.attorney, case["id"])
    assert found["servicer_acknowledgment_due"]["due_on"] == "2026-03-09"  # 5 business days
    assert found["servicer_response_due"]["due_on"] == "2026-04-13"  # 30 business days
    add_event(org.attorney, case["id"], "servicer_acknowledged", "2026-03-06", in_reply_to=notice["id"])
    assert deadlines(org.attorney, case["id"])["servicer_acknowledgment_due"]["status"] == "met"


def test_viewer_cannot_add_events_or_deadlines(org, new_case):
    case = new_case()
    assert (
        org.viewer.post(
            f"/api/v1/cases/{case['id']}/events", json={"type": "first_missed_payment", "occurred_on": "2026-01-01"}
        ).status_code
        == 403
    )
    assert (
        org.viewer.post(
            f"/api/v1/cases/{case['id']}/deadlines", json={"title": "x", "due_on": "2026-01-01"}
        ).status_code
        == 403
    )


def test_computed_deadlines_cannot_be_deleted_or_redated(org, new_case):
    case = new_case()
    add_event(org.attorney, case["id"], "first_missed_payment", "2026-01-01")
    mark = deadlines(org.attorney, case["id"])["reg_x_120_day_mark"]
    assert org.attorney.delete(f"/api/v1/deadlines/{mark['id']}").status_code == 409
    response = org.attorney.patch(f"/api/v1/deadlines/{mark['id']}", json={"due_on": "2027-01-01"})
    assert response.status_code == 422 and "due_on" in response.get_json()["errors"]


def test_a_process_the_state_does_not_use_is_refused(org):
    response = org.attorney.post(
        "/api/v1/cases", json=case_payload(property={"state": "NY", "zip": "12207"}, foreclosure_process="nonjudicial")
    )
    assert response.status_code == 422 and "foreclosure_process" in response.get_json()["errors"]


def test_jurisdictions_list_and_detail(org):
    listing = org.viewer.get("/api/v1/jurisdictions").get_json()
    assert len(listing) == 51 and {j["code"] for j in listing} >= {"DC", "IL", "MN", "WY"}
    detail = org.viewer.get("/api/v1/jurisdictions/MN").get_json()
    rules = detail["rules"]
    assert rules["redemption"]["periods"][0]["citation"]
    assert rules["foreclosure_process"]["checked_on"] and rules["foreclosure_process"]["confidence"]
    assert "Not legal advice" in detail["disclaimer"]
    assert org.viewer.get("/api/v1/jurisdictions/ZZ").status_code == 404


def test_jurisdiction_detail_shows_rules_not_research_notes(org):
    """Reviewers' notes (which copy of a statute was read where) stay in the rules files; users get each rule
    with its citation, source, date checked, confidence and unknowns; code and name once."""
    detail = org.viewer.get("/api/v1/jurisdictions/IL").get_json()
    assert '"notes"' not in json.dumps(detail) and "Justia" not in json.dumps(detail)
    assert "code" not in detail["rules"] and "name" not in detail["rules"]
    assert detail["code"] == "IL" and detail["rules"]["reviewed"]["on"]
    assert detail["rules"]["deficiency"]["general"]["citation"]


def test_jurisdiction_items_checked_over_a_year_ago_are_flagged(org, monkeypatch):
    fresh = org.viewer.get("/api/v1/jurisdictions/MN").get_json()
    assert fresh["stale"] == []  # every MN item was checked in November 2026
    monkeypatch.setattr(jurisdictions_api, "local_today", lambda timezone: dt.date(2027, 11, 25))
    later = org.viewer.get("/api/v1/jurisdictions/MN").get_json()["stale"]
    by_path = {item["path"]: item for item in later}
    assert by_path["foreclosure_process"] == {
        "path": "foreclosure_process",
        "checked_on": "2026-11-23",
        "days_old": 367,
    }
    assert "computation_of_time" not in by_path  # checked 2026-11-27: 363 days, not yet stale
    assert later == sorted(later, key=lambda item: (-item["days_old"], item["path"]))


def test_kinds_and_stages_are_listed(org):
    kinds = {k["kind"] for k in org.viewer.get("/api/v1/deadline-kinds").get_json()}
    assert {
        "reg_x_120_day_mark",
        "answer_due",
        "redemption_period_end",
        "deficiency_filing_deadline",
        "servicer_response_due",
        "scra_protection_end",
        "sale_date",
        "manual",
    } <= kinds
    assert org.viewer.get("/api/v1/stages").get_json()[0] == "intake"


def test_daily_refresh_moves_statuses_with_time(org, new_case, db_session):
    """No new event, only time passing: the refresh turns an open borrower deadline into missed."""
    from service.deadlines.service import refresh_all

    case = new_case()
    served = (dt.date.today() - dt.timedelta(days=5)).isoformat()
    add_event(org.attorney, case["id"], "complaint_served", served)
    assert deadlines(org.attorney, case["id"])["answer_due"]["status"] == "open"
    later = dt.date.today() + dt.timedelta(days=60)
    assert refresh_all(db_session, lambda _org_id: later) >= 1
    assert deadlines(org.attorney, case["id"])["answer_due"]["status"] == "missed"
    refresh_all(db_session, lambda _org_id: dt.date.today())  # and back, idempotently
    assert deadlines(org.attorney, case["id"])["answer_due"]["status"] == "open"


def test_case_facts_the_rules_select_on_are_validated_audited_and_named(org, new_case):
    # Minnesota, sale on Sunday 2026-09-06: 6 months ends Saturday 2027-03-06 (Minn. Stat. §§ 580.23, 645.15)
    case = new_case(property={"state": "MN", "zip": "55401", "acreage": None}, foreclosure_process="nonjudicial")
    assert case["property"]["homestead_claimed"] is None and case["loan"]["executed_on"] is None
    add_event(org.attorney, case["id"], "sale_held", "2026-09-06")
    unknown = deadlines(org.viewer, case["id"])["redemption_period_end"]
    assert (unknown["due_on"], unknown["expires_on"], unknown["verify_manually"]) == ("2027-03-05", "2027-03-08", True)
    assert {a["due_on"] for a in unknown["alternatives"]} == {"2027-09-03"}
    assert all("580.23, subd. 2" in a["condition"] for a in unknown["alternatives"])

    case = org.viewer.get(f"/api/v1/cases/{case['id']}").get_json()
    bad = org.attorney.patch(
        f"/api/v1/cases/{case['id']}",
        headers={"If-Match": f'"{case["version"]}"'},
        json={
            "loan": {"executed_on": "2016-02-30", "original_principal": "abc"},
            "property": {"agricultural_use": "sometimes"},
        },
    )
    assert bad.status_code == 422
    assert sorted(bad.get_json()["errors"]) == [
        "loan.executed_on",
        "loan.original_principal",
        "property.agricultural_use",
    ]
    assert org.viewer.get(f"/api/v1/cases/{case['id']}").get_json()["version"] == case["version"]  # nothing changed

    facts = {
        "loan": {
            "original_principal": "200000.00",
            "amount_claimed_at_sale": "180000.00",
            "executed_on": "2015-06-01",
            "deficiency_waived_by_lender": False,
        },
        "property": {"acreage": "0.300", "homestead_claimed": True, "agricultural_use": False},
    }
    response = org.attorney.patch(
        f"/api/v1/cases/{case['id']}", headers={"If-Match": f'"{case["version"]}"'}, json=facts
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["loan"]["original_principal"] == "200000.00" and body["loan"]["executed_on"] == "2015-06-01"
    assert body["property"]["homestead_claimed"] is True and body["loan"]["deficiency_waived_by_lender"] is False
    known = deadlines(org.viewer, case["id"])["redemption_period_end"]
    assert (known["due_on"], known["verify_manually"], known["alternatives"]) == ("2027-03-05", False, [])
    assert "the acreage is 0.300" in known["explanation"]
    assert "180000.00 of an original principal of 200000.00" in known["explanation"]

    history = org.viewer.get(f"/api/v1/cases/{case['id']}/history").get_json()["items"]
    changes = history[-1]["changes"]
    assert changes["loan.executed_on"] == {"before": None, "after": "2015-06-01"}
    assert changes["loan.original_principal"] == {"before": None, "after": "200000.00"}
    assert changes["property.homestead_claimed"] == {"before": None, "after": True}


def test_a_deadline_has_one_shape_in_every_answer(org, new_case):
    """The answers to POST, PATCH and GET carry the same fields, the case's summary included."""
    case = new_case()
    created = org.attorney.post(
        f"/api/v1/cases/{case['id']}/deadlines", json={"title": "Send the hardship letter", "due_on": "2026-12-10"}
    )
    assert created.status_code == 201
    path = f"/api/v1/deadlines/{created.get_json()['id']}"
    changed = org.attorney.patch(path, json={"status": "met", "met_on": "2026-12-01"})
    read = org.attorney.get(path)
    assert changed.status_code == 200 and read.status_code == 200
    for answer in (created.get_json(), changed.get_json()):
        assert answer["case"] == read.get_json()["case"]
        assert answer["case"]["client_name"]
        assert set(answer) == set(read.get_json())
