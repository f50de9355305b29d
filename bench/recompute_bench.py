"""Recompute the deadlines of 100,000 cases in PostgreSQL (the daily refresh path: service.deadlines.service.
refresh_all, chunks of 500, one commit per chunk), first when no deadline exists yet and again in the steady
state, and the engine alone per case. Prints figures; no pass/fail.

    .venv/bin/python bench/recompute_bench.py [--cases 100000]
Needs PostgreSQL on 127.0.0.1:5432 (trust auth for postgres)."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_NAME = "forestall_bench_recompute"
DB_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
STATES = ["IL", "MN", "CA", "TX", "FL", "NY", "OH", "GA", "AZ", "WA", "PA", "MI", "NJ", "NV", "CO", "MA", "WI", "AL"]


def main() -> None:
    from sqlalchemy import create_engine, func, insert, select, text

    from models import Case, CaseEvent, Deadline
    from models.base import utcnow
    from service.db import session_factory
    from service.deadlines.service import refresh_all, today_by_org
    from service.migrate import upgrade
    from service.orgs import create_org

    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    upgrade(DB_URL)
    session = session_factory(DB_URL, across_orgs="a benchmark's set-up")()
    org = create_org(session, "Bench", "bench")
    session.commit()
    rng = random.Random(11)
    now = utcnow()
    base = dt.date(2025, 6, 1)
    started = time.perf_counter()
    for start in range(0, args.cases, 5000):
        n = min(5000, args.cases - start)
        ids = session.scalars(
            insert(Case).returning(Case.id),
            [
                {
                    "org_id": org.id,
                    "version": 1,
                    "property_state": rng.choice(STATES),
                    "stage": "intake",
                    "property_occupancy": "primary_residence",
                    "property_dwelling_units": 1,
                    "loan_purpose": "purchase",
                    "search_text": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for _ in range(n)
            ],
        ).all()
        events = []
        for case_id in ids:
            missed = base + dt.timedelta(days=rng.randrange(0, 300))
            events.append(
                {
                    "org_id": org.id,
                    "case_id": case_id,
                    "type": "first_missed_payment",
                    "occurred_on": missed,
                    "details": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if rng.random() < 0.6:
                events.append(
                    {
                        "org_id": org.id,
                        "case_id": case_id,
                        "type": "complaint_served",
                        "occurred_on": missed + dt.timedelta(days=150),
                        "details": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if rng.random() < 0.3:
                events.append(
                    {
                        "org_id": org.id,
                        "case_id": case_id,
                        "type": "sale_held",
                        "occurred_on": missed + dt.timedelta(days=330),
                        "details": {"sale_price": "150000.00"},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        session.execute(insert(CaseEvent), events)
        session.commit()
    print(f"loaded {args.cases} cases with events in {time.perf_counter() - started:.1f} s", flush=True)
    for label in ("first recompute (creates every deadline)", "steady state (nothing changed)"):
        started = time.perf_counter()
        count = refresh_all(session, today_by_org(session))
        elapsed = time.perf_counter() - started
        deadlines = session.scalar(select(func.count()).select_from(Deadline))
        print(
            f"{label}: {count} cases in {elapsed:.1f} s = {elapsed / count * 1000:.2f} ms per case "
            f"({deadlines} deadlines)",
            flush=True,
        )
    session.close()

    # The engine alone (no database), on the same kind of cases.
    from service.clock.engine import CaseFacts, Event, compute_deadlines
    from service.clock.rules import load_rulebook

    rulebook = load_rulebook()
    cases = []
    for i in range(10_000):
        missed = base + dt.timedelta(days=rng.randrange(0, 300))
        cases.append(
            (
                CaseFacts(
                    state=rng.choice(STATES), occupancy="primary_residence", dwelling_units=1, purpose="purchase"
                ),
                [
                    Event(str(i * 3), "first_missed_payment", missed),
                    Event(str(i * 3 + 1), "complaint_served", missed + dt.timedelta(days=150)),
                    Event(str(i * 3 + 2), "sale_held", missed + dt.timedelta(days=330), {"sale_price": "1.00"}),
                ],
            )
        )
    started = time.perf_counter()
    for facts, events in cases:
        compute_deadlines(facts, events, rulebook, dt.date(2026, 11, 23))
    elapsed = time.perf_counter() - started
    print(f"engine alone: {elapsed / len(cases) * 1e6:.0f} microseconds per case (10,000 cases, 3 events each)")


if __name__ == "__main__":
    main()
