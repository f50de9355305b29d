"""Report tasks: render one report (idempotent: the row is claimed with a compare-and-set and a lease), and
the minute-by-minute rescan that re-enqueues reports a lost message or a dead worker left behind."""

from __future__ import annotations

import logging

from models.reports import Report
from reports.render import collect_render_garbage
from service import periodic
from service.db import for_org_of, session_factory
from service.reports import service
from workers import app, settings

log = logging.getLogger(__name__)


def _session():
    return session_factory(settings.database_url)()


def _scanning_session():
    return session_factory(
        settings.database_url, across_orgs="reports.rescan: unfinished reports of every organisation"
    )()


@app.task(name="reports.render")
def render_report_task(report_id: int) -> str | None:
    try:
        with _session() as session:
            if for_org_of(session, Report, report_id) is None:
                return None
            report = service.render_report(session, report_id)
            return report.state if report else None
    finally:
        collect_render_garbage()


@app.task(name="reports.rescan")
def rescan_reports_task() -> int:
    with _scanning_session() as session:

        def work() -> list[int]:
            ids = service.reports_to_enqueue(session)
            session.commit()
            return ids

        report_ids = periodic.alone(session, "reports.rescan", work) or []  # [] while another copy runs
    for report_id in report_ids:
        render_report_task.delay(report_id)
    return len(report_ids)


def enqueue_report(report_id: int) -> bool:
    """Hand a committed, queued report to a worker (called by the API). A broker that is down loses
    nothing: the row stays queued and reports.rescan (every minute) enqueues it again."""
    try:
        render_report_task.apply_async((report_id,), retry=False)
        return True
    except Exception:  # noqa: BLE001 - any broker failure; the row is the truth
        log.warning("could not enqueue report %s; the rescan will pick it up", report_id, exc_info=True)
        return False
