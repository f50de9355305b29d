"""Server-side render time of the main pages on a large organisation: Today, Caseload (plain, filtered,
searched) and a case page. Loads N cases (default 100,000) with three deadlines each into a fresh
database (90% in one organisation, shared by 200 staff), signs in as one of them, then renders each page
through the WSGI app in this process (no network, no browser) and prints p50/p95/p99. No pass/fail.

The case page three ways, measured in alternating rounds with the API's case detail of the same case (so a
busy machine weighs on all alike): as a browser that runs the scripts gets it (its secondary sections come
in a second request, measured too: "case page sections"), and as one without scripts (every section in the
page). The ratios to the API's case detail are printed, with the CPU time per request.

    .venv/bin/python bench/pages_bench.py [--cases 100000] [--requests 200] [--database-url URL]

Default database: a new SQLite file under /tmp (PostgreSQL: pass --database-url to an empty database)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATES = ["IL", "MN", "CA", "TX", "FL", "NY", "OH", "GA", "AZ", "WA", "PA", "MI", "NJ", "NV", "CO", "MA"]
STAGES = ["intake", "delinquent", "pre_foreclosure", "loss_mitigation", "foreclosure_filed", "sale_scheduled"]
LAST_NAMES = ["Gonzalez", "Carter", "Nguyen", "Johnson", "Brown", "Lee", "Moore", "Walsh", "Bello", "Ramirez"]
KINDS = [
    ("answer_due", "Answer to the foreclosure complaint due", "borrower"),
    ("servicer_response_due", "Servicer's response to the notice of error due", "servicer"),
    ("sale_date", "Foreclosure sale", "court"),
]
PASSWORD = "bench password 1"


def load(database_url: str, n_cases: int) -> tuple[int, str]:
    from sqlalchemy import insert

    from models import Borrower, Case, Deadline
    from models.base import utcnow
    from service.auth import hash_password
    from service.cases.service import get_case
    from service.auth import Caller
    from service.db import session_factory
    from service.events.service import add_event
    from service.migrate import upgrade
    from service.orgs import create_org, create_user

    upgrade(database_url)
    session = session_factory(database_url, across_orgs="a benchmark's set-up")()
    org = create_org(session, "Bench org", f"bench-{os.getpid()}", "America/Chicago")
    other = create_org(session, "Other org", f"other-{os.getpid()}", "America/Chicago")
    user = create_user(session, org, f"attorney-{os.getpid()}@bench.example", "attorney", "Bench Attorney")
    user.password_hash = hash_password(PASSWORD)
    # 200 colleagues share the caseload (about 450 cases each, hers included): "my deadlines" is one
    # person's, "everyone's" the whole organisation's.
    colleagues = [user.id] + [
        create_user(session, org, f"staff{n}-{os.getpid()}@bench.example", "paralegal").id for n in range(199)
    ]
    session.commit()
    rng = random.Random(7)
    today = dt.date.today()
    now = utcnow()
    started = time.perf_counter()
    chunk = 5000
    for start in range(0, n_cases, chunk):
        rows, people = [], []
        for i in range(start, min(start + chunk, n_cases)):
            last = rng.choice(LAST_NAMES) + str(i)
            loan_number = f"{rng.randrange(10**9, 10**10)}"
            street = f"{rng.randrange(1, 9999)} Main St"
            rows.append(
                {
                    "org_id": org.id if i % 10 else other.id,
                    "version": 1,
                    "property_state": rng.choice(STATES),
                    "property_street": street,
                    "loan_number": loan_number,
                    "stage": rng.choice(STAGES),
                    "assigned_to_id": colleagues[(i // 10) % len(colleagues)] if i % 20 != 1 else None,
                    "created_at": now,
                    "updated_at": now,
                    "search_text": "\n".join([f"client{i}", last.lower(), loan_number, street.lower()]),
                    "client_sort_name": f"{last.lower()} client",
                    "loan_unpaid_principal": 200000,
                }
            )
            people.append(("Client", last))
        ids = session.scalars(insert(Case).returning(Case.id, sort_by_parameter_order=True), rows).all()
        session.execute(
            insert(Borrower),
            [
                {"case_id": case_id, "position": 0, "first_name": first, "last_name": last}
                for case_id, (first, last) in zip(ids, people)
            ],
        )
        deadlines = []
        for case_id, row in zip(ids, rows):
            for kind, title, binds in KINDS:
                due = today + dt.timedelta(days=rng.randrange(-60, 120))
                deadlines.append(
                    {
                        "org_id": row["org_id"],
                        "case_id": case_id,
                        "key": kind,
                        "kind": kind,
                        "title": title,
                        "due_on": due,
                        "binds": binds,
                        "status": "open" if due >= today - dt.timedelta(days=30) else "missed",
                        "engine_status": "open",
                        "rule_id": f"{row['property_state']}.{kind}",
                        "explanation": "bench",
                        "sequence": 0,
                        "verify_manually": False,
                        "is_manual": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        session.execute(insert(Deadline), deadlines)
        session.commit()
    print(f"loaded {n_cases} cases and {3 * n_cases} deadlines in {time.perf_counter() - started:.1f} s", flush=True)
    # One case of hers with real events and computed deadlines, for the case page.
    case_id = next(i for i, row in zip(ids, rows) if row["assigned_to_id"] == user.id and row["org_id"] == org.id)
    caller = Caller(user_id=user.id, org_id=org.id, role="attorney", email=user.email, timezone="America/Chicago")
    case = get_case(session, org.id, case_id)
    for event_type, days in (("first_missed_payment", 200), ("complaint_served", 20)):
        add_event(session, caller, case, {"type": event_type, "occurred_on": today - dt.timedelta(days=days)})
    session.commit()
    # The planner's statistics and PostgreSQL's visibility map, as a database in use has them (autovacuum
    # makes them some time after a bulk load; without them the plans are those of an empty table, and
    # counts read every row instead of an index).
    from sqlalchemy import text

    if database_url.startswith("sqlite"):
        session.execute(text("ANALYZE"))
        session.commit()
    else:
        with session.get_bind().connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    session.close()
    return case_id, user.email


def measure(client, path: str, requests: int) -> dict[str, float]:  # noqa: ANN001
    client.get(path)  # warm caches (templates, statements)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "p99": times[int(0.99 * (len(times) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='forestall-pages-bench-')}/bench.sqlite"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("FORESTALL_ENV", "development")  # a scratch database: the embedded SECRET_KEY
    case_id, email = load(database_url, args.cases)

    from service.app import create_app
    from service.config import load_settings

    app = create_app(load_settings())
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    targets = {
        "Today (my cases)": "/",
        "Today (everyone's)": "/?whose=all",
        "Caseload": "/cases",
        "Caseload: state=IL&stage=foreclosure_filed": "/cases?state=IL&stage=foreclosure_filed",
        "Caseload: q=gonzalez1234": "/cases?q=gonzalez1234",
        "Caseload: sort by name, page 40": "/cases?sort=client_last_name&page=40",
    }
    print(f"\n{args.cases} cases, {args.requests} sequential renders each, in-process ({database_url.split(':')[0]})")
    print(f"{'page':45} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    results = {}
    for name, path in targets.items():
        figures = results[name] = measure(client, path, args.requests)
        print(f"{name:45} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['p99']:8.1f}", flush=True)
    # The case page next to the same case through the API (bearer token, JSON), in alternating rounds.
    api_client = app.test_client()
    api_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(email)}"
    scripted = app.test_client()
    scripted.set_cookie("forestall_session", client.get_cookie("forestall_session").value)
    scripted.set_cookie("forestall_js", "1")  # what static/js/forestall.js sets: the sections are deferred
    pairs = {
        "Case page (browser with scripts)": (scripted, f"/cases/{case_id}", {}),
        "Case page sections (its second request)": (scripted, f"/cases/{case_id}/sections", {"HX-Request": "true"}),
        "Case page without scripts (every section)": (client, f"/cases/{case_id}", {}),
        "API case detail (same case)": (api_client, f"/api/v1/cases/{case_id}", {}),
    }
    case_results = measure_alternating(pairs, args.requests)
    for name, figures in case_results.items():
        results[name] = figures
        print(
            f"{name:45} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['p99']:8.1f}"
            f"   cpu {figures['cpu']:.2f} ms/request",
            flush=True,
        )
    api = case_results.pop("API case detail (same case)")
    print()
    for name, figures in case_results.items():
        print(
            f"{name} / API case detail: p50 {figures['p50'] / api['p50']:.1f}x, "
            f"p95 {figures['p95'] / api['p95']:.1f}x, cpu {figures['cpu'] / api['cpu']:.1f}x"
        )
    print(f"(goal <= 3x); slowest page p95 {max(r['p95'] for r in results.values()):.1f} ms (goal < 100 ms)")


def measure_alternating(pairs: dict, requests: int, rounds: int = 10) -> dict[str, dict[str, float]]:
    """Each target `requests` times, in `rounds` rounds taking turns; wall-clock percentiles and CPU time."""
    times: dict[str, list[float]] = {name: [] for name in pairs}
    cpu: dict[str, float] = dict.fromkeys(pairs, 0.0)
    for client, path, headers in pairs.values():
        client.get(path, headers=headers)  # warm caches (templates, statements)
    for _ in range(rounds):
        for name, (client, path, headers) in pairs.items():
            for _ in range(max(1, requests // rounds)):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(path, headers=headers)
                times[name].append((time.perf_counter() - started) * 1000)
                cpu[name] += (time.process_time() - started_cpu) * 1000
                assert response.status_code == 200, (path, response.status_code)
    results = {}
    for name, values in times.items():
        values.sort()
        results[name] = {
            "p50": statistics.median(values),
            "p95": values[int(0.95 * (len(values) - 1))],
            "p99": values[int(0.99 * (len(values) - 1))],
            "cpu": cpu[name] / len(values),
        }
    return results


def api_token(email: str) -> str:
    from sqlalchemy import select

    from models import User
    from service.auth import issue_token
    from service.config import load_settings
    from service.db import session_factory

    with session_factory(load_settings().database_url)() as session:
        token = issue_token(session, session.scalars(select(User).where(User.email == email)).one())
        session.commit()
    return token


if __name__ == "__main__":
    main()
