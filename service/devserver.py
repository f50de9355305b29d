"""`make run`: migrate, seed the demo, then the API, a worker and beat in the foreground until Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from service.config import ROOT, load_settings, prepare_directories

DEMO_ADMIN = "admin@demo.example"


def main() -> int:
    bin_dir = Path(sys.executable).parent
    settings = load_settings()
    prepare_directories(settings)
    subprocess.run([bin_dir / "forestall", "migrate"], check=True, cwd=ROOT)
    token = subprocess.run(
        [bin_dir / "forestall", "seed-demo"], check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    port = os.environ.get("PORT", "5000")
    password = secrets.token_urlsafe(12)  # a new one each run: nothing to leak from the repository
    subprocess.run(
        [bin_dir / "forestall", "set-password", "--email", DEMO_ADMIN],
        check=True,
        cwd=ROOT,
        input=password + "\n",
        text=True,
    )
    print(f"\nForestall on http://127.0.0.1:{port}  (docs: http://127.0.0.1:{port}/docs)")
    print(f"Database: {settings.database_url}\nBroker:   {settings.broker_url}")
    print(f"E-mail:   {settings.smtp_url or f'.eml files in {settings.outbox_dir}'}")
    print(f"\nDemo admin (admin@demo.example) API token:\n\n    {token}\n")
    print(f"Try:  curl -H 'Authorization: Bearer {token}' http://127.0.0.1:{port}/api/v1/cases\n")
    print(f"Sign in at http://127.0.0.1:{port}/ as {DEMO_ADMIN} with password {password}\n", flush=True)
    commands = [
        [bin_dir / "gunicorn", "service.wsgi:app", "-c", str(ROOT / "gunicorn.conf.py")],
        [bin_dir / "celery", "-A", "workers", "worker", "--loglevel=INFO", "--concurrency=2"],
        [
            bin_dir / "celery",
            "-A",
            "workers",
            "beat",
            "--loglevel=INFO",
            f"--schedule={settings.var_dir / 'celerybeat-schedule'}",
        ],
    ]
    children = [subprocess.Popen(cmd, cwd=ROOT) for cmd in commands]

    def stop(*_args) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
