"""Attachments: proof of submission stored by SHA-256, types read from the content, the 20 MB limit, and
nothing served across organisations."""

from __future__ import annotations

import hashlib
import io

import pytest

from tests.conftest import case_payload

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
TIFF_LE = b"II*\x00" + b"\x00" * 32
TIFF_BE = b"MM\x00*" + b"\x00" * 32
TEXT = "Certified mail 7019 0700 0000 1234 5678 – delivered\n".encode()


def entry(member, case_id, **fields):
    body = {
        "occurred_at": "2026-10-01T10:00:00",
        "channel": "fax",
        "direction": "outbound",
        "counterparty_type": "servicer",
        "category": "document_submission",
        **fields,
    }
    response = member.post(f"/api/v1/cases/{case_id}/communications", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload(member, communication_id, content: bytes, filename="file.pdf", claimed="application/pdf"):
    return member.client.post(
        f"/api/v1/communications/{communication_id}/attachments",
        data={"file": (io.BytesIO(content), filename, claimed)},
        headers={"Authorization": f"Bearer {member.token}"},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "content, content_type",
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (TIFF_LE, "image/tiff"),
        (TIFF_BE, "image/tiff"),
        (TEXT, "text/plain"),
    ],
)
def test_allowed_types_are_detected_from_the_content_and_served_back(org, new_case, content, content_type):
    case = new_case()
    communication = entry(org.paralegal, case["id"])
    response = upload(
        org.paralegal, communication["id"], content, filename="receipt.bin", claimed="application/octet-stream"
    )
    assert response.status_code == 201, response.get_json()
    attachment = response.get_json()
    digest = hashlib.sha256(content).hexdigest()
    assert attachment["content_type"] == content_type and attachment["size"] == len(content)
    assert attachment["sha256"] == digest and attachment["filename"] == "receipt.bin"
    served = org.viewer.get(attachment["url"])
    assert served.status_code == 200 and served.data == content
    assert served.mimetype == content_type and served.headers["X-Content-SHA256"] == digest
    assert (
        "attachment" in served.headers["Content-Disposition"] and "receipt.bin" in served.headers["Content-Disposition"]
    )
    listed = org.viewer.get(f"/api/v1/communications/{communication['id']}/attachments").get_json()
    assert listed["total"] == 1 and listed["items"][0]["sha256"] == digest
    shown = org.viewer.get(f"/api/v1/communications/{communication['id']}").get_json()
    assert shown["attachments"][0]["id"] == attachment["id"]


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable named .pdf
        b"PK\x03\x04" + b"\x00" * 20,  # a zip (or .docx)
        b"GIF89a" + b"\x00" * 10,  # an image type not accepted
        b"\xff\xfe\x00h\x00i",  # not UTF-8 text
        b"",  # empty
    ],
)
def test_other_types_answer_422_whatever_the_client_claims(org, new_case, content):
    case = new_case()
    communication = entry(org.attorney, case["id"])
    response = upload(org.attorney, communication["id"], content, filename="letter.pdf", claimed="application/pdf")
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert "file" in response.get_json()["errors"]
    assert org.attorney.get(f"/api/v1/communications/{communication['id']}/attachments").get_json()["total"] == 0


def test_size_limit_content_type_and_missing_file(org, new_case):
    case = new_case()
    communication = entry(org.attorney, case["id"])
    limit = 20 * 1024 * 1024
    at_limit = upload(org.attorney, communication["id"], b"%PDF-" + b"0" * (limit - 5))
    assert at_limit.status_code == 201 and at_limit.get_json()["size"] == limit
    over = upload(org.attorney, communication["id"], b"%PDF-" + b"0" * (limit - 4))
    assert over.status_code == 413 and over.content_type == "application/problem+json"
    assert "20 MB" in over.get_json()["detail"]
    far_over = upload(org.attorney, communication["id"], b"%PDF-" + b"0" * (limit + 2 * 1024 * 1024))
    assert far_over.status_code == 413 and far_over.content_type == "application/problem+json"
    as_json = org.attorney.post(f"/api/v1/communications/{communication['id']}/attachments", json={"file": "x"})
    assert as_json.status_code == 415 and as_json.content_type == "application/problem+json"
    no_file = org.attorney.client.post(
        f"/api/v1/communications/{communication['id']}/attachments",
        data={"other": "x"},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {org.attorney.token}"},
    )
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]
    assert upload(org.viewer, communication["id"], PDF).status_code == 403
    # Multipart is only for uploads: elsewhere it is a 415.
    elsewhere = org.attorney.client.post(
        f"/api/v1/cases/{case['id']}/communications",
        data={"file": "x"},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {org.attorney.token}"},
    )
    assert elsewhere.status_code == 415
    assert org.attorney.get(f"/api/v1/communications/{communication['id']}/attachments").get_json()["total"] == 1


def test_the_same_bytes_are_stored_once_and_a_path_in_the_name_is_dropped(org, new_case, app):
    case = new_case()
    communication = entry(org.attorney, case["id"])
    first = upload(org.attorney, communication["id"], TEXT + b"unique-1", filename="../../etc/passwd").get_json()
    second = upload(org.attorney, communication["id"], TEXT + b"unique-1", filename="scans/receipt.txt").get_json()
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    assert first["filename"] == "passwd" and second["filename"] == "receipt.txt"
    root = app.config["FORESTALL"].attachments_dir
    assert (root / first["sha256"][:2] / first["sha256"]).read_bytes() == TEXT + b"unique-1"


def test_attachments_do_not_leak_across_organisations(org, other_org, new_case):
    case = new_case()
    communication = entry(org.attorney, case["id"])
    attachment = upload(org.attorney, communication["id"], PDF).get_json()
    for member in (other_org.admin, other_org.viewer):
        for path in (
            attachment["url"],
            f"/api/v1/communications/{communication['id']}/attachments",
            f"/api/v1/communications/{communication['id']}",
        ):
            response = member.get(path)
            assert response.status_code == 404 and response.content_type == "application/problem+json"
            assert PDF not in response.data
        assert upload(member, communication["id"], PDF).status_code == 404
    # The owner still sees everything (the negative control); another org's waiver cannot point at it.
    assert org.viewer.get(attachment["url"]).data == PDF
    their_case = other_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()
    response = other_org.attorney.post(
        f"/api/v1/cases/{their_case['id']}/waiver-requests",
        json={
            "resolution": "short_sale",
            "recipient": "Midland",
            "ask": "full_waiver",
            "deficiency_amount": "100.00",
            "written_waiver_attachment_id": attachment["id"],
        },
    )
    assert response.status_code == 422 and "written_waiver_attachment_id" in response.get_json()["errors"]


def test_a_deleted_entrys_attachments_are_gone(org, new_case):
    case = new_case()
    communication = entry(org.attorney, case["id"])
    attachment = upload(org.attorney, communication["id"], PDF).get_json()
    assert org.attorney.delete(f"/api/v1/communications/{communication['id']}").status_code == 204
    assert org.attorney.get(attachment["url"]).status_code == 404
