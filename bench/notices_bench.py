"""The reminder scan's cost and the send throughput, on PostgreSQL.

    .venv/bin/python -m bench.notices_bench [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a scratch database, then:
1. 1,000 pending notices that are not due yet, plus DUE due ones: times the every-minute scan
   (service.notices.service.scan) and one claim, median of several runs;
2. the same with 1,000,000 pending not-due notices (target: within 2x of 1.);
3. sends the due ones to a local aiosmtpd server through service.notices.outbox.deliver_due and prints
   messages per second.
The scan reads the due rows through the (state, attempt_at) index, so its cost follows the due rows.
Prints figures; drops the database at the end."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

DUE = 300
OFFSETS_PER_DEADLINE = 100


def create_database(admin_url: str) -> tuple[str, str]:
    name = f"forestall_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(session, deadlines: int, start: int, due: bool, org_id: int, case_id: int, user_id: int) -> None:
    """`deadlines` deadlines; not-due ones get OFFSETS_PER_DEADLINE far-future notices each, due ones one
    notice whose time has come. Written with INSERT ... SELECT generate_series (fast)."""
    session.execute(
        text("""
        INSERT INTO deadlines (org_id, case_id, key, kind, title, due_on, binds, status, verify_manually, is_manual,
                               sequence, created_at, updated_at, rule_id)
        SELECT :org, :case, 'bench:' || g, 'manual', 'Bench deadline ' || g, CURRENT_DATE + 400, 'borrower', 'open',
               false, true, 0, now() - interval '1 day', now() - interval '1 day', 'manual'
        FROM generate_series(CAST(:start AS int), CAST(:stop AS int)) AS g"""),
        {"org": org_id, "case": case_id, "start": start, "stop": start + deadlines - 1},
    )
    offsets = 1 if due else OFFSETS_PER_DEADLINE
    when = "now() - interval '1 hour'" if due else "now() + interval '300 days'"
    session.execute(
        text(f"""
        INSERT INTO notices (org_id, case_id, deadline_id, deadline_sequence, kind, offset_days, recipient_user_id,
                             recipient, due_on, send_at, state, attempt_at, attempts, message_id, created_at,
                             updated_at)
        SELECT :org, :case, d.id, 0, 'reminder', o, :user, 'bench@bench.example', d.due_on, {when}, 'pending',
               {when}, 0, '<' || d.id || '.' || o || '.bench@forestall.localhost>', now(), now()
        FROM deadlines d CROSS JOIN generate_series(0, CAST(:last_offset AS int)) AS o
        WHERE d.key LIKE 'bench:%' AND substr(d.key, 7)::int BETWEEN CAST(:start AS int) AND CAST(:stop AS int)"""),
        {
            "org": org_id,
            "case": case_id,
            "user": user_id,
            "start": start,
            "stop": start + deadlines - 1,
            "last_offset": offsets - 1,
        },
    )
    session.commit()
    session.execute(text("ANALYZE deadlines"))
    session.execute(text("ANALYZE notices"))
    session.commit()


def time_scan(sessions, runs: int = 7) -> tuple[float, float]:
    from models.notices import Notice
    from service.config import load_settings
    from service.notices import outbox, service

    now = dt.datetime.now(dt.timezone.utc)
    settings = load_settings()
    scans, claims = [], []
    for _ in range(runs):
        with sessions() as session:
            started = time.perf_counter()
            stats = service.scan(session, settings, now)
            scans.append(time.perf_counter() - started)
            assert stats["due"] >= DUE, stats
            started = time.perf_counter()
            outbox.claim_candidates(session, Notice, now, outbox.CLAIM_BATCH)
            claims.append(time.perf_counter() - started)
            session.rollback()
    return statistics.median(scans) * 1000, statistics.median(claims) * 1000


def count(sessions, where: str = "") -> int:
    with sessions() as session:
        return session.execute(text(f"SELECT count(*) FROM notices {where}")).scalar_one()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()

    name, url = create_database(args.admin_url)
    os.environ.setdefault("FORESTALL_ENV", "development")  # a scratch database: the embedded SECRET_KEY
    os.environ["DATABASE_URL"] = url
    try:
        from aiosmtpd.controller import Controller

        from models.notices import NoticeScanState, UserNotificationPreference
        from service.auth import Caller
        from service.cases.service import create_case
        from service.db import session_factory
        from service.migrate import upgrade
        from service.notices import outbox, service
        from service.notices.mail import Mailer
        from service.config import load_settings
        from service.orgs import create_org, create_user

        upgrade(url)
        sessions = session_factory(url, across_orgs="a benchmark's set-up")
        with sessions() as session:
            org = create_org(session, "Bench", "bench", "America/Chicago")
            user = create_user(session, org, "bench@bench.example", "attorney")
            session.add(
                UserNotificationPreference(org_id=org.id, user_id=user.id, daily_digest=False, digest_only=False)
            )
            caller = Caller(user_id=user.id, org_id=org.id, role="attorney", email=user.email)
            case = create_case(
                session,
                caller,
                {
                    "client": {"first_name": "Bench", "last_name": "Client"},
                    "assigned_to": user.id,
                    "property": {"state": "IL"},
                    "loan": {},
                },
            )
            session.commit()
            ids = (org.id, case.id, user.id)
        small = 1000 // OFFSETS_PER_DEADLINE
        seed(sessions(), small, 1, False, *ids)
        seed(sessions(), DUE, 10_000_000, True, *ids)
        with sessions() as session:  # the watermark: nothing changed since (the first scan plans everything)
            session.add(NoticeScanState(id=1, planned_through=dt.datetime.now(dt.timezone.utc)))
            session.commit()
            service.scan(session, load_settings())  # the day's once-a-day run, untimed
        print(f"pending not due: {count(sessions, 'WHERE attempt_at > now()'):>9,}  due: {DUE}")
        small_scan, small_claim = time_scan(sessions)
        print(f"  scan {small_scan:7.2f} ms   claim of {outbox.CLAIM_BATCH} {small_claim:6.2f} ms (median)")

        started = time.perf_counter()
        seed(sessions(), (args.large - 1000) // OFFSETS_PER_DEADLINE, 1 + small, False, *ids)
        print(f"(inserted {args.large - 1000:,} more in {time.perf_counter() - started:.0f} s)")
        print(f"pending not due: {count(sessions, 'WHERE attempt_at > now()'):>9,}  due: {DUE}")
        large_scan, large_claim = time_scan(sessions)
        print(f"  scan {large_scan:7.2f} ms   claim of {outbox.CLAIM_BATCH} {large_claim:6.2f} ms (median)")
        print(f"scan ratio large/small: {large_scan / small_scan:.2f}x (target: within 2x)")

        class Sink:
            received = 0

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                Sink.received += 1
                return "250 OK"

        port = 20000 + os.getpid() % 20000
        controller = Controller(Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        os.environ["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        try:
            started = time.perf_counter()
            results = outbox.deliver_due(sessions, load_settings(), mailer=Mailer(load_settings()))
            elapsed = time.perf_counter() - started
        finally:
            controller.stop()
        print(
            f"send: {results['sent']} notices in {elapsed:.2f} s = {results['sent'] / elapsed:.0f} messages/s "
            f"(one process, one SMTP connection, {args.large:,} others pending; server got {Sink.received})"
        )
    finally:
        from service.db import get_engine

        get_engine(url).dispose()
        drop_database(args.admin_url, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
