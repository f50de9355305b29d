"""Faults while serving, with the real gunicorn and the project's gunicorn.conf.py:

- the database away (a closed port; PostgreSQL terminating the app's connections under load): the API
  answers 503 problem documents with Retry-After, readiness is false, and it recovers without a restart;
- SIGTERM: readiness turns false at once, the request in flight finishes with its answer, then the server
  stops accepting and exits."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKEND, PG_ADMIN_URL, case_payload, free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _request(
    url: str, method: str = "GET", token: str | None = None, body: dict | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _assert_retryable_problem(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 503, (status, body[:300])
    assert headers.get("Content-Type", "").startswith("application/problem+json"), headers
    assert int(headers["Retry-After"]) > 0
    assert json.loads(body)["status"] == 503


def _seed_token(database_url: str) -> str:
    from service.auth import issue_token
    from service.db import session_factory
    from service.orgs import create_org, create_user

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        org = create_org(session, "Faults org", f"f-{uuid.uuid4().hex[:6]}", "America/Chicago")
        user = create_user(session, org, f"attorney@{org.slug}.example", "attorney")
        token = issue_token(session, user)
        session.commit()
    return token


class Gunicorn:
    def __init__(self, database_url: str, tmp: Path, workers: int = 2, drain: float = 0.0):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "gunicorn.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "FORESTALL_DRAIN_SECONDS": str(drain),
        }
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "service.wsgi:app", "-c", str(ROOT / "gunicorn.conf.py")],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120  # two workers importing the app on a busy machine
        while True:
            # Every worker has loaded the app (gunicorn.conf.py's post_worker_init says so).
            if self.log.read_text().count("Worker ready") >= workers:
                return
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def test_database_down_readiness_is_false_and_the_api_answers_503_with_retry_after(settings):
    from service.app import create_app
    from service.wiring import connect_signals

    closed = free_port()  # nothing listens there
    app = create_app(replace(settings, database_url=f"postgresql+psycopg://postgres@127.0.0.1:{closed}/forestall"))
    try:
        client = app.test_client()
        response = client.get("/readyz")
        _assert_retryable_problem(response.status_code, dict(response.headers), response.data)
        response = client.get("/api/v1/cases", headers={"Authorization": "Bearer fst_anything"})
        _assert_retryable_problem(response.status_code, dict(response.headers), response.data)
        response = client.post("/api/v1/cases", json=case_payload(), headers={"Authorization": "Bearer fst_anything"})
        _assert_retryable_problem(response.status_code, dict(response.headers), response.data)
    finally:
        connect_signals(settings)  # create_app wired the signals with the closed port's settings


def test_a_read_whose_connection_died_is_run_once_more_and_a_write_is_not(settings, database_url):
    """The retry of reads (service/errors.py, retry_reads_once), driven by routes of this test's own app whose
    database connection "dies" on their first call, as a terminated PostgreSQL backend does."""
    from sqlalchemy.exc import OperationalError

    from service.app import create_app
    from service.wiring import connect_signals

    app = create_app(settings)
    token = {"Authorization": f"Bearer {_seed_token(database_url)}"}
    calls: Counter = Counter()

    def dies_once(name: str):
        calls[name] += 1
        if calls[name] == 1:
            raise OperationalError(
                "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
            )
        return {"ok": calls[name]}

    app.add_url_rule("/api/v1/test-read", "test_read", lambda: dies_once("read"), methods=["GET"])
    app.add_url_rule("/api/v1/test-write", "test_write", lambda: dies_once("write"), methods=["POST"])
    try:
        client = app.test_client()
        response = client.get("/api/v1/test-read", headers=token)
        assert response.status_code == 200 and response.get_json() == {"ok": 2} and calls["read"] == 2
        response = client.post("/api/v1/test-write", headers=token)
        _assert_retryable_problem(response.status_code, dict(response.headers), response.data)
        assert calls["write"] == 1
    finally:
        connect_signals(settings)


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "postgresql", reason="pg_terminate_backend needs PostgreSQL")
def test_connections_terminated_under_load_answer_200_or_503_and_recover_without_a_restart(database_url, tmp_path):
    token = _seed_token(database_url)
    server = Gunicorn(database_url, tmp_path, workers=2)
    api = server.base + "/api/v1"
    case_id = json.loads(_request(api + "/cases", "POST", token, case_payload())[2])["id"]
    database = database_url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    results: list[tuple[int, dict[str, str], bytes]] = []
    stop = threading.Event()

    def client(n: int) -> None:
        while not stop.is_set():
            if n % 3 == 0:
                results.append(_request(api + "/cases", "POST", token, case_payload()))
            elif n % 3 == 1:
                results.append(_request(f"{api}/cases/{case_id}", token=token))
            else:
                results.append(_request(api + "/cases?per_page=5", token=token))

    clients = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    terminated = 0
    try:
        for thread in clients:
            thread.start()
        with admin.connect() as connection:
            for _ in range(15):  # about 5 s of terminations
                time.sleep(0.3)
                terminated += len(
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": database},
                    ).all()
                )
        stop.set()
        for thread in clients:
            thread.join(60)
        # Recovered without a restart: the next requests are answered normally.
        recovered = [_request(f"{api}/cases/{case_id}", token=token)[0] for _ in range(10)]
        ready = _request(server.base + "/readyz")[0]
    finally:
        stop.set()
        server.stop()
        admin.dispose()
    statuses = Counter(status for status, _headers, _body in results)
    for status, headers, body in results:
        if status not in (200, 201):
            _assert_retryable_problem(status, headers, body)
    assert recovered == [200] * 10 and ready == 200
    print(f"\n{terminated} backends terminated during {len(results)} requests: {dict(statuses)}")


def _hold_write_lock(database_url: str):
    """Keep the cases table from being written (the request in flight waits on it); answers release()."""
    if BACKEND == "postgresql":
        engine = create_engine(database_url)
        connection = engine.connect()
        connection.execute(text("LOCK TABLE cases IN EXCLUSIVE MODE"))  # reads go on, writes wait

        def release() -> None:
            connection.rollback()
            connection.close()
            engine.dispose()

        return release
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")  # SQLite: the one writer; the app's write waits (busy_timeout)

    def release() -> None:
        connection.execute("ROLLBACK")
        connection.close()

    return release


@pytest.mark.slow
def test_sigterm_turns_readiness_false_finishes_the_request_in_flight_then_stops(database_url, tmp_path):
    token = _seed_token(database_url)
    drain = 3.0
    server = Gunicorn(database_url, tmp_path, workers=2, drain=drain)
    api = server.base + "/api/v1"
    assert _request(server.base + "/readyz")[0] == 200
    release = _hold_write_lock(database_url)
    answer: dict = {}
    writer = threading.Thread(
        target=lambda: answer.update(result=_request(api + "/cases", "POST", token, case_payload()))
    )
    try:
        writer.start()
        time.sleep(1.0)  # the POST is in flight, waiting for the lock
        assert not answer
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        status, headers, body = _request(server.base + "/readyz", timeout=5)  # the other worker answers
        _assert_retryable_problem(status, headers, body)
        assert b"shutting down" in body
        time.sleep(0.5)
    finally:
        release()
    writer.join(30)
    assert answer["result"][0] == 201, answer["result"][2][:300]  # the request in flight was not lost
    server.process.wait(30)
    stopped = time.monotonic() - signalled
    assert server.process.returncode == 0, server.log.read_text()[-2000:]
    with pytest.raises(OSError):  # no new connections once it has stopped
        _request(server.base + "/healthz", timeout=2)
    assert drain <= stopped < drain + 10, stopped
    print(
        f"\nSIGTERM: readiness 503 at once, the request in flight answered 201, stopped after {stopped:.1f} s "
        f"(drain {drain} s)"
    )
