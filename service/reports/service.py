"""Reports: request (validate, store a queued row, audit), render (claim, gather, render, store with SHA-256,
audit), read, list, and the rescan that re-enqueues what a lost broker message or a dead worker left.

The row is the truth. A render claims its row with an atomic compare-and-set (service/leases.py:
queued -> rendering, with a lease), so two workers given the same message never both render it, and a worker that dies mid-render
leaves a lease that expires and is picked up again (at most MAX_ATTEMPTS times, then failed with a reason)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Callable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from models import Case, Organization, User
from models.base import utcnow
from models.reports import Report
from reports.render import RenderedPdf, ReportError, render_pdf
from service import audit
from service.auth import Caller
from service.db import paginate
from service.errors import Problem, validation_error
from service.funder_reports.pdf import params_for
from service.leases import compare_and_set, take_lease
from service.reports import context as report_context
from service.rulebook import local_today

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)  # a render takes seconds; a lease this old means its worker died
QUEUED_GRACE = dt.timedelta(minutes=1)  # a queued report nobody claimed after this: its message was lost
MAX_ATTEMPTS = 3
ORG_LEVEL_TYPES = ("caseload_deadlines", "hud_9902")
ERROR_LIMIT = 2000


# ------------------------------------------------------------------------------------------ requests


def get_report(session: Session, org_id: int, report_id: int) -> Report:
    """The report, or 404 (another organisation's, a deleted case's, or none)."""
    report = session.scalars(
        select(Report)
        .outerjoin(Case, Case.id == Report.case_id)
        .where(Report.id == report_id, Report.org_id == org_id, Case.deleted_at.is_(None))
    ).one_or_none()
    if report is None:
        raise Problem(404, f"No report {report_id}.")
    return report


def case_reports(session: Session, case: Case, page: int, per_page: int) -> tuple[list[Report], int]:
    query = select(Report).where(Report.org_id == case.org_id, Report.case_id == case.id).order_by(Report.id.desc())
    return paginate(session, query, page, per_page)


def org_reports(
    session: Session, org_id: int, page: int, per_page: int, report_type: str | None = None
) -> tuple[list[Report], int]:
    """The organisation-level reports (filed under no case: caseload deadlines, HUD-9902), newest first."""
    query = select(Report).where(Report.org_id == org_id, Report.case_id.is_(None))
    if report_type:
        query = query.where(Report.type == report_type)
    return paginate(session, query.order_by(Report.id.desc()), page, per_page)


def validate_params(session: Session, org_id: int, case: Case | None, data: dict[str, Any]) -> dict[str, Any]:
    """The type's options, checked against the organisation's data (an id naming another organisation's
    object answers 422, as if it did not exist). Options that do not apply to the type answer 422."""
    report_type = data["type"]
    allowed = {
        "waiver_request_letter": {"waiver_request_id"},
        "caseload_deadlines": {"days", "assigned_to"},
        "hud_9902": {"fiscal_year", "quarter"},
    }.get(report_type, set())
    stray = sorted(
        name
        for name in ("waiver_request_id", "days", "assigned_to", "fiscal_year", "quarter")
        if name in data and name not in allowed
    )
    if stray:
        raise validation_error({name: [f"Not an option of a {report_type} report."] for name in stray})
    if case is None and report_type not in ORG_LEVEL_TYPES:
        raise validation_error(
            {"type": [f"A {report_type} report is about one case: POST /api/v1/cases/{{id}}/reports."]}
        )
    params: dict[str, Any] = {}
    if report_type == "hud_9902":  # the funder_reports domain's PDF
        org = session.get(Organization, org_id)
        return params_for(data, local_today(org.timezone))
    if report_type == "caseload_deadlines":
        params["days"] = data.get("days") or 30
        if data.get("assigned_to") is not None:
            user = session.scalar(select(User.id).where(User.id == data["assigned_to"], User.org_id == org_id))
            if user is None:
                raise validation_error({"assigned_to": [f"No user {data['assigned_to']} in your organisation."]})
            params["assigned_to"] = data["assigned_to"]
    if report_type == "waiver_request_letter":
        if data.get("waiver_request_id") is None:
            raise validation_error({"waiver_request_id": ["Required for a waiver_request_letter report."]})
        report_context.check_waiver_request(session, org_id, case, data["waiver_request_id"])
        params["waiver_request_id"] = data["waiver_request_id"]
    return params


def request_report(
    session: Session, caller: Caller | None, org_id: int, case: Case | None, data: dict[str, Any]
) -> Report:
    """A queued report row (flushed, audited); the caller commits, then hands it to a worker
    (service/reports/api.py, through workers.reports.enqueue_report)."""
    params = validate_params(session, org_id, case, data)
    if data["type"] == "waiver_request_letter":
        # Who signs the letter: the person who asked for it (the CLI: the case's assignee).
        params["signer_id"] = caller.user_id if caller else (case.assigned_to_id if case else None)
    report = Report(
        org_id=org_id,
        case_id=case.id if case else None,
        type=data["type"],
        params=params,
        state="queued",
        progress=0,
        attempts=0,
        requested_by_id=caller.user_id if caller else None,
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "report",
        report.id,
        org_id=org_id,
        case_id=report.case_id,
        after={"type": report.type, "params": params, "state": "queued"},
    )
    return report


# ------------------------------------------------------------------------------------------- render


def _claim(session: Session, report_id: int, now: dt.datetime) -> int | None:
    """Atomic compare-and-set (SQLite has no FOR UPDATE): queued, or rendering with an expired lease ->
    rendering with a fresh lease. Returns the attempt number claimed, or None if another worker has it
    (or it is finished)."""
    claimable = or_(
        Report.state == "queued",
        and_(Report.state == "rendering", Report.lease_expires_at < now, Report.attempts < MAX_ATTEMPTS),
    )
    won = take_lease(
        session,
        Report,
        report_id,
        claimable,
        lease_column="lease_expires_at",
        until=now + LEASE,
        state="rendering",
        progress=5,
        updated_at=now,
        error=None,
    )
    if not won:
        session.rollback()
        return None
    session.commit()
    return session.scalar(select(Report.attempts).where(Report.id == report_id))


def _mine(attempt: int):
    """This attempt still holds the row (compare-and-set condition for progress and the result)."""
    return and_(Report.state == "rendering", Report.attempts == attempt)


def build(
    session: Session, report: Report, now: dt.datetime, progress: Callable[[int], None] | None = None
) -> tuple[RenderedPdf, str]:
    """Gather the data and render the PDF: the one path the worker and the CLI share. -> (pdf, title)."""
    org = session.get(Organization, report.org_id)
    today = local_today(org.timezone)
    case = None
    if report.case_id is not None:
        case = session.scalars(select(Case).where(Case.id == report.case_id, Case.org_id == report.org_id)).one()
        if case.deleted_at is not None and report.type not in ORG_LEVEL_TYPES:
            raise ReportError(f"Case {case.id} was deleted after the report was requested.")
    context = report_context.common(session, report.org_id, now, today)
    context.update(report_context.gather(session, report.type, report.org_id, case, report.params or {}, today))
    if progress:
        progress(15)
    pdf = render_pdf(f"{report.type}.html", context, progress)
    return pdf, context["title"]


def filename_for(report: Report, title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or report.type
    return f"{slug}-report-{report.id}.pdf"


def render_report(session: Session, report_id: int, now: dt.datetime | None = None) -> Report | None:
    """The worker's task body, idempotent: claim, render, store. Returns the report (None: not claimed)."""
    now = now or utcnow()
    attempt = _claim(session, report_id, now)
    if attempt is None:
        return None
    report = session.get(Report, report_id, populate_existing=True)

    def set_progress(percent: int) -> None:
        compare_and_set(
            session,
            Report,
            report_id,
            _mine(attempt),
            progress=percent,
            updated_at=utcnow(),
            lease_expires_at=utcnow() + LEASE,
        )
        session.commit()

    try:
        pdf, title = build(session, report, now, set_progress)
    except Exception as error:  # noqa: BLE001 - every failure is recorded with its reason, not lost
        session.rollback()
        reason = str(error) if isinstance(error, ReportError) else f"{type(error).__name__}: {error}"
        log.warning("report %s failed: %s", report_id, reason, exc_info=not isinstance(error, ReportError))
        return _finish(session, report_id, attempt, {"state": "failed", "error": reason[:ERROR_LIMIT]})
    return _finish(
        session,
        report_id,
        attempt,
        {
            "state": "ready",
            "progress": 100,
            "content": pdf.content,
            "sha256": pdf.sha256,
            "size": len(pdf.content),
            "page_count": pdf.page_count,
            "title": title[:200],
            "filename": filename_for(report, title),
            "completed_at": utcnow(),
        },
    )


def _finish(session: Session, report_id: int, attempt: int, values: dict[str, Any]) -> Report | None:
    """Store the outcome only if this attempt still holds the row (a slower, superseded worker writes nothing)."""
    values = {**values, "lease_expires_at": None, "updated_at": utcnow()}
    if not compare_and_set(session, Report, report_id, _mine(attempt), **values):
        session.rollback()
        return None
    report = session.get(Report, report_id, populate_existing=True)
    after = {"state": values["state"]}
    after.update({k: values[k] for k in ("sha256", "size", "page_count", "error") if k in values})
    audit.record(
        session,
        None,
        "update",
        "report",
        report_id,
        org_id=report.org_id,
        case_id=report.case_id,
        before={"state": "rendering"},
        after=after,
    )
    session.commit()
    return report


# --------------------------------------------------------------------------------------------- rescan


def reports_to_enqueue(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Queued reports older than a minute (their message was lost) and renders whose lease expired (their
    worker died). Renders that used up their attempts are failed here, with the reason."""
    now = now or utcnow()
    exhausted = session.scalars(
        select(Report.id).where(
            Report.state == "rendering", Report.lease_expires_at < now, Report.attempts >= MAX_ATTEMPTS
        )
    ).all()
    for report_id in exhausted:
        report = session.get(Report, report_id, populate_existing=True)
        _finish(
            session,
            report_id,
            report.attempts,
            {
                "state": "failed",
                "error": f"The render was interrupted {report.attempts} times (its worker stopped); request it again.",
            },
        )
    stale = session.scalars(
        select(Report.id)
        .where(
            or_(
                and_(Report.state == "queued", Report.updated_at < now - QUEUED_GRACE),
                and_(Report.state == "rendering", Report.lease_expires_at < now),
            )
        )
        .order_by(Report.id)
        .limit(500)
    ).all()
    # Touch the queued ones: a backlog gets one more message a minute, not one per scan per report.
    session.execute(
        update(Report)
        .where(Report.id.in_(stale), Report.state == "queued")
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return list(stale)


def report_content(session: Session, report: Report) -> bytes:
    if report.state != "ready":
        detail = (
            f"Report {report.id} failed: {report.error}"
            if report.state == "failed"
            else f"Report {report.id} is {report.state}; poll /api/v1/reports/{report.id} until it is ready."
        )
        raise Problem(409, detail)
    return session.scalar(select(Report.content).where(Report.id == report.id))


# ------------------------------------------------------------------------------------------------ CLI


def render_inline(
    session: Session,
    report_type: str,
    case_id: int | None,
    options: dict[str, Any] | None = None,
    org_id: int | None = None,
) -> Report:
    """Request and render a report in this process, without a worker (`forestall report`): the same row,
    audit, render and SHA-256 as through the API. Raises Problem for a bad request; returns the report,
    ready or failed. An organisation-wide report (caseload_deadlines) may name the organisation instead."""
    case = None
    if case_id is not None or org_id is None:
        case = session.scalars(select(Case).where(Case.id == case_id, Case.deleted_at.is_(None))).one_or_none()
        if case is None:
            raise Problem(404, f"No case {case_id}.")
        org_id = case.org_id
    report = request_report(session, None, org_id, case, {"type": report_type, **(options or {})})
    session.commit()
    return render_report(session, report.id) or get_report(session, org_id, report.id)
