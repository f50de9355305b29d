"""`forestall import FILE --org SLUG [--mapping M.json] [--commit]`: the same import as the API, run in this
process (no worker needed): the dry run always, then the commit when asked."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organisation's slug.")
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="JSON {column: field}; default: guessed from the headers.",
)
@click.option(
    "--date-order",
    type=click.Choice(["month_first", "day_first"]),
    default=None,
    help="How to read 03/04/2026; default: the organisation's setting.",
)
@click.option("--commit", "commit", is_flag=True, help="Create the cases (without it: a dry run that writes no case).")
def import_command(file: Path, org_slug: str, mapping_file: Path | None, date_order: str | None, commit: bool) -> None:
    """Import cases from a CSV or XLSX file: a dry run, then with --commit the cases."""
    from service.auth import Caller
    from service.cli import _fail, _session
    from service.errors import Problem
    from service.imports import service
    from service.orgs import get_org

    mapping = None
    if mapping_file is not None:
        try:
            mapping = json.loads(mapping_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            click.echo(f"error: {mapping_file} is not JSON: {error}", err=True)
            sys.exit(1)
    with _session() as session:
        try:
            org = get_org(session, org_slug)
            caller = Caller(
                user_id=None,
                org_id=org.id,
                role="admin",
                email="forestall import",  # type: ignore[arg-type]
                timezone=org.timezone,
            )
            row = service.create_import(session, caller, file.read_bytes(), file.name, mapping, date_order)
            session.commit()
        except Problem as problem:
            for name, messages in (problem.errors or {}).items():
                for message in messages:
                    click.echo(f"error: {name}: {message}", err=True)
            _fail(problem)
        import_id = row.id
        row = service.process_import(session, import_id)
        _report(row)
        if commit and row.state == "checked":
            if row.rows_valid == 0:
                click.echo("nothing to commit: no row passed the dry run", err=True)
                sys.exit(1)
            service.request_commit(session, caller, row)
            session.commit()
            row = service.process_import(session, import_id)
            _report(row)
        if row.state == "failed":
            sys.exit(1)


def _report(row) -> None:  # noqa: ANN001
    counts = (
        f"import {row.id}: {row.state}; rows {row.rows_total}, valid {row.rows_valid}, invalid {row.rows_invalid}, "
        f"duplicates {row.rows_duplicates}"
    )
    if row.state == "committed":
        counts += f", created {row.rows_created}, skipped {row.rows_skipped}, failed {row.rows_failed}"
    click.echo(counts)
    for error in row.errors:
        click.echo(f"row {error['row']}, column {error['column']}: {error['message']}", err=True)
    if row.error:
        click.echo(f"error: {row.error}", err=True)
