"""Passwords: the signed-in user's change, and a password set through a reset or invitation link."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import User
from models.accounts import AccountLink
from models.base import utcnow
from service import orgs
from service.accounts.links import find_link, link_state, new_link
from service.accounts.service import as_caller, end_sessions, record
from service.auth import Caller, hash_password, verify_password
from service.errors import Problem, validation_error

MAX_PASSWORD_LENGTH = 1024


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
    record(session, caller, "password_change", user)
    return user


def request_password_reset(session: Session, email: str, now: dt.datetime | None = None) -> tuple[User, str] | None:
    """The user and a reset token when the address belongs to an active user with a password; else None
    (the page says the same thing either way)."""
    email = (email or "").strip().lower()
    user = session.scalars(select(User).where(User.email == email)).one_or_none() if email else None
    if user is None or not user.is_active:
        return None
    token = new_link(session, user, "reset", now=now)
    record(session, None, "reset_requested", user)
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
    record(session, as_caller(user), "password_reset" if purpose == "reset" else "invite_accepted", user)
    return user


LINK_MESSAGES = {
    "unknown": "This link is not valid. Ask for a new one.",
    "used": "This link has been used already. Ask for a new one if you still need it.",
    "expired": "This link has expired. Ask for a new one.",
}
