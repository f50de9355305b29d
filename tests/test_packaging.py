"""A wheel, installed into a fresh virtualenv outside the repository, can migrate a fresh database.

Deployments install wheels, where there is no repository around the package: the migrations must
travel inside it. The fresh virtualenv borrows the already-installed dependencies through a .pth file
(no network), but not the editable install of this checkout, so the code that runs is the wheel's.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_wheel_installed_elsewhere_migrates_a_fresh_database(tmp_path: Path) -> None:
    # Build from a clean copy: setuptools would otherwise reuse a stale build/ directory of the checkout.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "var", "*.egg-info", "__pycache__", ".hypothesis", "node_modules"
        ),
    )
    wheelhouse = tmp_path / "wheelhouse"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheelhouse), str(source)],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(wheelhouse.glob("forestall-*.whl"))

    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    fresh_python = venv / "bin" / "python"
    fresh_site = Path(
        subprocess.run(
            [str(fresh_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dependencies, not this checkout: a directory listed in a .pth file has its own .pth files
    # (among them the editable install's) ignored.
    (fresh_site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(fresh_python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = elsewhere / "fresh.sqlite"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "FORESTALL_VAR": str(elsewhere / "var"),
        "PYTHONPATH": "",
    }
    env.pop("MIGRATION_DATABASE_URL", None)  # the suite's own (PostgreSQL pass): this database is the file
    where = subprocess.run(
        [str(fresh_python), "-c", "import migrations, service; print(migrations.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    ).stdout
    assert where.startswith(str(fresh_site)), where  # the wheel's copy, not the repository's
    subprocess.run([str(venv / "bin" / "forestall"), "migrate"], check=True, cwd=elsewhere, env=env)

    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"organizations", "users", "cases", "deadlines"} <= tables
    assert len(version) == 1
