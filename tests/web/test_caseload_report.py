"""The caseload's deadlines report (PDF), asked for from the Caseload page: the whole organisation or one
person's cases, so many days ahead; a bad field is shown next to itself and creates nothing; the report is
listed below the form, then downloadable; the API lists the organisation-level reports of its own
organisation only."""

from __future__ import annotations

import html
import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.web.conftest import csrf_from, with_passwords

FORM = "/caseload/deadlines-report"


def _org_reports(database_url: str, org_id: int) -> list:
    from models.reports import Report
    from service.db import session_factory

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        return list(session.scalars(select(Report).where(Report.org_id == org_id).order_by(Report.id)))


def _audits(database_url: str, org_id: int) -> int:
    from models.audit import AuditEntry
    from service.db import session_factory

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        return session.scalar(
            select(func.count()).where(AuditEntry.org_id == org_id, AuditEntry.entity_type == "report")
        )


def test_bad_fields_are_shown_next_to_themselves_and_create_nothing(page_client, web_org, other_org, database_url):
    client = page_client("attorney")
    response = client.post(FORM, {"report_days": "0", "report_assigned_to": "someone"})
    assert response.status_code == 422
    html = response.text
    assert 'id="f-report-days-error"' in html and "from 1 to 366" in html
    assert re.search(r'id="f-report-days"[^>]*aria-invalid="true"', html)
    assert re.search(r'id="f-report-assigned-to"[^>]*aria-invalid="true"', html)
    assert 'id="error-summary"' in html and 'href="#f-report-days"' in html
    assert 'value="0"' in html  # what was typed is kept

    # Another organisation's person is no one here: the service's answer, next to the field.
    stranger = other_org.attorney.user_id
    response = client.post(FORM, {"report_days": "14", "report_assigned_to": str(stranger)})
    assert response.status_code == 422
    assert f"No user {stranger} in your organisation." in response.text
    assert _org_reports(database_url, web_org.id) == [] and _audits(database_url, web_org.id) == 0


def test_a_request_is_queued_audited_listed_and_kept_in_its_organisation(page_client, web_org, other_org, database_url):
    client = page_client("attorney")
    person = web_org.paralegal.user_id
    response = client.post(FORM, {"report_days": "14", "report_assigned_to": str(person)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/cases#caseload-reports")
    [report] = _org_reports(database_url, web_org.id)
    assert (report.type, report.case_id, report.state) == ("caseload_deadlines", None, "queued")
    assert report.params == {"days": 14, "assigned_to": person}
    assert _audits(database_url, web_org.id) == 1

    page = html.unescape(client.get("/cases").text)
    assert "Requested the deadlines report for the next 14 days" in page
    assert (
        f'id="report-{report.id}"' in page and "Caseload deadlines</strong> (14 days ahead, one person's cases)" in page
    )

    listed = web_org.attorney.get("/api/v1/reports").get_json()
    assert [r["id"] for r in listed["items"]] == [report.id] and listed["total"] == 1
    assert other_org.attorney.get("/api/v1/reports").get_json()["items"] == []
    assert (
        f'id="report-{report.id}"'
        not in page_client("attorney", org=with_passwords(other_org, database_url)).get("/cases").text
    )


def test_a_viewer_sees_the_reports_but_cannot_ask_for_one(page_client, web_org, database_url):
    viewer = page_client("viewer")
    page = viewer.get("/cases").text
    assert "Deadlines report (PDF)" in page and 'action="/caseload/deadlines-report"' not in page
    assert viewer.post(FORM, {"report_days": "30", "report_assigned_to": ""}).status_code == 403
    assert _org_reports(database_url, web_org.id) == []


def test_without_the_form_token_nothing_is_created(page_client, web_org, database_url):
    client = page_client("attorney")
    assert client.post(FORM, {"report_days": "30"}, csrf=False).status_code == 400
    assert _org_reports(database_url, web_org.id) == []
    assert csrf_from(client.get("/cases").text)


def test_asked_for_in_the_browser_then_downloaded(signed_in, web_org, database_url):
    tab = signed_in("attorney")
    tab.goto("/cases")
    days = tab.page.get_by_label("Days ahead")
    days.fill("400")
    tab.page.get_by_role("button", name="Request the PDF").click()
    expect(tab.page.locator("#error-summary")).to_be_focused()
    assert days.get_attribute("aria-invalid") == "true"
    tab.assert_accessible()  # the page with the error shown

    tab.page.get_by_label("Days ahead").fill("21")
    tab.page.get_by_label("Whose cases").select_option(str(web_org.attorney.user_id))
    tab.page.get_by_role("button", name="Request the PDF").click()
    tab.page.wait_for_url(re.compile(r"#caseload-reports$"))
    tab.assert_accessible()
    item = tab.page.locator("#caseload-reports li", has_text="Caseload deadlines")
    assert "queued" in item.inner_text().lower()

    # The worker's job, done here: the list polls and shows the result without a reload.
    from service.db import session_factory
    from service.reports.service import render_report

    [report] = _org_reports(database_url, web_org.id)
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        render_report(session, report.id)
    download = tab.page.get_by_role("link", name=re.compile("^Download PDF"))
    download.wait_for(timeout=20_000)
    tab.assert_accessible()
    with tab.page.expect_download() as download_info:
        download.click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF")
