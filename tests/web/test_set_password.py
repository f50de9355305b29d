"""`forestall set-password --email E` reads the password from standard input and prints nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.web.conftest import csrf_from

BIN = Path(sys.executable).parent


def set_password(email: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "forestall"), "set-password", "--email", email],
        input=stdin,
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
    )


def _signs_in(app, email: str, password: str) -> bool:  # noqa: ANN001
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    return response.status_code == 302


def test_set_password_then_sign_in(app, org):
    result = set_password(org.counselor.email, "a new pass phrase\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert _signs_in(app, org.counselor.email, "a new pass phrase")
    assert not _signs_in(app, org.counselor.email, "a new pass phrase\n")


def test_set_password_refuses_short_passwords_and_unknown_users(app, org):
    result = set_password(org.viewer.email, "short\n")
    assert result.returncode != 0 and "8 characters" in result.stderr
    assert not _signs_in(app, org.viewer.email, "short")
    result = set_password("nobody@nowhere.example", "long enough password\n")
    assert result.returncode != 0 and "nobody@nowhere.example" in result.stderr
