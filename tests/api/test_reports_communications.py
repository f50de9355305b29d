"""The reports built on communications and waiver requests: the communications log (a court exhibit: caption, numbered entries, document
hashes, servicer-compliance findings), the waiver request letter, and the waiver requests summary."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import io

from tests.reports.helpers import check_print_quality, ready_pdf, request


def post(member, path, body):
    response = member.post(f"/api/v1{path}", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_communications_log_is_an_exhibit_with_numbered_entries_hashes_and_findings(org, new_case, database_url):
    case = new_case()
    today = dt.date.today()
    sent = f"{today - dt.timedelta(days=40)}T10:00:00"
    noe = post(
        org.attorney,
        f"/cases/{case['id']}/communications",
        {
            "occurred_at": sent,
            "channel": "certified_mail",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "counterparty_name": "Midland",
            "category": "notice_of_error",
            "subject": "Misapplied payments",
            "summary": "Payments of March and April applied to fees.  \n",
            "documents_sent": ["Notice of error letter"],
        },
    )
    content = b"bank statements\n"
    upload = org.attorney.client.post(
        f"/api/v1/communications/{noe['id']}/attachments",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(content), "statements.txt", "text/plain")},
        headers={"Authorization": f"Bearer {org.attorney.token}"},
    )
    assert upload.status_code == 201, upload.get_json()
    post(
        org.attorney,
        f"/cases/{case['id']}/communications",
        {
            "occurred_at": f"{today - dt.timedelta(days=10)}T10:00:00",
            "channel": "letter",
            "direction": "inbound",
            "counterparty_type": "servicer",
            "counterparty_name": "Midland",
            "category": "acknowledgment",
            "in_reply_to": noe["id"],
            "subject": "We got your letter",
        },
    )

    state, reader, text = ready_pdf(
        org.viewer, database_url, request(org.attorney, case["id"], type="communications_log")
    )
    check_print_quality(reader, text, "Communications Log: Maria Gonzalez", "Test org")
    for expected in (
        "EXHIBIT",
        "Maria Gonzalez and Luis Gonzalez",
        "******3456",
        "Notice of error",
        "Misapplied payments",
        "statements.txt",
        hashlib.sha256(content).hexdigest(),
        "answers No. 1",
        "answered by No. 2",
        "Acknowledgment",
        "Servicer compliance findings",
        "12 CFR 1024.35",
        "Late",
        "Not legal advice",
    ):
        assert expected in text, expected
    assert "4000123456" not in text
    assert text.index("Misapplied payments") < text.index("We got your letter")  # chronological
    # Each entry is a list item (tagged LI, read as "list, 2 items"), its facts on one line above its text.
    tags = structure_types(reader)
    sources = text.split("Sources")[-1].count("https://")  # the list of sources at the end is another
    assert tags["/LI"] == 2 + sources and "/TR" in tags, (tags, sources)  # the caption and clocks stay tables
    assert "No. 1 · " in text and "· with Midland" in text


def test_the_log_prints_a_summary_without_its_trailing_spaces(org, new_case, database_url):
    """WeasyPrint breaks the last line of a text ending in spaces after its first word; the log trims them."""
    from service.db import session_factory
    from service.reports.context import communications_log

    case = new_case()
    post(
        org.attorney,
        f"/cases/{case['id']}/communications",
        {
            "occurred_at": f"{dt.date.today() - dt.timedelta(days=3)}T10:00:00",
            "channel": "phone",
            "direction": "inbound",
            "counterparty_type": "servicer",
            "counterparty_name": "Midland",
            "category": "other",
            "summary": "Called about the stubs. \n ",
        },
    )
    with session_factory(database_url, across_orgs="the test reads the case it made")() as session:
        from models.cases import Case

        context = communications_log(session, session.get(Case, case["id"]), {}, dt.date.today())
    assert [e["summary"] for e in context["entries"]] == ["Called about the stubs."]


def structure_types(reader) -> collections.Counter:
    """How many structure elements of each type (/L, /LI, /TR...) the PDF's tag tree holds."""
    counts: collections.Counter = collections.Counter()
    pending = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while pending:
        node = pending.pop().get_object()
        if not isinstance(node, dict):
            continue
        if "/S" in node:
            counts[str(node["/S"])] += 1
        kids = node.get("/K")
        pending.extend(kids if isinstance(kids, list) else [] if kids is None else [kids])
    return counts


def test_waiver_letter_and_summary(org, new_case, database_url):
    case = new_case()
    today = dt.date.today()
    waiver = post(
        org.attorney,
        f"/cases/{case['id']}/waiver-requests",
        {
            "resolution": "short_sale",
            "recipient": "Midland Mortgage, Loss Mitigation",
            "ask": "settlement",
            "deficiency_amount": "80000.00",
            "settlement_amount": "8000.00",
            "status": "sent",
            "sent_on": str(today - dt.timedelta(days=5)),
            "method": "certified_mail",
        },
    )
    post(
        org.attorney,
        f"/waiver-requests/{waiver['id']}/offers",
        {
            "offered_by": "lender",
            "offered_on": str(today - dt.timedelta(days=1)),
            "terms": "settlement",
            "amount": "20000.00",
            "note": "Counter by phone",
        },
    )

    letter = request(org.attorney, case["id"], type="waiver_request_letter", waiver_request_id=waiver["id"])
    _, reader, text = ready_pdf(org.attorney, database_url, letter)
    check_print_quality(reader, text, "Request for Written Deficiency Waiver", "Test org")
    for expected in (
        "Midland Mortgage, Loss Mitigation",
        "Loan number: 4000123456",
        "1420 W Addison St",
        "$8,000.00",
        "$80,000.00",
        "10.00%",
        "short sale",
        "Sincerely",
        "Attorney",
        "Via certified mail",
        "Re: Loan number: 4000123456",
    ):
        assert expected in text, expected

    summary = request(org.attorney, case["id"], type="waiver_requests_summary")
    _, reader, text = ready_pdf(org.attorney, database_url, summary)
    check_print_quality(reader, text, "Deficiency Waiver Requests", "Test org")
    for expected in (
        "Short sale",
        "Settle for $8,000.00",
        "Sent",
        "Counter by phone",
        "$20,000.00",
        "25.00%",
        "Form 1099-C",
        "Not legal advice",
    ):
        assert expected in text, expected
