"""Communications and waivers objects for the tenant walk: a communication with an attachment, and a waiver request."""

from __future__ import annotations

import io


def make(owner, objects) -> dict:
    case_id = objects["case_id"]
    member = owner.attorney
    communication = member.post(
        f"/api/v1/cases/{case_id}/communications",
        json={
            "occurred_at": "2026-02-02T10:00:00",
            "channel": "fax",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "counterparty_name": "Midland",
            "category": "document_submission",
            "subject": "Bank statements",
            "documents_sent": ["Bank statements"],
        },
    ).get_json()
    attachment = member.client.post(
        f"/api/v1/communications/{communication['id']}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4\nfax confirmation\n"), "fax-confirmation.pdf")},
        headers={"Authorization": f"Bearer {member.token}"},
        content_type="multipart/form-data",
    ).get_json()
    waiver = member.post(
        f"/api/v1/cases/{case_id}/waiver-requests",
        json={
            "resolution": "short_sale",
            "recipient": "Midland",
            "ask": "full_waiver",
            "deficiency_amount": "40000.00",
        },
    ).get_json()
    return {
        "communication_id": communication["id"],
        "attachment_id": attachment["id"],
        "waiver_request_id": waiver["id"],
    }
