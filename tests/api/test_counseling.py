"""Counseling records through the API: household and AMI band, sessions, outcomes, legal-aid closing, the
caller's profile, HUD counselor IDs, income limits, and the funders' reports built from them."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest

from tests.conftest import case_payload

SAMPLE = (
    Path(__file__).resolve().parents[2] / "service" / "counseling" / "data" / "sample_income_limits_fy2026.csv"
).read_text()


@pytest.fixture(scope="module")
def org(app, database_url):
    """One organisation for the tests here that look only at their own cases (tests of organisation-wide
    figures take a `fresh` one): each organisation made adds work to every later notices scan."""
    from service.auth import issue_token
    from service.db import session_factory
    from service.orgs import create_org, create_user
    from tests.conftest import Member, Org

    slug = f"counseling-{uuid.uuid4().hex[:8]}"
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        row = create_org(session, "Counseling test org", slug, "America/Chicago")
        result = Org(id=row.id, slug=slug)
        for role in ("admin", "attorney", "paralegal", "counselor", "viewer"):
            user = create_user(session, row, f"{role}@{slug}.example", role, role.title())
            result.members[role] = Member(
                app.test_client(), user.id, user.email, role, issue_token(session, user), row.id, slug
            )
        session.commit()
    return result


@pytest.fixture()
def fresh(make_org):
    """An organisation of its own, for organisation-wide figures."""
    return make_org()


def open_case(member) -> dict:
    response = member.post("/api/v1/cases", json=case_payload())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture()
def limits(org):
    response = org.admin.post("/api/v1/income-limits", json={"fiscal_year": 2026, "csv": SAMPLE})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"fiscal_year": 2026, "counties": 3}


def certify(org):
    """The organisation's counselor holds a HUD counselor certification ID."""
    response = org.admin.patch(f"/api/v1/users/{org.counselor.user_id}", json={"hud_counselor_id": "9902123"})
    assert response.status_code == 200, response.get_json()
    return org.counselor


@pytest.fixture()
def certified(org):
    return certify(org)


def history(member, case_id):
    return member.get(f"/api/v1/cases/{case_id}/history?per_page=100").get_json()["items"]


def session_body(**overrides):
    body = {
        "started_at": "2026-01-12T10:00:00",
        "duration_minutes": 60,
        "type": "one_on_one",
        "purpose": "9f",
        "hud_billable": True,
        "notes": "Reviewed the servicer's letter",
    }
    return {**body, **overrides}


# --- household -----------------------------------------------------------------------------------------


def test_an_empty_household_then_the_band_computed_with_its_derivation(org, new_case, limits):
    case = new_case()
    empty = org.viewer.get(f"/api/v1/cases/{case['id']}/household").get_json()
    assert empty["household_size"] is None and empty["ami_band"] is None
    response = org.counselor.put(
        f"/api/v1/cases/{case['id']}/household",
        json={
            "household_size": 4,
            "gross_monthly_income": "3100.00",
            "ethnicity": "hispanic",
            "race": "white",
            "rural": "no",
            "limited_english": "yes",
            "preferred_language": "Spanish",
            "disability": "no",
            "head_of_household": "married_with_children",
            "intake_on": "2026-01-05",
        },
    )
    assert response.status_code == 200, response.get_json()
    household = response.get_json()
    assert household["ami_band"] == "30_49" and household["ami_band_source"] == "computed"
    assert household["gross_monthly_income"] == "3100.00"
    assert household["ami_band_derivation"].startswith(
        "household of 4 people, $3,100.00/month x 12 = $37,200.00/year; Cook County, IL FY2026"
    )
    changes = [e for e in history(org.admin, case["id"]) if e["entity_type"] == "household"]
    assert changes and changes[-1]["changes"]["ami_band"]["after"] == "30_49"


def test_an_override_needs_a_reason_and_a_refusal_changes_nothing(org, new_case, limits):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}/household"
    org.counselor.put(path, json={"household_size": 4, "gross_monthly_income": "3100.00"})
    refused = org.counselor.put(path, json={"household_size": 4, "gross_monthly_income": "3100.00", "ami_band": "lt30"})
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert "ami_band_override_reason" in refused.get_json()["errors"]
    assert org.counselor.get(path).get_json()["ami_band"] == "30_49"
    accepted = org.counselor.put(
        path,
        json={
            "household_size": 4,
            "gross_monthly_income": "3100.00",
            "ami_band": "lt30",
            "ami_band_override_reason": "Income fell in March: job lost",
        },
    )
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert (body["ami_band"], body["ami_band_computed"], body["ami_band_source"]) == ("lt30", "30_49", "override")


def test_without_income_limits_for_the_county_the_band_is_as_entered(org, new_case):
    case = new_case(property={"county": "Nowhere"})
    body = org.counselor.put(
        f"/api/v1/cases/{case['id']}/household",
        json={"household_size": 2, "gross_monthly_income": "2000.00", "ami_band": "no_response"},
    ).get_json()
    assert (body["ami_band"], body["ami_band_computed"], body["ami_band_source"]) == ("no_response", None, "entered")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"household_size": 0}, "household_size"),
        ({"gross_monthly_income": 3100.5}, "gross_monthly_income"),
        ({"race": "martian"}, "race"),
        ({"ethnicity": "latino"}, "ethnicity"),
        ({"shoe_size": 9}, "shoe_size"),
    ],
)
def test_bad_household_fields_are_refused(org, new_case, body, field):
    case = new_case()
    response = org.counselor.put(f"/api/v1/cases/{case['id']}/household", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert org.counselor.get(f"/api/v1/cases/{case['id']}/household").get_json()["updated_at"] is None


def test_viewers_read_but_do_not_write(org, new_case):
    case = new_case()
    assert org.viewer.put(f"/api/v1/cases/{case['id']}/household", json={"household_size": 2}).status_code == 403
    assert org.viewer.post(f"/api/v1/cases/{case['id']}/counseling-sessions", json=session_body()).status_code == 403
    assert (
        org.viewer.post(
            f"/api/v1/cases/{case['id']}/outcomes", json={"code": "10p", "achieved_on": "2026-02-01"}
        ).status_code
        == 403
    )
    assert org.viewer.put(f"/api/v1/cases/{case['id']}/legal-aid-closing", json={}).status_code == 403
    assert org.viewer.get(f"/api/v1/cases/{case['id']}/household").status_code == 200


# --- sessions, outcomes, users ------------------------------------------------------------------------


def test_a_session_by_a_certified_counselor_and_one_by_another(org, new_case, certified):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}/counseling-sessions"
    first = org.counselor.post(path, json=session_body())
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["hud_reportable"] is True
    assert first.get_json()["started_at"] == "2026-01-12T16:00:00+00:00"  # 10:00 in Chicago
    second = org.counselor.post(
        path,
        json=session_body(
            counselor_id=org.paralegal.user_id,
            type="group_education",
            purpose="8h",
            started_at="2026-01-13T18:00:00-06:00",
        ),
    )
    assert second.status_code == 201
    assert second.get_json()["hud_reportable"] is False
    assert "certification" in second.get_json()["not_reportable_reason"]
    listed = org.viewer.get(path).get_json()
    assert listed["total"] == 2 and [s["purpose"] for s in listed["items"]] == ["9f", "8h"]
    assert any(e["entity_type"] == "counseling_session" for e in history(org.admin, case["id"]))


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"type": "group_education"}, "purpose"),  # 9f is one-on-one
        ({"purpose": "9z"}, "purpose"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"started_at": "2999-01-01T10:00:00"}, "started_at"),
    ],
)
def test_bad_sessions_are_refused(org, new_case, overrides, field):
    case = new_case()
    response = org.counselor.post(f"/api/v1/cases/{case['id']}/counseling-sessions", json=session_body(**overrides))
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    assert org.counselor.get(f"/api/v1/cases/{case['id']}/counseling-sessions").get_json()["total"] == 0


def test_a_counselor_of_another_organisation_is_refused(org, other_org, new_case):
    case = new_case()
    response = org.counselor.post(
        f"/api/v1/cases/{case['id']}/counseling-sessions", json=session_body(counselor_id=other_org.counselor.user_id)
    )
    assert response.status_code == 422 and "counselor_id" in response.get_json()["errors"]


def test_outcomes(org, new_case):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}/outcomes"
    created = org.counselor.post(path, json={"code": "10p", "achieved_on": "2026-02-01"})
    assert created.status_code == 201
    assert created.get_json()["label"].startswith("Households that prevented or resolved a forward mortgage default")
    assert org.counselor.post(path, json={"code": "10z", "achieved_on": "2026-02-01"}).status_code == 422
    assert org.counselor.post(path, json={"code": "10p", "achieved_on": "2999-02-01"}).status_code == 422
    assert org.viewer.get(path).get_json()["total"] == 1


def test_me_and_the_hud_counselor_id(fresh, other_org):
    org = fresh
    me = org.counselor.get("/api/v1/me").get_json()
    assert me == {
        "id": org.counselor.user_id,
        "email": org.counselor.email,
        "role": "counselor",
        "org_id": org.id,
        "full_name": me["full_name"],
        "hud_counselor_id": None,
    }
    path = f"/api/v1/users/{org.counselor.user_id}"
    assert org.attorney.patch(path, json={"hud_counselor_id": "123"}).status_code == 403
    assert other_org.admin.patch(path, json={"hud_counselor_id": "123"}).status_code == 404
    assert org.admin.patch(path, json={"hud_counselor_id": "bad id!"}).status_code == 422
    assert org.admin.patch(path, json={"hud_counselor_id": "HC-778899"}).status_code == 200
    assert org.counselor.get("/api/v1/me").get_json()["hud_counselor_id"] == "HC-778899"


def test_income_limits_are_loaded_by_admins_and_a_bad_file_loads_nothing(org, other_org, limits):
    assert org.counselor.post("/api/v1/income-limits", json={"fiscal_year": 2026, "csv": SAMPLE}).status_code == 403
    bad = org.admin.post("/api/v1/income-limits", json={"fiscal_year": 2026, "csv": SAMPLE.replace("25200", "x")})
    assert bad.status_code == 422 and "row 2" in bad.get_json()["errors"]["csv"][0]
    listed = org.viewer.get("/api/v1/income-limits?fiscal_year=2026&state=il").get_json()
    assert listed["total"] == 3 and listed["items"][0]["limits"]["50"][3] in ("60000.00", "35000.00")
    assert other_org.admin.get("/api/v1/income-limits").get_json()["total"] == 0


# --- the funders' reports ---------------------------------------------------------------------------------


def test_hud_9902_from_the_api_names_the_cases_and_stays_in_the_organisation(fresh, other_org):
    org = fresh
    certify(org)
    a, b, c = open_case(org.attorney), open_case(org.attorney), open_case(org.attorney)
    org.counselor.put(
        f"/api/v1/cases/{a['id']}/household",
        json={"ethnicity": "hispanic", "race": "white", "ami_band": "lt30", "rural": "no", "limited_english": "yes"},
    )
    org.counselor.put(
        f"/api/v1/cases/{b['id']}/household",
        json={
            "ethnicity": "no_response",
            "race": "no_response",
            "ami_band": "no_response",
            "rural": "no_response",
            "limited_english": "no_response",
        },
    )
    org.counselor.post(f"/api/v1/cases/{a['id']}/counseling-sessions", json=session_body())
    org.counselor.post(
        f"/api/v1/cases/{b['id']}/counseling-sessions",
        json=session_body(hud_billable=False, type="group_education", purpose="8h"),
    )
    org.counselor.post(
        f"/api/v1/cases/{c['id']}/counseling-sessions",  # no household; uncertified counselor
        json=session_body(counselor_id=org.attorney.user_id),
    )
    org.counselor.post(f"/api/v1/cases/{a['id']}/outcomes", json={"code": "10p", "achieved_on": "2026-02-01"})
    org.counselor.post(f"/api/v1/cases/{b['id']}/outcomes", json={"code": "10p", "achieved_on": "2026-02-01"})
    response = org.viewer.get("/api/v1/funder-reports/hud-9902?fiscal_year=2026&quarter=2")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["period"] == {"start": "2025-10-01", "end": "2026-03-31"}
    cells = {(line["section"], line["line"]): line for line in report["lines"]}
    assert (cells[("9", "f")]["all"], cells[("9", "f")]["hud"], cells[("9", "f")]["case_ids"]) == (1, 1, [a["id"]])
    assert (cells[("8", "h")]["all"], cells[("8", "h")]["hud"]) == (1, 0)
    assert cells[("3", "c")]["case_ids"] == [b["id"]]
    assert cells[("10", "p")]["case_ids"] == [a["id"]]
    # Sections 3 to 7's labels were compared with the form; 8 to 10's not yet, and the answer says so.
    assert cells[("3", "c")]["label_checked"] is True and cells[("9", "f")]["label_checked"] is False
    checks = {c_["rule"]: c_["case_ids"] for c_ in report["checks"]}
    assert checks["uncertified_counselor"] == [c["id"]]
    assert checks["outcome_without_one_on_one"] == [b["id"]]
    assert "Not legal advice" in report["note"] and report["sources"]
    # The next quarter's report (cumulative) still counts them; the previous fiscal year's does not.
    later = org.viewer.get("/api/v1/funder-reports/hud-9902?fiscal_year=2026&quarter=3").get_json()
    assert later["lines"][0]["all"] == 1
    previous = org.viewer.get("/api/v1/funder-reports/hud-9902?fiscal_year=2025&quarter=4").get_json()
    assert all(line["all"] == 0 for line in previous["lines"])
    elsewhere = other_org.admin.get("/api/v1/funder-reports/hud-9902?fiscal_year=2026&quarter=2").get_json()
    assert all(line["all"] == 0 and line["case_ids"] == [] for line in elsewhere["lines"])
    assert all(check["case_ids"] == [] for check in elsewhere["checks"])
    # CSV: one row per cell, its cases listed.
    as_csv = org.viewer.get("/api/v1/funder-reports/hud-9902?fiscal_year=2026&quarter=2&format=csv")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    assert rows[0] == ["section", "line", "label", "all", "hud", "case_ids"]
    assert ["9", "f", "Resolving or Preventing Forward Mortgage Delinquency or Default", "1", "1", str(a["id"])] in rows


def test_client_level_data_for_hud_systems(fresh, other_org):
    org = fresh
    certify(org)
    case = open_case(org.attorney)
    org.counselor.put(
        f"/api/v1/cases/{case['id']}/household",
        json={
            "household_size": 3,
            "gross_monthly_income": "2500.00",
            "ethnicity": "not_hispanic",
            "race": "black",
            "rural": "no",
            "limited_english": "no",
            "ami_band": "30_49",
            "intake_on": "2026-01-05",
        },
    )
    org.counselor.post(f"/api/v1/cases/{case['id']}/counseling-sessions", json=session_body())
    org.counselor.post(f"/api/v1/cases/{case['id']}/outcomes", json={"code": "10p", "achieved_on": "2026-02-01"})
    response = org.viewer.get("/api/v1/funder-reports/hud-client-data?fiscal_year=2026&quarter=2")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert (
        row["case_id"],
        row["ami_band"],
        row["gross_monthly_income"],
        row["session_date"],
        row["purpose"],
        row["hud_billable"],
        row["counselor_hud_id"],
        row["outcomes"],
    ) == (str(case["id"]), "30_49", "2500.00", "2026-01-12", "9f", "yes", "9902123", "10p:2026-02-01")
    assert "Gonzalez" not in response.get_data(as_text=True)  # no names: the case id identifies the client
    elsewhere = other_org.admin.get("/api/v1/funder-reports/hud-client-data?fiscal_year=2026&quarter=2")
    assert len(list(csv.reader(io.StringIO(elsewhere.get_data(as_text=True))))) == 1  # the header only


def test_hud_9902_refuses_a_bad_quarter(org):
    response = org.viewer.get("/api/v1/funder-reports/hud-9902?fiscal_year=2026&quarter=5")
    assert response.status_code == 422 and "quarter" in response.get_json()["errors"]


def test_lsc_csr_from_closings(fresh, other_org):
    org = fresh
    a, b, c = open_case(org.attorney), open_case(org.attorney), open_case(org.attorney)
    assert (
        org.attorney.put(
            f"/api/v1/cases/{a['id']}/legal-aid-closing",
            json={
                "lsc_problem_code": "67",
                "lsc_closing_code": "IB",
                "closed_on": "2026-03-01",
                "funding": [{"source": "LSC", "minutes": 600}, {"source": "IOLTA", "minutes": 120}],
            },
        ).status_code
        == 200
    )
    org.attorney.put(
        f"/api/v1/cases/{b['id']}/legal-aid-closing",
        json={"lsc_problem_code": "67", "lsc_closing_code": "IB", "closed_on": "2026-05-01"},
    )
    org.attorney.put(
        f"/api/v1/cases/{c['id']}/legal-aid-closing",
        json={"lsc_problem_code": "68", "lsc_closing_code": "A", "closed_on": "2025-12-31"},
    )
    refused = org.attorney.put(
        f"/api/v1/cases/{c['id']}/legal-aid-closing", json={"lsc_problem_code": "67", "lsc_closing_code": "A"}
    )
    assert refused.status_code == 422 and "closed_on" in refused.get_json()["errors"]
    closing = org.viewer.get(f"/api/v1/cases/{a['id']}/legal-aid-closing").get_json()
    assert closing["funding"] == [{"source": "LSC", "minutes": 600}, {"source": "IOLTA", "minutes": 120}]
    report = org.viewer.get("/api/v1/funder-reports/lsc-csr?year=2026").get_json()
    assert report["lines"] == [
        {
            "problem_code": "67",
            "problem": "Mortgage Foreclosures (Not Predatory Lending/Practices)",
            "closing_code": "IB",
            "closing": "Contested Court Decision",
            "count": 2,
            "case_ids": sorted([a["id"], b["id"]]),
        }
    ]
    assert other_org.admin.get("/api/v1/funder-reports/lsc-csr?year=2026").get_json()["lines"] == []
    as_csv = org.viewer.get("/api/v1/funder-reports/lsc-csr?year=2025&format=csv").get_data(as_text=True)
    assert f"68,Mortgage Predatory Lending/Practices,A,Counsel and Advice,1,{c['id']}" in as_csv


def test_outcomes_are_suggested_from_the_case_and_not_once_recorded(org, new_case):
    case = new_case()
    assert (
        org.attorney.post(
            f"/api/v1/cases/{case['id']}/events", json={"type": "modification_approved", "occurred_on": "2026-02-03"}
        ).status_code
        == 201
    )
    path = f"/api/v1/cases/{case['id']}/outcome-suggestions"
    items = org.viewer.get(path).get_json()["items"]
    assert [(s["code"], s["achieved_on"]) for s in items] == [("10p", "2026-02-03"), ("10r", None)]
    assert "modification approved on 2026-02-03" in items[0]["because"]
    org.counselor.post(f"/api/v1/cases/{case['id']}/outcomes", json={"code": "10p", "achieved_on": "2026-02-03"})
    assert [s["code"] for s in org.viewer.get(path).get_json()["items"]] == ["10r"]


def test_hud_9902_as_a_pdf_through_the_report_pipeline(fresh, database_url):
    from tests.reports.helpers import ready_pdf

    org = fresh
    certify(org)
    case = open_case(org.attorney)
    org.counselor.put(
        f"/api/v1/cases/{case['id']}/household",
        json={"ethnicity": "hispanic", "race": "white", "ami_band": "lt30", "rural": "no", "limited_english": "yes"},
    )
    org.counselor.post(f"/api/v1/cases/{case['id']}/counseling-sessions", json=session_body())
    refused = org.attorney.post("/api/v1/reports", json={"type": "hud_9902", "fiscal_year": 2026, "days": 3})
    assert refused.status_code == 422 and "days" in refused.get_json()["errors"]
    response = org.attorney.post("/api/v1/reports", json={"type": "hud_9902", "fiscal_year": 2026, "quarter": 2})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["params"] == {"fiscal_year": 2026, "quarter": 2}
    state, reader, text = ready_pdf(org.viewer, database_url, response.get_json())
    for expected in (
        "HUD-9902 FY2026 Q2",
        "Ethnicity",
        "Resolving or Preventing Forward Mortgage Delinquency",
        "Cross-checks",
        "Appendix",
        f"{case['id']} Maria Gonzalez",
        "Not legal advice",
        "omb.report",
        "line letter and wording of this line have not yet been compared",  # sections 8 to 10, marked †
    ):
        assert expected in text, expected
    assert state["title"] == "HUD-9902 FY2026 Q2"
    assert "letters are the form" not in text
