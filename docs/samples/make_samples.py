"""Make docs/samples/*.pdf from the demo data, in a scratch var dir (never the real one):

    .venv/bin/python docs/samples/make_samples.py

`forestall seed-demo` has no communications or waiver requests, so this adds a few to the Gonzalez case
through the public API (as a user would), then renders one report of each type through the same service
path the CLI uses (`forestall report TYPE --case ID -o FILE`)."""
from __future__ import annotations

import datetime as dt
import io
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

    settings = load_settings()
    upgrade(settings.database_url)
    with session_factory(settings.database_url)() as session:
        token = seed_demo(session)
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

    def at(days_ago: int, hour: int = 10) -> str:
        return f"{today - dt.timedelta(days=days_ago)}T{hour:02d}:15:00"

    servicer = "Midland Mortgage"
    noe = post(f"/cases/{case_id}/communications", {
        "occurred_at": at(60), "channel": "certified_mail", "direction": "outbound", "counterparty_type": "servicer",
        "counterparty_name": servicer, "contact_person": "Correspondence Unit", "category": "notice_of_error",
        "subject": "Notice of error: misapplied payments March-May", "received_on": str(today - dt.timedelta(days=57)),
        "summary": "Notice of error under 12 CFR 1024.35 disputing the application of three payments and the "
                   "late fees charged on them.",
        "documents_sent": ["Notice of error letter", "Bank statements, March to May"]})
    post(f"/cases/{case_id}/communications", {
        "occurred_at": at(40, 14), "channel": "letter", "direction": "inbound", "counterparty_type": "servicer",
        "counterparty_name": servicer, "category": "acknowledgment", "in_reply_to": noe["id"],
        "subject": "Acknowledgment of notice of error", "summary": "Form letter acknowledging receipt."})
    upload = client.post(f"/api/v1/communications/{noe['id']}/attachments", headers=headers,
                         data={"file": (io.BytesIO(b"Bank statements, March to May (sample file)\n"),
                                        "bank-statements-march-may.txt", "text/plain")},
                         content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    post(f"/cases/{case_id}/communications", {
        "occurred_at": at(45, 15), "channel": "letter", "direction": "inbound", "counterparty_type": "servicer",
        "counterparty_name": servicer, "category": "document_request", "subject": "Missing documents",
        "documents_requested": ["Bank statements, March to May", "Hardship letter"],
        "summary": "Servicer asks again for the bank statements, already enclosed with the notice of error."})
    rfi = post(f"/cases/{case_id}/communications", {
        "occurred_at": at(35), "channel": "fax", "direction": "outbound", "counterparty_type": "servicer",
        "counterparty_name": servicer, "category": "request_for_information",
        "subject": "Request for the payment history and the investor's name",
        "summary": "Request for information under 12 CFR 1024.36: life-of-loan payment history, owner of the note."})
    post(f"/cases/{case_id}/communications", {
        "occurred_at": at(20, 11), "channel": "phone", "direction": "outbound", "counterparty_type": "servicer",
        "counterparty_name": servicer, "contact_person": "J. Alvarez", "department": "Loss mitigation",
        "category": "other", "subject": "Status call", "in_reply_to": None,
        "summary": "Asked for the status of the request for information; told it was 'in review'."})
    post(f"/cases/{case_id}/communications", {
        "occurred_at": at(6, 9), "channel": "email", "direction": "inbound", "counterparty_type": "servicer",
        "counterparty_name": servicer, "category": "response", "in_reply_to": rfi["id"],
        "subject": "Response to request for information", "summary": "Payment history attached; investor named as FHA/HUD."})
    waiver = post(f"/cases/{case_id}/waiver-requests", {
        "resolution": "post_sale", "recipient": "Midland Mortgage, Attn: Loss Mitigation Department",
        "ask": "settlement", "settlement_amount": "15000.00", "status": "sent",
        "sent_on": str(today - dt.timedelta(days=15)), "method": "certified_mail"})
    post(f"/waiver-requests/{waiver['id']}/offers", {"offered_by": "lender", "offered_on": str(today - dt.timedelta(days=7)),
                                                     "terms": "settlement", "amount": "40000.00",
                                                     "note": "Counter-offer by phone; to be confirmed in writing."})
    post(f"/waiver-requests/{waiver['id']}/offers", {"offered_by": "borrower", "offered_on": str(today - dt.timedelta(days=3)),
                                                     "terms": "settlement", "amount": "22500.00"})

    jobs = [("case_timeline", case_id, {}), ("communications_log", case_id, {}),
            ("waiver_request_letter", case_id, {"waiver_request_id": waiver["id"]}),
            ("waiver_requests_summary", case_id, {}), ("caseload_deadlines", caseload_case, {"days": 45})]
    for report_type, on_case, options in jobs:
        target = OUT / f"{report_type}.pdf"
        with session_factory(settings.database_url)() as session:
            report = render_inline(session, report_type, on_case, options)
            assert report.state == "ready", (report_type, report.error)
            target.write_bytes(session.scalar(select(Report.content).where(Report.id == report.id)))
        print(f"{target.name}: {report.page_count} page(s), sha256 {report.sha256}")


if __name__ == "__main__":
    main()
