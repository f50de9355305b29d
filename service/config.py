"""Settings: read from the environment once, at a process's entry point (create_app, the Celery app in
workers/__init__.py, the `forestall` command), and passed on explicitly from there.

Every value has an embedded default that needs no server (`make run`). SECRET_KEY is the exception
outside development: the web sessions depend on it, so production refuses to start without one.
Development is FORESTALL_ENV=development (or test), or, when FORESTALL_ENV is unset, the embedded
database (no DATABASE_URL given), which is what `make run` uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"
DEVELOPMENT_ENVIRONMENTS = ("development", "test")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


def _var() -> Path:
    return Path(os.environ.get("FORESTALL_VAR", ROOT / "var"))


def _default_environment() -> str:
    return os.environ.get("FORESTALL_ENV") or ("development" if not os.environ.get("DATABASE_URL") else "production")


@dataclass(frozen=True)
class Settings:
    environment: str = field(default_factory=_default_environment)
    var_dir: Path = field(default_factory=_var)
    database_url: str = field(
        default_factory=lambda: os.environ.get("DATABASE_URL") or f"sqlite:///{_var() / 'forestall.sqlite'}"
    )
    # The tables' owner, for `forestall migrate` only (PostgreSQL); the application itself connects with
    # DATABASE_URL as a role subject to row-level security (docs/row-level-security.md).
    migration_database_url: str = field(
        default_factory=lambda: (
            os.environ.get("MIGRATION_DATABASE_URL")
            or os.environ.get("DATABASE_URL")
            or f"sqlite:///{_var() / 'forestall.sqlite'}"
        )
    )
    # kombu's SQLAlchemy transport: a broker that is only a file (no server to run).
    broker_url: str = field(
        default_factory=lambda: os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{_var() / 'broker.sqlite'}"
    )
    # One queue per installation sharing a broker (and per test run): two runs never take each other's tasks.
    celery_queue: str = field(default_factory=lambda: os.environ.get("CELERY_QUEUE", "forestall"))
    smtp_url: str | None = field(default_factory=lambda: os.environ.get("SMTP_URL") or None)
    mail_from: str = field(
        default_factory=lambda: os.environ.get("MAIL_FROM", "Forestall <reminders@forestall.localhost>")
    )
    secret_key: str = field(default_factory=lambda: os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY)
    base_url: str = field(
        default_factory=lambda: os.environ.get("BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}")
    )
    outbox_dir: Path = field(default_factory=lambda: Path(os.environ.get("OUTBOX_DIR", _var() / "outbox")))
    # The client's text messages: twilio://ACCOUNT_SID:AUTH_TOKEN@HOST?from=+15555550100; unset: files in
    # sms_outbox_dir (service/client_messages/sms.py).
    sms_url: str | None = field(default_factory=lambda: os.environ.get("SMS_URL") or None)
    sms_outbox_dir: Path = field(default_factory=lambda: Path(os.environ.get("SMS_OUTBOX_DIR", _var() / "sms-outbox")))
    attachments_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("ATTACHMENTS_DIR", _var() / "attachments"))
    )
    # filesystem: files under attachments_dir (one host's disk); database: in the database, for several hosts.
    attachments_storage: str = field(default_factory=lambda: os.environ.get("ATTACHMENTS_STORAGE") or "filesystem")
    # Sign-in throttling counts (flask-limiter): memory:// is per process; use redis://... in production.
    ratelimit_storage_uri: str = field(default_factory=lambda: os.environ.get("RATELIMIT_STORAGE_URI", "memory://"))

    # A Celery pool process whose memory passed this after a task is replaced by a fresh one (Celery's
    # worker_max_memory_per_child): a bound on what rendering reports leaves behind (docs/performance.md).
    worker_max_memory_mb: int = field(
        default_factory=lambda: int(os.environ.get("FORESTALL_WORKER_MAX_MEMORY_MB", "600"))
    )

    # Celery beat's every-minute jobs (the notices scan, the reports and imports rescans); shorter in tests.
    scan_seconds: float = field(default_factory=lambda: float(os.environ.get("FORESTALL_SCAN_SECONDS", "60")))

    @property
    def is_development(self) -> bool:
        return self.environment in DEVELOPMENT_ENVIRONMENTS

    @property
    def mail_domain(self) -> str:
        """The domain of the sender address (Message-IDs are made on it)."""
        return self.mail_from.rsplit("@", 1)[-1].strip(" >") or "forestall.localhost"


def load_settings() -> Settings:
    """The settings from the environment, checked. Call it once per process and pass the result on."""
    settings = Settings()
    if not settings.is_development and settings.secret_key == DEVELOPMENT_SECRET_KEY:
        raise SettingsError(
            f"SECRET_KEY must be set (a long random string) when FORESTALL_ENV is "
            f"{settings.environment!r}; only development may use the embedded one."
        )
    if settings.attachments_storage not in ("filesystem", "database"):
        raise SettingsError(
            f"ATTACHMENTS_STORAGE must be filesystem or database, not {settings.attachments_storage!r}."
        )
    return settings


def prepare_directories(settings: Settings) -> None:
    """Create the local directory of the embedded defaults (SQLite files, outbox, attachments); called by
    the entry points when they start, never on import."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
