"""Backup and restore times and sizes, for the demo organisation and a bigger one (no pass/fail).

    .venv/bin/python bench/backup_bench.py [--backend sqlite|postgresql] [--storage filesystem|database]
                                           [--cases 10000] [--attachments 200] [--attachment-kb 512]

For each organisation: a scratch database is migrated and filled, `service.backup.backup` writes the backup
(the same function as `forestall backup`), and `service.backup.restore` restores it into a second, empty
database (the same as `forestall restore`). Prints rows, attachment bytes, backup size and the seconds of
each step. The bigger organisation is the demo plus --cases cases (a client each, two dated events each,
inserted in bulk) and --attachments random files of --attachment-kb KB, stored through the storage.
PostgreSQL: 127.0.0.1:5432, trust auth for postgres; the scratch databases are dropped afterwards."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

SCRATCH = Path(tempfile.mkdtemp(prefix="forestall-backup-bench-"))
os.environ["FORESTALL_VAR"] = str(SCRATCH / "var")
os.environ.setdefault("FORESTALL_ENV", "development")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'unused.sqlite'}")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def scratch_url(backend: str, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{SCRATCH / (name + '.sqlite')}"
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop(backend: str, names: list[str]) -> None:
    if backend != "postgresql":
        return
    from sqlalchemy import create_engine, text

    from service.db import get_engine

    get_engine.cache_clear()
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fill(settings, cases: int, attachments: int, attachment_kb: int) -> None:  # noqa: ANN001
    from sqlalchemy import insert, select

    from models import Borrower, Case, CaseEvent, User
    from models.base import utcnow
    from models.communications import Attachment, Communication
    from service.db import session_factory
    from service.demo import seed_demo
    from service.migrate import upgrade
    from service.storage import storage_for
    from service.wiring import connect_signals

    connect_signals(settings)  # as the `forestall` command does: the demo's reminders are planned too
    upgrade(settings.database_url)
    with session_factory(settings.database_url)() as session:
        seed_demo(session, storage_for(settings, session))
        session.commit()
        admin = session.scalars(select(User).where(User.email == "admin@demo.example")).one()
        now = utcnow()
        for start in range(0, cases, 5000):
            batch = range(start, min(start + 5000, cases))
            ids = session.scalars(
                insert(Case).returning(Case.id),
                [
                    {
                        "org_id": admin.org_id,
                        "version": 1,
                        "property_state": "IL",
                        "property_street": f"{i} Main St",
                        "loan_number": f"{4000000000 + i}",
                        "stage": "delinquent",
                        "created_at": now,
                        "updated_at": now,
                        "search_text": f"client{i}",
                        "client_sort_name": f"client{i}",
                        "loan_unpaid_principal": 200000,
                    }
                    for i in batch
                ],
            ).all()
            session.execute(
                insert(Borrower),
                [
                    {"case_id": case_id, "position": 0, "first_name": "Client", "last_name": f"Number {case_id}"}
                    for case_id in ids
                ],
            )
            session.execute(
                insert(CaseEvent),
                [
                    {
                        "org_id": admin.org_id,
                        "case_id": case_id,
                        "type": kind,
                        "occurred_on": dt.date(2026, 1, 1),
                        "details": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                    for case_id in ids
                    for kind in ("first_missed_payment", "breach_letter_sent")
                ],
            )
            session.commit()
        if attachments:
            case_id = session.scalar(select(Case.id).where(Case.org_id == admin.org_id).limit(1))
            entry = Communication(
                org_id=admin.org_id,
                case_id=case_id,
                occurred_at=now,
                channel="fax",
                direction="outbound",
                counterparty_type="servicer",
                category="document_submission",
                documents_sent=[],
                documents_requested=[],
            )
            session.add(entry)
            session.flush()
            storage = storage_for(settings, session)
            for n in range(attachments):
                sha256, size = storage.put(io.BytesIO(b"%PDF-1.7\n" + os.urandom(attachment_kb * 1024)))
                session.add(
                    Attachment(
                        org_id=admin.org_id,
                        case_id=case_id,
                        communication_id=entry.id,
                        sha256=sha256,
                        size=size,
                        content_type="application/pdf",
                        filename=f"scan-{n}.pdf",
                    )
                )
                if n % 20 == 19:
                    session.commit()
            session.commit()


def measure(label: str, backend: str, storage: str, cases: int, attachments: int, attachment_kb: int) -> None:
    from service.backup import backup, restore
    from service.config import load_settings

    names = [f"forestall_bb_{label}_src", f"forestall_bb_{label}_dst"]
    source = dataclasses.replace(
        load_settings(),
        database_url=scratch_url(backend, names[0]),
        attachments_storage=storage,
        attachments_dir=SCRATCH / label / "src-attachments",
    )
    target = dataclasses.replace(
        source, database_url=scratch_url(backend, names[1]), attachments_dir=SCRATCH / label / "dst-attachments"
    )
    try:
        started = time.perf_counter()
        fill(source, cases, attachments, attachment_kb)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        manifest = backup(source, SCRATCH / label / "backup")
        backed_up = time.perf_counter() - started
        started = time.perf_counter()
        restore(target, SCRATCH / label / "backup")
        restored = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (SCRATCH / label / "backup").rglob("*") if p.is_file())
        rows = sum(manifest["tables"].values())
        print(
            f"{label:<7} {backend:<10} {storage:<10} {rows:>9,} rows  {manifest['tables']['cases']:>7,} cases  "
            f"{attachments * attachment_kb / 1024:>7.1f} MB attached  backup {size / 2**20:>7.1f} MB  "
            f"backup {backed_up:>6.1f} s  restore {restored:>6.1f} s  (filling took {filled:.0f} s)",
            flush=True,
        )
    finally:
        drop(backend, names)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--storage", choices=("filesystem", "database"), default="filesystem")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--attachments", type=int, default=200)
    parser.add_argument("--attachment-kb", type=int, default=512)
    args = parser.parse_args()
    try:
        measure("demo", args.backend, args.storage, 0, 0, 0)
        measure("bigger", args.backend, args.storage, args.cases, args.attachments, args.attachment_kb)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
