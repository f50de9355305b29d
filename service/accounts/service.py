"""Accounts: the service functions behind the Settings pages, the sign-in steps and /api/v1/users.

Every function takes the caller (or, before sign-in, the user the e-mail or link names), checks the
permission with service.permissions, scopes every lookup to the caller's organisation (another
organisation's user is 404), audits the change, and leaves the commit to the view."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import ApiToken, Organization, ROLES, User
from models.accounts import AccountLink, RecoveryCode
from models.base import utcnow
from service import audit, orgs, permissions
from service.accounts import twofactor
from service.auth import Caller, hash_password, issue_token, token_digest, verify_password
from service.db import paginate
from service.errors import Problem, validation_error

RESET_LIFETIME = dt.timedelta(hours=1)
INVITE_LIFETIME = dt.timedelta(days=7)
LINK_PREFIX = {"reset": "rst_", "invite": "inv_"}
MAX_PASSWORD_LENGTH = 1024
IDLE_TIMEOUT_MINUTES = (5, 720)
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # at most the 12-hour absolute limit


def as_caller(user: User) -> Caller:
    """The user acting on their own account (a reset link, the sign-in steps): for the audit trail."""
    return Caller(
        user_id=user.id, org_id=user.org_id, role=user.role, email=user.email, timezone=user.organization.timezone
    )


def _record(
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
    _record(session, caller, "invite", user, after={"email": user.email, "role": role, "full_name": full_name})
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
    _record(session, caller, action, user, before=_audited(before), after=_audited(after))
    return user


def _audited(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k in ("email", "full_name", "role", "is_active", "hud_counselor_id")}


def end_sessions(session: Session, caller: Caller | None, user: User, audit_it: bool = True) -> None:
    """Every browser session of the user ends at its next request (the session epoch moves on)."""
    session.execute(update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1))
    session.refresh(user, ["session_epoch"])
    if audit_it:
        _record(session, caller, "sessions_ended", user)


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
    _record(session, caller, "update", user, before=before, after={"full_name": user.full_name})
    return user


# ----------------------------------------------------------------------------------------------------
# API tokens (organisation admins, for any user of the organisation)


def token_document(row: ApiToken, token: str | None = None) -> dict[str, Any]:
    document = {
        "id": row.id,
        "user_id": row.user_id,
        "label": row.label,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "revoked_at": row.revoked_at,
        "last_used_at": row.last_used_at,
    }
    if token is not None:
        document["token"] = token
    return document


def list_api_tokens(session: Session, caller: Caller, user: User) -> list[ApiToken]:
    require_manage_users(caller)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def issue_api_token(
    session: Session, caller: Caller, user: User, label: str | None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    require_manage_users(caller)
    if not user.is_active:
        raise Problem(409, "The user is deactivated: reactivate them before issuing a token.")
    if expires_at is not None and expires_at <= utcnow():
        raise validation_error({"expires_at": ["Must be in the future."]})
    token = issue_token(session, user, label=(label or "").strip() or None, expires_at=expires_at)
    session.flush()
    row = session.scalars(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))).one()
    audit.record(
        session,
        caller,
        "create",
        "api_token",
        row.id,
        org_id=user.org_id,
        case_id=None,
        after={"user_id": user.id, "label": row.label},
    )
    return row, token


def get_api_token(session: Session, user: User, token_id: int) -> ApiToken:
    row = session.scalars(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)).one_or_none()
    if row is None:
        raise Problem(404, f"No API token {token_id} for this user.")
    return row


def revoke_api_token(session: Session, caller: Caller, user: User, row: ApiToken) -> None:
    require_manage_users(caller)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            caller,
            "delete",
            "api_token",
            row.id,
            org_id=user.org_id,
            case_id=None,
            before={"user_id": user.id, "label": row.label},
        )
    session.flush()


# ----------------------------------------------------------------------------------------------------
# Passwords, reset and invitation links


def check_new_password(password: str, confirm: str | None = None, field: str = "password") -> None:
    if len(password or "") < orgs.MIN_PASSWORD_LENGTH:
        raise validation_error({field: [f"At least {orgs.MIN_PASSWORD_LENGTH} characters."]})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise validation_error({field: [f"At most {MAX_PASSWORD_LENGTH} characters."]})
    if confirm is not None and confirm != password:
        raise validation_error({"confirm_password": ["The two passwords are not the same."]})


def change_password(session: Session, caller: Caller, current: str, new: str, confirm: str) -> User:
    """The signed-in user's own password. Every session of theirs ends (the view starts a new one here)."""
    user = session.get(User, caller.user_id)
    if not user.password_hash or not verify_password(user.password_hash, current or ""):
        raise validation_error({"current_password": ["This is not your current password."]})
    check_new_password(new, confirm, field="new_password")
    user.password_hash = hash_password(new)
    end_sessions(session, caller, user, audit_it=False)
    _record(session, caller, "password_change", user)
    return user


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


def request_password_reset(session: Session, email: str, now: dt.datetime | None = None) -> tuple[User, str] | None:
    """The user and a reset token when the address belongs to an active user with a password; else None
    (the page says the same thing either way)."""
    email = (email or "").strip().lower()
    user = session.scalars(select(User).where(User.email == email)).one_or_none() if email else None
    if user is None or not user.is_active:
        return None
    token = new_link(session, user, "reset", now=now)
    _record(session, None, "reset_requested", user)
    return user, token


def use_link(
    session: Session, token: str, purpose: str, password: str, confirm: str, now: dt.datetime | None = None
) -> User:
    """Set the password through a reset or invitation link; the link is used up and every session ends."""
    now = now or utcnow()
    link = find_link(session, token, purpose)
    state = link_state(link, now)
    if state != "valid":
        raise Problem(404 if state == "unknown" else 410, LINK_MESSAGES[state])
    check_new_password(password, confirm)
    # Used up by a compare-and-set, so two submissions of the same link cannot both set a password.
    won = session.execute(
        update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if won != 1:
        raise Problem(410, LINK_MESSAGES["used"])
    user = session.get(User, link.user_id)
    if not user.is_active:
        raise Problem(410, LINK_MESSAGES["unknown"])
    user.password_hash = hash_password(password)
    end_sessions(session, None, user, audit_it=False)
    _record(session, as_caller(user), "password_reset" if purpose == "reset" else "invite_accepted", user)
    return user


LINK_MESSAGES = {
    "unknown": "This link is not valid. Ask for a new one.",
    "used": "This link has been used already. Ask for a new one if you still need it.",
    "expired": "This link has expired. Ask for a new one.",
}


# ----------------------------------------------------------------------------------------------------
# Two-factor


def start_enrolment(session: Session, user: User) -> str:
    """A fresh secret, kept on the user but not in force until a code from it is confirmed."""
    if user.totp_enabled_at is not None:
        raise Problem(409, "Two-factor sign-in is on already.")
    user.totp_secret = twofactor.new_secret()
    user.totp_last_step = None
    session.flush()
    return user.totp_secret


def confirm_enrolment(session: Session, user: User, code: str, now: float | None = None) -> list[str]:
    """Turn two-factor on when `code` comes from the pending secret; returns the recovery codes (shown once)."""
    if user.totp_enabled_at is not None or not user.totp_secret:
        raise Problem(409, "There is no two-factor enrolment in progress.")
    step = twofactor.verify_code(user.totp_secret, code, None, now)
    if step is None:
        raise validation_error({"code": ["That code is not right. Enter the 6-digit code the app shows now."]})
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = replace_recovery_codes(session, user)
    _record(session, as_caller(user), "two_factor_on", user)
    return codes


def replace_recovery_codes(session: Session, user: User, caller: Caller | None = None) -> list[str]:
    """Ten new codes (shown once); the unused old ones stop working. Audited when the user asks for them."""
    if caller is not None:
        _record(session, caller, "recovery_codes_new", user)
    session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    codes = twofactor.new_recovery_codes()
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_sha256=twofactor.recovery_code_digest(code)))
    session.flush()
    return codes


def unused_recovery_codes(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def check_second_factor(session: Session, user: User, code: str, now: float | None = None) -> str | None:
    """'totp' or 'recovery' when the code is right (a recovery code is used up), else None."""
    if user.totp_enabled_at is None or not user.totp_secret:
        return None
    step = twofactor.verify_code(user.totp_secret, code, user.totp_last_step, now)
    if step is not None:
        # Compare-and-set: the same code sent twice at once is accepted once.
        won = session.execute(
            update(User)
            .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
            .values(totp_last_step=step)
        ).rowcount
        session.refresh(user, ["totp_last_step"])
        return "totp" if won == 1 else None
    if twofactor.looks_like_recovery_code(code):
        digest = twofactor.recovery_code_digest(code)
        row = session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.code_sha256 == digest, RecoveryCode.used_at.is_(None)
            )
        ).first()
        if row is not None:
            won = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
            ).rowcount
            if won == 1:
                _record(session, as_caller(user), "recovery_code_used", user)
                return "recovery"
    return None


def disable_two_factor(session: Session, caller: Caller, user: User, password: str) -> None:
    """The user's own choice (with their password), unless the organisation requires two-factor."""
    if session.get(Organization, user.org_id).require_two_factor:
        raise Problem(409, "Your organisation requires two-factor sign-in, so it cannot be turned off.")
    if not user.password_hash or not verify_password(user.password_hash, password or ""):
        raise validation_error({"disable_password": ["This is not your current password."]})
    _turn_off_two_factor(session, user)
    _record(session, caller, "two_factor_off", user)


def _turn_off_two_factor(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    session.flush()


def reset_two_factor(session: Session, caller: Caller, user: User) -> None:
    """An admin turns off a user's two-factor (a lost phone); the user enrols again at the next sign-in
    if the organisation requires it. Their sessions end."""
    require_manage_users(caller)
    _turn_off_two_factor(session, user)
    end_sessions(session, caller, user, audit_it=False)
    _record(session, caller, "two_factor_reset", user)


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
    _record(session, None, "sign_in_failed", user, after={"address": address, "reason": reason})
    if locked:
        _record(session, None, "locked_out", user, after={"address": address})


def record_sign_in(session: Session, user: User, address: str, method: str) -> None:
    _record(session, as_caller(user), "sign_in", user, after={"address": address, "method": method})
