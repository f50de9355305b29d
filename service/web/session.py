"""The signed-in browser session: who is signed in, since when, and whether that still stands.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). It holds the user's
id, a random session id set fresh at sign-in, the sign-in time and the last-seen time (Unix seconds).
Every page request rebuilds the same `Caller` the API builds from a token (service.auth), through
load_signed_in_caller(): the one place that decides whether a browser session still counts.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, MutableMapping

from flask import request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User
from service.auth import Caller
from service.db import for_all_orgs, for_no_org, for_org

IDLE_TIMEOUT_SECONDS = 30 * 60  # signed out after 30 minutes without a request
ABSOLUTE_TIMEOUT_SECONDS = 12 * 60 * 60  # and 12 hours after signing in, however busy
SEEN_RESOLUTION_SECONDS = 30  # last-seen is rewritten at most this often (fewer cookie writes)

KEYS = ("uid", "sid", "signed_in_at", "seen_at")


class BrowserSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure whenever the request itself came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:  # noqa: ANN001
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def open_session(self, app, request):  # noqa: ANN001, ANN201 - Flask's signature
        # No session cookie (every API call, which authenticates with a bearer token): the empty session
        # Flask would give, without first building the signing serializer on every request.
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def idle_timeout_seconds(user: User) -> int:
    """How long a session may sit unused: the organisation's setting (Settings page), else 30 minutes."""
    minutes = user.organization.idle_timeout_minutes
    return minutes * 60 if minutes else IDLE_TIMEOUT_SECONDS


def session_still_valid(user: User, cookie: MutableMapping[str, Any]) -> bool:
    """The session began in the user's current epoch: deactivating, a password change or "sign out
    everywhere" raise the epoch (service/accounts/service.py end_sessions), ending older sessions at once."""
    return cookie.get("epoch", 0) == user.session_epoch


def sign_in(cookie: MutableMapping[str, Any], user: User, now: float | None = None) -> None:
    """Start a new session for the user: anything from before (a pre-sign-in CSRF token too) is dropped."""
    now = time.time() if now is None else now
    cookie.clear()
    cookie["uid"] = user.id
    cookie["sid"] = secrets.token_urlsafe(24)
    cookie["signed_in_at"] = int(now)
    cookie["seen_at"] = int(now)
    cookie["epoch"] = user.session_epoch or 0


def sign_out(cookie: MutableMapping[str, Any]) -> None:
    cookie.clear()


def load_signed_in_caller(db: Session, cookie: MutableMapping[str, Any], now: float | None = None) -> Caller | None:
    """The caller this session cookie stands for, or None (then the page asks to sign in again).

    None when the cookie has no user, the user is unknown or inactive, the session was idle too long or
    began too long ago. A valid session has its last-seen time moved forward."""
    now = time.time() if now is None else now
    if not all(isinstance(cookie.get(key), (int, str)) for key in KEYS):
        return None
    try:
        user_id = int(cookie["uid"])
        signed_in_at, seen_at = float(cookie["signed_in_at"]), float(cookie["seen_at"])
    except (TypeError, ValueError):
        return None
    # Across organisations for the lookup, then straight to the user's organisation (or to none): no
    # statement restoring the scope in between, on every page.
    for_all_orgs(db, "authentication: the user of a signed session cookie")
    user = db.scalars(select(User).where(User.id == user_id)).one_or_none()
    if (
        user is None
        or not user.is_active
        or now - signed_in_at > ABSOLUTE_TIMEOUT_SECONDS
        or now - seen_at > idle_timeout_seconds(user)
        or not session_still_valid(user, cookie)
    ):
        for_no_org(db)
        return None
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        cookie["seen_at"] = int(now)
    for_org(db, user.org_id)  # the rest of the request sees its organisation's rows only
    # The session's identity map holds rows weakly: kept here, a later read of this same user in the request
    # (a case assigned to the caller: the case page's "Assigned to") is answered without a query.
    db.info["signed_in_user"] = user
    return Caller(
        user_id=user.id, org_id=user.org_id, role=user.role, email=user.email, timezone=user.organization.timezone
    )


def configure(app) -> None:  # noqa: ANN001
    app.session_interface = BrowserSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="forestall_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
