"""Screenshots of the main pages from the demo data, into docs/screenshots/*.png.

    .venv/bin/python docs/screenshots/make_screenshots.py

Seeds the demo organisation into a fresh SQLite database under /tmp, serves the app on a free port and
drives the distribution's Chromium (/usr/bin/chromium, or FORESTALL_CHROMIUM) with Playwright."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="forestall-screenshots-"))
os.environ["FORESTALL_VAR"] = str(TMP / "var")
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'demo.sqlite'}"
os.environ["CELERY_BROKER_URL"] = f"sqla+sqlite:///{TMP / 'broker.sqlite'}"
CHROMIUM = os.environ.get("FORESTALL_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo password for screenshots"


def seed() -> int:
    from sqlalchemy import select

    from models import Borrower, Case
    from service.db import session_factory
    from service.demo import seed_demo
    from service.migrate import upgrade
    from service.orgs import get_user_by_email, set_password

    upgrade(os.environ["DATABASE_URL"])
    with session_factory(os.environ["DATABASE_URL"])() as session:
        seed_demo(session)
        set_password(session, get_user_by_email(session, "admin@demo.example"), PASSWORD)
        set_password(session, get_user_by_email(session, "attorney@demo.example"), PASSWORD)
        session.commit()
        return session.scalar(select(Case.id).join(Borrower).where(Borrower.last_name == "Bello"))


def serve():  # noqa: ANN201
    from werkzeug.serving import make_server

    from service.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    from playwright.sync_api import sync_playwright

    case_id = seed()
    server, base = serve()
    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, base_url=base)

        def shot(name: str, full_page: bool = False) -> None:
            path = HERE / f"{name}.png"
            page.screenshot(path=str(path), full_page=full_page)
            shots.append(path.name)

        page.goto("/login")
        shot("sign-in")
        page.get_by_label("Email").fill("attorney@demo.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        shot("today", full_page=True)
        page.goto("/cases")
        shot("caseload", full_page=True)
        page.goto("/cases/new")
        page.get_by_role("button", name="Create case").click()
        page.wait_for_load_state("load")
        shot("intake-with-errors")
        page.goto(f"/cases/{case_id}")
        shot("case", full_page=False)
        row = page.locator("tr", has_text="Answer to the foreclosure complaint")
        if row.count():
            row.first.get_by_text("Show the work").click()
            row.first.scroll_into_view_if_needed()
        shot("case-deadlines-show-the-work")
        page.goto("/jurisdictions/IL")
        shot("jurisdiction")
        browser.close()
    server.shutdown()
    print("wrote " + ", ".join(shots) + f" in {HERE}")


if __name__ == "__main__":
    main()
