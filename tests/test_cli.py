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


def test_create_user_with_a_hud_counselor_id_and_load_income_limits(app, database_url):
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    assert forestall("create-org", "--name", "CLI Counseling", "--slug", slug).returncode == 0
    email = f"counselor@{slug}.example"
    assert forestall("create-user", "--org", slug, "--email", email, "--role", "counselor",
                     "--hud-counselor-id", "HC-12345").returncode == 0
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
