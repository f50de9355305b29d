"""A mixed load for a while (default 10 minutes) on PostgreSQL + Redis, with every process the deployment
runs: gunicorn (3 sync workers), one Celery worker (2 processes), two Celery beats (scans every 5 s), and an
SMTP server in this process. 16 clients read and write through the API (case lists and details, deadlines,
new cases, new deadlines due today whose reminders are planned and sent at once, PDF reports rendered by the
worker). Prints p50/p95 per kind of request, errors, what the workers did, and the memory (RSS) of each
process at the start and at the end. Prints figures; no pass/fail.

    .venv/bin/python bench/mixed_load_bench.py [--seconds 600] [--clients 16]
Needs PostgreSQL on 127.0.0.1:5432 (trust auth for postgres) and Redis on 127.0.0.1:6379."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_NAME = "forestall_mixed_bench"
DB_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
BROKER_URL = "redis://127.0.0.1:6379/13"
TIMEZONE = "America/Chicago"


class Sink:
    """An SMTP server that counts what it receives (Message-IDs)."""

    def __init__(self, port: int):
        self.port = port
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        import email

        self.message_ids.append(email.message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()


def seed(clients: int) -> list[tuple[str, int]]:
    """An organisation whose reminders go out at local hour 0 (a deadline due today: a reminder due now),
    one attorney with a token per client."""
    from models.notices import OrgNotificationSettings
    from service.auth import issue_token
    from service.db import session_factory
    from service.migrate import upgrade
    from service.orgs import create_org, create_user

    upgrade(DB_URL)
    with session_factory(DB_URL)() as session:
        org = create_org(session, "Mixed bench", f"mixed-{uuid.uuid4().hex[:6]}", TIMEZONE)
        session.add(
            OrgNotificationSettings(org_id=org.id, grave_offsets=[30, 7, 0], informational_offsets=[0], local_hour=0)
        )
        create_user(session, org, f"admin@{org.slug}.example", "admin")
        people = []
        for n in range(clients):
            user = create_user(session, org, f"attorney{n}@{org.slug}.example", "attorney")
            session.flush()
            people.append((issue_token(session, user), user.id))
        session.commit()
    return people


def case_payload(n: int, assignee: int) -> dict:
    return {
        "client": {"first_name": "Ana", "last_name": f"Diaz{n}", "email": f"ana{n}@example.com"},
        "assigned_to": assignee,
        "property": {
            "street": f"{n} Elm St",
            "city": "Joliet",
            "state": "IL",
            "zip": "60431",
            "occupancy": "primary_residence",
            "dwelling_units": 1,
        },
        "loan": {
            "servicer": "Example Servicing",
            "investor": "fha",
            "loan_number": f"{4000000000 + n}",
            "unpaid_principal": "250000.00",
            "accrued_interest": "4000.00",
            "fees_and_costs": "2500.00",
        },
    }


def call(base: str, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError as error:
        return 0, str(error).encode()


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children[int(fields[1])].append(int(entry.name))
            except (OSError, IndexError):
                continue
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory(processes: dict[str, subprocess.Popen]) -> dict[str, float]:
    out = {}
    for name, process in processes.items():
        for index, pid in enumerate(process_tree(process.pid)):
            out[f"{name} {'main' if index == 0 else 'child'} pid {pid}"] = rss_mb(pid)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--cases", type=int, default=40, help="cases made before the load starts")
    args = parser.parse_args()

    create_database()
    people = seed(args.clients)
    sink = Sink(free_port())
    sink.start()
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="forestall-mixed-"))
    queue = f"forestall-mixed-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "FORESTALL_ENV": "development",
        "DATABASE_URL": DB_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_QUEUE": queue,
        "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "FORESTALL_VAR": str(tmp / "var"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "3",
        "FORESTALL_SCAN_SECONDS": "5",
        "PYTHONPATH": str(ROOT),
    }
    commands = {
        "gunicorn": [
            str(BIN / "gunicorn"),
            "service.wsgi:app",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--access-logfile",
            "/dev/null",
        ],
        "celery worker": [
            str(BIN / "celery"),
            "-A",
            "workers",
            "worker",
            "-c",
            "2",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat A": [str(BIN / "celery"), "-A", "workers", "beat", "-s", str(tmp / "beat-a"), "--loglevel=WARNING"],
        "beat B": [str(BIN / "celery"), "-A", "workers", "beat", "-s", str(tmp / "beat-b"), "--loglevel=WARNING"],
    }
    processes = {
        name: subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=open(tmp / f"{name}.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        for name, cmd in commands.items()
    }
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/readyz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        case_ids: list[int] = []
        for n in range(args.cases):
            token, user_id = people[n % len(people)]
            status, body = call(base, token, "POST", "/api/v1/cases", case_payload(n, user_id))
            assert status == 201, body[:300]
            case_ids.append(json.loads(body)["id"])
        time.sleep(3)  # the workers' pool processes are up
        memory_start = memory(processes)

        latencies: dict[str, list[float]] = defaultdict(list)
        errors: Counter = Counter()
        reports: list[int] = []
        lock = threading.Lock()
        today = dt.datetime.now(ZoneInfo(TIMEZONE)).date()
        stop_at = time.monotonic() + args.seconds

        def client(index: int) -> None:
            rng = random.Random(index)
            token, user_id = people[index]
            serial = 0
            while time.monotonic() < stop_at:
                roll = rng.random()
                case_id = rng.choice(case_ids)
                if roll < 0.40:
                    kind, method, path, body = "GET list", "GET", "/api/v1/cases?per_page=20", None
                elif roll < 0.60:
                    kind, method, path, body = "GET case", "GET", f"/api/v1/cases/{case_id}", None
                elif roll < 0.70:
                    kind, method, path, body = "GET deadlines", "GET", f"/api/v1/cases/{case_id}/deadlines", None
                elif roll < 0.80:
                    serial += 1
                    kind, method, path, body = (
                        "POST case",
                        "POST",
                        "/api/v1/cases",
                        case_payload(100000 + index * 10000 + serial, user_id),
                    )
                elif roll < 0.97:
                    kind, method, path, body = (
                        "POST deadline",
                        "POST",
                        f"/api/v1/cases/{case_id}/deadlines",
                        {"title": f"Hearing {uuid.uuid4().hex[:6]}", "due_on": today.isoformat(), "binds": "court"},
                    )
                else:
                    kind, method, path, body = (
                        "POST report",
                        "POST",
                        f"/api/v1/cases/{case_id}/reports",
                        {"type": "case_timeline"},
                    )
                started = time.perf_counter()
                status, answer = call(base, token, method, path, body)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies[kind].append(elapsed)
                    if status >= 400 or status == 0:
                        errors[f"{kind} {status}"] += 1
                    elif kind == "POST report":
                        reports.append(json.loads(answer)["id"])

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        load_seconds = time.monotonic() - started

        # Let the workers catch up (reminders due, reports queued), then count.
        from sqlalchemy import func, select

        from models.notices import Notice
        from models.reports import Report
        from service.db import session_factory

        settle_until = time.monotonic() + 120
        with session_factory(DB_URL)() as session:
            while time.monotonic() < settle_until:
                now = dt.datetime.now(dt.timezone.utc)
                due = session.scalar(
                    select(func.count())
                    .select_from(Notice)
                    .where(Notice.state.in_(("pending", "sending")), Notice.send_at <= now)
                )
                waiting = session.scalar(
                    select(func.count()).select_from(Report).where(Report.state.in_(("queued", "rendering")))
                )
                session.commit()
                if not due and not waiting:
                    break
                time.sleep(1)
            settled = time.monotonic() - (settle_until - 120)
            notices = dict(session.execute(select(Notice.state, func.count()).group_by(Notice.state)).all())
            report_states = dict(session.execute(select(Report.state, func.count()).group_by(Report.state)).all())
            renders = [
                (r.completed_at - r.created_at).total_seconds()
                for r in session.scalars(select(Report).where(Report.state == "ready"))
            ]
        memory_end = memory(processes)
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        sink.controller.stop()

    total = sum(len(v) for v in latencies.values())
    print(
        f"\nmixed load: {args.clients} clients for {load_seconds:.0f} s, {total} requests "
        f"({total / load_seconds:.1f}/s), PostgreSQL + Redis, gunicorn 3 sync workers, 1 Celery worker (-c 2), "
        f"2 beats (scan every 5 s)"
    )
    print(f"{'request':16} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    every = []
    for kind in sorted(latencies):
        values = sorted(latencies[kind])
        every.extend(values)
        print(
            f"{kind:16} {len(values):7d} {statistics.median(values):8.1f} {values[int(0.95 * (len(values) - 1))]:8.1f} "
            f"{values[-1]:8.1f}"
        )
    every.sort()
    print(
        f"{'all':16} {len(every):7d} {statistics.median(every):8.1f} {every[int(0.95 * (len(every) - 1))]:8.1f} "
        f"{every[-1]:8.1f}"
    )
    print(f"errors: {sum(errors.values())} {dict(errors) if errors else ''}")
    received = Counter(sink.message_ids)
    print(
        f"reminders (notices by state): {notices}; e-mails received {len(sink.message_ids)}, "
        f"{sum(1 for c in received.values() if c > 1)} Message-IDs more than once; settled {settled:.0f} s after the load"
    )
    if renders:
        renders.sort()
        print(
            f"reports: {report_states}; request to ready p50 {statistics.median(renders):.1f} s, "
            f"p95 {renders[int(0.95 * (len(renders) - 1))]:.1f} s"
        )
    else:
        print(f"reports: {report_states}")
    print(f"\n{'process':40} {'RSS start MB':>13} {'RSS end MB':>11}")
    for name in sorted(set(memory_start) | set(memory_end)):
        print(f"{name:40} {memory_start.get(name, 0):13.1f} {memory_end.get(name, 0):11.1f}")
    print(f"{'total':40} {sum(memory_start.values()):13.1f} {sum(memory_end.values()):11.1f}")


if __name__ == "__main__":
    main()
