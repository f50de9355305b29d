"""`forestall load-income-limits`: load HUD's income limits CSV for an organisation and fiscal year."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.errors import Problem

SAMPLE = Path(__file__).parent / "data" / "sample_income_limits_fy2026.csv"


@click.command("load-income-limits")
@click.option("--org", "org_slug", required=True)
@click.option("--fiscal-year", required=True, type=click.IntRange(min=2000, max=2100))
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_income_limits_command(org_slug: str, fiscal_year: int, csv_file: Path) -> None:
    """Replace the organisation's income limits for FISCAL_YEAR with HUD's CSV (a file with any bad row
    loads nothing). The package ships an illustrative sample: service/counseling/data/."""
    from service.cli import _session
    from service.counseling.service import load_income_limits
    from service.orgs import get_org

    with _session() as session:
        try:
            org = get_org(session, org_slug)
            counties = load_income_limits(session, None, org.id, fiscal_year, csv_file.read_text(encoding="utf-8-sig"))
            session.commit()
        except Problem as problem:
            click.echo(f"error: {problem.detail}", err=True)
            sys.exit(1)
    click.echo(f"loaded FY{fiscal_year} income limits for {counties} counties into {org_slug}")
