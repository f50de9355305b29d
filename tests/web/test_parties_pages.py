"""The case page's Parties section (list, add, edit, remove) and Conflict checks section (history, rerun):
validation next to the fields, the case's own parties kept to their address, viewers refused, in a browser."""

from __future__ import annotations

import re

import pytest

from tests.conftest import case_payload


@pytest.fixture()
def case_id(web_org) -> int:  # noqa: ANN001
    return web_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]


def parties(member, case_id: int) -> list[dict]:  # noqa: ANN001
    return member.get(f"/api/v1/cases/{case_id}/parties").get_json()["items"]


def test_the_section_lists_the_case_s_own_parties(page_client, case_id):
    text = page_client("attorney").get(f"/cases/{case_id}").text
    section = text[text.index('id="parties"') : text.index('id="conflict-checks"')]
    assert "Maria Gonzalez" in section and "Luis Gonzalez" in section and "Midland" in section
    assert section.count(">from the case</span>") == 3
    assert "/delete" not in section  # the case's own parties are changed on the case, not removed here


def test_add_edit_and_remove_a_party(page_client, web_org, case_id):
    client = page_client("paralegal")
    response = client.post(
        f"/cases/{case_id}/parties",
        data={
            "role": "opposing_counsel",
            "name": "Pat Lawyer",
            "is_organisation": "false",
            "email": "pat@law.example",
            "phone": "312-555-0199",
            "address": "1 Court Sq",
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("#parties")
    added = next(p for p in parties(web_org.attorney, case_id) if p["name"] == "Pat Lawyer")
    assert (added["role"], added["side"], added["is_organisation"], added["email"]) == (
        "opposing_counsel",
        "adverse",
        False,
        "pat@law.example",
    )  # the side: the role's usual one

    page = client.get(f"/parties/{added['id']}/edit")
    assert page.status_code == 200 and 'value="Pat Lawyer"' in page.text
    changed = client.post(
        f"/parties/{added['id']}/edit",
        data={
            "role": "trustee",
            "name": "Pat Trustee",
            "side": "adverse",
            "is_organisation": "false",
            "email": "",
            "phone": "312-555-0199",
            "address": "1 Court Sq",
        },
    )
    assert changed.status_code == 303
    party = web_org.attorney.get(f"/api/v1/parties/{added['id']}").get_json()
    assert (party["name"], party["role"], party["email"]) == ("Pat Trustee", "trustee", None)

    removed = client.post(f"/parties/{added['id']}/delete")
    assert removed.status_code == 303
    assert web_org.attorney.get(f"/api/v1/parties/{added['id']}").status_code == 404
    actions = [
        h["action"]
        for h in web_org.attorney.get(f"/api/v1/cases/{case_id}/history?per_page=100").get_json()["items"]
        if h["entity_type"] == "party"
    ]
    assert actions == ["create", "update", "delete"]


def test_a_bad_party_is_shown_again_with_its_errors_and_nothing_is_saved(page_client, web_org, case_id):
    client = page_client("attorney")
    before = len(parties(web_org.attorney, case_id))
    response = client.post(f"/cases/{case_id}/parties", data={"role": "tenant", "name": "", "email": "nope"})
    assert response.status_code == 422
    assert re.search(r'id="f-name"[^>]*aria-invalid="true" aria-describedby="f-name-error"', response.text)
    assert re.search(r'id="f-email"[^>]*aria-invalid="true"', response.text)
    assert 'value="nope"' in response.text
    assert len(parties(web_org.attorney, case_id)) == before

    client_party = next(p for p in parties(web_org.attorney, case_id) if p["role"] == "client")
    edit = client.post(f"/parties/{client_party['id']}/edit", data={"name": "Someone Else", "address": "2 Elm St"})
    assert edit.status_code == 303  # a party from the case: only its address is taken
    party = web_org.attorney.get(f"/api/v1/parties/{client_party['id']}").get_json()
    assert (party["name"], party["address"]) == ("Maria Gonzalez", "2 Elm St")
    assert client.post(f"/parties/{client_party['id']}/delete").status_code == 409
    assert len(parties(web_org.attorney, case_id)) == before


def test_a_viewer_sees_the_parties_but_cannot_change_them(page_client, web_org, case_id):
    client = page_client("viewer")
    text = client.get(f"/cases/{case_id}").text
    assert "Maria Gonzalez" in text and "Add a party" not in text and "Run the conflict check again" not in text
    some = parties(web_org.attorney, case_id)[0]
    assert client.get(f"/parties/{some['id']}/edit").status_code == 403
    assert client.post(f"/cases/{case_id}/parties", data={"role": "tenant", "name": "T"}).status_code == 403
    assert client.post(f"/cases/{case_id}/conflict-checks").status_code == 403
    assert len(parties(web_org.attorney, case_id)) == 3
    assert web_org.attorney.get(f"/api/v1/cases/{case_id}/conflict-checks").get_json()["total"] == 0


def test_rerun_files_a_check_under_the_case_and_the_history_shows_it(page_client, web_org, case_id):
    other = web_org.attorney.post("/api/v1/cases", json=case_payload(client={"first_name": "Zed", "last_name": "Q"}))
    other_id = other.get_json()["id"]
    web_org.attorney.post(
        f"/api/v1/cases/{other_id}/parties",
        json={"role": "plaintiff", "name": "Maria Gonzalez", "is_organisation": False},
    )
    client = page_client("attorney")
    response = client.post(f"/cases/{case_id}/conflict-checks")
    assert response.status_code == 303 and response.headers["Location"].endswith("#conflict-checks")
    filed = web_org.attorney.get(f"/api/v1/cases/{case_id}/conflict-checks").get_json()["items"]
    assert len(filed) == 1 and {p["name"] for p in filed[0]["parties"]} >= {"Maria Gonzalez", "Midland"}
    text = client.get(f"/cases/{case_id}").text
    section = text[text.index('id="conflict-checks"') :]
    assert "1 possible conflict" in section and f'href="/cases/{other_id}"' in section
    # The other case's page shows the check too: it found one of that case's parties.
    other_page = client.get(f"/cases/{other_id}").text
    other_section = other_page[other_page.index('id="conflict-checks"') :]
    assert f'a check for <a href="/cases/{case_id}">case {case_id}</a>' in other_section
    found = re.search(r"found (\d+) match(es)? among this case.s parties", other_section)
    assert found and int(found.group(1)) >= 1, other_section[:1500]
    assert "Maria Gonzalez (plaintiff, adverse)" in other_section
    unrelated = web_org.attorney.post(
        "/api/v1/cases",
        json=case_payload(
            client={"first_name": "Yuki", "last_name": "Tanaka", "email": "yuki@example.com", "phone": "773-555-0199"},
            co_borrowers=[],
            loan={"servicer": "Quartz Loans"},
        ),
    ).get_json()["id"]
    assert "No conflict check was run for this case" in client.get(f"/cases/{unrelated}").text


def test_parties_in_a_browser(signed_in, case_id):
    tab = signed_in("attorney")
    tab.goto(f"/cases/{case_id}")
    section = tab.page.locator("#parties")
    section.get_by_text("Add a party").click()
    section.get_by_label("Party's role").select_option("tenant")
    section.get_by_role("button", name="Add party").click()
    tab.page.wait_for_load_state("load")
    name = tab.page.get_by_label("Party's name")
    assert name.get_attribute("aria-invalid") == "true"
    tab.assert_accessible()
    name.fill("Terry Tenant")
    tab.page.get_by_role("button", name="Add party").click()
    tab.page.wait_for_url(re.compile(r"#parties$"))
    tab.assert_accessible()
    tab.page.locator("#parties").get_by_role("link", name="Edit Terry Tenant").click()
    tab.page.wait_for_url(re.compile(r"/parties/\d+/edit$"))
    tab.assert_accessible()
    tab.page.get_by_label("Party's phone").fill("312-555-0123")
    tab.page.get_by_role("button", name="Save party").click()
    tab.page.wait_for_url(re.compile(r"#parties$"))
    tab.assert_accessible()
    assert "312-555-0123" in tab.page.locator("#parties").inner_text()
    tab.page.get_by_role("button", name="Run the conflict check again").click()
    tab.page.wait_for_url(re.compile(r"#conflict-checks$"))
    tab.assert_accessible()
    assert "Terry Tenant" in tab.page.locator("#conflict-checks").inner_text()
    tab.page.locator("#parties").get_by_role("button", name="Remove Terry Tenant").click()
    tab.page.wait_for_url(re.compile(r"#parties$"))
    tab.assert_accessible()
    assert "Terry Tenant" not in tab.page.locator("#parties").inner_text()
