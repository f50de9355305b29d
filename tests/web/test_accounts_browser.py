"""Accounts in a real browser (axe-core on every page): two-factor sign-in, lockout, password reset through
the e-mail in the outbox, invitation, a deactivated user's session ending, and a viewer without admin controls."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests.mailbox import link_in, messages_to, path_of
from tests.web.conftest import sign_in


@pytest.fixture(autouse=True)
def fresh_throttle():
    from service.accounts.signin import limiter

    yield
    limiter.reset()  # every browser signs in from 127.0.0.1: one test's failures must not lock the next


def user_row(database_url, user_id):  # noqa: ANN001
    from models import User
    from service.db import session_factory

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        user = session.get(User, user_id)
        session.expunge(user)
        return user


def submit(tab, name: str) -> None:  # noqa: ANN001
    tab.page.get_by_role("button", name=name, exact=True).click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()


def test_two_factor_enrolment_and_sign_in_with_a_code(signed_in, web_org, database_url):
    tab = signed_in("attorney")
    tab.goto("/settings")
    submit(tab, "Set up two-factor sign-in")
    assert tab.page.locator(".qr-code svg").count() == 1
    secret = user_row(database_url, web_org.attorney.user_id).totp_secret
    assert tab.page.locator("#totp-secret").inner_text().replace(" ", "") == secret

    tab.page.get_by_label("Authentication code").fill("000000")
    submit(tab, "Verify")  # the page with a validation error, checked by axe
    assert tab.page.get_by_label("Authentication code").get_attribute("aria-invalid") == "true"
    tab.page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    submit(tab, "Verify")
    codes = tab.page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    tab.page.get_by_role("link", name="Continue").click()
    tab.page.wait_for_url("**/settings")
    tab.assert_accessible()
    assert "unused recovery codes left" in tab.page.locator("main").inner_text()

    submit(tab, "Sign out")
    sign_in(tab, web_org.attorney.email)
    assert tab.page.url.endswith("/login/two-factor")
    tab.assert_accessible()
    tab.page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    submit(tab, "Verify")
    assert tab.page.url.rstrip("/") == tab.base_url
    assert tab.page.get_by_role("link", name="Settings", exact=True).count() == 1


def test_sign_in_without_two_factor_goes_straight_in(signed_in):
    tab = signed_in("counselor")
    assert tab.page.get_by_role("button", name="Sign out").count() == 1


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(open_tab, web_org):
    tab = open_tab()
    for _ in range(5):
        sign_in(tab, web_org.paralegal.email, password="not it at all")
        tab.assert_accessible()
    message = tab.page.locator("#error-summary").inner_text()
    assert "Too many failed sign-in attempts" in message and "15 minutes" in message
    sign_in(tab, web_org.paralegal.email)  # the right password, still refused
    tab.assert_accessible()
    assert "/login" in tab.page.url and "Too many" in tab.page.locator("#error-summary").inner_text()


def test_password_reset_through_the_e_mailed_link(open_tab, web_org):
    tab = open_tab()
    tab.goto("/login")
    tab.page.get_by_role("link", name="Forgot your password?").click()
    tab.page.wait_for_url("**/reset")
    tab.assert_accessible()
    tab.page.get_by_label("Email").fill(web_org.viewer.email)
    submit(tab, "Send reset link")
    assert "expires in 1 hour" in tab.page.locator("main").inner_text()

    (message,) = messages_to(web_org.viewer.email)
    tab.goto(path_of(link_in(message, "reset")))
    tab.page.locator("#f-password").fill("a fresh password")
    tab.page.locator("#f-confirm-password").fill("not the same")
    submit(tab, "Set password")  # validation errors, checked by axe
    assert tab.page.locator("#f-confirm-password").get_attribute("aria-invalid") == "true"
    tab.page.locator("#f-password").fill("a fresh password")
    tab.page.locator("#f-confirm-password").fill("a fresh password")
    submit(tab, "Set password")
    tab.page.get_by_role("link", name="Sign in").click()
    tab.page.wait_for_url("**/login")
    tab.assert_accessible()
    sign_in(tab, web_org.viewer.email, password="a fresh password")
    assert tab.page.url.rstrip("/") == tab.base_url
    tab.assert_accessible()


def test_an_admin_invites_a_user_who_sets_a_password_and_signs_in(signed_in, open_tab, web_org):
    admin = signed_in("admin")
    admin.goto("/settings")
    admin.page.get_by_role("link", name=re.compile(r"^Manage users")).click()
    admin.page.wait_for_url("**/settings/users")
    admin.assert_accessible()
    address = f"invitee@{web_org.slug}.example"
    admin.page.get_by_label(re.compile(r"^Email")).fill(address)
    admin.page.get_by_label(re.compile(r"^Name")).fill("In Vitee")
    admin.page.get_by_label(re.compile(r"^Role")).select_option("paralegal")
    submit(admin, "Send invitation")
    assert address in admin.page.locator("table").inner_text()
    assert "Invited" in admin.page.locator("table").inner_text()

    (message,) = messages_to(address)
    newcomer = open_tab()
    newcomer.goto(path_of(link_in(message, "invite")))
    assert "Welcome to Forestall" in newcomer.page.locator("h1").inner_text()
    newcomer.page.locator("#f-password").fill("invited and ready")
    newcomer.page.locator("#f-confirm-password").fill("invited and ready")
    submit(newcomer, "Set password")
    sign_in(newcomer, address, password="invited and ready")
    assert newcomer.page.url.rstrip("/") == newcomer.base_url
    newcomer.assert_accessible()


def test_a_deactivated_users_session_ends_at_once(signed_in, web_org, database_url):
    paralegal = signed_in("paralegal")
    admin = signed_in("admin")
    admin.goto(f"/settings/users/{web_org.paralegal.user_id}")
    submit(admin, "Deactivate user")
    assert "deactivated" in admin.page.locator("#status").inner_text()
    assert user_row(database_url, web_org.paralegal.user_id).is_active is False
    paralegal.goto("/settings", check=False)
    assert "/login?next=/settings" in paralegal.page.url
    paralegal.assert_accessible()


def test_a_viewer_sees_no_admin_controls_and_an_admin_post_is_refused(signed_in, web_org, database_url):
    from sqlalchemy import func, select

    from models import Organization, User
    from service.db import session_factory

    tab = signed_in("viewer")
    tab.goto("/settings")
    main = tab.page.locator("main")
    assert tab.page.get_by_role("heading", name="Organisation").count() == 0
    assert main.get_by_role("link", name=re.compile("Manage users")).count() == 0
    assert "Require two-factor" not in main.inner_text()
    response = tab.goto("/settings/users")
    assert response.status == 403

    csrf = tab.page.locator('meta[name="csrf-token"]').get_attribute("content")
    for path, form in (
        ("/settings/organisation/sign-in", {"require_two_factor": "on", "idle_timeout_minutes": "5"}),
        ("/settings/users", {"email": "sneaky@example.org", "role": "admin"}),
        (f"/settings/users/{web_org.admin.user_id}", {"is_active": "false"}),
    ):
        answer = tab.page.request.post(
            tab.base_url + path, form={**form, "csrf_token": csrf}, headers={"Referer": tab.base_url + "/settings"}
        )
        assert answer.status == 403, path
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        org = session.get(Organization, web_org.id)
        assert org.require_two_factor is False and org.idle_timeout_minutes is None
        assert session.scalar(select(func.count()).select_from(User).where(User.email == "sneaky@example.org")) == 0
        assert session.get(User, web_org.admin.user_id).is_active is True
