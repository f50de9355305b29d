"""Accounts without a browser: the throttle, two-factor, resets and invitations, sessions that end at once,
and the Settings page's permission checks (a viewer's POST to an admin route: 403, nothing written)."""

from __future__ import annotations

import itertools
import re

import pyotp
import pytest
from sqlalchemy import select

from tests.mailbox import link_in, messages_to, path_of
from tests.web.conftest import PASSWORD, csrf_from

_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_throttle():
    from service.accounts.signin import limiter

    yield
    limiter.reset()  # the counts are per process: one test's failures must not lock another's


def client_from_own_address(app):  # noqa: ANN001
    """A test client with an address of its own (the throttle counts failures per address too)."""
    client = app.test_client()
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.9.{n // 250}.{n % 250 + 1}"
    return client


def post_login(client, email: str, password: str = PASSWORD):  # noqa: ANN001
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def db(database_url):  # noqa: ANN001
    from service.db import session_factory

    return session_factory(database_url, across_orgs="the tests' set-up and checks")()


def audit_actions(database_url, user_id):  # noqa: ANN001
    from models import AuditEntry

    with db(database_url) as session:
        return [
            e.action
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "user", AuditEntry.entity_id == user_id)
                .order_by(AuditEntry.id)
            )
        ]


def get_user(database_url, user_id):  # noqa: ANN001
    from models import User

    with db(database_url) as session:
        user = session.get(User, user_id)
        session.expunge(user)
        return user


# ----------------------------------------------------------------------------------------------------
# Throttling


def test_five_wrong_passwords_lock_the_account_for_15_minutes_and_are_audited(app, web_org, database_url):
    client = client_from_own_address(app)
    email = web_org.attorney.email
    for _ in range(4):
        response = post_login(client, email, "wrong password")
        assert response.status_code == 200 and "not right" in response.text
    response = post_login(client, email, "wrong password")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text and "15 minutes" in response.text
    # Now even the right password is refused, from any address, without a session.
    other = client_from_own_address(app)
    response = post_login(other, email)
    assert response.status_code == 429
    assert other.get("/").status_code == 302
    actions = audit_actions(database_url, web_org.attorney.user_id)
    assert actions.count("sign_in_failed") == 5 and actions.count("locked_out") == 1
    # Other accounts are not affected.
    assert post_login(other, web_org.paralegal.email).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(app, web_org):
    client = client_from_own_address(app)
    for n in range(19):
        assert post_login(client, f"nobody{n}@example.org", "x" * 9).status_code == 200
    assert post_login(client, "nobody19@example.org", "x" * 9).status_code == 429
    assert post_login(client, web_org.admin.email).status_code == 429  # the right password, same address
    assert post_login(client_from_own_address(app), web_org.admin.email).status_code == 302


# ----------------------------------------------------------------------------------------------------
# Two-factor


def enrol_through_settings(page_client, database_url, user_id):  # noqa: ANN001
    page = page_client.post("/settings/two-factor")
    assert page.status_code == 200 and "<svg" in page.text and "Authentication code" in page.text
    secret = get_user(database_url, user_id).totp_secret
    wrong = page_client.post("/settings/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
    assert get_user(database_url, user_id).totp_enabled_at is None
    done = page_client.post("/settings/two-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2})</code>", done.text)
    assert len(codes) == 10
    return secret, codes


def test_two_factor_sign_in_needs_a_fresh_code_or_an_unused_recovery_code(app, page_client, web_org, database_url):
    member = web_org.counselor
    secret, codes = enrol_through_settings(page_client("counselor"), database_url, member.user_id)
    assert get_user(database_url, member.user_id).totp_enabled_at is not None
    from models.accounts import RecoveryCode

    with db(database_url) as session:  # only digests are stored
        stored = session.scalars(select(RecoveryCode.code_sha256).where(RecoveryCode.user_id == member.user_id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)

    client = client_from_own_address(app)
    response = post_login(client, member.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login/two-factor"
    assert client.get("/").status_code == 302  # the password alone does not sign in
    form = client.get("/login/two-factor")
    assert "Authentication code" in form.text and ">Verify<" in form.text
    token = csrf_from(form.text)
    wrong = client.post("/login/two-factor", data={"code": "123456", "csrf_token": token})
    assert "not right" in wrong.text and client.get("/").status_code == 302
    # The enrolment used the current step; wait-free: a code of the next step is fresh.
    import time

    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert client.post("/login/two-factor", data={"code": code, "csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 200

    # The same code again (an observer replaying it) is refused; a recovery code works, once.
    replay = client_from_own_address(app)
    post_login(replay, member.email)
    token = csrf_from(replay.get("/login/two-factor").text)
    assert replay.post("/login/two-factor", data={"code": code, "csrf_token": token}).status_code == 200
    assert replay.post("/login/two-factor", data={"code": codes[0].lower(), "csrf_token": token}).status_code == 302
    assert replay.get("/").status_code == 200
    again = client_from_own_address(app)
    post_login(again, member.email)
    token = csrf_from(again.get("/login/two-factor").text)
    assert again.post("/login/two-factor", data={"code": codes[0], "csrf_token": token}).status_code == 200
    assert "recovery_code_used" in audit_actions(database_url, member.user_id)


def test_when_the_organisation_requires_two_factor_a_user_without_it_enrols_after_the_password(
    app, page_client, web_org, database_url
):
    admin = page_client("admin")
    response = admin.post(
        "/settings/organisation/sign-in", data={"require_two_factor": "on", "idle_timeout_minutes": ""}
    )
    assert response.status_code == 302
    client = client_from_own_address(app)
    response = post_login(client, web_org.paralegal.email)
    assert response.headers["Location"] == "/login/enrol"
    page = client.get("/login/enrol")
    assert "requires two-factor" in page.text and "<svg" in page.text
    assert client.get("/").status_code == 302
    secret = get_user(database_url, web_org.paralegal.user_id).totp_secret
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and "recovery codes" in done.text.lower()
    assert client.get("/").status_code == 200
    # Required: it cannot be turned off from Settings.
    settings = client.get("/settings")
    assert "cannot be turned off" in settings.text
    refused = client.post(
        "/settings/two-factor/disable", data={"disable_password": PASSWORD, "csrf_token": csrf_from(settings.text)}
    )
    assert refused.status_code == 409
    assert get_user(database_url, web_org.paralegal.user_id).totp_enabled_at is not None


# ----------------------------------------------------------------------------------------------------
# Sessions end at once


def test_a_password_change_ends_every_other_session_but_not_this_one(page_client, app, web_org):
    here, elsewhere = page_client("attorney"), page_client("attorney")
    bad = here.post(
        "/settings/password",
        data={"current_password": "nope", "new_password": "a new password 1", "confirm_password": "a new password 1"},
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and "not your current password" in bad.text
    assert elsewhere.get("/").status_code == 200
    short = here.post(
        "/settings/password", data={"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}
    )
    assert short.status_code == 422 and "At least 8 characters" in short.text
    ok = here.post(
        "/settings/password",
        data={"current_password": PASSWORD, "new_password": "a new password 1", "confirm_password": "a new password 1"},
    )
    assert ok.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert post_login(client_from_own_address(app), web_org.attorney.email).status_code == 200  # old one refused
    assert post_login(client_from_own_address(app), web_org.attorney.email, "a new password 1").status_code == 302


def test_an_admin_ends_a_users_sessions_or_deactivates_them_at_once(page_client, web_org, database_url):
    admin, counselor, viewer = page_client("admin"), page_client("counselor"), page_client("viewer")
    assert admin.post(f"/settings/users/{web_org.counselor.user_id}/sessions").status_code == 302
    assert counselor.get("/").status_code == 302
    assert viewer.get("/").status_code == 200
    response = admin.post(f"/settings/users/{web_org.viewer.user_id}", data={"is_active": "false"})
    assert response.status_code == 302
    assert viewer.get("/").status_code == 302
    assert web_org.viewer.get("/api/v1/cases").status_code == 401  # and the API token
    assert get_user(database_url, web_org.viewer.user_id).is_active is False


def test_the_organisations_idle_timeout_applies(page_client):
    admin = page_client("admin")
    bad = admin.post("/settings/organisation/sign-in", data={"idle_timeout_minutes": "2"})
    assert bad.status_code == 422 and "Between 5 and 720" in bad.text
    assert admin.post("/settings/organisation/sign-in", data={"idle_timeout_minutes": "10"}).status_code == 302
    other = page_client("attorney")
    with other.client.session_transaction() as cookie:
        cookie["seen_at"] -= 9 * 60
    assert other.get("/").status_code == 200
    with other.client.session_transaction() as cookie:
        cookie["seen_at"] -= 11 * 60
    assert other.get("/").status_code == 302


# ----------------------------------------------------------------------------------------------------
# Reset and invitation links


def test_a_reset_link_says_the_same_for_unknown_addresses_works_once_and_ends_sessions(app, page_client, web_org):
    client = client_from_own_address(app)
    token = csrf_from(client.get("/reset").text)
    unknown = client.post("/reset", data={"email": "nobody@example.org", "csrf_token": token})
    known = client.post("/reset", data={"email": web_org.paralegal.email.upper(), "csrf_token": token})
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - the CSRF token differs
    assert unknown.status_code == known.status_code == 200
    assert strip(unknown.text) == strip(known.text)
    assert messages_to("nobody@example.org") == []
    (message,) = messages_to(web_org.paralegal.email)
    path = path_of(link_in(message, "reset"))
    assert "1 hour" in message.get_body(preferencelist=("plain",)).get_content()

    signed_in = page_client("paralegal")
    form = client.get(path)
    assert form.status_code == 200 and "New password" in form.text
    mismatch = client.post(
        path, data={"password": "brand new pass", "confirm_password": "other", "csrf_token": csrf_from(form.text)}
    )
    assert mismatch.status_code == 422 and 'aria-invalid="true"' in mismatch.text
    done = client.post(
        path,
        data={"password": "brand new pass", "confirm_password": "brand new pass", "csrf_token": csrf_from(form.text)},
    )
    assert done.status_code == 200 and "password is set" in done.text
    assert signed_in.get("/").status_code == 302
    assert client.get(path).status_code == 410  # used up
    assert post_login(client, web_org.paralegal.email, "brand new pass").status_code == 302


def test_an_expired_or_made_up_reset_link_is_refused(app, web_org, database_url):
    import datetime as dt

    from models import User
    from service.accounts import links

    with db(database_url) as session:
        user = session.get(User, web_org.counselor.user_id)
        token = links.new_link(session, user, "reset", now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=61))
        session.commit()
    client = client_from_own_address(app)
    assert client.get(f"/reset/{token}").status_code == 410
    assert "expired" in client.get(f"/reset/{token}").text
    assert client.get("/reset/rst_made-up").status_code == 404


def test_an_invited_user_sets_a_password_through_the_e_mailed_link(app, page_client, web_org):
    admin = page_client("admin")
    bad = admin.post("/settings/users", data={"email": "nope", "role": "", "full_name": ""})
    assert bad.status_code == 422 and bad.text.count('aria-invalid="true"') == 2
    response = admin.post(
        "/settings/users",
        data={"email": "newbie@" + web_org.slug + ".example", "role": "counselor", "full_name": "New Bie"},
    )
    assert response.status_code == 302
    assert "Invitation sent" in admin.get("/settings/users").text
    (message,) = messages_to("newbie@" + web_org.slug + ".example")
    path = path_of(link_in(message, "invite"))
    client = client_from_own_address(app)
    form = client.get(path)
    assert "Welcome to Forestall" in form.text
    client.post(
        path,
        data={
            "password": "my first password",
            "confirm_password": "my first password",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert post_login(client, "newbie@" + web_org.slug + ".example", "my first password").status_code == 302
    assert client.get("/").status_code == 200


# ----------------------------------------------------------------------------------------------------
# The Settings page: roles

ADMIN_POSTS = [
    ("/settings/users", {"email": "sneaky@example.org", "role": "admin"}),
    ("/settings/organisation/sign-in", {"require_two_factor": "on", "idle_timeout_minutes": "5"}),
    ("/settings/organisation/reminders", {"org_grave_offsets": "1", "org_informational_offsets": "1"}),
    ("/settings/users/{admin}", {"role": "viewer"}),
    ("/settings/users/{admin}", {"is_active": "false"}),
    ("/settings/users/{admin}/tokens", {"label": "mine now"}),
    ("/settings/users/{admin}/sessions", {}),
]


@pytest.mark.parametrize("path, data", ADMIN_POSTS)
def test_a_viewer_posting_to_an_admin_route_is_refused_and_nothing_is_written(
    page_client, web_org, database_url, path, data
):
    from models import ApiToken, AuditEntry, Organization, User

    def snapshot():
        with db(database_url) as session:
            admin = session.get(User, web_org.admin.user_id)
            org = session.get(Organization, web_org.id)
            return (
                admin.role,
                admin.is_active,
                admin.session_epoch,
                org.require_two_factor,
                org.idle_timeout_minutes,
                len(session.scalars(select(User.id).where(User.org_id == web_org.id)).all()),
                len(session.scalars(select(ApiToken.id).where(ApiToken.user_id == admin.id)).all()),
                len(session.scalars(select(AuditEntry.id).where(AuditEntry.org_id == web_org.id)).all()),
            )

    viewer = page_client("viewer")
    before = snapshot()
    response = viewer.post(path.format(admin=web_org.admin.user_id), data=data)
    assert response.status_code == 403 and "Not allowed" in response.text
    assert snapshot() == before


def test_a_viewer_sees_no_admin_controls_and_another_organisations_user_is_404(page_client, web_org, make_org):
    viewer = page_client("viewer").get("/settings")
    assert viewer.status_code == 200
    assert "Manage users" not in viewer.text and "Require two-factor" not in viewer.text
    assert page_client("viewer").get("/settings/users").status_code == 403
    admin = page_client("admin")
    page = admin.get("/settings")
    assert "Manage users" in page.text and "Require two-factor" in page.text
    stranger = make_org()
    assert admin.get(f"/settings/users/{stranger.attorney.user_id}").status_code == 404
    assert admin.post(f"/settings/users/{stranger.attorney.user_id}", data={"is_active": "false"}).status_code == 404
    assert stranger.attorney.get("/api/v1/cases").status_code == 200


def test_an_api_token_issued_on_the_page_is_shown_once_and_revoked_there(page_client, web_org, app):
    admin = page_client("admin")
    page = admin.post(f"/settings/users/{web_org.paralegal.user_id}/tokens", data={"label": "scanner"})
    token = re.search(r'id="new-token" type="text" readonly value="(fst_[^"]+)"', page.text).group(1)
    assert app.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    again = admin.get(f"/settings/users/{web_org.paralegal.user_id}")
    assert token not in again.text and "scanner" in again.text
    token_id = re.search(r'/tokens/(\d+)/revoke', again.text).group(1)
    admin.post(f"/settings/users/{web_org.paralegal.user_id}/tokens/{token_id}/revoke")
    assert app.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_reminder_preferences_and_the_calendar_feed_from_settings(page_client, web_org, app):
    client = page_client("viewer")
    bad = client.post("/settings/notifications", data={"grave_offsets": "30, soon", "local_hour": "25"})
    assert bad.status_code == 422 and bad.text.count('aria-invalid="true"') == 1  # offsets first, then the rest
    ok = client.post(
        "/settings/notifications",
        data={"grave_offsets": "7, 30", "informational_offsets": "", "local_hour": "9", "daily_digest": "on"},
    )
    assert ok.status_code == 302
    assert 'value="30, 7"' in client.get("/settings").text
    assert web_org.viewer.get("/api/v1/me/notification-preferences").get_json()["own"]["grave_offsets"] == [30, 7]
    page = client.post("/settings/calendar")
    url = re.search(r'id="calendar-url" type="text" readonly value="([^"]+)"', page.text).group(1)
    path = path_of(url)
    assert app.test_client().get(path).status_code == 200
    client.post("/settings/calendar/revoke")
    assert app.test_client().get(path).status_code == 404


def test_reset_requests_from_one_address_are_limited(app):
    client = client_from_own_address(app)
    token = csrf_from(client.get("/reset").text)
    answers = [
        client.post("/reset", data={"email": f"nobody{n}@example.org", "csrf_token": token}).status_code
        for n in range(11)
    ]
    assert answers == [200] * 10 + [429]
    other = client_from_own_address(app)
    other_token = csrf_from(other.get("/reset").text)
    assert other.post("/reset", data={"email": "x@example.org", "csrf_token": other_token}).status_code == 200


def test_setting_a_password_from_the_command_line_ends_the_users_sessions(page_client, web_org, database_url):
    from models import User
    from service.orgs import set_password

    client = page_client("counselor")
    assert client.get("/").status_code == 200
    with db(database_url) as session:
        set_password(session, session.get(User, web_org.counselor.user_id), "set by the operator")
        session.commit()
    assert client.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old_and_two_factor_can_be_turned_off_with_the_password(
    app, page_client, web_org, database_url
):
    member = web_org.attorney
    client = page_client("attorney")
    _secret, old_codes = enrol_through_settings(client, database_url, member.user_id)
    page = client.post("/settings/two-factor/recovery-codes")
    new_codes = re.findall(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2})</code>", page.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    attempt = client_from_own_address(app)
    post_login(attempt, member.email)
    token = csrf_from(attempt.get("/login/two-factor").text)
    assert attempt.post("/login/two-factor", data={"code": old_codes[1], "csrf_token": token}).status_code == 200
    assert attempt.post("/login/two-factor", data={"code": new_codes[1], "csrf_token": token}).status_code == 302

    wrong = client.post("/settings/two-factor/disable", data={"disable_password": "not mine"})
    assert wrong.status_code == 422 and get_user(database_url, member.user_id).totp_enabled_at is not None
    assert client.post("/settings/two-factor/disable", data={"disable_password": PASSWORD}).status_code == 302
    assert get_user(database_url, member.user_id).totp_secret is None
    assert post_login(client_from_own_address(app), member.email).headers["Location"] == "/"
    assert {"two_factor_on", "recovery_codes_new", "two_factor_off"} <= set(audit_actions(database_url, member.user_id))
