"""Deficiency-waiver requests: the deficiency from the calculator, percentages in exact decimals, the status
flow and its rules, offers in order, the follow-up deadline, the Form 1099-C warning, and tenancy."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest


def create(member, case_id, expect=201, **fields):
    body = {
        "resolution": "short_sale",
        "recipient": "Midland Mortgage, Loss Mitigation",
        "ask": "full_waiver",
        **fields,
    }
    response = member.post(f"/api/v1/cases/{case_id}/waiver-requests", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def patch(member, request_id, expect=200, **fields):
    response = member.patch(f"/api/v1/waiver-requests/{request_id}", json=fields)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def written_waiver(member, case_id) -> int:
    communication = member.post(
        f"/api/v1/cases/{case_id}/communications",
        json={
            "occurred_at": "2026-11-02T10:00:00",
            "channel": "letter",
            "direction": "inbound",
            "counterparty_type": "lender",
            "category": "decision",
            "subject": "Deficiency waiver",
        },
    ).get_json()
    response = member.client.post(
        f"/api/v1/communications/{communication['id']}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4 signed waiver"), "waiver.pdf")},
        headers={"Authorization": f"Bearer {member.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    return response.get_json()["id"]


def follow_ups(member, case_id):
    items = member.get(f"/api/v1/cases/{case_id}/deadlines?per_page=100").get_json()["items"]
    return [d for d in items if d["kind"] == "waiver_follow_up"]


def test_the_deficiency_defaults_to_the_calculators(org, new_case):
    case = new_case()
    unknown = create(org.attorney, case["id"])
    assert unknown["deficiency_amount"] is None and unknown["deficiency_source"] == "unknown"
    org.attorney.post(
        f"/api/v1/cases/{case['id']}/events",
        json={"type": "sale_held", "occurred_on": "2026-09-01", "details": {"sale_price": "450000.00"}},
    )
    calculated = org.attorney.get(f"/api/v1/cases/{case['id']}/deficiency").get_json()["deficiency"]
    assert calculated is not None
    request = create(org.attorney, case["id"], resolution="post_sale")
    assert request["deficiency_amount"] == calculated and request["deficiency_source"] == "calculator"
    entered = create(org.attorney, case["id"], deficiency_amount="100000.00")
    assert entered["deficiency_amount"] == "100000.00" and entered["deficiency_source"] == "entered"
    assert "Not legal advice" in entered["disclaimer"]


@pytest.mark.parametrize(
    "deficiency, settlement, percent",
    [
        ("100000.00", "12345.67", "12.35"),
        ("100000.00", "33333.33", "33.33"),
        ("1000.00", "1.25", "0.13"),  # 0.125 % rounds half-up (not to even)
        ("80000.00", "80000.00", "100.00"),
    ],
)
def test_settlement_percentage_is_exact(org, new_case, deficiency, settlement, percent):
    case = new_case()
    request = create(
        org.attorney, case["id"], ask="settlement", deficiency_amount=deficiency, settlement_amount=settlement
    )
    assert request["settlement_amount"] == settlement and request["settlement_percentage"] == percent


def test_terms_are_checked(org, new_case):
    case = new_case()
    assert "settlement_amount" in create(org.attorney, case["id"], expect=422, ask="settlement")["errors"]
    assert "settlement_amount" in create(org.attorney, case["id"], expect=422, settlement_amount="5.00")["errors"]
    assert (
        "settlement_amount"
        in create(
            org.attorney,
            case["id"],
            expect=422,
            ask="settlement",
            deficiency_amount="100.00",
            settlement_amount="100.01",
        )["errors"]
    )
    assert (
        "settlement_amount"
        in create(org.attorney, case["id"], expect=422, ask="settlement", settlement_amount=1000)["errors"]
    )  # money is a string, never a number
    errors = create(org.attorney, case["id"], expect=422, status="sent")["errors"]
    assert set(errors) == {"sent_on", "method"}
    assert org.viewer.post(f"/api/v1/cases/{case['id']}/waiver-requests", json={}).status_code == 403
    assert org.attorney.get(f"/api/v1/cases/{case['id']}/waiver-requests").get_json()["total"] == 0


def test_status_flow_follow_up_and_written_waiver(org, new_case):
    case = new_case()
    request = create(
        org.attorney, case["id"], ask="settlement", deficiency_amount="50000.00", settlement_amount="5000.00"
    )
    assert request["status"] == "draft" and request["allowed_next_statuses"] == ["sent", "withdrawn"]
    assert follow_ups(org.attorney, case["id"]) == []
    # Illegal moves answer 409; missing rule fields 422.
    assert "draft to granted" in patch(org.attorney, request["id"], 409, status="granted")["detail"]
    assert set(patch(org.attorney, request["id"], 422, status="sent")["errors"]) == {"sent_on", "method"}
    sent = patch(org.attorney, request["id"], status="sent", sent_on="2026-10-01", method="certified_mail")
    assert sent["follow_up_due_on"] == "2026-10-31"
    [deadline] = follow_ups(org.attorney, case["id"])
    assert deadline["due_on"] == "2026-10-31" and deadline["status"] == "open"
    assert "Midland" in deadline["explanation"] and "Not legal advice" in deadline["explanation"]
    # The follow-up survives a recompute (it is kept like a manual deadline) and moves with its settings.
    org.attorney.post(
        f"/api/v1/cases/{case['id']}/events", json={"type": "first_missed_payment", "occurred_on": "2026-01-01"}
    )
    assert len(follow_ups(org.attorney, case["id"])) == 1
    patch(org.attorney, request["id"], follow_up_days=45)
    [moved] = follow_ups(org.attorney, case["id"])
    assert moved["id"] == deadline["id"] and moved["due_on"] == "2026-11-15" and moved["sequence"] == 1
    # The terms are frozen once sent: negotiate with offers instead.
    assert "offer" in patch(org.attorney, request["id"], 409, settlement_amount="6000.00")["detail"]
    # Granted needs the written waiver, attached on the same case.
    errors = patch(org.attorney, request["id"], 422, status="granted")["errors"]
    assert "written_waiver_attachment_id" in errors
    other_case = new_case()
    elsewhere = written_waiver(org.attorney, other_case["id"])
    assert (
        "written_waiver_attachment_id"
        in patch(org.attorney, request["id"], 422, status="granted", written_waiver_attachment_id=elsewhere)["errors"]
    )
    assert patch(org.attorney, request["id"], status="acknowledged")["status"] == "acknowledged"
    attachment = written_waiver(org.attorney, case["id"])
    granted = patch(org.attorney, request["id"], status="granted", written_waiver_attachment_id=attachment)
    assert granted["status"] == "granted" and granted["allowed_next_statuses"] == []
    [met] = follow_ups(org.attorney, case["id"])
    assert met["status"] == "met"
    # Final.
    assert "final" in patch(org.attorney, request["id"], 409, status="withdrawn")["detail"]
    assert patch(org.attorney, request["id"], notes="Signed waiver filed.")["notes"] == "Signed waiver filed."
    history = org.attorney.get(f"/api/v1/cases/{case['id']}/history?per_page=100").get_json()["items"]
    assert [
        h["changes"]["status"]["after"]
        for h in history
        if h["entity_type"] == "waiver_request" and h["action"] == "update" and "status" in h["changes"]
    ] == ["sent", "acknowledged", "granted"]


def test_withdrawn_and_denied_are_final_and_stop_the_follow_up(org, new_case):
    case = new_case()
    withdrawn = create(org.attorney, case["id"], status="sent", sent_on="2026-10-01", method="email")
    assert len(follow_ups(org.attorney, case["id"])) == 1
    patch(org.attorney, withdrawn["id"], status="withdrawn")
    assert follow_ups(org.attorney, case["id"]) == []
    assert "final" in patch(org.attorney, withdrawn["id"], 409, status="sent")["detail"]
    denied = create(org.attorney, case["id"], status="sent", sent_on="2026-10-01", method="fax")
    result = patch(org.attorney, denied["id"], status="denied", answered_on="2026-10-20")
    assert result["form_1099c"]["possible"] is False
    assert follow_ups(org.attorney, case["id"])[0]["status"] == "met"
    assert "final" in patch(org.attorney, denied["id"], 409, status="granted")["detail"]
    assert (
        "answered_on"
        in patch(
            org.attorney,
            create(org.attorney, case["id"], status="sent", sent_on="2026-10-01", method="fax")["id"],
            422,
            status="acknowledged",
            answered_on="2026-09-01",
        )["errors"]
    )


def test_offers_and_counter_offers_are_kept_in_order(org, new_case):
    case = new_case()
    request = create(
        org.attorney, case["id"], ask="settlement", deficiency_amount="80000.00", settlement_amount="4000.00"
    )
    offer = {"offered_by": "borrower", "offered_on": "2026-10-02", "terms": "settlement", "amount": "4000.00"}
    assert org.attorney.post(f"/api/v1/waiver-requests/{request['id']}/offers", json=offer).status_code == 409
    patch(org.attorney, request["id"], status="sent", sent_on="2026-10-01", method="portal")
    for body in (
        offer,
        {
            "offered_by": "lender",
            "offered_on": "2026-10-15",
            "terms": "settlement",
            "amount": "12000.00",
            "note": "Counter-offer",
        },
        {"offered_by": "borrower", "offered_on": "2026-10-20", "terms": "settlement", "amount": "6666.67"},
    ):
        response = org.attorney.post(f"/api/v1/waiver-requests/{request['id']}/offers", json=body)
        assert response.status_code == 201, response.get_json()
    offers = response.get_json()["offers"]
    assert [(o["position"], o["offered_by"], o["amount"], o["percentage"]) for o in offers] == [
        (1, "borrower", "4000.00", "5.00"),
        (2, "lender", "12000.00", "15.00"),
        (3, "borrower", "6666.67", "8.33"),
    ]
    bad = org.attorney.post(
        f"/api/v1/waiver-requests/{request['id']}/offers", json={**offer, "offered_on": "2026-09-01"}
    )
    assert bad.status_code == 422 and "offered_on" in bad.get_json()["errors"]
    bad = org.attorney.post(f"/api/v1/waiver-requests/{request['id']}/offers", json={**offer, "amount": None})
    assert bad.status_code == 422 and "amount" in bad.get_json()["errors"]
    assert org.viewer.post(f"/api/v1/waiver-requests/{request['id']}/offers", json=offer).status_code == 403


def test_form_1099c_flag_and_checklist(org, new_case):
    case = new_case()
    request = create(org.attorney, case["id"], deficiency_amount="30000.00")
    flag = request["form_1099c"]
    assert flag["possible"] is True and "tax adviser" in flag["advice"] and flag["client_told"] is False
    assert any("6050P" in s for s in flag["sources"]) and any("p4681" in s for s in flag["sources"])
    items = {i["item"]: i["done"] for i in request["checklist"]}
    tax_item = next(i for i in items if "1099-C" in i)
    assert items[tax_item] is False
    told = patch(org.attorney, request["id"], client_told_about_1099c=True)
    assert {i["item"]: i["done"] for i in told["checklist"]}[tax_item] is True
    nothing = create(org.attorney, case["id"], deficiency_amount="0.00")
    assert nothing["form_1099c"]["possible"] is False
    assert not any("1099-C" in i["item"] for i in nothing["checklist"])


def test_waiver_requests_do_not_leak_across_organisations(org, other_org, new_case):
    case = new_case()
    request = create(org.attorney, case["id"], status="sent", sent_on="2026-10-01", method="email")
    for member in (other_org.admin, other_org.viewer):
        assert member.get(f"/api/v1/waiver-requests/{request['id']}").status_code == 404
        assert member.patch(f"/api/v1/waiver-requests/{request['id']}", json={"status": "granted"}).status_code == 404
        assert member.post(f"/api/v1/waiver-requests/{request['id']}/offers", json={}).status_code == 404
        assert member.get(f"/api/v1/cases/{case['id']}/waiver-requests").status_code == 404
    assert org.viewer.get(f"/api/v1/waiver-requests/{request['id']}").get_json()["status"] == "sent"


def test_report_data_functions(org, new_case, db_session):
    from service.communications.compliance import communications_log
    from service.errors import Problem
    from service.waivers.service import waiver_letter_data

    case = new_case()
    org.attorney.post(
        f"/api/v1/cases/{case['id']}/communications",
        json={
            "occurred_at": "2026-10-01T10:00:00",
            "channel": "certified_mail",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "category": "notice_of_error",
        },
    )
    attachment = written_waiver(org.attorney, case["id"])
    request = create(
        org.attorney,
        case["id"],
        deficiency_amount="20000.00",
        status="sent",
        sent_on="2026-10-01",
        method="letter",
        written_waiver_attachment_id=attachment,
    )
    log = communications_log(db_session, org.id, case["id"])
    assert [e["category"] for e in log["entries"]] == ["notice_of_error", "decision"]
    assert log["entries"][1]["attachments"][0]["sha256"] and log["servicer_compliance"]
    assert "Not legal advice" in log["disclaimer"]
    letter = waiver_letter_data(db_session, org.id, request["id"])
    assert letter["case"]["loan"]["loan_number"] == "4000123456"  # in full: the letter goes to the lender
    assert letter["waiver_request"]["deficiency_amount"] == Decimal("20000.00")
    assert letter["waiver_request"]["form_1099c"]["possible"] is True and "Not legal advice" in letter["disclaimer"]
    with pytest.raises(Problem):
        waiver_letter_data(db_session, org.id + 10_000, request["id"])
