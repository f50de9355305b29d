"""The `forestall` command: set-up and administration without the HTTP API."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from models import ROLES
from models.base import utcnow
from service.auth import issue_token
from service.backup import BackupError, backup, restore
from service.clock.rules import load_rulebook
from service.config import Settings, SettingsError, load_settings, prepare_directories
from service.db import session_factory
from service.demo import seed_demo
from service.errors import Problem
from service.migrate import app_role_for, upgrade
from service.orgs import (
    create_org,
    create_user,
    get_org,
    get_user_by_email,
    list_users,
    revoke_api_tokens,
    set_password,
)
from service.reports.cli import report_command
from service.rules.maintenance import check_links, source_urls
from service.storage import ObjectCorrupt, StorageError, copy_object, storage_for
from service.storage.database import DatabaseStorage
from service.storage.filesystem import FilesystemStorage
from service.wiring import connect_signals


def _session():
    """A session on the database of the settings main() built (click's context object)."""
    settings: Settings = click.get_current_context().obj
    # The operator's tool: its commands name organisations (--org) or act on all (docs/row-level-security.md).
    return session_factory(settings.database_url, across_orgs="the forestall command")()


def _fail(problem: Problem) -> None:
    click.echo(f"error: {problem.detail}", err=True)
    sys.exit(1)


@click.group()
@click.version_option(package_name="forestall", prog_name="forestall")
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
    upgrade(
        settings.migration_database_url, app_role=app_role_for(settings.database_url, settings.migration_database_url)
    )
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
@click.option("--org", "org_slug", required=True, metavar="SLUG", help="The organisation's slug (e.g. demo).")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "full_name", default=None)
@click.option("--hud-counselor-id", default=None, help="HUD housing counselor certification ID.")
def create_user_command(
    org_slug: str, email: str, role: str, full_name: str | None, hud_counselor_id: str | None
) -> None:
    """Create a user in an organisation."""
    with _session() as session:
        try:
            user = create_user(session, get_org(session, org_slug), email, role, full_name, hud_counselor_id)
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


@main.command("set-password")
@click.option("--email", required=True)
def set_password_command(email: str) -> None:
    """Set a user's password, read from standard input (prints nothing on success)."""
    password = sys.stdin.readline().rstrip("\r\n")
    with _session() as session:
        try:
            set_password(session, get_user_by_email(session, email), password)
            session.commit()
        except Problem as problem:
            _fail(problem)


@main.command("list-users")
@click.option("--org", "org_slug", required=True, metavar="SLUG", help="The organisation's slug (e.g. demo).")
def list_users_command(org_slug: str) -> None:
    """List an organisation's users: id, e-mail, role, active or not, name."""
    with _session() as session:
        try:
            users = list_users(session, get_org(session, org_slug))
        except Problem as problem:
            _fail(problem)
        for user in users:
            state = "active" if user.is_active else "inactive"
            click.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}\t{user.full_name or ''}")


@main.command("revoke-token")
@click.option("--email", required=True, help="Whose API tokens to revoke.")
@click.option("--label", default=None, help="Only the tokens with this label (default: all of the user's tokens).")
def revoke_token_command(email: str, label: str | None) -> None:
    """Revoke a user's API tokens at once (requests with them answer 401)."""
    with _session() as session:
        try:
            count = revoke_api_tokens(session, get_user_by_email(session, email), label)
        except Problem as problem:
            _fail(problem)
        session.commit()
    click.echo(f"revoked {count} token(s) of {email}")


@main.command("seed-demo")
@click.pass_obj
def seed_demo_command(settings: Settings) -> None:
    """Create the demo organisation (slug demo) with its caseload, once; print a new admin token."""
    with _session() as session:
        token = seed_demo(session, storage_for(settings, session))
        session.commit()
    click.echo(token)


main.add_command(report_command)  # the reports domain's command


@main.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def backup_command(settings: Settings, directory: Path) -> None:
    """Write a consistent backup into DIRECTORY (new or empty): the database, the attachments of the filesystem
    storage, and manifest.json (every file's SHA-256, every table's row count)."""
    try:
        manifest = backup(settings, directory)
    except (BackupError, StorageError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"backed up {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables and "
        f"{manifest['attachment_files']} attachment files to {directory} in {manifest['seconds']} s"
    )


@main.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
def restore_command(settings: Settings, directory: Path) -> None:
    """Restore the backup in DIRECTORY into the (empty) database of DATABASE_URL and the attachment storage,
    after checking every file against the manifest. Stop the API and workers first."""
    started = time.monotonic()
    try:
        manifest = restore(settings, directory)
    except (BackupError, StorageError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"restored {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables and "
        f"{manifest['attachment_files']} attachment files from {directory} (made {manifest['created_at']}) "
        f"in {time.monotonic() - started:.1f} s"
    )


@main.group("storage")
def storage_group() -> None:
    """The attachment storage (ATTACHMENTS_STORAGE)."""


@storage_group.command("migrate-to-database")
@click.pass_obj
def migrate_to_database_command(settings: Settings) -> None:
    """Copy every attachment file under ATTACHMENTS_DIR into the database storage, each checked against its
    SHA-256 (the files are left in place). Then set ATTACHMENTS_STORAGE=database. Safe to run again."""
    source = FilesystemStorage(settings.attachments_dir)
    target = DatabaseStorage(settings.database_url)
    copied = present = 0
    damaged = []
    for sha256 in source.list():
        if target.exists(sha256):
            present += 1
            continue
        try:
            copy_object(source, target, sha256)
            copied += 1
        except ObjectCorrupt as error:
            damaged.append(sha256)
            click.echo(f"error: {error}", err=True)
    click.echo(
        f"copied {copied} attachment files into the database ({present} were there already, "
        f"{len(damaged)} damaged and left out)"
    )
    if damaged:
        sys.exit(1)


@main.group("rules")
def rules_group() -> None:
    """The jurisdiction rules: checks for reviewers."""


@rules_group.command("check-links")
@click.option(
    "--rules-dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="A rules directory (default: the installed service/rules).",
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per request.")
def check_links_command(rules_dir: str | None, timeout: float) -> None:
    """Request every source_url in the rules and report the ones that fail. Exit status 1 when a link answers
    with an HTTP error; a link that cannot be reached at all (offline) is reported but does not fail."""
    book = load_rulebook(rules_dir)
    items = [
        pair for code in sorted(book.jurisdictions) for pair in source_urls(dict(book.jurisdictions[code].raw), code)
    ]
    items += [(f"federal:{rule_id}", rule.source.source_url) for rule_id, rule in sorted(book.federal.rules.items())]
    results = check_links(items, timeout=timeout)
    failed = [r for r in results if r.outcome == "failed"]
    unreachable = [r for r in results if r.outcome == "not reachable"]
    for r in failed + unreachable:
        click.echo(
            f"{r.outcome}: {r.url} ({r.detail}) cited by {', '.join(r.where[:3])}"
            + (f" and {len(r.where) - 3} more" if len(r.where) > 3 else "")
        )
    click.echo(
        f"{len(results)} links: {len(results) - len(failed) - len(unreachable)} ok, {len(failed)} failed, "
        f"{len(unreachable)} not reachable"
    )
    if failed:
        sys.exit(1)


from service.counseling.cli import load_income_limits_command  # noqa: E402 - the counseling domain's command

main.add_command(load_income_limits_command)

from service.imports.cli import import_command  # noqa: E402 - the imports domain's command

main.add_command(import_command)


if __name__ == "__main__":
    main()
