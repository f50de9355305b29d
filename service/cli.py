"""The `forestall` command: set-up and administration without the HTTP API."""
from __future__ import annotations

import datetime as dt
import sys

import click

from models import ROLES
from models.base import utcnow
from service.auth import issue_token
from service.config import Settings, SettingsError, load_settings, prepare_directories
from service.db import session_factory
from service.demo import seed_demo
from service.errors import Problem
from service.migrate import upgrade
from service.orgs import create_org, create_user, get_org, get_user_by_email
from service.reports.cli import report_command
from service.wiring import connect_signals


def _session():
    """A session on the database of the settings main() built (click's context object)."""
    settings: Settings = click.get_current_context().obj
    return session_factory(settings.database_url)()


def _fail(problem: Problem) -> None:
    click.echo(f"error: {problem.detail}", err=True)
    sys.exit(1)


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """Forestall: case management for foreclosure defense."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    prepare_directories(settings)
    connect_signals(settings)
    context.obj = settings  # the commands' settings, built once


@main.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Apply the database migrations and exit."""
    upgrade(settings.database_url)
    click.echo("database migrated", err=True)


@main.command("create-org")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--timezone", default="America/New_York", show_default=True)
def create_org_command(name: str, slug: str, timezone: str) -> None:
    """Create an organisation."""
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
    with _session() as session:
        try:
            user = get_user_by_email(session, email)
        except Problem as problem:
            _fail(problem)
        expires_at = None
        if expires_in_days:
            expires_at = utcnow() + dt.timedelta(days=expires_in_days)
        token = issue_token(session, user, label=label, expires_at=expires_at)
        session.commit()
        click.echo(token)


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo organisation (slug demo) with its caseload, once; print a new admin token."""
    with _session() as session:
        token = seed_demo(session)
        session.commit()
    click.echo(token)


main.add_command(report_command)  # the reports domain's command


if __name__ == "__main__":
    main()
