"""Accounts: two-factor recovery codes and the single-use links e-mailed for a password reset or an invitation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, OrgScopedMixin, UTCDateTime, utcnow

LINK_PURPOSES = ("reset", "invite")


class RecoveryCode(Base):
    """One single-use two-factor recovery code; only the SHA-256 of the (high-entropy) code is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AccountLink(OrgScopedMixin, Base):
    """A password-reset or invitation link: single use, expiring; only the token's SHA-256 is stored."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(10), nullable=False)
    token_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


__all__ = ["RecoveryCode", "AccountLink", "LINK_PURPOSES"]
