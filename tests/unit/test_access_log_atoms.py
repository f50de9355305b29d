"""The access log never holds a reset, invitation or calendar token."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from service.access_log import RedactingLogger, redact


@pytest.mark.parametrize(
    "line, expected",
    [
        ("GET /reset/rst_AbC-123_x HTTP/1.1", "GET /reset/[redacted] HTTP/1.1"),
        ("POST /invite/inv_zz?next=/ HTTP/1.1", "POST /invite/[redacted]?next=/ HTTP/1.1"),
        ("GET /calendar/fsc_secret.ics HTTP/1.1", "GET /calendar/[redacted].ics HTTP/1.1"),
        ("GET /reset HTTP/1.1", "GET /reset HTTP/1.1"),
        ("GET /cases/12 HTTP/1.1", "GET /cases/12 HTTP/1.1"),
        ("https://forestall.example/reset/rst_abc", "https://forestall.example/reset/[redacted]"),
    ],
)
def test_redact(line, expected):
    assert redact(line) == expected


def test_the_gunicorn_logger_redacts_the_request_line_path_and_referer():
    from gunicorn.config import Config

    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/invite/inv_secret",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/invite/inv_secret",
        "QUERY_STRING": "",
        "HTTP_REFERER": "http://x/reset/rst_secret",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", "http://x/reset/rst_secret")])
    atoms = logger.atoms(response, request, environ, dt.timedelta(seconds=0))
    assert "secret" not in " ".join(str(v) for v in atoms.values())
