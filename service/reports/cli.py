"""`forestall report TYPE --case ID -o FILE`: render a report in this process, without a worker. The row,
the audit entries and the SHA-256 are the same as through the API."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from models.reports import REPORT_TYPES, Report
from reports.render import tune_process_for_rendering
from service.config import Settings
from service.db import session_factory
from service.errors import Problem
from service.orgs import get_org
from service.reports.service import render_inline


@click.command("report", epilog="Report types: " + ", ".join(REPORT_TYPES) + ".")
@click.argument("report_type", metavar="TYPE", type=click.Choice(REPORT_TYPES))
@click.option(
    "--case",
    "case_id",
    type=click.IntRange(min=1),
    help="The case the report is about (every type but caseload_deadlines).",
)
@click.option(
    "--org",
    "org_slug",
    metavar="SLUG",
    help="caseload_deadlines: the organisation's slug (or give --case for its organisation).",
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write the PDF."
)
@click.option(
    "--waiver-request",
    "waiver_request_id",
    type=click.IntRange(min=1),
    help="waiver_request_letter: the waiver request to write.",
)
@click.option("--days", type=click.IntRange(1, 366), help="caseload_deadlines: days ahead (default 30).")
@click.option(
    "--assigned-to",
    "assigned_to",
    type=click.IntRange(min=1),
    help="caseload_deadlines: one user's cases (default: the whole organisation).",
)
@click.pass_obj
def report_command(
    settings: Settings,
    report_type: str,
    case_id: int | None,
    org_slug: str | None,
    output: Path,
    waiver_request_id: int | None,
    days: int | None,
    assigned_to: int | None,
) -> None:
    """Render a report of TYPE to a PDF file, in this process (no worker needed)."""
    if case_id is None and (report_type != "caseload_deadlines" or org_slug is None):
        raise click.UsageError(
            "--case is required"
            + ("" if report_type != "caseload_deadlines" else " (or --org for the organisation's caseload)")
        )
    tune_process_for_rendering()  # this process renders one report, then exits
    options = {
        name: value
        for name, value in (("waiver_request_id", waiver_request_id), ("days", days), ("assigned_to", assigned_to))
        if value is not None
    }
    with session_factory(settings.database_url, across_orgs="the forestall command")() as session:
        try:
            org_id = get_org(session, org_slug).id if case_id is None else None
            report = render_inline(session, report_type, case_id, options, org_id=org_id)
        except Problem as problem:
            detail = problem.detail
            if problem.errors:
                detail += " " + "; ".join(f"{k}: {' '.join(v)}" for k, v in problem.errors.items())
            click.echo(f"error: {detail}", err=True)
            sys.exit(1)
        if report.state != "ready":
            click.echo(f"error: report {report.id} failed: {report.error}", err=True)
            sys.exit(1)
        content = session.scalar(select(Report.content).where(Report.id == report.id))
    output.write_bytes(content)
    click.echo(
        f"{output}: report {report.id}, {report.page_count} page(s), {report.size} bytes, sha256 {report.sha256}"
    )
