"""Signing in and out in a real browser; a signed-out visitor is sent to the sign-in page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import PASSWORD, sign_in


def test_sign_in_lands_on_the_page_asked_for_and_sign_out_ends_the_session(open_tab, web_org):
    tab = open_tab()
    tab.goto("/settings", check=False)
    assert re.search(r"/login\?next=/settings$", tab.page.url)
    tab.assert_accessible()
    tab.page.get_by_label("Email").fill(web_org.attorney.email)
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_url("**/settings")
    tab.assert_accessible()
    assert web_org.attorney.email in tab.page.locator("main").inner_text()
    for name in ("Today", "Caseload", "New case", "Jurisdictions", "Settings"):
        assert tab.page.get_by_role("link", name=name, exact=True).count() == 1, name

    tab.page.get_by_role("button", name="Sign out").click()
    tab.page.wait_for_url("**/login")
    tab.assert_accessible()
    tab.goto("/", check=False)
    assert "/login?next=/" in tab.page.url
    tab.assert_accessible()


def test_a_wrong_password_is_refused_with_a_message_and_no_session(open_tab, web_org):
    tab = open_tab()
    sign_in(tab, web_org.admin.email, password="not the password")
    assert "/login" in tab.page.url
    alert = tab.page.locator("#error-summary")
    assert "not right" in alert.inner_text()
    expect(tab.page.locator("#error-summary")).to_be_focused()
    tab.assert_accessible()
    tab.goto("/", check=False)
    assert "/login" in tab.page.url
    tab.assert_accessible()


def test_an_inactive_user_cannot_sign_in(open_tab, web_org, database_url):
    from models import User
    from service.db import session_factory

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        session.get(User, web_org.paralegal.user_id).is_active = False
        session.commit()
    tab = open_tab()
    sign_in(tab, web_org.paralegal.email)
    assert "/login" in tab.page.url
