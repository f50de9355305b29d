"""Deficiency-waiver requests worked from the case page: open one, send it, record offers, grant it with the
written waiver attached; each form's errors next to its fields with nothing written; viewers and other
organisations kept out."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from models.waivers import WaiverOffer, WaiverRequest
from service.db import session_factory
from tests.conftest import case_payload, org_today
from tests.web.conftest import with_passwords
from tests.web.test_case_sections import MINIMAL_PDF, busy_case  # noqa: F401 - the fixture


def _waivers(member, case_id):
    return member.get(f"/api/v1/cases/{case_id}/waiver-requests").get_json()["items"]


def _counts(database_url):
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        return (
            session.scalar(select(func.count()).select_from(WaiverRequest)),
            session.scalar(select(func.count()).select_from(WaiverOffer)),
        )


def test_open_send_offer_and_grant_a_waiver_request_in_the_browser(signed_in, web_org, busy_case, tmp_path):  # noqa: F811
    tab = signed_in("attorney")
    tab.goto(f"/cases/{busy_case}")
    waivers = tab.page.locator("#waivers")
    waivers.get_by_text("New waiver request").click()
    waivers.get_by_label("Resolution").select_option("short_sale")
    waivers.get_by_label("Recipient (lender, servicer or investor)").fill("Midland Mortgage")
    waivers.get_by_label("What the client asks").select_option("full_waiver")
    waivers.get_by_role("button", name="Open waiver request").click()
    tab.page.wait_for_url(re.compile(r"#waivers$"))
    tab.assert_accessible()
    [request] = _waivers(web_org.attorney, busy_case)
    assert request["status"] == "draft" and request["deficiency_source"] in ("calculator", "unknown")

    box = tab.page.locator(f"#waiver-{request['id']}")
    box.get_by_text("Record progress").click()
    box.get_by_label("New status").select_option("sent")
    box.get_by_label("Sent on").fill((org_today() - dt.timedelta(days=3)).isoformat())
    box.get_by_label("Sent by").select_option("certified_mail")
    box.get_by_role("button", name="Save progress").click()
    tab.page.wait_for_url(re.compile(rf"#waiver-{request['id']}$"))
    tab.assert_accessible()
    box = tab.page.locator(f"#waiver-{request['id']}")
    assert "sent" in box.inner_text().lower() and "follow up by" in box.inner_text()

    box.get_by_text("Record an offer").click()
    box.get_by_label("Offered by").select_option("lender")
    box.get_by_label("Offered on").fill(org_today().isoformat())
    box.get_by_label("Terms").select_option("settlement")
    box.get_by_label("Amount").fill("$4,500.00")
    box.get_by_role("button", name="Record offer").click()
    tab.page.wait_for_url(re.compile(rf"#waiver-{request['id']}$"))
    box = tab.page.locator(f"#waiver-{request['id']}")
    assert "$4,500.00" in box.locator("ol").inner_text()

    # Granted needs the signed waiver: without it the form says so next to the field, and nothing changes.
    box.get_by_text("Record progress").click()
    box.get_by_label("New status").select_option("granted")
    box.get_by_role("button", name="Save progress").click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    assert _waivers(web_org.attorney, busy_case)[0]["status"] == "sent"
    box = tab.page.locator(f"#waiver-{request['id']}")
    assert box.locator("[aria-invalid=true]").count() >= 1

    signed = tmp_path / "signed-waiver.pdf"
    signed.write_bytes(MINIMAL_PDF)
    tab.page.get_by_label("Proof to attach to this entry").set_input_files(str(signed))
    tab.page.get_by_role("button", name=re.compile("^Upload")).click()
    tab.page.wait_for_url(re.compile(r"#communication-\d+$"))
    tab.assert_accessible()
    box = tab.page.locator(f"#waiver-{request['id']}")
    box.get_by_text("Record progress").click()
    box.get_by_label("New status").select_option("granted")
    box.get_by_label("Written waiver (an attached file)").select_option(index=1)
    box.locator("label", has_text="Client told about Form 1099-C").click()  # USWDS draws the box on the label
    box.get_by_role("button", name="Save progress").click()
    tab.page.wait_for_url(re.compile(rf"#waiver-{request['id']}$"))
    tab.assert_accessible()
    granted = _waivers(web_org.attorney, busy_case)[0]
    assert granted["status"] == "granted" and granted["written_waiver_attachment_id"]
    assert all(item["done"] for item in granted["checklist"])
    assert tab.page.locator(f"#waiver-{request['id']}").get_by_text("Record progress").count() == 0  # final


def test_a_bad_waiver_form_shows_errors_next_to_fields_and_writes_nothing(page_client, busy_case, database_url):  # noqa: F811
    client = page_client("paralegal")
    before = _counts(database_url)
    response = client.post(
        f"/cases/{busy_case}/waiver-requests",
        {"resolution": "short_sale", "ask": "full_waiver", "deficiency_amount": "a lot"},
    )
    assert response.status_code == 422
    html = response.text
    assert re.search(r'id="waiver-f-recipient"[^>]*aria-invalid="true"', html, re.S)
    assert 'id="waiver-f-recipient-error"' in html and 'id="waiver-f-deficiency-amount-error"' in html
    assert _counts(database_url) == before


def test_offers_on_a_draft_are_refused_with_the_reason_and_nothing_written(
    page_client,
    web_org,
    busy_case,  # noqa: F811
    database_url,
):
    created = web_org.attorney.post(
        f"/api/v1/cases/{busy_case}/waiver-requests",
        json={"resolution": "deed_in_lieu", "recipient": "Midland", "ask": "full_waiver"},
    ).get_json()
    before = _counts(database_url)
    client = page_client("attorney")
    response = client.post(
        f"/waiver-requests/{created['id']}/offers",
        {"offered_by": "lender", "offered_on": org_today().isoformat(), "terms": "full_waiver"},
    )
    assert response.status_code == 422
    assert "while a request is sent or acknowledged" in response.text
    assert _counts(database_url) == before


def test_viewers_and_other_organisations_cannot_touch_waiver_requests(
    page_client,
    web_org,
    make_org,
    busy_case,  # noqa: F811
    database_url,
):
    created = web_org.attorney.post(
        f"/api/v1/cases/{busy_case}/waiver-requests",
        json={"resolution": "short_sale", "recipient": "Midland", "ask": "full_waiver"},
    ).get_json()
    before = _counts(database_url)
    viewer = page_client("viewer")
    assert (
        viewer.post(
            f"/cases/{busy_case}/waiver-requests", {"resolution": "short_sale", "recipient": "X", "ask": "full_waiver"}
        ).status_code
        == 403
    )
    assert viewer.post(f"/waiver-requests/{created['id']}", {"status": "withdrawn"}).status_code == 403
    other = make_org()
    outsider_case = other.attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    assert outsider_case
    stranger = page_client("attorney", org=with_passwords(other, database_url))
    assert stranger.post(f"/waiver-requests/{created['id']}", {"status": "withdrawn"}).status_code == 404
    assert (
        stranger.post(
            f"/cases/{busy_case}/waiver-requests", {"resolution": "short_sale", "recipient": "X", "ask": "full_waiver"}
        ).status_code
        == 404
    )
    assert _counts(database_url) == before
    assert _waivers(web_org.attorney, busy_case)[0]["status"] == "draft"


def test_proof_dropped_on_the_drop_zone_is_uploaded(signed_in, web_org, busy_case):  # noqa: F811
    """Drag-and-drop, as a browser delivers it: a drop event whose DataTransfer carries the file."""
    tab = signed_in("attorney")
    tab.goto(f"/cases/{busy_case}")
    zone = tab.page.locator("[data-drop-zone]").first
    data_transfer = tab.page.evaluate_handle(
        """(bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], "dropped-proof.pdf", {type: "application/pdf"}));
        return transfer;
    }""",
        list(MINIMAL_PDF),
    )
    zone.dispatch_event("dragover", {"dataTransfer": data_transfer})
    assert "drop-zone--over" in (zone.get_attribute("class") or "")
    zone.dispatch_event("drop", {"dataTransfer": data_transfer})
    assert "drop-zone--over" not in (zone.get_attribute("class") or "")
    tab.page.get_by_text("1 file(s) ready to upload: dropped-proof.pdf").wait_for(state="attached")
    zone.get_by_role("button", name=re.compile("^Upload")).click()
    tab.page.wait_for_url(re.compile(r"#communication-\d+$"))
    tab.assert_accessible()
    assert tab.page.get_by_role("link", name="dropped-proof.pdf").count() == 1
    items = web_org.attorney.get(f"/api/v1/cases/{busy_case}/communications").get_json()["items"]
    assert [a["filename"] for i in items for a in i["attachments"]] == ["dropped-proof.pdf"]
