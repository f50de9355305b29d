"""Intake figures (no pass/fail): the conflict check against a large organisation, and a spreadsheet import
from dry run to commit.

    .venv/bin/python bench/intake_bench.py [--cases 100000] [--rows 10000] [--postgresql]

Default: a scratch SQLite database in a temporary directory. --postgresql: a scratch database
`forestall_bench_intake` on 127.0.0.1:5432 (trust auth for postgres), dropped and created again.

Conflict check: the organisation's cases get a client, a co-borrower on a third of them, and a servicer
(from 40 names); parties are inserted directly (the same keys the service writes). Then POST
/api/v1/conflict-checks's service function runs for a few prospective sets, each several times; the median
and the worst are printed. Import: a CSV of N rows (name, e-mail, address, servicer, amounts, two dates) is
read, dry-run and committed through the worker's own function; the time of each phase and the process's
peak memory (getrusage, imports and database included) are printed."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

SCRATCH = Path(tempfile.mkdtemp(prefix="forestall-bench-intake-"))
os.environ["FORESTALL_VAR"] = str(SCRATCH)
os.environ["CELERY_BROKER_URL"] = f"sqla+sqlite:///{SCRATCH / 'broker.sqlite'}"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_NAME = "forestall_bench_intake"
FIRST = [
    "Maria",
    "Jose",
    "James",
    "Robert",
    "Linda",
    "Patricia",
    "Michael",
    "Ana",
    "Luis",
    "Jennifer",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Kwame",
    "Mei",
]
LAST_ROOTS = [
    "Gonzalez",
    "Carter",
    "Nguyen",
    "Johnson",
    "Brown",
    "Lee",
    "Moore",
    "Walsh",
    "Bello",
    "Ramirez",
    "Smith",
    "Garcia",
    "Okafor",
    "Kowalski",
    "Haddad",
    "Novak",
    "Silva",
    "Ivanova",
    "Tanaka",
    "Murphy",
]
SERVICERS = [
    f"{name} {suffix}"
    for name in (
        "Midland",
        "Ocwen",
        "Nationstar",
        "PHH",
        "Freedom",
        "Carrington",
        "Shellpoint",
        "Lakeview",
        "Rushmore",
        "Cenlar",
    )
    for suffix in ("Mortgage", "Loan Servicing, LLC", "Home Loans", "Financial, Inc.")
]
STATES = ["IL", "MN", "CA", "TX", "FL", "NY", "OH", "GA", "AZ", "WA"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database_url(postgresql: bool, reuse: bool = False) -> str:
    if not postgresql:
        return f"sqlite:///{SCRATCH / 'forestall.sqlite'}"
    if reuse:
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_NAME
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_NAME


def last_names(count: int) -> list[str]:
    """Many distinct surnames (a real caseload has thousands), built from roots and suffixes."""
    suffixes = ["", "son", "ez", "ski", "ova", "man", "er", "ton", "ley", "i"]
    return [
        root + suffix + ("" if n == 0 else f"-{chr(65 + n % 26)}{n // 26}")
        for n in range(count // 200 + 1)
        for root in LAST_ROOTS
        for suffix in suffixes
    ][:count]


def seed(session, n_cases: int):  # noqa: ANN001, ANN201
    from sqlalchemy import insert

    from models import Case
    from models.base import utcnow
    from models.intake import Party
    from service.orgs import create_org, create_user
    from service.parties.keys import party_keys

    org = create_org(session, "Bench Legal Aid", f"bench-{random.randrange(10**6)}", "America/Chicago")
    user = create_user(session, org, f"bench{random.randrange(10**9)}@bench.example", "attorney", "Bench")
    session.commit()
    rng = random.Random(7)
    surnames = last_names(5000)
    now = utcnow()
    for start in range(0, n_cases, 5000):
        batch = min(5000, n_cases - start)
        cases = [
            {
                "org_id": org.id,
                "version": 1,
                "property_state": rng.choice(STATES),
                "stage": "intake",
                "search_text": "",
                "client_sort_name": "",
                "created_at": now,
                "updated_at": now,
                "loan_servicer": rng.choice(SERVICERS),
            }
            for _ in range(batch)
        ]
        ids = list(session.scalars(insert(Case).returning(Case.id), cases))
        parties = []
        for case_id, case in zip(ids, cases):
            people = [("client", f"{rng.choice(FIRST)} {rng.choice(surnames)}")]
            if rng.random() < 0.33:
                people.append(("co_borrower", f"{rng.choice(FIRST)} {rng.choice(surnames)}"))
            for role, name in people:
                email = f"{name.lower().replace(' ', '.')}{case_id}@example.com"
                parties.append(
                    {
                        "org_id": org.id,
                        "case_id": case_id,
                        "role": role,
                        "side": "ours",
                        "name": name,
                        "is_organisation": False,
                        "email": email,
                        "phone": None,
                        "mirrors": role,
                        **party_keys(name, False, email, None),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            parties.append(
                {
                    "org_id": org.id,
                    "case_id": case_id,
                    "role": "servicer",
                    "side": "adverse",
                    "name": case["loan_servicer"],
                    "is_organisation": True,
                    "email": None,
                    "phone": None,
                    "mirrors": "loan.servicer",
                    **party_keys(case["loan_servicer"], True, None, None),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(Party), parties)
        session.commit()
    return org, user


def bench_conflicts(session, org, repeats: int) -> None:  # noqa: ANN001
    from service.conflicts.service import find_matches, prospective_party

    sets = {
        "a common name (Maria Gonzalez) + a servicer on 2,500 cases": [
            {"name": "Maria Gonzalez", "role": "client"},
            {"name": "Midland Mortgage", "role": "servicer"},
        ],
        "reversed with accents (GARCÍA, JOSÉ)": [{"name": "GARCÍA, JOSÉ", "role": "client"}],
        "a nickname (Bob Smithson) and an e-mail": [
            {"name": "Bob Smithson", "role": "client", "email": "nobody@example.org"}
        ],
        "client, co-borrower, servicer, plaintiff": [
            {"name": "Linda Carter", "role": "client"},
            {"name": "David Carter", "role": "co_borrower"},
            {"name": "Ocwen Loan Servicing", "role": "servicer"},
            {"name": "Deutsche Bank National Trust Co.", "role": "plaintiff"},
        ],
    }
    for label, parties in sets.items():
        prospective = [prospective_party({"email": None, "phone": None, **p}) for p in parties]
        times, count = [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            count = len(find_matches(session, org.id, prospective))
            times.append((time.perf_counter() - started) * 1000)
        print(f"  {label}: median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms, {count} matches")


def make_csv(rows: int) -> bytes:
    rng = random.Random(11)
    surnames = last_names(3000)
    lines = ["Case ID,Borrower Name,Email,Phone,Address,City,State,ZIP,Servicer,UPB,Date of Default,Sale Date"]
    for n in range(rows):
        name = f"{rng.choice(FIRST)} {rng.choice(surnames)}"
        default = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))
        sale = dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(300))
        lines.append(
            f"IMP-{n},{name},{name.lower().replace(' ', '.')}.{n}@example.net,312-555-{n % 10000:04d},"
            f"{rng.randrange(1, 9999)} Elm St,Springfield,{rng.choice(STATES)},6{rng.randrange(10000):04d},"
            f"\"{rng.choice(SERVICERS)}\",\"${rng.randrange(50, 900) * 1000:,}\",{default:%m/%d/%Y},{sale.isoformat()}"
        )
    return ("\n".join(lines) + "\n").encode()


def bench_import(session, org, user, rows: int) -> None:  # noqa: ANN001
    from service.auth import Caller
    from service.config import load_settings
    from service.imports import service
    from service.wiring import connect_signals

    connect_signals(load_settings())  # as the worker does: reminder plans follow each new case's deadlines

    content = make_csv(rows)
    caller = Caller(user_id=user.id, org_id=org.id, role="attorney", email=user.email, timezone=org.timezone)
    started = time.perf_counter()
    row = service.create_import(session, caller, content, "bench.csv", None)
    session.commit()
    accepted = time.perf_counter()
    row = service.process_import(session, row.id)
    checked = time.perf_counter()
    service.request_commit(session, caller, row)
    session.commit()
    row = service.process_import(session, row.id)
    committed = time.perf_counter()
    print(
        f"  {rows:,} rows ({len(content) / 1e6:.1f} MB): accept {accepted - started:.1f} s, dry run "
        f"{checked - accepted:.1f} s, commit {committed - checked:.1f} s; state {row.state}, created "
        f"{row.rows_created}, invalid {row.rows_invalid}, failed {row.rows_failed}; peak RSS {peak_rss_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-conflicts", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: keep the seeded database of a previous run")
    args = parser.parse_args()
    url = database_url(args.postgresql, args.reuse)
    os.environ["DATABASE_URL"] = url
    from service.db import session_factory
    from service.migrate import upgrade

    upgrade(url)
    backend = "PostgreSQL" if args.postgresql else "SQLite"
    with session_factory(url, across_orgs="a benchmark's set-up")() as session:
        if not args.skip_conflicts:
            started = time.perf_counter()
            if args.reuse:
                from sqlalchemy import select, text

                from models import Organization

                org = session.scalars(
                    select(Organization).where(
                        Organization.slug.like("bench-%"), ~Organization.slug.like("bench-import%")
                    )
                ).first()
                print(f"{backend}: reusing organisation {org.slug}")
            else:
                org, user = seed(session, args.cases)
                print(f"{backend}: seeded {args.cases:,} cases in {time.perf_counter() - started:.0f} s")
            if args.postgresql:
                from sqlalchemy import text

                session.execute(text("ANALYZE parties"))
                session.execute(text("ANALYZE cases"))
                session.commit()
            print("conflict check (service function, warm):")
            bench_conflicts(session, org, args.repeats)
        if not args.skip_import:
            from service.orgs import create_org, create_user

            org = create_org(session, "Bench Import", f"bench-import-{random.randrange(10**6)}", "America/Chicago")
            user = create_user(session, org, f"imp{random.randrange(10**9)}@bench.example", "attorney", "Importer")
            session.commit()
            print("import (dry run, then commit):")
            bench_import(session, org, user, args.rows)


if __name__ == "__main__":
    main()
