"""Secrets in URLs never reach the access log: the real gunicorn, with the project's configuration."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from service.access_log import redact

ROOT = Path(__file__).resolve().parent.parent
FEED_TOKEN = "fsc_Zm9vYmFyYmF6cXV4c2VjcmV0dG9rZW4xMjM0NTY"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /calendar/{FEED_TOKEN}.ics HTTP/1.1", "GET /calendar/[redacted].ics HTTP/1.1"),
        ("GET /reset/AbC-123_x HTTP/1.1", "GET /reset/[redacted] HTTP/1.1"),
        ("GET /invite/AbC-123_x?next=/ HTTP/1.1", "GET /invite/[redacted]?next=/ HTTP/1.1"),
        ("GET /unsubscribe?token=s3cr3t&lang=es HTTP/1.1", "GET /unsubscribe?token=[redacted]&lang=es HTTP/1.1"),
        ("GET /api/v1/cases?q=reset HTTP/1.1", "GET /api/v1/cases?q=reset HTTP/1.1"),
        ("GET /cases/12 HTTP/1.1", "GET /cases/12 HTTP/1.1"),
    ],
)
def test_redact(line: str, expected: str) -> None:
    assert redact(line) == expected


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_calendar_feed_token_is_not_in_gunicorns_access_log(database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port), "WEB_CONCURRENCY": "1"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "service.wsgi:app",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--access-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/calendar/{FEED_TOKEN}.ics"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
            except urllib.error.HTTPError as error:
                assert error.code == 404  # an unknown feed; what matters is the log line
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while "/calendar/" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert "/calendar/[redacted].ics" in text
    assert FEED_TOKEN not in text
    assert FEED_TOKEN[4:] not in text


def _access_line(access_log_format: str | None = None) -> str:
    """One access-log line as the project's logger formats it (gunicorn's own atoms and format)."""
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import SafeAtoms

    from service.access_log import RedactingLogger

    cfg = Config()
    if access_log_format is not None:
        cfg.set("access_log_format", access_log_format)
    logger = RedactingLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/calendar/{FEED_TOKEN}.ics?token=abc",
        "PATH_INFO": f"/calendar/{FEED_TOKEN}.ics",
        "QUERY_STRING": "token=abc",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://example.org/reset/AbC-123_x",
        "HTTP_USER_AGENT": "test",
        "X_SECRET_ENV": "/invite/AbC",
    }
    request = SimpleNamespace(headers=[("Referer", "https://example.org/reset/AbC-123_x"), ("X-Next", "/reset/Q1")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=3))
    return cfg.access_log_format % SafeAtoms(atoms)


def test_every_atom_the_format_prints_is_redacted():
    line = _access_line()  # gunicorn's default format: the request line, the Referer, the user agent
    assert "/calendar/[redacted].ics?token=[redacted]" in line and "/reset/[redacted]" in line
    line = _access_line('%(U)s %(q)s %({referer}i)s %({X-Next}i)s %({x_secret_env}e)s %(r)s')
    assert FEED_TOKEN not in line and "abc" not in line and "AbC" not in line and "Q1" not in line
    assert line.count("[redacted]") == 7
