"""The shell without a browser: redirects, safe next paths, CSRF, headers, sessions that end, error pages."""

from __future__ import annotations

import time

import pytest

from tests.web.conftest import PASSWORD, csrf_from


def test_signed_out_pages_redirect_to_sign_in_with_the_path(app):
    client = app.test_client()
    for path in ("/", "/settings", "/cases", "/cases/new", "/jurisdictions"):
        response = client.get(path + "?page=2")
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")
        assert path in response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil", "javascript:alert(1)", "evil.example"],
)
def test_sign_in_never_redirects_off_the_site(app, web_org, target):
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"email": web_org.admin.email, "password": PASSWORD, "csrf_token": token, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_changes_the_session_and_sets_safe_cookie_flags(app, web_org):
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"email": web_org.admin.email, "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over HTTPS the cookie is Secure (next test)
    after = csrf_from(client.get("/").text)
    assert after != token  # the pre-sign-in session (and its CSRF token) did not survive sign-in


def test_the_cookie_is_secure_over_https(app, web_org):
    client = app.test_client()
    login = client.get("/login", base_url="https://forestall.example")
    # Over HTTPS flask-wtf also checks the Referer is this site (browsers send it: Referrer-Policy same-origin).
    response = client.post(
        "/login",
        base_url="https://forestall.example",
        headers={"Referer": "https://forestall.example/login"},
        data={"email": web_org.admin.email, "password": PASSWORD, "csrf_token": csrf_from(login.text)},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(page_client):
    client = page_client("admin")
    response = client.post("/logout", csrf=False)
    assert response.status_code in (400, 403)
    assert "security token" in response.text
    assert client.get("/").status_code == 200  # still signed in: the sign-out did not happen
    response = client.post("/logout", data={"csrf_token": "forged"}, csrf=False)
    assert response.status_code in (400, 403)
    assert client.get("/").status_code == 200


def test_the_json_api_needs_no_csrf_token(org):
    response = org.attorney.post("/api/v1/cases", json={})
    assert response.status_code == 422  # validation, not a CSRF refusal


def test_security_headers_on_pages(page_client, app):
    signed_in = page_client("admin").get("/")
    signed_out = app.test_client().get("/login")
    for response in (signed_in, signed_out):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert "<script>" not in response.text and " on" + "click=" not in response.text


def test_static_assets_are_served_from_the_package(app):
    client = app.test_client()
    for path in (
        "/assets/uswds/css/uswds.min.css",
        "/assets/uswds/js/uswds.min.js",
        "/assets/htmx/htmx.min.js",
        "/assets/js/forestall.js",
        "/assets/uswds/fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def _age_session(client, **changes):  # noqa: ANN001
    with client.session_transaction() as cookie:
        for key, seconds in changes.items():
            cookie[key] = cookie[key] - seconds


def test_a_session_idle_for_30_minutes_ends(page_client):
    client = page_client("admin")
    _age_session(client.client, seen_at=29 * 60)
    assert client.get("/").status_code == 200  # 29 minutes: still fine, and last-seen moves forward
    _age_session(client.client, seen_at=31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_session_ends_12_hours_after_sign_in_however_busy(page_client):
    client = page_client("admin")
    _age_session(client.client, signed_in_at=12 * 3600 + 1)
    assert client.get("/").status_code == 302


def test_deactivating_a_user_ends_their_session(page_client, web_org, database_url):
    from models import User
    from service.db import session_factory

    client = page_client("counselor")
    assert client.get("/").status_code == 200
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        session.get(User, web_org.counselor.user_id).is_active = False
        session.commit()
    assert client.get("/").status_code == 302


def test_a_tampered_cookie_is_not_a_session(app, page_client, web_org):
    client = page_client("viewer")
    with client.client.session_transaction() as cookie:
        cookie["uid"] = web_org.admin.user_id  # the signature is recomputed here, so this is a valid cookie ...
    # ... which is why the session is signed with SECRET_KEY: a cookie forged without it is ignored.
    forged = app.test_client()
    forged.set_cookie("forestall_session", "eyJ1aWQiOjF9.invalid.signature")
    assert forged.get("/").status_code == 302


def test_unknown_pages_are_html_for_browsers_and_problem_json_for_programs(app, page_client):
    assert page_client("admin").get("/no-such-page", headers={"Accept": "text/html"}).status_code == 404
    response = app.test_client().get("/no-such-page", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Page not found" in response.text
    response = app.test_client().get("/api/v1/no-such-thing")
    assert response.mimetype == "application/problem+json"


def test_session_times_are_recorded(page_client):
    client = page_client("admin")
    with client.client.session_transaction() as cookie:
        assert abs(cookie["signed_in_at"] - time.time()) < 60
        assert len(cookie["sid"]) >= 24
