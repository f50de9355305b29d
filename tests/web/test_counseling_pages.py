"""Counseling records on the case page (household, sessions, outcomes, legal-aid closing), the funders' reports
page, income limits and the HUD counselor ID in Settings: Flask's test client, no browser. Each form with an
error answers 422 with the message next to its field and writes nothing; a viewer sees and cannot write."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

from tests.conftest import case_payload, org_today

SAMPLE_LIMITS = (
    Path(__file__).parents[2] / "service" / "counseling" / "data" / "sample_income_limits_fy2026.csv"
).read_text(encoding="utf-8")


@pytest.fixture()
def case_id(web_org):  # noqa: ANN001
    response = web_org.attorney.post("/api/v1/cases", json=case_payload())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture()
def limits_loaded(web_org):  # noqa: ANN001
    response = web_org.admin.post("/api/v1/income-limits", json={"fiscal_year": 2026, "csv": SAMPLE_LIMITS})
    assert response.status_code == 200, response.get_json()


def history_total(web_org, case_id: int) -> int:  # noqa: ANN001
    return web_org.attorney.get(f"/api/v1/cases/{case_id}/history").get_json()["total"]


def field_tag(html: str, field_id: str) -> str:
    match = re.search(rf'<(input|select|textarea)[^>]*id="{field_id}"[^>]*>', html, re.S)
    assert match, f"no field {field_id}"
    return match.group(0)


def assert_invalid(html: str, field_id: str, message: str) -> None:
    """The field is marked invalid and described by its own error message, which says `message`."""
    tag = field_tag(html, field_id)
    assert 'aria-invalid="true"' in tag, tag
    assert f"{field_id}-error" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
    error = re.search(rf'<span class="usa-error-message" id="{field_id}-error">(.*?)</span>', html, re.S)
    assert error and message in error.group(1), (error and error.group(1), message)


# ---------------------------------------------------------------------------------------------- household


def test_the_household_is_saved_from_the_case_page_and_audited(page_client, web_org, case_id):
    client = page_client("counselor")
    before = history_total(web_org, case_id)
    response = client.post(
        f"/cases/{case_id}/household",
        data={
            "household_size": "3",
            "gross_monthly_income": "$3,250.50",
            "ami_band": "50_79",
            "ethnicity": "hispanic",
            "race": "white",
            "rural": "no",
            "limited_english": "yes",
            "preferred_language": "Spanish",
            "disability": "no",
            "head_of_household": "female_single_parent",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["Location"].endswith(f"/cases/{case_id}#household")
    saved = web_org.attorney.get(f"/api/v1/cases/{case_id}/household").get_json()
    assert saved["household_size"] == 3 and saved["gross_monthly_income"] == "3250.50"
    assert saved["ami_band"] == "50_79" and saved["ami_band_source"] == "entered"  # no income limits loaded
    assert saved["limited_english"] == "yes" and saved["head_of_household"] == "female_single_parent"
    assert history_total(web_org, case_id) == before + 1
    page = client.get(f"/cases/{case_id}").text
    assert "Household saved." in page
    assert 'value="3250.50"' in field_tag(page, "f-gross-monthly-income")
    assert "None loaded for Cook County, IL" in page
    preview = client.get(f"/cases/{case_id}/household/band?household_size=3&gross_monthly_income=3000").text
    assert "No income limits are loaded for this county" in preview


def test_household_errors_are_next_to_their_fields_and_nothing_is_saved(page_client, web_org, case_id):
    client = page_client("counselor")
    before = history_total(web_org, case_id)
    response = client.post(
        f"/cases/{case_id}/household",
        data={"household_size": "0", "gross_monthly_income": "lots", "race": "martian", "ethnicity": "hispanic"},
    )
    assert response.status_code == 422
    assert_invalid(response.text, "f-household-size", "less than or equal to 30")
    assert_invalid(response.text, "f-gross-monthly-income", "")
    assert_invalid(response.text, "f-race", "")
    assert 'aria-invalid' not in field_tag(response.text, "f-ethnicity")
    assert 'value="lots"' in field_tag(response.text, "f-gross-monthly-income")  # what was typed, kept
    assert 'href="#f-household-size"' in response.text  # the summary links to the field
    assert web_org.attorney.get(f"/api/v1/cases/{case_id}/household").get_json()["household_size"] is None
    assert history_total(web_org, case_id) == before


def test_the_band_is_derived_from_the_income_limits_and_an_override_needs_a_reason(
    page_client, web_org, case_id, limits_loaded
):
    client = page_client("counselor")
    # 4 people, $4,000 a month = $48,000 a year: above Cook County's 30% limit ($36,000), at or below 50% ($60,000).
    response = client.post(f"/cases/{case_id}/household", data={"household_size": "4", "gross_monthly_income": "4000"})
    assert response.status_code == 303
    page = client.get(f"/cases/{case_id}").text
    derivation = re.search(r'<p class="font-body-xs" id="ami-derivation">(.*?)</p>', page, re.S).group(1)
    assert "$48,000.00/year" in derivation and "30-49%" in derivation
    assert "30-49% (computed from the income limits)" in page
    assert "Cook County, IL, FY2026" in page
    # The computed band is not pinned in the form: a new income gives a new band without an override.
    assert "selected" not in re.search(r'<select[^>]*id="f-ami-band".*?</select>', page, re.S).group(0)

    # The preview (htmx asks it on each change) computes without saving.
    before = history_total(web_org, case_id)
    preview = client.get(f"/cases/{case_id}/household/band?household_size=2&gross_monthly_income=%24900")
    assert "The income limits give below 30%" in preview.text and "$10,800.00/year" in preview.text
    assert "less than or equal to 30" in client.get(f"/cases/{case_id}/household/band?household_size=31").text
    assert "Enter the household size" in client.get(f"/cases/{case_id}/household/band?household_size=3").text
    response = client.post(
        f"/cases/{case_id}/household", data={"household_size": "4", "gross_monthly_income": "4000", "ami_band": "lt30"}
    )
    assert response.status_code == 422
    assert_invalid(response.text, "f-ami-band-override-reason", "say why the band is lt30")
    assert history_total(web_org, case_id) == before
    assert web_org.attorney.get(f"/api/v1/cases/{case_id}/household").get_json()["ami_band"] == "30_49"

    response = client.post(
        f"/cases/{case_id}/household",
        data={
            "household_size": "4",
            "gross_monthly_income": "4000",
            "ami_band": "lt30",
            "ami_band_override_reason": "Income fell in March: pay stubs on file",
        },
    )
    assert response.status_code == 303
    saved = web_org.attorney.get(f"/api/v1/cases/{case_id}/household").get_json()
    assert (saved["ami_band"], saved["ami_band_source"]) == ("lt30", "override")
    page = client.get(f"/cases/{case_id}").text
    assert "override: the income limits give 30-49%" in page
    assert "Income fell in March" in page


# ----------------------------------------------------------------------------------------------- sessions


def test_a_counseling_session_is_logged_with_its_hud_9902_line(page_client, web_org, case_id):
    client = page_client("counselor")
    started = (org_today() - dt.timedelta(days=2)).isoformat() + "T10:30"
    response = client.post(
        f"/cases/{case_id}/counseling-sessions",
        data={
            "started_at": started,
            "duration_minutes": "45",
            "counselor_id": str(web_org.counselor.user_id),
            "type": "one_on_one",
            "purpose": "9f",
            "hud_billable": "on",
            "notes": "Reviewed the RMA packet",
        },
    )
    assert response.status_code == 303, response.text
    items = web_org.attorney.get(f"/api/v1/cases/{case_id}/counseling-sessions").get_json()["items"]
    assert [(s["purpose"], s["duration_minutes"], s["hud_billable"], s["counselor_id"]) for s in items] == [
        ("9f", 45, True, web_org.counselor.user_id)
    ]
    page = client.get(f"/cases/{case_id}").text
    section = page[page.index('id="sessions"') : page.index('id="outcomes"')]
    assert "9f: Resolving or Preventing Forward Mortgage Delinquency or Default" in section
    assert "Reviewed the RMA packet" in section
    assert "Not reportable to HUD" in section  # the counselor has no HUD counselor ID yet


def test_a_session_with_errors_is_not_logged(page_client, web_org, case_id):
    client = page_client("counselor")
    before = history_total(web_org, case_id)
    response = client.post(
        f"/cases/{case_id}/counseling-sessions",
        data={
            "started_at": org_today().isoformat() + "T09:00",
            "duration_minutes": "",
            "type": "group_education",
            "purpose": "9f",
        },
    )
    assert response.status_code == 422
    assert_invalid(response.text, "f-duration-minutes", "Enter the duration in minutes.")
    # The same check as the API: line 9f is one-on-one (after the schema's own checks pass).
    response = client.post(
        f"/cases/{case_id}/counseling-sessions",
        data={
            "started_at": org_today().isoformat() + "T09:00",
            "duration_minutes": "30",
            "type": "group_education",
            "purpose": "9f",
        },
    )
    assert response.status_code == 422
    assert_invalid(response.text, "f-purpose", "Line 9f is for one on one sessions.")
    assert "<details class=\"margin-top-2\" open>" in response.text
    assert web_org.attorney.get(f"/api/v1/cases/{case_id}/counseling-sessions").get_json()["total"] == 0
    assert history_total(web_org, case_id) == before


# ----------------------------------------------------------------------------------------------- outcomes


def test_outcomes_suggestions_are_one_click_adds_and_a_closing_is_saved(page_client, web_org, case_id):
    client = page_client("counselor")
    approved = (org_today() - dt.timedelta(days=3)).isoformat()
    response = web_org.attorney.post(
        f"/api/v1/cases/{case_id}/events", json={"type": "modification_approved", "occurred_on": approved}
    )
    assert response.status_code == 201, response.get_json()
    page = client.get(f"/cases/{case_id}").text
    suggestions = page[page.index('id="outcome-suggestions"') :]
    assert "10p" in suggestions and f"modification approved on {approved}" in suggestions
    assert '<label class="usa-label" for="suggest-10r-on">' in suggestions  # no date known: asked for

    response = client.post(f"/cases/{case_id}/outcomes", data={"code": "10p", "achieved_on": approved})
    assert response.status_code == 303
    outcomes = web_org.attorney.get(f"/api/v1/cases/{case_id}/outcomes").get_json()["items"]
    assert [(o["code"], o["achieved_on"]) for o in outcomes] == [("10p", approved)]
    page = client.get(f"/cases/{case_id}").text
    assert "Households that prevented or resolved a forward mortgage default" in page
    assert 'name="code" value="10p"' not in page  # recorded: no longer suggested

    response = client.post(
        f"/cases/{case_id}/outcomes",
        data={"code": "10r", "achieved_on": (org_today() + dt.timedelta(days=5)).isoformat()},
    )
    assert response.status_code == 422
    assert_invalid(response.text, "f-achieved-on", "not in the future")
    assert web_org.attorney.get(f"/api/v1/cases/{case_id}/outcomes").get_json()["total"] == 1

    # The legal-aid closing keeps the time by funding source, which this form does not show.
    response = web_org.attorney.put(
        f"/api/v1/cases/{case_id}/legal-aid-closing",
        json={"lsc_problem_code": "67", "funding": [{"source": "LSC", "minutes": 90}]},
    )
    assert response.status_code == 200, response.get_json()
    response = client.post(
        f"/cases/{case_id}/legal-aid-closing", data={"lsc_problem_code": "67", "lsc_closing_code": "IB"}
    )
    assert response.status_code == 422
    assert_invalid(response.text, "f-closed-on", "A closing code needs the closing date.")
    response = client.post(
        f"/cases/{case_id}/legal-aid-closing",
        data={"lsc_problem_code": "67", "lsc_closing_code": "IB", "closed_on": org_today().isoformat()},
    )
    assert response.status_code == 303
    closing = web_org.attorney.get(f"/api/v1/cases/{case_id}/legal-aid-closing").get_json()
    assert (closing["lsc_problem_code"], closing["lsc_closing_code"]) == ("67", "IB")
    assert closing["funding"] == [{"source": "LSC", "minutes": 90}]


def test_a_viewer_sees_the_counseling_records_without_forms_and_cannot_write(page_client, web_org, case_id):
    web_org.attorney.put(f"/api/v1/cases/{case_id}/household", json={"household_size": 2, "race": "asian"})
    viewer = page_client("viewer")
    page = viewer.get(f"/cases/{case_id}").text
    household = page[page.index('id="household"') : page.index('id="sessions"')]
    assert "Asian" in household and "<form" not in household
    assert "Log a counseling session" not in page and "Record an outcome" not in page
    before = history_total(web_org, case_id)
    for path, data in (
        (f"/cases/{case_id}/household", {"household_size": "5"}),
        (f"/cases/{case_id}/outcomes", {"code": "10p", "achieved_on": "2026-01-01"}),
    ):
        assert viewer.post(path, data=data).status_code == 403
    assert history_total(web_org, case_id) == before


# ------------------------------------------------------------------------------------------ funders' reports


def test_the_funders_reports_page_drills_down_to_the_cases(page_client, web_org, case_id, database_url):
    from sqlalchemy import select

    from models.reports import Report
    from service.db import session_factory

    web_org.admin.patch(f"/api/v1/users/{web_org.counselor.user_id}", json={"hud_counselor_id": "HC-1234"})
    today = org_today()
    fiscal_year = today.year + 1 if today.month >= 10 else today.year
    quarter = ((today.month - 10) % 12) // 3 + 1
    response = web_org.counselor.post(
        f"/api/v1/cases/{case_id}/counseling-sessions",
        json={
            "started_at": f"{today.isoformat()}T09:00:00",
            "duration_minutes": 60,
            "type": "one_on_one",
            "purpose": "9f",
            "hud_billable": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    client = page_client("attorney")
    page = client.get(f"/funder-reports?fiscal_year={fiscal_year}&quarter={quarter}")
    assert page.status_code == 200
    assert "Section 9. Households Receiving One-on-One Counseling, by Purpose" in page.text
    # Labels not yet compared with the current form say so where they are read, before anyone files.
    assert page.text.count("Wording to check") >= 3 and 'id="wording-to-check"' in page.text
    # Sections 8 to 10's letters were not confirmed either: the page must not vouch for them.
    assert "line letter and label have not yet been compared" in page.text
    assert "letters are the form" not in page.text
    assert 'href="/funder-reports"' in page.text and "Funders&#39; reports" in page.text  # in the navigation
    link = re.search(
        r'href="(/funder-reports/hud-9902/cases\?[^"]*section=9[^"]*line=f[^"]*column=hud[^"]*)"', page.text
    )
    assert link, "no drill-down link for 9f, HUD column"
    cases = client.get(link.group(1).replace("&amp;", "&"))
    assert cases.status_code == 200
    assert f'href="/cases/{case_id}"' in cases.text and "Maria Gonzalez" in cases.text
    # The household has no race etc.: the check names the case.
    assert re.search(rf'id="hud-checks".*href="/cases/{case_id}"', page.text, re.S)

    csv = client.get(f"/funder-reports/hud-9902.csv?fiscal_year={fiscal_year}&quarter={quarter}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "Resolving or Preventing Forward Mortgage Delinquency or Default" in csv.text

    response = client.post(
        "/funder-reports/hud-9902/pdf", data={"fiscal_year": str(fiscal_year), "quarter": str(quarter)}
    )
    assert response.status_code == 303
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        report = session.scalars(select(Report).where(Report.org_id == web_org.id, Report.type == "hud_9902")).one()
        assert report.params == {"fiscal_year": fiscal_year, "quarter": quarter}
    page = client.get(response.headers["Location"]).text
    assert f'id="report-{report.id}"' in page

    viewer = page_client("viewer")
    assert "Request the HUD-9902 PDF" not in viewer.get("/funder-reports").text
    assert (
        viewer.post("/funder-reports/hud-9902/pdf", data={"fiscal_year": str(fiscal_year), "quarter": "1"}).status_code
        == 403
    )


def test_the_lsc_csr_preview_drills_down_and_bad_periods_are_refused(page_client, web_org, case_id):
    closed = org_today().isoformat()
    response = web_org.attorney.put(
        f"/api/v1/cases/{case_id}/legal-aid-closing",
        json={"lsc_problem_code": "67", "lsc_closing_code": "IB", "closed_on": closed},
    )
    assert response.status_code == 200
    client = page_client("viewer")  # reading is for everyone
    page = client.get(f"/funder-reports?year={org_today().year}")
    assert "67: Mortgage Foreclosures" in page.text
    cases = client.get(f"/funder-reports/lsc-csr/cases?year={org_today().year}&problem_code=67&closing_code=IB")
    assert cases.status_code == 200 and f'href="/cases/{case_id}"' in cases.text
    assert (
        client.get(f"/funder-reports/lsc-csr/cases?year={org_today().year}&problem_code=01&closing_code=A").status_code
        == 404
    )
    assert client.get("/funder-reports/hud-9902/cases?section=9&line=zz").status_code == 404
    bad = client.get("/funder-reports?quarter=7")
    assert bad.status_code == 422 and "less than or equal to 4" in bad.text
    assert client.get(f"/funder-reports/lsc-csr.csv?year={org_today().year}").text.startswith("problem_code,")


def test_drill_downs_show_no_other_organisations_cases(page_client, make_org, web_org):
    other = make_org()
    other_case = other.attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    other.attorney.put(
        f"/api/v1/cases/{other_case}/legal-aid-closing",
        json={"lsc_problem_code": "67", "lsc_closing_code": "A", "closed_on": org_today().isoformat()},
    )
    client = page_client("admin")
    assert "67: Mortgage" not in client.get("/funder-reports").text
    assert (
        client.get(f"/funder-reports/lsc-csr/cases?year={org_today().year}&problem_code=67&closing_code=A").status_code
        == 404
    )


# -------------------------------------------------------------------------------------------------- settings


def test_an_admin_loads_income_limits_and_a_bad_file_loads_nothing(page_client, web_org):
    client = page_client("admin")
    assert 'href="/settings/income-limits"' in client.get("/settings").text
    bad = SAMPLE_LIMITS.replace("IL,Cook County,120000", "IL,Cook County,lots", 1)
    response = client.post(
        "/settings/income-limits",
        data={"fiscal_year": "2026", "csv": (io.BytesIO(bad.encode()), "limits.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert_invalid(response.text, "f-csv", "row 2, column median2026")
    response = client.post("/settings/income-limits", data={"fiscal_year": "2026"})
    assert response.status_code == 422
    assert_invalid(response.text, "f-csv", "Choose HUD&#39;s income limits file")
    assert web_org.admin.get("/api/v1/income-limits").get_json()["total"] == 0

    response = client.post(
        "/settings/income-limits",
        data={"fiscal_year": "2026", "csv": (io.BytesIO(SAMPLE_LIMITS.encode()), "limits.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = client.get("/settings/income-limits").text
    assert "Loaded FY2026 income limits for" in page and "<th scope=\"row\">FY2026</th>" in page
    assert web_org.admin.get("/api/v1/income-limits?fiscal_year=2026").get_json()["total"] > 0

    for role in ("attorney", "viewer"):
        other = page_client(role)
        assert other.get("/settings/income-limits").status_code == 403
        assert other.post("/settings/income-limits", data={"fiscal_year": "2027"}).status_code == 403


def test_an_admin_sets_a_users_hud_counselor_id(page_client, web_org):
    client = page_client("admin")
    user_id = web_org.counselor.user_id
    response = client.post(f"/settings/users/{user_id}", data={"hud_counselor_id": "not valid!"})
    assert response.status_code == 422
    assert_invalid(response.text, "f-hud-counselor-id", "Letters, digits and hyphens")
    assert web_org.counselor.get("/api/v1/me").get_json()["hud_counselor_id"] is None

    response = client.post(
        f"/settings/users/{user_id}",
        data={"full_name": "Cora Counselor", "role": "counselor", "hud_counselor_id": " HC-77 "},
    )
    assert response.status_code == 302
    assert web_org.counselor.get("/api/v1/me").get_json()["hud_counselor_id"] == "HC-77"
    assert 'value="HC-77"' in field_tag(client.get(f"/settings/users/{user_id}").text, "f-hud-counselor-id")
    client.post(f"/settings/users/{user_id}", data={"hud_counselor_id": ""})
    assert web_org.counselor.get("/api/v1/me").get_json()["hud_counselor_id"] is None
