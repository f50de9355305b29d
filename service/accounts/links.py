"""Single-use links e-mailed to a user: an invitation (7 days) and a password reset (1 hour). Only the
token's SHA-256 is stored; a newer link of the same purpose ends the earlier ones."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import User
from models.accounts import AccountLink
from models.base import utcnow
from service.auth import Caller

RESET_LIFETIME = dt.timedelta(hours=1)
INVITE_LIFETIME = dt.timedelta(days=7)
LINK_PREFIX = {"reset": "rst_", "invite": "inv_"}


def link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(
    session: Session, user: User, purpose: str, created_by: Caller | None = None, now: dt.datetime | None = None
) -> str:
    """A single-use link token for `purpose` (reset: 1 hour, invite: 7 days). Earlier unused links of the
    same purpose stop working: only the newest e-mail counts."""
    now = now or utcnow()
    session.execute(
        update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.purpose == purpose, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = LINK_PREFIX[purpose] + secrets.token_urlsafe(32)
    lifetime = RESET_LIFETIME if purpose == "reset" else INVITE_LIFETIME
    session.add(
        AccountLink(
            org_id=user.org_id,
            user_id=user.id,
            purpose=purpose,
            token_sha256=link_digest(token),
            expires_at=now + lifetime,
            created_at=now,
            created_by_id=created_by.user_id if created_by else None,
        )
    )
    session.flush()
    return token


def link_state(link: AccountLink | None, now: dt.datetime) -> str:
    """'valid', 'used', 'expired' or 'unknown' (pure: the row and the time)."""
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    return "valid"


def find_link(session: Session, token: str, purpose: str) -> AccountLink | None:
    if not token.startswith(LINK_PREFIX[purpose]):
        return None
    digest = link_digest(token)
    link = session.scalars(
        select(AccountLink).where(AccountLink.token_sha256 == digest, AccountLink.purpose == purpose)
    ).one_or_none()
    if link is None or not hmac.compare_digest(link.token_sha256, digest):
        return None
    return link
