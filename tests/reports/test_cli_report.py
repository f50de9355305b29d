"""`forestall report TYPE --case ID -o FILE`, run as a real process: renders without a worker."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

BIN = Path(sys.executable).parent


def test_report_command_writes_the_pdf_and_records_it(org, new_case, tmp_path):
    case = new_case()
    target = tmp_path / "timeline.pdf"
    result = subprocess.run(
        [str(BIN / "forestall"), "report", "case_timeline", "--case", str(case["id"]), "-o", str(target)],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    content = target.read_bytes()
    assert hashlib.sha256(content).hexdigest() in result.stdout
    assert "Maria Gonzalez" in PdfReader(target).pages[0].extract_text()
    listed = org.viewer.get(f"/api/v1/cases/{case['id']}/reports").get_json()["items"]
    assert [(r["state"], r["sha256"], r["requested_by"]) for r in listed] == [
        ("ready", hashlib.sha256(content).hexdigest(), None)
    ]

    bad = subprocess.run(
        [
            str(BIN / "forestall"),
            "report",
            "waiver_request_letter",
            "--case",
            str(case["id"]),
            "-o",
            str(tmp_path / "x.pdf"),
        ],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert bad.returncode != 0 and "waiver_request_id" in bad.stderr and not (tmp_path / "x.pdf").exists()


def test_the_caseload_report_needs_an_organisation_not_a_case(org, new_case, tmp_path):
    case = new_case()
    due = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    org.attorney.post(f"/api/v1/cases/{case['id']}/deadlines", json={"title": "Call the client back", "due_on": due})
    target = tmp_path / "caseload.pdf"
    help_text = subprocess.run(
        [str(BIN / "forestall"), "report", "--help"], capture_output=True, text=True, env=os.environ, timeout=60
    ).stdout
    assert "caseload_deadlines" in help_text and "communications_log" in help_text
    result = subprocess.run(
        [str(BIN / "forestall"), "report", "caseload_deadlines", "--org", org.slug, "-o", str(target)],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Call the client back" in " ".join(page.extract_text() for page in PdfReader(target).pages)
    missing = subprocess.run(
        [str(BIN / "forestall"), "report", "case_timeline", "-o", str(tmp_path / "x.pdf")],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
    )
    assert missing.returncode != 0 and "--case" in missing.stderr
