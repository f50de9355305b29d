"""Settings > Intake: the servicer alias table and the imports' date order; administrators change them,
everyone else reads them (403, nothing written)."""

from __future__ import annotations

import re


def aliases(member) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(a["name"], a["alias"]) for a in member.get("/api/v1/servicer-aliases").get_json()["items"]]


def test_an_admin_adds_and_removes_an_alias(page_client, web_org):
    client = page_client("admin")
    added = client.post("/settings/intake/aliases", data={"name": "Midland Mortgage", "alias": "MidFirst Bank"})
    assert added.status_code == 303 and added.headers["Location"].endswith("#aliases")
    assert aliases(web_org.attorney) == [("Midland Mortgage", "MidFirst Bank")]
    page = client.get("/settings/intake").text
    assert "MidFirst Bank" in page

    again = client.post("/settings/intake/aliases", data={"name": "Midland Mortgage", "alias": "MidFirst Bank"})
    assert again.status_code == 422
    assert re.search(r'id="f-alias"[^>]*aria-invalid="true" aria-describedby="f-alias-error', again.text)
    blank = client.post("/settings/intake/aliases", data={"name": "", "alias": "X"})
    assert blank.status_code == 422 and re.search(r'id="f-name"[^>]*aria-invalid="true"', blank.text)
    assert len(aliases(web_org.attorney)) == 1

    alias_id = web_org.attorney.get("/api/v1/servicer-aliases").get_json()["items"][0]["id"]
    removed = client.post(f"/settings/intake/aliases/{alias_id}/delete")
    assert removed.status_code == 303 and aliases(web_org.attorney) == []


def test_an_admin_sets_the_date_order(page_client, web_org):
    client = page_client("admin")
    assert client.post("/settings/intake/date-order", data={"date_order": "sideways"}).status_code == 422
    assert client.post("/settings/intake/date-order", data={"date_order": "day_first"}).status_code == 303
    assert web_org.attorney.get("/api/v1/intake-settings").get_json() == {"date_order": "day_first"}
    assert "Now: <strong>day first</strong>" in client.get("/settings/intake").text
    assert 'value="day_first" selected' in client.get("/settings/intake").text


def test_others_read_the_settings_but_cannot_change_them(page_client, web_org):
    web_org.admin.post("/api/v1/servicer-aliases", json={"name": "Midland", "alias": "MidFirst Bank"})
    alias_id = web_org.admin.get("/api/v1/servicer-aliases").get_json()["items"][0]["id"]
    for role in ("attorney", "viewer"):
        client = page_client(role)
        page = client.get("/settings/intake")
        assert page.status_code == 200 and "MidFirst Bank" in page.text and "Add alias" not in page.text
        assert (
            client.post("/settings/intake/aliases", data={"name": "A Servicing", "alias": "B Loans"}).status_code == 403
        )
        assert client.post(f"/settings/intake/aliases/{alias_id}/delete").status_code == 403
        assert client.post("/settings/intake/date-order", data={"date_order": "day_first"}).status_code == 403
    assert aliases(web_org.admin) == [("Midland", "MidFirst Bank")]
    assert web_org.admin.get("/api/v1/intake-settings").get_json() == {"date_order": "month_first"}


def test_intake_settings_in_a_browser(signed_in):
    tab = signed_in("admin")
    tab.goto("/settings")
    tab.page.get_by_role("link", name="Intake: servicer aliases and import dates").click()
    tab.page.wait_for_url("**/settings/intake")
    tab.assert_accessible()
    tab.page.get_by_label("Servicer's name").fill("Midland Mortgage")
    tab.page.get_by_role("button", name="Add alias").click()
    tab.page.wait_for_load_state("load")
    assert tab.page.get_by_label("Also known as").get_attribute("aria-invalid") == "true"
    tab.assert_accessible()
    tab.page.get_by_label("Also known as").fill("MidFirst Bank")
    tab.page.get_by_role("button", name="Add alias").click()
    tab.page.wait_for_url(re.compile(r"#aliases$"))
    tab.assert_accessible()
    tab.page.get_by_label("Dates like 03/04/2026").select_option("day_first")
    tab.page.get_by_role("button", name="Save date order").click()
    tab.page.wait_for_url(re.compile(r"#dates$"))
    tab.assert_accessible()
    tab.page.screenshot(path="/tmp/pages16-intake-settings.png", full_page=True)
    assert "MidFirst Bank" in tab.page.locator("#aliases").inner_text()
    assert "day first" in tab.page.locator("#dates").inner_text()
