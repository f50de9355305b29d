"""Counseling records and the funders' reports in a real browser, axe checking every page: a counselor records
the household (a mistake first, shown next to its field), logs a session, records a suggested outcome with one
click; then the Funders' reports page and its drill-down; an admin loads income limits."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from playwright.sync_api import expect

from tests.conftest import case_payload, org_today

SAMPLE_LIMITS = Path(__file__).parents[2] / "service" / "counseling" / "data" / "sample_income_limits_fy2026.csv"
SCREENSHOTS = Path(__file__).parents[2] / "var" / "screenshots"


@pytest.fixture()
def case_id(web_org):  # noqa: ANN001
    web_org.admin.patch(f"/api/v1/users/{web_org.counselor.user_id}", json={"hud_counselor_id": "HC-2001"})
    response = web_org.attorney.post("/api/v1/cases", json=case_payload())
    assert response.status_code == 201
    case_id = response.get_json()["id"]
    approved = (org_today() - dt.timedelta(days=1)).isoformat()
    assert (
        web_org.attorney.post(
            f"/api/v1/cases/{case_id}/events", json={"type": "modification_approved", "occurred_on": approved}
        ).status_code
        == 201
    )
    return case_id


def shot(tab, name: str) -> None:  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_counselor_records_household_session_and_outcome(signed_in, web_org, case_id):
    assert (
        web_org.admin.post(
            "/api/v1/income-limits", json={"fiscal_year": 2026, "csv": SAMPLE_LIMITS.read_text(encoding="utf-8")}
        ).status_code
        == 200
    )
    tab = signed_in("counselor")
    tab.goto(f"/cases/{case_id}")
    page = tab.page
    household = page.locator("#household")
    household.get_by_label("Household size").fill("4")
    household.get_by_label("Gross monthly income").fill("4,000.00")
    household.get_by_label("Gross monthly income").press("Tab")  # the band, before saving (htmx)
    preview = page.locator("#ami-preview-text")
    preview.wait_for()
    assert "The income limits give 30-49%" in preview.inner_text() and "$48,000.00/year" in preview.inner_text()
    household.get_by_label("Income band (AMI)").select_option("lt30")  # an override, without its reason
    household.get_by_label("Ethnicity").select_option("not_hispanic")
    household.get_by_label("Race", exact=True).select_option("black")
    household.get_by_role("button", name="Save household").click()
    page.wait_for_load_state("load")
    tab.assert_accessible()
    expect(page.locator("#error-summary")).to_be_focused()  # read first by a screen reader
    reason = page.get_by_label("Reason for a different band")
    assert reason.get_attribute("aria-invalid") == "true"
    assert "say why the band is lt30" in page.locator("#f-ami-band-override-reason-error").inner_text()
    assert page.get_by_label("Household size").input_value() == "4"  # what was typed, kept
    assert web_org.attorney.get(f"/api/v1/cases/{case_id}/household").get_json()["household_size"] is None

    page.get_by_label("Income band (AMI)").select_option("")  # back to the computed band
    page.get_by_role("button", name="Save household").click()
    page.wait_for_url(re.compile(r"#household$"))
    tab.assert_accessible()
    assert "30-49% (computed from the income limits)" in page.locator("#household-summary").inner_text()
    assert "$48,000.00/year" in page.locator("#ami-derivation").inner_text()

    page.locator("#sessions summary").click()
    sessions = page.locator("#sessions")
    sessions.get_by_label("Session started at").fill(f"{org_today().isoformat()}T09:30")
    sessions.get_by_label("Duration in minutes").fill("50")
    sessions.get_by_label("Purpose (HUD-9902 line)").select_option("9f")
    sessions.locator("label[for=f-hud-billable]").click()  # USWDS draws the box on the label
    assert sessions.get_by_label("Billed to the HUD grant").is_checked()
    sessions.get_by_label("Session notes").fill("Gathered the hardship letter")
    sessions.get_by_role("button", name="Log session").click()
    page.wait_for_url(re.compile(r"#sessions$"))
    tab.assert_accessible()
    row = page.locator("#sessions tbody tr").first
    assert "9f: Resolving or Preventing Forward Mortgage Delinquency or Default" in row.inner_text()
    assert "Not reportable" not in row.inner_text()

    page.locator("#outcome-suggestions").get_by_role("button", name=re.compile("^Record 10p")).click()
    page.wait_for_url(re.compile(r"#outcomes$"))
    tab.assert_accessible()
    assert "Households that prevented or resolved a forward mortgage default" in page.locator("#outcomes").inner_text()
    shot(tab, "case-counseling")
    outcomes = web_org.attorney.get(f"/api/v1/cases/{case_id}/outcomes").get_json()["items"]
    assert [o["code"] for o in outcomes] == ["10p"]


def test_the_funders_reports_page_and_a_drill_down(signed_in, web_org, case_id):
    today = org_today()
    assert (
        web_org.counselor.post(
            f"/api/v1/cases/{case_id}/counseling-sessions",
            json={
                "started_at": f"{today.isoformat()}T09:00:00",
                "duration_minutes": 60,
                "type": "one_on_one",
                "purpose": "9f",
                "hud_billable": True,
            },
        ).status_code
        == 201
    )
    tab = signed_in("attorney")
    tab.page.get_by_role("link", name="Funders' reports").click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    shot(tab, "funder-reports")
    section9 = tab.page.locator("#section-9")
    assert "Resolving or Preventing Forward Mortgage Delinquency or Default" in section9.inner_text()
    section9.get_by_role("link", name=re.compile(r"^1: the cases of 9f, billed to HUD")).click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    assert tab.page.get_by_role("link", name="Maria Gonzalez").count() == 1
    tab.page.get_by_role("link", name="Back to the funders' reports").click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    tab.page.get_by_role("button", name=re.compile("^Request the HUD-9902 PDF")).click()
    tab.page.wait_for_url(re.compile(r"#pdfs$"))
    tab.assert_accessible()
    assert "Hud 9902" in tab.page.locator("#pdfs").inner_text() or "HUD" in tab.page.locator("#pdfs").inner_text()


def test_an_admin_loads_income_limits_and_sets_a_hud_counselor_id(signed_in, web_org):
    tab = signed_in("admin")
    tab.goto("/settings")
    tab.page.get_by_role("link", name=re.compile("^Income limits")).click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    tab.page.get_by_label("HUD fiscal year").fill("2026")
    tab.page.get_by_role("button", name="Load income limits").click()  # no file chosen
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    assert tab.page.get_by_label("Income limits file (CSV)").get_attribute("aria-invalid") == "true"
    tab.page.get_by_label("Income limits file (CSV)").set_input_files(str(SAMPLE_LIMITS))
    tab.page.get_by_role("button", name="Load income limits").click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    assert "Loaded FY2026 income limits" in tab.page.locator("main").inner_text()
    shot(tab, "income-limits")

    tab.goto(f"/settings/users/{web_org.counselor.user_id}")
    tab.page.get_by_label("HUD counselor ID").fill("HC 9")
    tab.page.get_by_role("button", name="Save", exact=True).click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    assert tab.page.get_by_label("HUD counselor ID").get_attribute("aria-invalid") == "true"
    tab.page.get_by_label("HUD counselor ID").fill("HC-9")
    tab.page.get_by_role("button", name="Save", exact=True).click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    assert web_org.counselor.get("/api/v1/me").get_json()["hud_counselor_id"] == "HC-9"


def test_a_viewer_reads_the_counseling_records(signed_in, web_org, case_id):
    web_org.attorney.put(
        f"/api/v1/cases/{case_id}/household",
        json={"household_size": 2, "race": "asian", "gross_monthly_income": "2100.00"},
    )
    web_org.attorney.put(f"/api/v1/cases/{case_id}/legal-aid-closing", json={"lsc_problem_code": "67"})
    tab = signed_in("viewer")
    tab.goto(f"/cases/{case_id}")
    household = tab.page.locator("#household")
    assert "Asian" in household.inner_text() and "$2,100.00" in household.inner_text()
    assert household.locator("form").count() == 0
    assert "67: Mortgage Foreclosures" in tab.page.locator("#outcomes").inner_text()
    assert tab.page.get_by_role("button", name=re.compile("^Record 10p")).count() == 0
    tab.goto("/funder-reports")
    assert tab.page.get_by_role("button", name=re.compile("^Request the HUD-9902 PDF")).count() == 0
