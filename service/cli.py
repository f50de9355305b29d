"""The `forestall` command: set-up and administration without the HTTP API."""
from __future__ import annotations

import datetime as dt
import sys

import click

from models import ROLES
from service.auth import issue_token
from service.config import load_settings
from service.db import session_factory
from service.errors import Problem


def _session():
    return session_factory(load_settings().database_url)()


def _fail(problem: Problem) -> None:
    click.echo(f"error: {problem.detail}", err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """Forestall: case management for foreclosure defense."""


@main.command()
def migrate() -> None:
    """Apply the database migrations and exit."""
    from service.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    click.echo("database migrated", err=True)


@main.command("create-org")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--timezone", default="America/New_York", show_default=True)
def create_org_command(name: str, slug: str, timezone: str) -> None:
    """Create an organisation."""
    from service.orgs import create_org

    with _session() as session:
        try:
            org = create_org(session, name, slug, timezone)
            session.commit()
        except Problem as problem:
            _fail(problem)
        click.echo(f"created organisation {org.slug} (id {org.id})")


@main.command("create-user")
@click.option("--org", "org_slug", required=True)
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "full_name", default=None)
def create_user_command(org_slug: str, email: str, role: str, full_name: str | None) -> None:
    """Create a user in an organisation."""
    from service.orgs import create_user, get_org

    with _session() as session:
        try:
            user = create_user(session, get_org(session, org_slug), email, role, full_name)
            session.commit()
        except Problem as problem:
            _fail(problem)
        click.echo(f"created user {user.email} ({user.role}, id {user.id})")


@main.command("create-token")
@click.option("--email", required=True)
@click.option("--expires-in-days", type=click.IntRange(min=1), default=None, help="Default: no expiry.")
@click.option("--label", default=None)
def create_token_command(email: str, expires_in_days: int | None, label: str | None) -> None:
    """Print a new API token for a user (and nothing else on stdout)."""
    from service.orgs import get_user_by_email

    with _session() as session:
        try:
            user = get_user_by_email(session, email)
        except Problem as problem:
            _fail(problem)
        expires_at = None
        if expires_in_days:
            expires_at = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=expires_in_days)
        token = issue_token(session, user, label=label, expires_at=expires_at)
        session.commit()
        click.echo(token)


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo organisation (slug demo) with its caseload, once; print a new admin token."""
    from service.demo import seed_demo

    with _session() as session:
        token = seed_demo(session)
        session.commit()
    click.echo(token)


from service.reports.cli import report_command  # noqa: E402 - the reports domain's command

main.add_command(report_command)

from service.imports.cli import import_command  # noqa: E402 - the imports domain's command

main.add_command(import_command)


if __name__ == "__main__":
    main()
