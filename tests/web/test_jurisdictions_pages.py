"""Each state's rules as a reviewable page: citation, source link, date checked, confidence, unknowns."""

from __future__ import annotations


def test_jurisdiction_list_and_a_state_page(signed_in):
    tab = signed_in("viewer")
    tab.page.get_by_role("link", name="Jurisdictions").click()
    tab.page.wait_for_url("**/jurisdictions")
    tab.assert_accessible()
    assert tab.page.locator("main tbody tr").count() == 51
    tab.page.get_by_role("link", name="Illinois").click()
    tab.page.wait_for_url("**/jurisdictions/IL")
    tab.assert_accessible()
    answer = tab.page.locator("section", has=tab.page.get_by_role("heading", name="Answer period"))
    text = answer.inner_text()
    assert "Ill. S. Ct. R. 101(d), 181(a)" in text and "Secondary source" in text and "Mon, Nov 23, 2026" in text
    assert answer.get_by_role("link", name="Ill. S. Ct. R. 101(d), 181(a)").get_attribute("href").startswith("https://")
    assert tab.page.get_by_text("to verify by hand").count() >= 1  # IL has unverified items
    # Reviewers' research notes (which copy of a statute was read where) stay in the rules files.
    assert "Justia" not in tab.page.content() and "Reviewer's notes" not in tab.page.content()
    response = tab.goto("/jurisdictions/ZZ")
    assert response.status == 404
