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
