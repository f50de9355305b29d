"""Load 100,000 cases into PostgreSQL, then measure with wrk on loopback (gunicorn, 4 sync workers):
the case detail and the filtered list, next to the floor (a bare primary-key read, and the token lookup +
that read) on the same server, alternating rounds so machine noise hits both. Prints figures; no pass/fail.

    .venv/bin/python bench/api_bench.py [--cases 100000] [--seconds 10] [--rounds 3]
Needs PostgreSQL on 127.0.0.1:5432 (trust auth for postgres) and wrk (Debian package)."""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_NAME = "forestall_bench"
DB_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
STATES = ["IL", "MN", "CA", "TX", "FL", "NY", "OH", "GA", "AZ", "WA", "PA", "MI", "NJ", "NV", "CO", "MA"]
STAGES = ["intake", "delinquent", "pre_foreclosure", "loss_mitigation", "foreclosure_filed", "sale_scheduled"]
LAST_NAMES = ["Gonzalez", "Carter", "Nguyen", "Johnson", "Brown", "Lee", "Moore", "Walsh", "Bello", "Ramirez"]


def create_database() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()


def load(n_cases: int) -> tuple[str, int]:
    from sqlalchemy import insert, select

    from models import Borrower, Case
    from models.base import utcnow
    from service.auth import issue_token
    from service.db import session_factory
    from service.migrate import upgrade
    from service.orgs import create_org, create_user

    upgrade(DB_URL)
    session = session_factory(DB_URL)()
    org = create_org(session, "Bench org", "bench")
    other = create_org(session, "Other org", "other")
    user = create_user(session, org, "bench@bench.example", "attorney")
    create_user(session, other, "other@other.example", "attorney")
    token = issue_token(session, user)
    session.commit()
    rng = random.Random(7)
    started = time.perf_counter()
    now = utcnow()
    chunk = 5000
    for start in range(0, n_cases, chunk):
        rows, people = [], []
        for i in range(start, min(start + chunk, n_cases)):
            last = rng.choice(LAST_NAMES) + str(i)
            loan_number = f"{rng.randrange(10**9, 10**10)}"
            street = f"{rng.randrange(1, 9999)} Main St"
            rows.append({
                "org_id": org.id if i % 10 else other.id, "version": 1, "property_state": rng.choice(STATES),
                "property_street": street, "loan_number": loan_number, "stage": rng.choice(STAGES),
                "assigned_to_id": user.id if i % 3 == 0 else None, "created_at": now, "updated_at": now,
                "search_text": "\n".join([f"client{i}", last.lower(), loan_number, street.lower()]),
                "client_sort_name": f"{last.lower()} client",
                "loan_unpaid_principal": 200000,
            })
            people.append(("Client", last))
        ids = session.scalars(insert(Case).returning(Case.id), rows).all()
        session.execute(insert(Borrower), [{"case_id": case_id, "position": 0, "first_name": first, "last_name": last}
                                           for case_id, (first, last) in zip(ids, people)])
        session.commit()
    case_id = session.scalar(select(Case.id).where(Case.org_id == org.id).order_by(Case.id.desc()).limit(1))
    session.commit()
    session.close()
    # What autovacuum would have done by now: statistics and the visibility map (index-only counts).
    from sqlalchemy import create_engine, text

    engine = create_engine(DB_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"loaded {n_cases} cases in {time.perf_counter() - started:.1f} s", flush=True)
    return token, case_id


def wrk(url: str, token: str, seconds: int) -> dict:
    out = subprocess.run(["wrk", "-t2", "-c4", f"-d{seconds}s", "-s", str(ROOT / "bench" / "latency.lua"), url],
                         capture_output=True, text=True, env={**os.environ, "BENCH_TOKEN": token}, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=5099)
    args = parser.parse_args()
    create_database()
    token, case_id = load(args.cases)
    env = {**os.environ, "FORESTALL_ENV": "development", "DATABASE_URL": DB_URL, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "bench.floor_app:app", "-w", "4",
                               "-b", f"127.0.0.1:{args.port}", "--log-level", "warning",
                               "--access-logfile", "/dev/null"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        targets = {
            "floor: primary-key read": f"{base}/bench/floor/{case_id}",
            "floor: token lookup + primary-key read": f"{base}/bench/floor-auth/{case_id}",
            "case detail": f"{base}/api/v1/cases/{case_id}",
            "list: state=IL&stage=foreclosure_filed": f"{base}/api/v1/cases?state=IL&stage=foreclosure_filed",
            "list: q=gonzalez1234": f"{base}/api/v1/cases?q=gonzalez1234",
            "list: assigned_to + sort by name": f"{base}/api/v1/cases?assigned_to=1&sort=client_last_name",
        }
        results: dict[str, list[dict]] = {name: [] for name in targets}
        for round_no in range(args.rounds):
            for name, url in targets.items():
                results[name].append(wrk(url, token, args.seconds))
        print(f"\n{args.cases} cases, wrk -t2 -c4, {args.rounds} rounds x {args.seconds} s, gunicorn 4 sync workers")
        print(f"{'target':45} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7}")
        medians = {}
        for name, runs in results.items():
            p50 = statistics.median(r["p50_ms"] for r in runs)
            p95 = statistics.median(r["p95_ms"] for r in runs)
            p99 = statistics.median(r["p99_ms"] for r in runs)
            rps = statistics.median(r["rps"] for r in runs)
            medians[name] = (p50, p95)
            print(f"{name:45} {p50:8.2f} {p95:8.2f} {p99:8.2f} {rps:8.0f} {sum(r['errors'] for r in runs):7d}")
        floor_p50 = medians["floor: token lookup + primary-key read"][0]
        print(f"\ncase detail / authenticated floor (p50): {medians['case detail'][0] / floor_p50:.2f}x")
        print(f"case detail / bare floor (p50): {medians['case detail'][0] / medians['floor: primary-key read'][0]:.2f}x")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
