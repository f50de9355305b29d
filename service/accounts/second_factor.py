"""Two-factor sign-in for a user: enrolment, recovery codes, the check at sign-in, turning it off (the user)
and resetting it (an admin). The TOTP and recovery-code arithmetic is twofactor.py's."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Organization, User
from models.accounts import RecoveryCode
from models.base import utcnow
from service.accounts import twofactor
from service.accounts.service import as_caller, end_sessions, record, require_manage_users
from service.auth import Caller, verify_password
from service.errors import Problem, validation_error


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
    record(session, as_caller(user), "two_factor_on", user)
    return codes


def replace_recovery_codes(session: Session, user: User, caller: Caller | None = None) -> list[str]:
    """Ten new codes (shown once); the unused old ones stop working. Audited when the user asks for them."""
    if caller is not None:
        record(session, caller, "recovery_codes_new", user)
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
                record(session, as_caller(user), "recovery_code_used", user)
                return "recovery"
    return None


def disable_two_factor(session: Session, caller: Caller, user: User, password: str) -> None:
    """The user's own choice (with their password), unless the organisation requires two-factor."""
    if session.get(Organization, user.org_id).require_two_factor:
        raise Problem(409, "Your organisation requires two-factor sign-in, so it cannot be turned off.")
    if not user.password_hash or not verify_password(user.password_hash, password or ""):
        raise validation_error({"disable_password": ["This is not your current password."]})
    _turn_off_two_factor(session, user)
    record(session, caller, "two_factor_off", user)


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
    record(session, caller, "two_factor_reset", user)
