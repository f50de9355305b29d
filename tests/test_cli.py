"""The `forestall` command, run as a real process against the suite's database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

BIN = Path(sys.executable).parent


def forestall(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "forestall"), *args], capture_output=True, text=True, env=os.environ, timeout=60)


def test_org_user_token_round_trip(app, database_url):
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    assert forestall("create-org", "--name", "CLI Legal Aid", "--slug", slug).returncode == 0
    email = f"lawyer@{slug}.example"
    assert forestall("create-user", "--org", slug, "--email", email, "--role", "attorney").returncode == 0
    result = forestall("create-token", "--email", email)
    assert result.returncode == 0
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.startswith("fst_")  # the token and nothing else
    response = app.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_errors_are_clear_and_exit_nonzero(database_url):
    result = forestall("create-user", "--org", "no-such-org", "--email", "x@example.com", "--role", "admin")
    assert result.returncode != 0 and "no-such-org" in result.stderr
    assert forestall("create-user", "--org", "x", "--email", "x@example.com", "--role", "wizard").returncode != 0
    assert forestall("create-token", "--email", "nobody@example.com").returncode != 0


def test_migrate_is_idempotent(database_url):
    assert forestall("migrate").returncode == 0


def test_a_recompute_from_the_cli_plans_reminders_at_once(database_url):
    """seed-demo recomputes deadlines in a process that serves no API and runs no worker: the reminder plan
    is written in the same run (deadlines_changed is connected by the CLI), not a minute later by the scan."""
    from sqlalchemy import func, select

    from models import Organization
    from models.notices import Notice
    from service.db import session_factory

    result = forestall("seed-demo")
    assert result.returncode == 0, result.stderr
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        org_id = session.scalar(select(Organization.id).where(Organization.slug == "demo"))
        planned = session.scalar(select(func.count()).select_from(Notice).where(Notice.org_id == org_id))
    assert planned > 0


def test_version_list_users_and_revoke_token(app, database_url):
    version = forestall("--version")
    assert version.returncode == 0 and version.stdout.startswith("forestall, version ")
    assert "slug" in forestall("create-user", "--help").stdout.lower()
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    assert forestall("create-org", "--name", "CLI Counseling", "--slug", slug).returncode == 0
    email = f"counselor@{slug}.example"
    assert forestall("create-user", "--org", slug, "--email", email, "--role", "counselor").returncode == 0
    listed = forestall("list-users", "--org", slug)
    assert listed.returncode == 0 and listed.stdout.split("\n")[0].split("\t")[1:4] == [email, "counselor", "active"]

    kept = forestall("create-token", "--email", email, "--label", "laptop").stdout.strip()
    revoked = forestall("create-token", "--email", email, "--label", "script").stdout.strip()
    result = forestall("revoke-token", "--email", email, "--label", "script")
    assert result.returncode == 0 and "revoked 1 token" in result.stdout
    client = app.test_client()
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {kept}"}).status_code == 200
    assert forestall("revoke-token", "--email", "nobody@example.com").returncode != 0


def test_the_demo_has_exchanges_with_servicers_for_the_communications_log(database_url):
    """A late answer, a request never answered, an application with its acknowledgment, an attachment."""
    import datetime as dt

    from sqlalchemy import func, select

    from models import Case, Organization
    from models.communications import Attachment, Communication
    from service.communications.compliance import servicer_compliance
    from service.db import session_factory

    assert forestall("seed-demo").returncode == 0
    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        org_id = session.scalar(select(Organization.id).where(Organization.slug == "demo"))
        per_case = dict(
            session.execute(
                select(Communication.case_id, func.count())
                .where(Communication.org_id == org_id)
                .group_by(Communication.case_id)
            ).all()
        )
        assert len(per_case) >= 2
        assert session.scalar(select(func.count()).select_from(Attachment).where(Attachment.org_id == org_id)) >= 1
        results = {}
        for case in session.scalars(select(Case).where(Case.id.in_(per_case))):
            clocks = servicer_compliance(session, case, dt.date.today())
            results[case.loan_number] = {(c["kind"] if "kind" in c else c["title"], c["result"]) for c in clocks}
    everything = {result for clocks in results.values() for _, result in clocks}
    assert "late" in everything and "missed" in everything, results


def test_create_user_with_a_hud_counselor_id_and_load_income_limits(app, database_url):
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    assert forestall("create-org", "--name", "CLI Counseling", "--slug", slug).returncode == 0
    email = f"counselor@{slug}.example"
    assert (
        forestall(
            "create-user", "--org", slug, "--email", email, "--role", "counselor", "--hud-counselor-id", "HC-12345"
        ).returncode
        == 0
    )
    token = forestall("create-token", "--email", email).stdout.strip()
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["hud_counselor_id"] == "HC-12345" and me["email"] == email
    sample = Path(__file__).resolve().parents[1] / "service" / "counseling" / "data" / "sample_income_limits_fy2026.csv"
    loaded = forestall("load-income-limits", "--org", slug, "--fiscal-year", "2026", str(sample))
    assert loaded.returncode == 0 and "3 counties" in loaded.stdout
    listed = app.test_client().get("/api/v1/income-limits", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert listed["total"] == 3


def test_a_bad_income_limits_file_is_refused(tmp_path, database_url):
    bad = tmp_path / "limits.csv"
    bad.write_text("State_Alpha,County_Name\nIL,Cook\n")
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    assert forestall("create-org", "--name", "CLI Counseling", "--slug", slug).returncode == 0
    result = forestall("load-income-limits", "--org", slug, "--fiscal-year", "2026", str(bad))
    assert result.returncode != 0 and "median" in result.stderr
