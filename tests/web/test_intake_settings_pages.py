"""Settings > Intake: the servicer alias table, the imports' date order and the saved import mappings;
administrators change them, everyone else reads them (403, nothing written)."""

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


def test_intake_settings_in_a_browser(signed_in, web_org):
    tab = signed_in("admin")
    tab.goto("/settings")
    tab.page.get_by_role("link", name="Intake: servicer aliases, import dates and saved mappings").click()
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
    assert "MidFirst Bank" in tab.page.locator("#aliases").inner_text()
    assert "day first" in tab.page.locator("#dates").inner_text()

    saved = web_org.admin.post(
        "/api/v1/import-mappings", json={"name": "Partner", "mapping": {"State": "property.state"}}
    ).get_json()
    tab.goto("/settings/intake")
    tab.page.get_by_label("New name for Partner").fill("Partner monthly")
    tab.page.get_by_role("button", name="Rename Partner").click()
    tab.page.wait_for_url(re.compile(r"#mappings$"))
    tab.assert_accessible()
    assert "Partner monthly" in tab.page.locator("#mappings").inner_text()
    tab.page.get_by_role("button", name="Remove the mapping Partner monthly").click()
    tab.page.wait_for_url(re.compile(r"#mappings$"))
    assert web_org.admin.get(f"/api/v1/import-mappings/{saved['id']}").status_code == 404


def mapping_names(member) -> list[str]:  # noqa: ANN001
    return [m["name"] for m in member.get("/api/v1/import-mappings").get_json()["items"]]


def test_an_admin_renames_and_removes_a_saved_mapping(page_client, web_org):
    mapping = {"Borrower Name": "client.name", "State": "property.state"}
    partner = web_org.admin.post("/api/v1/import-mappings", json={"name": "Partner", "mapping": mapping}).get_json()
    web_org.admin.post("/api/v1/import-mappings", json={"name": "County list", "mapping": mapping})
    client = page_client("admin")
    page = client.get("/settings/intake").text
    assert "Saved import mappings (2)" in page and "Borrower Name → client.name" in page
    field = f"mapping_name_{partner['id']}"

    taken = client.post(f"/settings/intake/mappings/{partner['id']}/rename", data={field: "County list"})
    assert taken.status_code == 422 and "exists already" in taken.text
    assert re.search(rf'id="f-mapping-name-{partner["id"]}"[^>]*aria-invalid="true"', taken.text)
    assert f'href="#f-mapping-name-{partner["id"]}"' in taken.text  # the summary links to the field
    blank = client.post(f"/settings/intake/mappings/{partner['id']}/rename", data={field: " "})
    assert blank.status_code == 422 and "Give the mapping a name." in blank.text
    assert mapping_names(web_org.attorney) == ["County list", "Partner"]

    renamed = client.post(f"/settings/intake/mappings/{partner['id']}/rename", data={field: "Partner monthly"})
    assert renamed.status_code == 303 and renamed.headers["Location"].endswith("#mappings")
    assert "Mapping renamed: Partner is now Partner monthly." in client.get("/settings/intake").text
    removed = client.post(f"/settings/intake/mappings/{partner['id']}/delete")
    assert removed.status_code == 303 and mapping_names(web_org.attorney) == ["County list"]


def test_others_see_saved_mappings_but_cannot_rename_or_remove_them(page_client, web_org):
    saved = web_org.admin.post(
        "/api/v1/import-mappings", json={"name": "Partner", "mapping": {"State": "property.state"}}
    ).get_json()
    for role in ("attorney", "viewer"):
        client = page_client(role)
        page = client.get("/settings/intake").text
        assert "Partner" in page and "New name for Partner" not in page
        rename = client.post(f"/settings/intake/mappings/{saved['id']}/rename", data={"mapping_name": "Mine"})
        assert rename.status_code == 403
        assert client.post(f"/settings/intake/mappings/{saved['id']}/delete").status_code == 403
    assert mapping_names(web_org.admin) == ["Partner"]
