"""Settings from environment variables, with embedded defaults that need no server."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("FORESTALL_VAR", ROOT / "var"))


def _default_database_url() -> str:
    return f"sqlite:///{VAR / 'forestall.sqlite'}"


def _default_broker_url() -> str:
    # kombu's SQLAlchemy transport: a broker that is only a file (no server to run).
    return f"sqla+sqlite:///{VAR / 'broker.sqlite'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL") or _default_database_url())
    broker_url: str = field(default_factory=lambda: os.environ.get("CELERY_BROKER_URL") or _default_broker_url())
    smtp_url: str | None = field(default_factory=lambda: os.environ.get("SMTP_URL") or None)
    mail_from: str = field(default_factory=lambda: os.environ.get("MAIL_FROM", "Forestall <reminders@forestall.localhost>"))
    secret_key: str = field(default_factory=lambda: os.environ.get("SECRET_KEY", "dev-only-not-secret"))
    base_url: str = field(default_factory=lambda: os.environ.get("BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"))
    outbox_dir: Path = field(default_factory=lambda: Path(os.environ.get("OUTBOX_DIR", VAR / "outbox")))
    reports_dir: Path = field(default_factory=lambda: Path(os.environ.get("REPORTS_DIR", VAR / "reports")))
    attachments_dir: Path = field(default_factory=lambda: Path(os.environ.get("ATTACHMENTS_DIR", VAR / "attachments")))
    # Sign-in throttling counts (flask-limiter): memory:// is per process; use redis://... in production.
    ratelimit_storage_uri: str = field(default_factory=lambda: os.environ.get("RATELIMIT_STORAGE_URI", "memory://"))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    settings = Settings()
    VAR.mkdir(parents=True, exist_ok=True)
    return settings
