"""Browser tests: the real app served on a free port (a werkzeug server thread, against the suite's migrated
database) and driven by Playwright with the distribution's Chromium. axe-core runs on every page a test visits.

Playwright's own browser download is not used: `make test` installs Debian's chromium when it is missing.
Without a browser the tests fail on CI (CI=true) and are skipped, saying why, elsewhere."""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

CHROMIUM = os.environ.get("FORESTALL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(config, items):  # noqa: ANN001
    """A test that drives Chromium is marked `browser`: the PostgreSQL pass runs the others (the pages'
    sign-in, scoping and forms under row-level security) and leaves the browser to the SQLite pass."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app):  # noqa: ANN001
    """The application on http://127.0.0.1:PORT for the whole session."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"the browser tests need Chromium at {CHROMIUM} (make test installs it: apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class AccessibilityError(AssertionError):
    pass


def run_axe(page) -> list[dict[str, Any]]:  # noqa: ANN001
    """axe-core's violations on the page as it is now (WCAG 2.0-2.2 A and AA, and best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)  # through the DevTools protocol: the page's CSP does not block it
    return page.evaluate("""async () => {
        const result = await window.axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
    }""")


@dataclass
class Tab:
    """A browser tab that records every page it loads, so a test cannot leave one unchecked by axe."""

    page: Any
    base_url: str
    loaded: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    console_errors: list[str] = field(default_factory=list)
    # With JavaScript off the page cannot run axe itself: a JavaScript-enabled tab loads the same HTML
    # (at the same address, so the same styles apply) and axe checks it there.
    checker: Any = None

    def _as_received(self):  # noqa: ANN202
        html, url = self.page.content(), self.page.url.split("#")[0]

        def answer(route):  # noqa: ANN001
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        def nothing(route):  # noqa: ANN001
            route.fulfill(status=204)  # what the page fetches with scripts it never ran: stays as received

        self.checker.route(url, answer)
        self.checker.route("**/sections*", nothing)
        try:
            self.checker.goto(url)
        finally:
            self.checker.unroute(url, answer)
            self.checker.unroute("**/sections*", nothing)
        return self.checker

    def goto(self, path: str, check: bool = True):
        response = self.page.goto(self.base_url + path)
        if check:
            self.assert_accessible()
        return response

    def assert_accessible(self) -> None:
        self.page.wait_for_load_state("load")
        if self.checker is None:
            # The case page's deferred sections (fetched by htmx once the page is shown) are checked too.
            self.page.wait_for_function("() => !document.querySelector('[data-deferred]')")
        violations = run_axe(self.page if self.checker is None else self._as_received())
        self.checked.add(self.page.url)
        if violations:
            lines = [f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations]
            raise AccessibilityError(f"axe found violations on {self.page.url}:\n" + "\n".join(lines))

    def unchecked(self) -> list[str]:
        return [url for url in self.loaded if url not in self.checked]

    def __getattr__(self, name: str):  # page.fill, page.click, ... straight through
        return getattr(self.page, name)


@pytest.fixture()
def open_tab(browser, live_server):  # noqa: ANN001
    """open_tab(javascript=True) -> a Tab in a fresh browser context (its own cookies)."""
    contexts, tabs = [], []

    def factory(javascript: bool = True) -> Tab:
        context = browser.new_context(java_script_enabled=javascript, base_url=live_server)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page, live_server)
        if not javascript:
            checker_context = browser.new_context(base_url=live_server)
            contexts.append(checker_context)
            tab.checker = checker_context.new_page()
        page.on("load", lambda p: tab.loaded.append(p.url))
        page.on(
            "console",
            lambda message: (
                tab.console_errors.append(message.text)
                if message.type == "error" and not message.text.startswith("Failed to load resource")
                else None
            ),
        )
        # A page or an htmx request may answer 4xx on purpose (a form with errors: 422); what a page loads
        # (CSS, scripts, icons, fonts) may not, and nothing may answer 5xx.
        page.on(
            "response",
            lambda response: (
                tab.console_errors.append(f"{response.status} {response.url}")
                if response.status >= 500
                or (
                    response.status >= 400
                    and response.request.resource_type in ("stylesheet", "script", "image", "font")
                )
                else None
            ),
        )
        tabs.append(tab)
        return tab

    yield factory
    try:
        for tab in tabs:
            unchecked = tab.unchecked()
            assert not unchecked, f"pages loaded but never checked with assert_accessible(): {unchecked}"
            assert not tab.console_errors, f"the browser console reported errors: {tab.console_errors}"
    finally:
        for context in contexts:
            context.close()


def with_passwords(org, database_url: str):  # noqa: ANN001
    """The organisation, its users given the password PASSWORD (to sign in through the pages)."""
    from sqlalchemy import select

    from models import User
    from service.auth import hash_password
    from service.db import session_factory

    digest = hash_password(PASSWORD)
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        for user in session.scalars(select(User).where(User.org_id == org.id)):
            user.password_hash = digest
        session.commit()
    return org


@pytest.fixture()
def web_org(make_org, database_url):  # noqa: ANN001
    """An organisation whose users (org.admin, org.viewer, ...) all have the password PASSWORD."""
    return with_passwords(make_org(), database_url)


def sign_in(tab: Tab, email: str, password: str = PASSWORD, next_path: str = "/") -> None:
    tab.goto("/login" + (f"?next={next_path}" if next_path != "/" else ""))
    tab.page.get_by_label("Email").fill(email)
    tab.page.get_by_label("Password").fill(password)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_load_state("load")


@pytest.fixture()
def signed_in(open_tab, web_org):  # noqa: ANN001
    """signed_in("admin") -> a Tab signed in as that role of web_org, on Today (already checked by axe)."""

    def factory(role: str = "admin", javascript: bool = True) -> Tab:
        tab = open_tab(javascript=javascript)
        sign_in(tab, web_org.members[role].email)
        assert tab.page.url.rstrip("/") == tab.base_url, tab.page.url
        tab.assert_accessible()
        return tab

    return factory


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass
class PageClient:
    """Flask's test client signed in through the sign-in form, for checks that need no browser."""

    client: Any
    csrf: str

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post(path, data=data, **kw)


@pytest.fixture()
def page_client(app, web_org):  # noqa: ANN001
    """page_client("viewer") -> a PageClient signed in as that role of web_org."""

    def factory(role: str = "admin", org=None) -> PageClient:  # noqa: ANN001
        client = app.test_client()
        login = client.get("/login")
        email = (org or web_org).members[role].email
        response = client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(login.text)}
        )
        assert response.status_code == 302, response.text
        return PageClient(client, csrf_from(client.get("/").text))

    return factory
