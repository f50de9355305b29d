"""Reading reports back: render as a worker would, fetch the PDF, and read it with pypdf."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader


def render_as_worker(database_url: str, report_id: int):
    """What the Celery task does, in this process (the task body is this one call)."""
    from service.db import session_factory
    from service.reports.service import render_report

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        return render_report(session, report_id)


def request(member, case_id: int, **body) -> dict:
    response = member.post(f"/api/v1/cases/{case_id}/reports", json=body)
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"] == f"/api/v1/reports/{response.get_json()['id']}"
    return response.get_json()


def ready_pdf(member, database_url: str, report: dict) -> tuple[dict, PdfReader, str]:
    """Render the requested report, check it is ready and its bytes match its SHA-256; -> (state, reader, text)."""
    render_as_worker(database_url, report["id"])
    state = member.get(report["url"]).get_json()
    assert state["state"] == "ready", state
    assert state["progress"] == 100
    response = member.get(state["pdf_url"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    content = response.get_data()
    assert hashlib.sha256(content).hexdigest() == state["sha256"] == response.headers["ETag"].strip('"')
    assert len(content) == state["size"]
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == state["page_count"]
    text = "\n".join(page.extract_text() for page in reader.pages)
    return state, reader, " ".join(text.split())


def check_print_quality(reader: PdfReader, text: str, title_start: str, author: str) -> None:
    """US Letter, page X of Y on every page, metadata, tagged (PDF/UA-1)."""
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
        assert f"Page {number} of {pages}" in " ".join(page.extract_text().split())
    metadata = reader.metadata
    assert metadata.title.startswith(title_start)
    assert metadata.author.startswith(author)
    assert metadata.subject
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert "/StructTreeRoot" in root
    assert root.get("/Lang") == "en"
    for page in reader.pages:  # every font is embedded (shipped), so no glyph is left to the reader's fonts
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]
