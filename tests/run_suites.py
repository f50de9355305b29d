"""Run the static checks (import layers, ruff, mypy), then the suite on every backend that answers: SQLite always;
PostgreSQL + Redis when they answer on localhost (they do on CI's machine). Prints which backends ran.
Exit status: the worst of the runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def run(name: str, env: dict[str, str], paths: list[str]) -> int:
    print(f"\n=== backend: {name} ===", flush=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths]
    return subprocess.run(command, cwd=ROOT, env={**os.environ, **env}).returncode


def check(name: str, command: list[str]) -> int:
    """A static check (the import layers, lint, types): run before the tests; a failure fails the run."""
    print(f"\n=== check: {name} ===", flush=True)
    return subprocess.run(command, cwd=ROOT).returncode


BIN = Path(sys.executable).parent
STATIC_CHECKS = {
    "import layers (lint-imports, .importlinter)": [str(BIN / "lint-imports")],
    "lint (ruff check, ruff.toml)": [str(BIN / "ruff"), "check", "."],
    "format (ruff format --check, ruff.toml)": [str(BIN / "ruff"), "format", "--check", "."],
    "types of service/clock and models (mypy, mypy.ini)": [str(BIN / "mypy")],
}


def main() -> int:
    extra = sys.argv[1:]
    results: dict[str, int] = {}
    for name, command in STATIC_CHECKS.items():
        results[name] = check(name, command)
    results["sqlite + sqlalchemy broker"] = run(
        "sqlite + sqlalchemy broker", {"FORESTALL_TEST_BACKEND": "sqlite"}, extra or ["tests"]
    )
    if answers(5432) and answers(6379):
        # The pure unit tests do not touch a backend, and the browser tests test pages, not the database: run them
        # once. The pages' other tests run here too: sign-in, scoping and forms under row-level security.
        results["postgresql + redis"] = run(
            "postgresql + redis",
            {"FORESTALL_TEST_BACKEND": "postgresql"},
            extra or ["tests", "--ignore=tests/unit", "-m", "not browser"],
        )
    else:
        print("\nPostgreSQL or Redis does not answer on localhost: skipped that backend.")
    if answers(5432) and answers(5672) and not extra:
        # RabbitMQ: what depends on the broker (the real worker processes and readiness), on PostgreSQL.
        results["postgresql + rabbitmq"] = run(
            "postgresql + rabbitmq",
            {"FORESTALL_TEST_BACKEND": "postgresql", "FORESTALL_TEST_BROKER": "rabbitmq"},
            ["tests/workers", "tests/api/test_auth.py"],
        )
    elif not extra:
        print("\nPostgreSQL or RabbitMQ does not answer on localhost: skipped that backend.")
    print("\n=== checks and backends ===")
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return max(results.values())


if __name__ == "__main__":
    sys.exit(main())
