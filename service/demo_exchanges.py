"""The demo caseload's exchanges with servicers: what the communications log and its exhibit are for.

Three cases, three stories a defence attorney meets every week:
- Gonzalez (IL): a notice of error by certified mail, acknowledged late and answered late, with the
  bank statements attached as proof of what was sent;
- Bello (FL): a request for information by fax that the servicer never answered;
- Nguyen (CA): a loss-mitigation application and the servicer's acknowledgment.
Entries go through the same schema and service as the API, so their servicer clocks are computed.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from models import Case
from service.auth import Caller
from service.communications.attachments import store_attachment
from service.communications.schemas import CommunicationCreateSchema
from service.communications.service import create_communication
from service.storage import Storage


def _at(today: dt.date, days_ago: int, hour: int = 10) -> str:
    return f"{today - dt.timedelta(days=days_ago)}T{hour:02d}:15:00"


def _log(session, caller: Caller, case: Case, data: dict[str, Any]):  # noqa: ANN001, ANN202
    return create_communication(session, caller, case, CommunicationCreateSchema().load(data))


def seed_exchanges(
    session,
    caller: Caller,
    cases: dict[str, Case],
    today: dt.date,  # noqa: ANN001
    storage: Storage | None,
) -> None:
    """cases: by the client's last name."""
    gonzalez, bello, nguyen = cases["Gonzalez"], cases["Bello"], cases["Nguyen"]

    servicer = gonzalez.loan_servicer or "Midland Mortgage"
    notice = _log(
        session,
        caller,
        gonzalez,
        {
            "occurred_at": _at(today, 70),
            "channel": "certified_mail",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "counterparty_name": servicer,
            "contact_person": "Correspondence Unit",
            "category": "notice_of_error",
            "subject": "Notice of error: payments of March to May misapplied",
            "received_on": str(today - dt.timedelta(days=67)),
            "summary": "Notice of error under 12 CFR 1024.35 disputing how three payments were applied and the "
            "late fees charged on them.",
            "documents_sent": ["Notice of error letter", "Bank statements, March to May"],
        },
    )
    if storage is not None:
        proof = io.BytesIO(b"Bank statements, March to May (demo file standing in for the scanned statements)\n")
        store_attachment(session, caller, notice, proof, "bank-statements-march-may.txt", storage)
    _log(
        session,
        caller,
        gonzalez,
        {
            "occurred_at": _at(today, 55, 14),
            "channel": "letter",
            "direction": "inbound",
            "counterparty_type": "servicer",
            "counterparty_name": servicer,
            "category": "acknowledgment",
            "in_reply_to": notice.id,
            "subject": "Acknowledgment of your notice of error",
            "summary": "Form letter acknowledging receipt, dated two weeks after the notice arrived.",
        },
    )
    _log(
        session,
        caller,
        gonzalez,
        {
            "occurred_at": _at(today, 10, 9),
            "channel": "letter",
            "direction": "inbound",
            "counterparty_type": "servicer",
            "counterparty_name": servicer,
            "category": "response",
            "in_reply_to": notice.id,
            "subject": "Response to your notice of error",
            "summary": "Servicer says no error occurred; no explanation of the late fees.",
        },
    )

    _log(
        session,
        caller,
        bello,
        {
            "occurred_at": _at(today, 50, 11),
            "channel": "fax",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "counterparty_name": "Nationstar",
            "category": "request_for_information",
            "subject": "Request for the life-of-loan payment history and the owner of the note",
            "summary": "Request for information under 12 CFR 1024.36; fax confirmation kept. No answer yet.",
            "documents_sent": ["Request for information letter", "Borrower's authorization"],
        },
    )

    application = _log(
        session,
        caller,
        nguyen,
        {
            "occurred_at": _at(today, 14, 15),
            "channel": "email",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "counterparty_name": "Wells Fargo",
            "category": "loss_mit_application",
            "subject": "Loss-mitigation application",
            "received_on": str(today - dt.timedelta(days=12)),
            "summary": "Application for a loan modification with the hardship letter and two months of pay stubs.",
            "documents_sent": ["Uniform borrower assistance form", "Hardship letter", "Pay stubs (2 months)"],
        },
    )
    _log(
        session,
        caller,
        nguyen,
        {
            "occurred_at": _at(today, 8, 10),
            "channel": "letter",
            "direction": "inbound",
            "counterparty_type": "servicer",
            "counterparty_name": "Wells Fargo",
            "category": "acknowledgment",
            "in_reply_to": application.id,
            "subject": "We received your application",
            "summary": "Acknowledgment; says the application is incomplete and asks for a bank statement.",
        },
    )
