"""Render a communications log of 1,000 entries and print the time and the peak memory (no pass/fail).

    .venv/bin/python bench/reports_bench.py [--entries 1000]

Target: under 10 s and under 500 MB on this machine. Runs on a scratch SQLite database in a
temporary var dir; the entries (a tenth with an attached file) are inserted directly, then the report
goes through the same path as the worker and the CLI (gather -> Jinja -> WeasyPrint -> stored with SHA-256).
Peak memory is the process's maximum resident set size (getrusage), imports and database included.
The CPU time is printed next to the wall-clock time: on a shared machine the wall clock includes the
time other processes held the cores, the CPU time does not."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

SCRATCH = Path(tempfile.mkdtemp(prefix="forestall-bench-"))
os.environ["FORESTALL_VAR"] = str(SCRATCH)
os.environ.setdefault("FORESTALL_ENV", "development")  # a scratch database: the embedded SECRET_KEY
os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'forestall.sqlite'}"
os.environ["CELERY_BROKER_URL"] = f"sqla+sqlite:///{SCRATCH / 'broker.sqlite'}"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHANNELS = ("phone", "letter", "certified_mail", "fax", "email", "portal")
CATEGORIES = ("document_submission", "document_request", "other", "loss_mit_application", "decision")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def seed(session, entries: int) -> int:
    from models.communications import Attachment, Communication
    from service.auth import Caller
    from service.cases.schemas import CaseCreateSchema
    from service.cases.service import create_case
    from service.orgs import create_org, create_user
    from tests.conftest import case_payload

    org = create_org(session, "Bench Legal Aid", "bench", "America/Chicago")
    user = create_user(session, org, "bench@bench.example", "attorney", "Bench Attorney")
    caller = Caller(user_id=user.id, org_id=org.id, role="attorney", email=user.email, timezone=org.timezone)
    case = create_case(session, caller, CaseCreateSchema().load(case_payload()))
    start = dt.datetime(2024, 1, 2, 9, 0, tzinfo=dt.timezone.utc)
    for n in range(entries):
        row = Communication(
            org_id=org.id,
            case_id=case.id,
            occurred_at=start + dt.timedelta(hours=13 * n),
            channel=CHANNELS[n % len(CHANNELS)],
            direction="outbound" if n % 2 else "inbound",
            counterparty_type="servicer",
            counterparty_name="Midland Mortgage",
            contact_person=f"Agent {n % 17}",
            category=CATEGORIES[n % len(CATEGORIES)],
            subject=f"Entry {n + 1}: follow-up on the loss-mitigation file",
            summary=(
                "Called the servicer about the missing pay stubs; the agent confirmed receipt of the 2025 "
                "W-2 and asked for a new hardship letter. " * (1 + n % 3)
            ),
            documents_sent=["Pay stubs", "Hardship letter"] if n % 2 else [],
            documents_requested=[],
            created_by_id=user.id,
        )
        session.add(row)
        if n % 10 == 0:
            session.flush()
            session.add(
                Attachment(
                    org_id=org.id,
                    case_id=case.id,
                    communication_id=row.id,
                    sha256=hashlib.sha256(str(n).encode()).hexdigest(),
                    size=1000 + n,
                    content_type="application/pdf",
                    filename=f"enclosure-{n + 1}.pdf",
                )
            )
    session.commit()
    return case.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1000)
    args = parser.parse_args()

    from service.config import load_settings
    from service.db import session_factory
    from service.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    with session_factory(settings.database_url)() as session:
        case_id = seed(session, args.entries)
    baseline = peak_rss_mb()

    from reports.render import tune_process_for_rendering
    from service.reports.service import render_inline

    tune_process_for_rendering()  # as the worker process does
    with session_factory(settings.database_url)() as session:
        started, cpu_started = time.perf_counter(), time.process_time()
        report = render_inline(session, "communications_log", case_id)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert report.state == "ready", report.error
    print(
        f"communications_log, {args.entries} entries: {report.page_count} pages, {report.size / 1024:.0f} KiB, "
        f"{elapsed:.1f} s (gather + HTML + PDF + store; {cpu:.1f} s of CPU), peak RSS {peak_rss_mb():.0f} MB "
        f"(before the render: {baseline:.0f} MB)"
    )


if __name__ == "__main__":
    main()
