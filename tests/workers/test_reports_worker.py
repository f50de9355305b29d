"""Reports through a real `celery -A workers worker` process: a requested report is rendered by the worker,
and a report whose broker message was lost is found by the rescan and rendered too.

The worker gets a broker of its own (a kombu SQLAlchemy file in tmp), so it sees only this module's messages,
not the backlog of reports the API tests queued; the database is the suite's."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from tests.conftest import TEST_QUEUE

pytestmark = pytest.mark.slow

CELERY = Path(sys.executable).parent / "celery"


def wait_for_state(member, url: str, wanted: str, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = member.get(url).get_json()
        if state["state"] == wanted or time.monotonic() > deadline:
            return state
        time.sleep(0.3)


def test_worker_renders_requested_and_lost_reports(org, new_case, database_url, tmp_path, monkeypatch):
    from service.db import session_factory
    from service.reports import service

    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)  # Celery prefers this variable to its broker argument
    # The API's own hand-off is lost here (as when a broker drops it): this test sends the messages itself.
    # Without this, an app that has not connected yet would read the variable above and reach this broker.
    monkeypatch.setattr("service.reports.api.enqueue_report", lambda report_id: False)
    sender = Celery("forestall-test", broker=broker_url)
    sender.conf.task_default_queue = TEST_QUEUE
    env = {**os.environ, "CELERY_BROKER_URL": broker_url, "FORESTALL_VAR": str(tmp_path / "var")}
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "workers",
            "worker",
            "-n",
            f"reports-{uuid.uuid4().hex[:6]}@%h",
            "-c",
            "1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        case = new_case()
        sent = org.attorney.post(f"/api/v1/cases/{case['id']}/reports", json={"type": "case_timeline"}).get_json()
        lost = org.attorney.post(f"/api/v1/cases/{case['id']}/reports", json={"type": "case_timeline"}).get_json()
        sender.send_task("reports.render", args=[sent["id"]])  # `lost` never gets a message on this broker

        state = wait_for_state(org.attorney, sent["url"], "ready")
        assert state["state"] == "ready" and state["sha256"], state
        assert org.attorney.get(lost["url"]).get_json()["state"] == "queued"

        # What the beat's rescan does a minute later: find queued reports nobody claimed, send them again.
        with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
            found = service.reports_to_enqueue(session, dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=2))
            session.commit()
        assert lost["id"] in found and sent["id"] not in found
        sender.send_task("reports.render", args=[lost["id"]])  # (other tests' queued reports are not ours to render)
        assert wait_for_state(org.attorney, lost["url"], "ready")["state"] == "ready"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
        sender.close()


def test_a_render_task_leaves_no_garbage_behind_in_a_process_tuned_for_rendering(org, new_case, monkeypatch):
    """The worker's collector thresholds (reports.render.tune_process_for_rendering) keep a render fast but
    let its garbage reach the oldest generation, which is rarely collected: the task collects it, or each
    report would leave tens of thousands of objects behind (about a megabyte of the process)."""
    import gc

    from reports.render import tune_process_for_rendering
    from workers.reports import render_report_task

    monkeypatch.setattr("service.reports.api.enqueue_report", lambda report_id: False)  # rendered here
    case = new_case()
    reports = [
        org.attorney.post(f"/api/v1/cases/{case['id']}/reports", json={"type": "case_timeline"}).get_json()
        for _ in range(4)
    ]
    thresholds = gc.get_threshold()
    try:
        tune_process_for_rendering()
        assert render_report_task(reports[0]["id"]) == "ready"  # the first render fills the caches
        gc.collect()
        assert [render_report_task(report["id"]) for report in reports[1:]] == ["ready"] * 3
        left_behind = gc.collect()  # the unreachable objects the collector finds now
        assert left_behind < 1_000, left_behind
    finally:
        gc.set_threshold(*thresholds)
