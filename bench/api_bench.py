"""The product's case detail against the honest floor, with wrk on loopback: both served by gunicorn with 4
sync workers, the product as deployed (gunicorn.conf.py: its access log to a pipe), the floor a separate
bare Flask app (bench/floor_app.py: one psycopg connection per worker in autocommit, the token's SHA-256
looked up in one indexed query, one org-scoped primary-key read, a JSON document of the product's size).
Each round runs the floor then the product at each concurrency, so machine noise hits both; the ratio
is taken per round and its median printed, for the latency (p50), the throughput and the CPU time the
server's workers spent per request (read from /proc: on a machine shared with other work, the steadiest
of the three). Prints figures; no pass/fail.

    .venv/bin/python bench/api_bench.py [--cases 20000] [--seconds 8] [--rounds 3] [--lists] [--reuse]
--reuse: keep the database of a previous run (a new token is issued). --lists: also the three lists.
BENCH_DB_NAME: the database's name (default forestall_bench).
Needs PostgreSQL on 127.0.0.1:5432 (trust auth for postgres) and wrk (Debian package)."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# BENCH_DB_NAME: another name, so that two checkouts can run the bench at once without dropping each other's data.
DB_NAME = os.environ.get("BENCH_DB_NAME", "forestall_bench")
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
            rows.append(
                {
                    "org_id": org.id if i % 10 else other.id,
                    "version": 1,
                    "property_state": rng.choice(STATES),
                    "property_street": street,
                    "loan_number": loan_number,
                    "stage": rng.choice(STAGES),
                    "assigned_to_id": user.id if i % 3 == 0 else None,
                    "created_at": now,
                    "updated_at": now,
                    "search_text": "\n".join([f"client{i}", last.lower(), loan_number, street.lower()]),
                    "client_sort_name": f"{last.lower()} client",
                    "loan_unpaid_principal": 200000,
                }
            )
            people.append(("Client", last))
        ids = session.scalars(insert(Case).returning(Case.id), rows).all()
        session.execute(
            insert(Borrower),
            [
                {"case_id": case_id, "position": 0, "first_name": first, "last_name": last}
                for case_id, (first, last) in zip(ids, people)
            ],
        )
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


def reuse() -> tuple[str, int]:
    from sqlalchemy import select

    from models import Case, User
    from service.auth import issue_token
    from service.db import session_factory

    session = session_factory(DB_URL)()
    user = session.scalars(select(User).where(User.email == "bench@bench.example")).one()
    token = issue_token(session, user)
    case_id = session.scalar(select(Case.id).where(Case.org_id == user.org_id).order_by(Case.id.desc()).limit(1))
    session.commit()
    session.close()
    return token, case_id


def wrk(url: str, token: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "bench" / "latency.lua"), url],
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_TOKEN": token},
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def wait_until_up(base: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{base} did not start")


def cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by a gunicorn master's workers."""
    total = 0
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def wait_until_settled(master: int) -> None:
    """Until the server's workers have all finished starting (each imports the app on its own): their CPU
    time stops growing. Otherwise the first rounds measure the start-up of the workers still booting."""
    previous = cpu_seconds(master)
    for _ in range(120):
        time.sleep(1)
        current = cpu_seconds(master)
        if current - previous < 0.05:
            return
        previous = current


def body_bytes(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return len(response.read())


def drain(pipe) -> None:  # noqa: ANN001 - the access log's reader: a pipe that is read, as in production
    for _ in iter(lambda: pipe.read(65536), b""):
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--concurrency", default="4,16")
    parser.add_argument("--lists", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if args.reuse:
        token, case_id = reuse()
    else:
        create_database()
        token, case_id = load(args.cases)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    env = {
        **os.environ,
        "FORESTALL_ENV": "development",
        "DATABASE_URL": DB_URL,
        "PYTHONPATH": str(ROOT),
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
        "WEB_CONCURRENCY": "4",
        "PORT": str(args.port),
    }
    product = subprocess.Popen(
        [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "service.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    threading.Thread(target=drain, args=(product.stdout,), daemon=True).start()
    base, floor_base = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.port + 1}"
    floor = None
    try:
        wait_until_up(base)
        wait_until_settled(product.pid)
        detail = f"{base}/api/v1/cases/{case_id}"
        size = body_bytes(detail, token)
        # Run from bench/: gunicorn reads ./gunicorn.conf.py by default, and the floor has no access log.
        floor = subprocess.Popen(
            [gunicorn, "bench.floor_app:app", "-w", "4", "-b", f"127.0.0.1:{args.port + 1}", "--log-level", "warning"],
            cwd=ROOT / "bench",
            env={**env, "FLOOR_BODY_BYTES": str(size)},
        )
        wait_until_up(floor_base)
        wait_until_settled(floor.pid)
        floor_url = f"{floor_base}/floor/cases/{case_id}"
        print(f"case document: product {size} bytes, floor {body_bytes(floor_url, token)} bytes", flush=True)
        levels = [int(c) for c in args.concurrency.split(",")]
        targets = {"floor": floor_url, "case detail": detail}
        if args.lists:
            targets.update(
                {
                    "list: state=IL&stage=foreclosure_filed": f"{base}/api/v1/cases?state=IL&stage=foreclosure_filed",
                    "list: q=gonzalez1234": f"{base}/api/v1/cases?q=gonzalez1234",
                    "list: assigned_to + sort by name": f"{base}/api/v1/cases?assigned_to=1&sort=client_last_name",
                }
            )
        for url in targets.values():  # warm every worker (imports, statements, templates)
            wrk(url, token, 1, 4)
        results: dict[tuple[str, int], list[dict]] = {(name, c): [] for name in targets for c in levels}
        for round_no in range(args.rounds):
            for c in levels:
                for name, url in targets.items():
                    master = floor.pid if name == "floor" else product.pid
                    cpu_before = cpu_seconds(master)
                    result = wrk(url, token, args.seconds, c)
                    requests = result["rps"] * args.seconds
                    result["cpu_ms"] = (cpu_seconds(master) - cpu_before) * 1000 / requests if requests else 0.0
                    results[(name, c)].append(result)
                    print(
                        f"  round {round_no + 1} c={c:<3} {name:40} p50 {result['p50_ms']:6.2f} ms "
                        f"{result['rps']:7.0f} req/s {result['cpu_ms']:5.2f} ms CPU/request",
                        flush=True,
                    )
        print(
            f"\n{args.cases} cases, wrk -t2, {args.rounds} rounds x {args.seconds} s, gunicorn 4 sync workers "
            f"each, floor and product alternating"
        )
        print(
            f"{'target':40} {'c':>3} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'CPU ms':>7} {'errors':>7}"
        )
        for (name, c), runs in results.items():
            print(
                f"{name:40} {c:3d} {statistics.median(r['p50_ms'] for r in runs):8.2f} "
                f"{statistics.median(r['p95_ms'] for r in runs):8.2f} "
                f"{statistics.median(r['p99_ms'] for r in runs):8.2f} "
                f"{statistics.median(r['rps'] for r in runs):8.0f} {statistics.median(r['cpu_ms'] for r in runs):7.2f} "
                f"{sum(r['errors'] for r in runs):7d}"
            )
        print()
        for c in levels:
            p50 = [p["p50_ms"] / f["p50_ms"] for p, f in zip(results[("case detail", c)], results[("floor", c)])]
            rps = [f["rps"] / p["rps"] for p, f in zip(results[("case detail", c)], results[("floor", c)])]
            cpu = [
                p["cpu_ms"] / f["cpu_ms"]
                for p, f in zip(results[("case detail", c)], results[("floor", c)])
                if f["cpu_ms"]
            ]
            print(
                f"case detail / floor at c={c}: p50 {statistics.median(p50):.2f}x "
                f"(rounds {', '.join(f'{r:.2f}' for r in p50)}), throughput {statistics.median(rps):.2f}x, "
                f"worker CPU per request {statistics.median(cpu):.2f}x (goal <= 2x)"
            )
    finally:
        for server in (floor, product):
            if server is not None:
                server.terminate()
                server.wait()


if __name__ == "__main__":
    main()
