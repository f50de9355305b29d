"""The case page in a browser that runs the scripts: the live region (next deadlines, deadlines, events)
comes with the page, the secondary sections in a request of their own (htmx, once the page is shown).
Without the scripts the page carries every section as before; a browser whose cookie says it runs them but
does not gets a plain link to them all."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.conftest import case_payload, org_today, recorded_statements

SCRIPTS_COOKIE = "forestall_js"  # set by static/js/forestall.js


def _case(web_org) -> int:  # noqa: ANN001
    member = web_org.attorney
    case_id = member.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    response = member.post(
        f"/api/v1/cases/{case_id}/events",
        json={"type": "first_missed_payment", "occurred_on": (org_today() - dt.timedelta(days=100)).isoformat()},
    )
    assert response.status_code == 201, response.get_json()
    assert (
        member.post(f"/api/v1/cases/{case_id}/parties", json={"role": "tenant", "name": "Terry Tenant"}).status_code
        == 201
    )
    return case_id


def test_without_the_cookie_the_page_carries_every_section(page_client, web_org):
    case_id = _case(web_org)
    page = page_client("attorney").get(f"/cases/{case_id}").text
    assert "data-deferred" not in page
    assert "Terry Tenant" in page and 'id="communications-heading"' in page and 'id="history-heading"' in page


def test_with_the_cookie_the_sections_come_in_a_second_request(page_client, web_org, make_org):
    case_id = _case(web_org)
    client = page_client("attorney")
    client.client.set_cookie(SCRIPTS_COOKIE, "1")
    page = client.get(f"/cases/{case_id}").text
    # the live region is there, the sections are not: a placeholder fetches them, a plain link shows them
    assert 'id="deadlines-heading"' in page and "First missed payment" in page
    assert "Terry Tenant" not in page and 'id="communications-heading"' not in page
    placeholder = re.search(r'<div id="case-sections" data-deferred[^>]*>', page).group(0)
    assert f'hx-get="/cases/{case_id}/sections"' in placeholder and 'hx-trigger="load"' in placeholder
    assert f'href="/cases/{case_id}?sections=all#parties"' in page
    fragment = client.client.get(f"/cases/{case_id}/sections", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith("<div id=\"case-sections\">")
    assert "Terry Tenant" in fragment.text and 'id="history-heading"' in fragment.text
    assert "<html" not in fragment.text
    # the plain link (the scripts did not run after all): the whole page with every section
    everything = client.get(f"/cases/{case_id}?sections=all").text
    assert "data-deferred" not in everything and "Terry Tenant" in everything
    # the fragment's address followed without htmx: to the whole page, where the sections start
    plain = client.client.get(f"/cases/{case_id}/sections?history_page=2")
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/cases/{case_id}?sections=all&history_page=2#parties")
    # another organisation's case: not found, through either address
    theirs = make_org().attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    assert client.client.get(f"/cases/{theirs}/sections", headers={"HX-Request": "true"}).status_code == 404
    assert client.client.get(f"/cases/{theirs}").status_code == 404


def test_the_deferred_page_reads_only_the_live_region(page_client, web_org):
    case_id = _case(web_org)
    client = page_client("attorney")
    client.client.set_cookie(SCRIPTS_COOKIE, "1")
    client.get(f"/cases/{case_id}")
    with recorded_statements() as statements:
        assert client.client.get(f"/cases/{case_id}").status_code == 200
    tables = re.compile(r"FROM (parties|communications|audit_entries|conflict_checks|households|notices)\b")
    assert not [s for s in statements if tables.search(s)], statements


def test_the_sections_load_in_the_browser_and_a_form_in_them_still_works(signed_in, web_org):
    case_id = _case(web_org)
    tab = signed_in("attorney")  # Today ran the scripts: the cookie is set
    assert any(c["name"] == SCRIPTS_COOKIE for c in tab.page.context.cookies())
    tab.goto(f"/cases/{case_id}")  # axe runs once the sections are in
    assert "Terry Tenant" in tab.page.locator("#parties").inner_text()
    assert tab.page.locator("[data-deferred]").count() == 0
    tab.page.get_by_text("Log a communication").click()
    tab.page.get_by_label("Occurred at").fill(f"{org_today().isoformat()}T09:30")
    tab.page.get_by_label("Direction").select_option("outbound")
    tab.page.get_by_label("Channel").select_option("phone")
    tab.page.get_by_label("Counterparty", exact=True).select_option("servicer")
    tab.page.get_by_label("Category").select_option("document_submission")
    tab.page.get_by_label("Subject").fill("Sent the pay stubs")
    tab.page.get_by_role("button", name="Log communication").click()
    tab.page.wait_for_url(re.compile(rf"/cases/{case_id}#communications$"))
    tab.assert_accessible()
    assert "Sent the pay stubs" in tab.page.locator("#communications").inner_text()
    # the section the form sent us back to is scrolled to once the sections are in
    expect(tab.page.locator("#communications-heading")).to_be_in_viewport()


def test_a_stale_cookie_without_the_scripts_still_reaches_every_section(open_tab, web_org, live_server):
    from tests.web.conftest import sign_in

    case_id = _case(web_org)
    tab = open_tab(javascript=False)
    tab.page.context.add_cookies([{"name": SCRIPTS_COOKIE, "value": "1", "url": live_server}])
    sign_in(tab, web_org.attorney.email)
    tab.assert_accessible()
    tab.goto(f"/cases/{case_id}")
    assert tab.page.locator("#parties").count() == 0
    tab.page.get_by_role("link", name="Show the case's other sections").click()
    tab.page.wait_for_url(re.compile(rf"/cases/{case_id}\?sections=all#parties$"))
    tab.assert_accessible()
    assert "Terry Tenant" in tab.page.locator("#parties").inner_text()


def test_a_fragment_asked_for_after_the_session_ended_sends_the_browser_to_sign_in(app, web_org):
    case_id = _case(web_org)
    signed_out = app.test_client()
    answer = signed_out.get(
        f"/cases/{case_id}/sections",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://127.0.0.1/cases/{case_id}?sections=all"},
    )
    assert answer.status_code == 200 and answer.text == ""  # nothing to swap into the page
    assert answer.headers["HX-Redirect"] == f"/login?next=/cases/{case_id}?sections%3Dall"
    elsewhere = signed_out.get(
        f"/cases/{case_id}/sections", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"}
    )
    assert elsewhere.headers["HX-Redirect"] == "/login?next=/x"  # only the path, on this site
    plain = signed_out.get(f"/cases/{case_id}")
    assert plain.status_code == 302 and plain.headers["Location"].startswith("/login?next=")
