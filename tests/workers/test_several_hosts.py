"""Several hosts: two API processes (gunicorn) and a Celery worker, each in a working directory of its own
(nothing on a disk is shared), on PostgreSQL with ATTACHMENTS_STORAGE=database. A file uploaded through one
API is downloaded from the other, and the worker renders a communications log that names it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import BACKEND, case_payload, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason="several hosts share PostgreSQL, not a SQLite file"),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def call(
    base: str, token: str, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        base + path,
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def call_json(base: str, token: str, method: str, path: str, document=None, expected: int = 200) -> dict:  # noqa: ANN001
    status, _, data = call(base, token, method, path, json.dumps(document).encode() if document is not None else None)
    assert status == expected, (status, data[:500])
    return json.loads(data)


def multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{base} did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


def test_upload_on_one_host_download_on_another_report_on_a_third(org, database_url, tmp_path):
    queue = f"forestall-hosts-{uuid.uuid4().hex[:8]}"
    processes: list[tuple[subprocess.Popen, object]] = []

    def start(name: str, command: list[str], port: int | None = None) -> Path:
        home = tmp_path / name
        home.mkdir()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ATTACHMENTS_STORAGE": "database",
            "FORESTALL_VAR": str(home / "var"),
            "CELERY_QUEUE": queue,
            "WEB_CONCURRENCY": "1",
        }
        env.pop("ATTACHMENTS_DIR", None)
        if port:
            env["PORT"] = str(port)
        log = open(home / "process.log", "wb")  # noqa: SIM115 - closed below
        processes.append((subprocess.Popen(command, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT), log))
        return home

    ports = free_port(), free_port()
    gunicorn = [str(BIN / "gunicorn"), "service.wsgi:app", "-c", str(ROOT / "gunicorn.conf.py")]
    try:
        homes = [start(f"api-{i}", gunicorn, port) for i, port in enumerate(ports)]
        homes.append(
            start(
                "worker",
                [
                    str(BIN / "celery"),
                    "-A",
                    "workers",
                    "worker",
                    "-n",
                    f"hosts-{uuid.uuid4().hex[:6]}@%h",
                    "-c",
                    "1",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
            )
        )
        first, second = (f"http://127.0.0.1:{port}" for port in ports)
        for base, (process, _), home in zip((first, second), processes, homes):
            wait_until_up(base, process, home / "process.log")
        token = org.attorney.token

        case = call_json(first, token, "POST", "/api/v1/cases", case_payload(), expected=201)
        entry = call_json(
            first,
            token,
            "POST",
            f"/api/v1/cases/{case['id']}/communications",
            {
                "occurred_at": "2026-10-01T10:00:00",
                "channel": "certified_mail",
                "direction": "outbound",
                "counterparty_type": "servicer",
                "counterparty_name": "Midland",
                "category": "notice_of_error",
                "subject": "Misapplied payments",
            },
            expected=201,
        )
        content = b"%PDF-1.4\n" + os.urandom(1536 * 1024)  # two chunks
        body, content_type = multipart("file", "certified-mail-receipt.pdf", content)
        status, _, data = call(
            first, token, "POST", f"/api/v1/communications/{entry['id']}/attachments", body, content_type
        )
        assert status == 201, data[:500]
        attachment = json.loads(data)

        status, headers, served = call(second, token, "GET", attachment["url"])
        assert status == 200 and served == content
        assert headers["X-Content-SHA256"] == attachment["sha256"]

        report = call_json(
            second, token, "POST", f"/api/v1/cases/{case['id']}/reports", {"type": "communications_log"}, expected=202
        )
        deadline = time.monotonic() + 120
        while (state := call_json(first, token, "GET", report["url"]))["state"] not in ("ready", "failed"):
            assert time.monotonic() < deadline, state
            time.sleep(0.5)
        assert state["state"] == "ready", state
        status, _, pdf = call(first, token, "GET", state["pdf_url"])
        text = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
        assert "certified-mail-receipt.pdf" in text and attachment["sha256"] in text

        for home in homes:  # nothing of the attachment on any host's disk
            assert not any(path.is_file() and path.stat().st_size >= len(content) for path in home.rglob("*"))
    finally:
        for process, log in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
