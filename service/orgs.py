"""Organisations and users: the service functions behind the CLI (and, later, an admin API)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiToken, Organization, ROLES, User
from models.base import utcnow
from service.auth import hash_password
from service.db import across_orgs
from service.errors import Problem


def create_org(session: Session, name: str, slug: str, timezone: str = "America/New_York") -> Organization:
    if session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None:
        raise Problem(409, f"An organisation with slug {slug!r} exists already.")
    org = Organization(name=name, slug=slug, timezone=timezone)
    session.add(org)
    session.flush()
    return org


def get_org(session: Session, slug: str) -> Organization:
    org = session.scalars(select(Organization).where(Organization.slug == slug)).one_or_none()
    if org is None:
        raise Problem(404, f"No organisation with slug {slug!r}.")
    return org


def create_user(
    session: Session,
    org: Organization,
    email: str,
    role: str,
    full_name: str | None = None,
    hud_counselor_id: str | None = None,
) -> User:
    if role not in ROLES:
        raise Problem(422, f"Unknown role {role!r}; one of {', '.join(ROLES)}.", errors={"role": ["Unknown role."]})
    email = email.strip().lower()
    with across_orgs(session, "an e-mail address is unique across organisations"):
        taken = session.scalar(select(User.id).where(User.email == email)) is not None
    if taken:
        raise Problem(409, f"A user with e-mail {email} exists already.")
    user = User(org_id=org.id, email=email, role=role, full_name=full_name, hud_counselor_id=hud_counselor_id or None)
    session.add(user)
    session.flush()
    return user


def get_user_by_email(session: Session, email: str) -> User:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    if user is None:
        raise Problem(404, f"No user with e-mail {email}.")
    return user


def list_users(session: Session, org: Organization) -> list[User]:
    return list(session.scalars(select(User).where(User.org_id == org.id).order_by(User.email)))


def revoke_api_tokens(session: Session, user: User, label: str | None = None) -> int:
    """Revoke the user's live API tokens (only those with `label`, when given); returns how many."""
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if label is not None:
        query = query.where(ApiToken.label == label)
    tokens = list(session.scalars(query))
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    session.flush()
    return len(tokens)


MIN_PASSWORD_LENGTH = 8


def set_password(session: Session, user: User, password: str) -> None:
    """Store the password's argon2id hash (service.auth.hash_password)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Problem(
            422,
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
            errors={"password": [f"At least {MIN_PASSWORD_LENGTH} characters."]},
        )
    user.password_hash = hash_password(password)
    # A new password ends the user's browser sessions (service/web/session.py checks the epoch).
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()
