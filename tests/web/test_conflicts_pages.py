"""The intake's conflict check (on demand with htmx, without JavaScript, and again on "Create case"), the
acknowledgment it asks for and records, and the case page's conflict checks (history, rerun)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import case_payload


def intake_form(first: str = "Ana", last: str = "Diaz", servicer: str = "Example Servicing", **extra: str) -> dict:
    return {
        "client.first_name": first,
        "client.last_name": last,
        "property.state": "IL",
        "loan.servicer": servicer,
        **extra,
    }


@pytest.fixture()
def adverse_elsewhere(web_org):  # noqa: ANN001
    """A case on which "Ana Diaz" is an adverse party (the plaintiff): taking her as a client is a conflict."""
    case = web_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()
    party = web_org.attorney.post(
        f"/api/v1/cases/{case['id']}/parties", json={"role": "plaintiff", "name": "Ana Diaz", "is_organisation": False}
    )
    assert party.status_code == 201, party.get_json()
    return case


def checks(member) -> list[dict]:  # noqa: ANN001
    return member.get("/api/v1/conflict-checks").get_json()["items"]


def case_total(member) -> int:  # noqa: ANN001
    return member.get("/api/v1/cases").get_json()["total"]


def test_check_for_conflicts_with_htmx_answers_the_panel_and_stores_the_check(page_client, web_org, adverse_elsewhere):
    client = page_client("paralegal")
    response = client.post("/cases/new/conflicts", data=intake_form(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="conflict-panel"')
    assert f'href="/cases/{adverse_elsewhere["id"]}"' in response.text
    assert "Ana Diaz (plaintiff, adverse)" in response.text and "Ana Diaz (client)" in response.text
    assert re.search(r"\d+%", response.text)
    assert '"announce": "1 possible conflict to review."' in response.headers["HX-Trigger"]
    stored = checks(web_org.attorney)
    assert len(stored) == 1 and stored[0]["case_id"] is None
    assert {p["name"] for p in stored[0]["parties"]} == {"Ana Diaz", "Example Servicing"}
    assert stored[0]["matches"][0]["party"]["name"] == "Ana Diaz"
    assert case_total(web_org.attorney) == 1  # nothing but the check was written
    page = client.get(f"/cases/{adverse_elsewhere['id']}").text  # the case it found shows the check
    assert "a check at an intake not opened" in page[page.index('id="conflict-checks"') :]


def test_check_for_conflicts_without_javascript_shows_the_whole_form_again(page_client, web_org, adverse_elsewhere):
    client = page_client("attorney")
    response = client.post("/cases/new", data=intake_form(intent="check_conflicts"))
    assert response.status_code == 200
    assert 'value="Ana"' in response.text and "possible conflict" in response.text
    assert case_total(web_org.attorney) == 1


def test_creating_a_case_with_matches_asks_for_the_acknowledgment_and_records_it(
    page_client, web_org, adverse_elsewhere
):
    client = page_client("attorney")
    refused = client.post("/cases/new", data=intake_form())  # the check runs on submit too
    assert refused.status_code == 422
    assert re.search(
        r'id="f-acknowledge-conflicts"[^>]*aria-invalid="true" aria-describedby="f-acknowledge-conflicts-error"',
        refused.text,
    )
    assert case_total(web_org.attorney) == 1
    check_id = re.search(r'name="conflict_check_id" value="(\d+)"', refused.text).group(1)

    # Ticked for another check than the one shown: not an acknowledgment of this one.
    stale = client.post("/cases/new", data=intake_form(acknowledge_conflicts="yes", conflict_check_id="999999"))
    assert stale.status_code == 422 and case_total(web_org.attorney) == 1
    check_id = re.search(r'name="conflict_check_id" value="(\d+)"', stale.text).group(1)

    created = client.post("/cases/new", data=intake_form(acknowledge_conflicts="yes", conflict_check_id=check_id))
    assert created.status_code == 303, created.text
    case_id = int(created.headers["Location"].rsplit("/", 1)[1])
    filed = web_org.attorney.get(f"/api/v1/cases/{case_id}/conflict-checks").get_json()["items"]
    assert [c["id"] for c in filed] == [int(check_id)]  # the check shown, reused and filed under the case
    history = web_org.attorney.get(f"/api/v1/cases/{case_id}/history?per_page=100").get_json()["items"]
    acknowledgment = [h for h in history if h["action"] == "acknowledge"]
    assert len(acknowledgment) == 1 and acknowledgment[0]["entity_type"] == "conflict_check"


def test_matches_on_the_same_side_need_no_acknowledgment(page_client, web_org):
    client = page_client("attorney")
    first = client.post("/cases/new", data=intake_form("Rosa", "Park", servicer="Midland Mortgage"))
    assert first.status_code == 303
    second = client.post("/cases/new", data=intake_form("Carl", "Jung", servicer="Midland Mortgage"))
    assert second.status_code == 303, second.text  # the servicer is adverse on both: not a conflict
    case_id = int(second.headers["Location"].rsplit("/", 1)[1])
    filed = web_org.attorney.get(f"/api/v1/cases/{case_id}/conflict-checks").get_json()["items"]
    assert len(filed) == 1 and filed[0]["matches"] and filed[0]["matches"][0]["relation"] == "same_side"


def test_a_viewer_cannot_run_a_check_and_nothing_is_stored(page_client, web_org):
    client = page_client("viewer")
    assert client.post("/cases/new/conflicts", data=intake_form(), headers={"HX-Request": "true"}).status_code == 403
    assert checks(web_org.attorney) == []


def test_intake_conflict_check_in_a_browser(signed_in, web_org, adverse_elsewhere):
    from tests.web.test_intake_and_case import fill_intake

    tab = signed_in("attorney")
    tab.goto("/cases/new")
    fill_intake(tab.page, first="Ana", last="Diaz")
    tab.page.get_by_role("button", name="Check for conflicts").click()
    panel = tab.page.locator("#conflict-panel")
    panel.get_by_role("link", name=f"Case {adverse_elsewhere['id']}").wait_for()
    assert "1 possible conflict to review" in panel.inner_text()
    tab.assert_accessible()
    tab.page.get_by_role("button", name="Create case").click()
    tab.page.wait_for_load_state("load")
    box = tab.page.get_by_label("I have reviewed the possible conflicts above")
    assert box.get_attribute("aria-invalid") == "true"
    tab.assert_accessible()
    tab.page.locator("label[for=f-acknowledge-conflicts]").click()  # USWDS draws the box on the label
    assert box.is_checked()
    tab.page.get_by_role("button", name="Create case").click()
    tab.page.wait_for_url(re.compile(r"/cases/\d+$"))
    tab.assert_accessible()
    assert tab.page.get_by_role("heading", level=1).inner_text().startswith("Ana Diaz")
