"""Organisations, their users, and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, OrgScopedMixin, TimestampMixin, UTCDateTime

ROLES = ("admin", "attorney", "paralegal", "counselor", "viewer")


class Organization(TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    slug: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # Local time for reminders and for date-times given without an offset.
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="America/New_York")
    # Sign-in policy (service/accounts): every user must use two-factor; minutes a page session may sit
    # unused (None: the built-in 30).
    require_two_factor: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    idle_timeout_minutes: Mapped[int | None] = mapped_column(Integer)


class User(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One address, one login: create-token --email needs no organisation.
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id, when a password is set
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    hud_counselor_id: Mapped[str | None] = mapped_column(String(40))  # HUD housing counselor certification ID
    # Raised to end every browser session of the user at once (deactivation, password change, "sign out
    # everywhere"): a session cookie carries the epoch it began in (service/web/session.py).
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    # TOTP two-factor (service/accounts/twofactor.py): the base32 secret, set when enrolment starts;
    # two-factor is on once totp_enabled_at is set. totp_last_step: the last time step accepted (no replay).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    organization: Mapped[Organization] = relationship(lazy="joined")


class ApiToken(TimestampMixin, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    # SHA-256 of a 256-bit random token: the token itself is never stored.
    token_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")
