"""The rest of a case page: stage and deficiency, communications with uploaded proof, waiver requests,
reminders, reports (request, watch, download) and history; as an admin and as a viewer."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import case_payload, org_today

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture()
def busy_case(web_org):  # noqa: ANN001
    """A case with a sale, a logged notice of error and a waiver request."""
    member = web_org.attorney
    today = org_today()
    case_id = member.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    for event_type, days, details in (
        ("first_missed_payment", 400, {}),
        ("complaint_served", 220, {}),
        ("judgment_entered", 90, {}),
        ("sale_held", 20, {"sale_price": "450000.00"}),
    ):
        response = member.post(
            f"/api/v1/cases/{case_id}/events",
            json={"type": event_type, "occurred_on": (today - dt.timedelta(days=days)).isoformat(), "details": details},
        )
        assert response.status_code == 201, response.get_json()
    response = member.post(
        f"/api/v1/cases/{case_id}/communications",
        json={
            "occurred_at": f"{(today - dt.timedelta(days=5)).isoformat()}T10:00:00",
            "channel": "certified_mail",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "counterparty_name": "Midland",
            "category": "notice_of_error",
            "subject": "Notice of error: fees",
        },
    )
    assert response.status_code == 201, response.get_json()
    return case_id


def test_upload_proof_and_request_a_report_then_download_it(signed_in, web_org, busy_case, database_url, tmp_path):
    tab = signed_in("attorney")
    tab.goto(f"/cases/{busy_case}")
    assert "Sale held" in tab.page.locator("#stage").inner_text()
    assert "$" in tab.page.locator("#stage").inner_text()
    assert "Notice of error acknowledgment" in tab.page.locator("#communications").inner_text()

    proof = tmp_path / "noe-proof.pdf"
    proof.write_bytes(MINIMAL_PDF)
    tab.page.get_by_label("Proof to attach to this entry").set_input_files(str(proof))
    tab.page.get_by_role("button", name=re.compile("^Upload")).click()
    tab.page.wait_for_url(re.compile(r"#communication-\d+$"))
    tab.assert_accessible()
    link = tab.page.get_by_role("link", name="noe-proof.pdf")
    with tab.page.expect_download() as download_info:
        link.click()
    assert download_info.value.path().read_bytes() == MINIMAL_PDF

    tab.page.get_by_label("Report type").select_option("case_timeline")
    tab.page.get_by_role("button", name="Request report").click()
    tab.page.wait_for_url(re.compile(r"#reports$"))
    tab.assert_accessible()
    item = tab.page.locator("#reports li", has_text="Case timeline")
    assert "Queued" in item.inner_text() or "queued" in item.inner_text().lower()

    # The worker's job, done here: the page polls and shows the result without a reload.
    from sqlalchemy import select

    from models.reports import Report
    from service.db import session_factory
    from service.reports.service import render_report

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        report_id = session.scalar(select(Report.id).where(Report.case_id == busy_case))
        render_report(session, report_id)
    download = tab.page.get_by_role("link", name=re.compile("^Download PDF"))
    download.wait_for(timeout=20_000)
    tab.page.locator("#status").filter(has_text="ready").wait_for()
    tab.assert_accessible()
    with tab.page.expect_download() as download_info:
        download.click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF")


def test_a_file_of_the_wrong_type_is_refused_next_to_its_field(signed_in, busy_case, tmp_path):
    tab = signed_in("paralegal")
    tab.goto(f"/cases/{busy_case}")
    bad = tmp_path / "program.exe"
    bad.write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 4)
    tab.page.get_by_label("Proof to attach to this entry").set_input_files(str(bad))
    tab.page.get_by_role("button", name=re.compile("^Upload")).click()
    tab.page.wait_for_load_state("load")
    field = tab.page.get_by_label("Proof to attach to this entry")
    assert field.get_attribute("aria-invalid") == "true"
    tab.assert_accessible()


def test_log_a_communication_from_the_page(signed_in, web_org, busy_case):
    tab = signed_in("counselor")
    tab.goto(f"/cases/{busy_case}")
    tab.page.get_by_text("Log a communication").click()
    tab.page.get_by_label("Occurred at").fill(f"{(org_today() - dt.timedelta(days=1)).isoformat()}T09:30")
    tab.page.get_by_label("Direction").select_option("inbound")
    tab.page.get_by_label("Channel").select_option("phone")
    tab.page.get_by_label("Counterparty", exact=True).select_option("servicer")
    tab.page.get_by_label("Category").select_option("other")
    tab.page.get_by_label("Subject").fill("Called about the payoff")
    tab.page.get_by_role("button", name="Log communication").click()
    tab.page.wait_for_url(re.compile(r"#communications$"))
    tab.assert_accessible()
    assert "Called about the payoff" in tab.page.locator("#communications").inner_text()
    items = web_org.attorney.get(f"/api/v1/cases/{busy_case}/communications").get_json()["items"]
    assert [i["subject"] for i in items if i["direction"] == "inbound"] == ["Called about the payoff"]


def test_a_viewer_sees_every_section_and_no_controls(signed_in, busy_case):
    tab = signed_in("viewer")
    tab.goto(f"/cases/{busy_case}")
    for section in ("#stage", "#communications", "#waivers", "#reminders", "#reports", "#history"):
        assert tab.page.locator(section).count() == 1, section
    assert "Create case" in tab.page.locator("#history").inner_text()  # the audit trail, with who did it
    assert tab.page.locator("main form").count() == 0
    assert tab.page.locator("input[type=file]").count() == 0
