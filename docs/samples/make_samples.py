"""Make docs/samples/*.pdf from the demo data, in a scratch var dir (never the real one):

    .venv/bin/python docs/samples/make_samples.py

The demo seeds servicer exchanges (service/demo_exchanges.py) but no waiver request, so this adds one to
the Gonzalez case through the public API (as a user would), then renders one report of each type through the same service
path the CLI uses (`forestall report TYPE --case ID -o FILE`)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

SCRATCH = Path(tempfile.mkdtemp(prefix="forestall-samples-"))
os.environ["FORESTALL_VAR"] = str(SCRATCH)
os.environ.setdefault("FORESTALL_ENV", "development")  # a scratch database: the embedded SECRET_KEY
os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'forestall.sqlite'}"
os.environ["CELERY_BROKER_URL"] = f"sqla+sqlite:///{SCRATCH / 'broker.sqlite'}"
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(OUT.parent.parent))


def main() -> None:
    from sqlalchemy import select

    from models import Case
    from models.reports import Report
    from service.app import create_app
    from service.config import load_settings
    from service.db import session_factory
    from service.demo import seed_demo
    from service.migrate import upgrade
    from service.reports.service import render_inline
    from service.storage import storage_for

    settings = load_settings()
    upgrade(settings.database_url)
    with session_factory(settings.database_url)() as session:
        token = seed_demo(session, storage_for(settings, session))
        session.commit()
        case = session.scalars(select(Case).join(Case.borrowers).where(Case.loan_number == "4000123456")).first()
        case_id, caseload_case = case.id, case.id
    client = create_app(settings).test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def post(path: str, body: dict) -> dict:
        response = client.post(f"/api/v1{path}", json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.get_json())
        return response.get_json()

    today = dt.date.today()

    waiver = post(
        f"/cases/{case_id}/waiver-requests",
        {
            "resolution": "post_sale",
            "recipient": "Midland Mortgage, Attn: Loss Mitigation Department",
            "ask": "settlement",
            "settlement_amount": "15000.00",
            "status": "sent",
            "sent_on": str(today - dt.timedelta(days=15)),
            "method": "certified_mail",
        },
    )
    post(
        f"/waiver-requests/{waiver['id']}/offers",
        {
            "offered_by": "lender",
            "offered_on": str(today - dt.timedelta(days=7)),
            "terms": "settlement",
            "amount": "40000.00",
            "note": "Counter-offer by phone; to be confirmed in writing.",
        },
    )
    post(
        f"/waiver-requests/{waiver['id']}/offers",
        {
            "offered_by": "borrower",
            "offered_on": str(today - dt.timedelta(days=3)),
            "terms": "settlement",
            "amount": "22500.00",
        },
    )

    jobs = [
        ("case_timeline", case_id, {}),
        ("communications_log", case_id, {}),
        ("waiver_request_letter", case_id, {"waiver_request_id": waiver["id"]}),
        ("waiver_requests_summary", case_id, {}),
        ("caseload_deadlines", caseload_case, {"days": 45}),
    ]
    for report_type, on_case, options in jobs:
        target = OUT / f"{report_type}.pdf"
        with session_factory(settings.database_url)() as session:
            report = render_inline(session, report_type, on_case, options)
            assert report.state == "ready", (report_type, report.error)
            target.write_bytes(session.scalar(select(Report.content).where(Report.id == report.id)))
        print(f"{target.name}: {report.page_count} page(s), sha256 {report.sha256}")


if __name__ == "__main__":
    main()
