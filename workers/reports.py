"""Report tasks: render one report (idempotent: the row is claimed with a compare-and-set and a lease), and
the minute-by-minute rescan that re-enqueues reports a lost message or a dead worker left behind."""
from __future__ import annotations

from service.config import load_settings
from service.db import session_factory
from service.reports import service
from workers import app


def _session():
    return session_factory(load_settings().database_url)()


@app.task(name="reports.render")
def render_report_task(report_id: int) -> str | None:
    with _session() as session:
        report = service.render_report(session, report_id)
        return report.state if report else None


@app.task(name="reports.rescan")
def rescan_reports_task() -> int:
    with _session() as session:
        report_ids = service.reports_to_enqueue(session)
        session.commit()
    for report_id in report_ids:
        render_report_task.delay(report_id)
    return len(report_ids)
