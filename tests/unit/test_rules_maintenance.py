"""Rule freshness (items checked more than a year ago) and `forestall rules check-links`, against a local
HTTP server: a 404 fails the command, a link that cannot be reached at all is reported and does not."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.clock.rules import RULES_DIR, load_rulebook
from service.rules.maintenance import check_links, source_urls, stale_items


def test_stale_items_are_those_checked_more_than_a_year_ago():
    raw = {
        "a": {"checked_on": "2025-11-27", "source_url": "https://x"},  # 365 days: not yet
        "b": [{"checked_on": "2025-11-26"}, {"checked_on": "2026-01-01"}],  # 366 days: stale
        "c": {"checked_on": "2020-02-29"},
    }
    stale = stale_items(raw, dt.date(2026, 11, 27))
    assert stale == [
        {"path": "c", "checked_on": "2020-02-29", "days_old": 2463},
        {"path": "b[0]", "checked_on": "2025-11-26", "days_old": 366},
    ]
    assert source_urls(raw, "XX") == [("XX:a", "https://x")]


class _Handler(BaseHTTPRequestHandler):
    def _answer(self, with_body: bool) -> None:
        if self.path == "/gone":
            self.send_error(404)
            return
        if self.path == "/no-head" and self.command == "HEAD":
            self.send_error(405)
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if with_body:
            self.wfile.write(b"ok")

    def do_HEAD(self):  # noqa: N802 - http.server's naming
        self._answer(False)

    def do_GET(self):  # noqa: N802
        self._answer(True)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"  # nothing listens there any more


def test_check_links_reports_each_outcome(server):
    unreachable = closed_port_url()
    results = {
        r.url: r
        for r in check_links(
            [
                ("IL:a", f"{server}/ok"),
                ("IL:b", f"{server}/ok"),
                ("MN:c", f"{server}/gone"),
                ("TX:d", f"{server}/no-head"),
                ("WI:e", unreachable),
            ],
            timeout=5,
        )
    }
    assert results[f"{server}/ok"].outcome == "ok" and results[f"{server}/ok"].where == ("IL:a", "IL:b")
    assert (results[f"{server}/gone"].outcome, results[f"{server}/gone"].detail) == ("failed", "HTTP 404")
    assert results[f"{server}/no-head"].outcome == "ok"  # HEAD refused, GET answered
    assert results[unreachable].outcome == "not reachable"


def _rules_copy(tmp_path: Path, url_for) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__", "README.md"))
    for path in [target / "federal.yaml", *sorted((target / "jurisdictions").glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        path.write_text(
            re.sub(r'source_url: "[^"]*"', lambda m: f'source_url: "{url_for(path.stem)}"', text), encoding="utf-8"
        )
    load_rulebook.cache_clear()
    return target


def test_the_command_fails_on_a_broken_link(server, tmp_path):
    rules_dir = _rules_copy(tmp_path, lambda stem: f"{server}/gone" if stem == "IL" else f"{server}/ok")
    result = CliRunner().invoke(main, ["rules", "check-links", "--rules-dir", str(rules_dir), "--timeout", "5"])
    assert result.exit_code == 1, result.output
    assert f"failed: {server}/gone (HTTP 404) cited by IL:" in result.output
    assert "2 links: 1 ok, 1 failed, 0 not reachable" in result.output


def test_offline_the_command_reports_not_reachable_and_does_not_fail(tmp_path):
    unreachable = closed_port_url()
    rules_dir = _rules_copy(tmp_path, lambda stem: unreachable)
    result = CliRunner().invoke(main, ["rules", "check-links", "--rules-dir", str(rules_dir), "--timeout", "2"])
    assert result.exit_code == 0, result.output
    assert f"not reachable: {unreachable}" in result.output
    assert "1 links: 0 ok, 0 failed, 1 not reachable" in result.output
