"""Accounts: users, the user's own profile, the organisation's sign-in policy and sign-in events: the
service functions behind the Settings pages, the sign-in steps and /api/v1/users. Beside it: API tokens
(tokens.py), invitation and reset links (links.py), passwords (passwords.py), two-factor (second_factor.py).

Every function takes the caller (or, before sign-in, the user the e-mail or link names), checks the
permission with service.permissions, scopes every lookup to the caller's organisation (another
organisation's user is 404), audits the change, and leaves the commit to the view."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import ApiToken, Organization, ROLES, User
from models.base import utcnow
from service import audit, orgs, permissions
from service.accounts.links import new_link
from service.auth import Caller
from service.db import paginate
from service.errors import Problem, validation_error

IDLE_TIMEOUT_MINUTES = (5, 720)
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # at most the 12-hour absolute limit


def as_caller(user: User) -> Caller:
    """The user acting on their own account (a reset link, the sign-in steps): for the audit trail."""
    return Caller(
        user_id=user.id, org_id=user.org_id, role=user.role, email=user.email, timezone=user.organization.timezone
    )


def record(
    session: Session,
    caller: Caller | None,
    action: str,
    user: User,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    audit.record(
        session,
        caller,
        action,
        "user",
        user.id,
        org_id=user.org_id,
        case_id=None,
        before=before,
        after=after if after is not None else {"email": user.email},
    )


def require_manage_users(caller: Caller) -> None:
    permissions.require(caller, permissions.can_manage_users, "manage users (organisation admins only)")


def require_change_org_settings(caller: Caller) -> None:
    permissions.require(
        caller, permissions.can_change_org_settings, "change the organisation's settings (organisation admins only)"
    )


# ----------------------------------------------------------------------------------------------------
# Users (organisation admins)


def user_document(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "is_active": user.is_active,
        "two_factor": user.totp_enabled_at is not None,
        "has_password": user.password_hash is not None,
        "hud_counselor_id": user.hud_counselor_id,
        "created_at": user.created_at,
    }


def list_users(session: Session, caller: Caller, page: int, per_page: int) -> tuple[list[User], int]:
    require_manage_users(caller)
    query = select(User).where(User.org_id == caller.org_id).order_by(User.email, User.id)
    return paginate(session, query, page, per_page)


def get_user(session: Session, org_id: int, user_id: int) -> User:
    user = session.scalars(select(User).where(User.id == user_id, User.org_id == org_id)).one_or_none()
    if user is None:
        raise Problem(404, f"No user {user_id} in your organisation.")
    return user


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise validation_error({"role": [f"Must be one of: {', '.join(ROLES)}."]})


def invite_user(
    session: Session, caller: Caller, email: str, role: str, full_name: str | None = None
) -> tuple[User, str]:
    """A new user with no password yet, and the invitation link's token (to e-mail; valid 7 days)."""
    require_manage_users(caller)
    email = (email or "").strip().lower()
    errors = {}
    if not EMAIL_PATTERN.fullmatch(email) or len(email) > 254:
        errors["email"] = ["Enter an e-mail address like name@example.org."]
    if role not in ROLES:
        errors["role"] = [f"Choose a role: {', '.join(ROLES)}."]
    if errors:
        raise validation_error(errors)
    org = session.get(Organization, caller.org_id)
    user = orgs.create_user(session, org, email, role, full_name or None)
    token = new_link(session, user, "invite", created_by=caller)
    record(session, caller, "invite", user, after={"email": user.email, "role": role, "full_name": full_name})
    return user, token


def _active_admins(session: Session, org_id: int) -> int:
    return len(
        session.scalars(
            select(User.id).where(User.org_id == org_id, User.role == "admin", User.is_active.is_(True))
        ).all()
    )


def update_user(session: Session, caller: Caller, user: User, changes: dict[str, Any]) -> User:
    """Role, active flag, name, HUD counselor id. The organisation always keeps one active admin.

    Deactivating ends the user's browser sessions and revokes their API tokens at once."""
    require_manage_users(caller)
    before = user_document(user)
    if "role" in changes:
        _check_role(changes["role"])
    losing_admin = (
        user.role == "admin"
        and user.is_active
        and (changes.get("role", "admin") != "admin" or changes.get("is_active", True) is False)
    )
    if losing_admin and _active_admins(session, user.org_id) <= 1:
        raise Problem(409, "The organisation needs at least one active admin: make someone else an admin first.")
    if "hud_counselor_id" in changes:
        user.hud_counselor_id = changes["hud_counselor_id"]
    if "full_name" in changes:
        user.full_name = (changes["full_name"] or "").strip() or None
    if "role" in changes:
        user.role = changes["role"]
    if "is_active" in changes and changes["is_active"] != user.is_active:
        user.is_active = bool(changes["is_active"])
        if not user.is_active:
            end_sessions(session, caller, user, audit_it=False)
            revoke_all_api_tokens(session, user)
    session.flush()
    after = user_document(user)
    action = (
        "deactivate"
        if before["is_active"] and not after["is_active"]
        else ("reactivate" if not before["is_active"] and after["is_active"] else "update")
    )
    record(session, caller, action, user, before=_audited(before), after=_audited(after))
    return user


def _audited(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k in ("email", "full_name", "role", "is_active", "hud_counselor_id")}


def end_sessions(session: Session, caller: Caller | None, user: User, audit_it: bool = True) -> None:
    """Every browser session of the user ends at its next request (the session epoch moves on)."""
    session.execute(update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1))
    session.refresh(user, ["session_epoch"])
    if audit_it:
        record(session, caller, "sessions_ended", user)


def revoke_all_api_tokens(session: Session, user: User) -> int:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    return len(rows)


def update_profile(session: Session, caller: Caller, full_name: str | None) -> User:
    """The signed-in user's own name (any role, viewers too: it is their account, not client data)."""
    user = session.get(User, caller.user_id)
    name = (full_name or "").strip()
    if len(name) > 200:
        raise validation_error({"full_name": ["At most 200 characters."]})
    before = {"full_name": user.full_name}
    user.full_name = name or None
    session.flush()
    record(session, caller, "update", user, before=before, after={"full_name": user.full_name})
    return user


# ----------------------------------------------------------------------------------------------------
# The organisation's sign-in policy


def sign_in_policy(org: Organization) -> dict[str, Any]:
    return {"require_two_factor": org.require_two_factor, "idle_timeout_minutes": org.idle_timeout_minutes}


def set_sign_in_policy(
    session: Session, caller: Caller, require_two_factor: bool, idle_timeout_minutes: int | None
) -> Organization:
    require_change_org_settings(caller)
    low, high = IDLE_TIMEOUT_MINUTES
    if idle_timeout_minutes is not None and not low <= idle_timeout_minutes <= high:
        raise validation_error({"idle_timeout_minutes": [f"Between {low} and {high} minutes."]})
    org = session.get(Organization, caller.org_id)
    before = sign_in_policy(org)
    org.require_two_factor = bool(require_two_factor)
    org.idle_timeout_minutes = idle_timeout_minutes
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "organization",
        org.id,
        org_id=org.id,
        case_id=None,
        before=before,
        after=sign_in_policy(org),
    )
    return org


# ----------------------------------------------------------------------------------------------------
# Sign-in events (the throttle's failures and lockouts are audited against the account when it exists)


def record_sign_in_failure(session: Session, email: str, address: str, reason: str, locked: bool) -> None:
    user = session.scalars(select(User).where(User.email == (email or "").strip().lower())).one_or_none()
    if user is None:
        return
    record(session, None, "sign_in_failed", user, after={"address": address, "reason": reason})
    if locked:
        record(session, None, "locked_out", user, after={"address": address})


def record_sign_in(session: Session, user: User, address: str, method: str) -> None:
    record(session, as_caller(user), "sign_in", user, after={"address": address, "method": method})
