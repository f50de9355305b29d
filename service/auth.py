"""Bearer tokens, passwords, roles and the current user."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import Boolean, DateTime, Integer, String, bindparam, column, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import ApiToken, Organization, User
from models.base import utcnow
from service.db import (
    DirectRead,
    for_all_orgs,
    for_no_org,
    scope_set_by_next_statement,
    set_no_org_for_connection,
    took_org_scope,
)
from service.errors import Problem
from service.permissions import can_write

TOKEN_PREFIX = "fst_"

# OWASP minimum for Argon2id: m = 19 MiB, t = 2, p = 1.
password_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash, password)
    except VerifyMismatchError:
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, label: str | None = None, expires_at: dt.datetime | None = None) -> str:
    """Create a token and return it; only its SHA-256 digest is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_sha256=token_digest(token), label=label, expires_at=expires_at))
    return token


@dataclass(frozen=True)
class Caller:
    user_id: int
    org_id: int
    role: str
    email: str
    timezone: str = "America/New_York"

    @property
    def can_write(self) -> bool:
        return can_write(self)


def authenticate(session: Session, authorization: str | None) -> Caller:
    """The caller a bearer token names, read on every request (no cache: a token revoked or expired, or a
    user deactivated, is refused on the very next request). One statement, columns only: the token, its
    user and the organisation's time zone. The session then works for that organisation only."""
    digest, now = _presented(authorization)
    if session.get_bind().dialect.name == "postgresql":
        # One statement: the scope across organisations for the lookup, the lookup, then the scope of the
        # token's organisation if the token is admitted (migration 0015); no set_config statement of its own.
        with scope_set_by_next_statement(session) as connection:
            row = _first(_TOKEN_CALLER.rows(connection, {"digest": digest, "now": now, "is_local": True}))
    else:
        for_all_orgs(session, "authentication: the token by its digest")
        # Core execution on the session's connection: the statement returns columns, not ORM objects.
        row = session.connection().execute(_CALLER_BY_DIGEST, {"digest": digest}).one_or_none()
    if not _admitted(row, digest, now):
        for_no_org(session)
        raise _refused()
    # The rest of the request sees its organisation's rows only (set by the lookup itself on PostgreSQL).
    took_org_scope(session, row.org_id, getattr(row, "scope_org", None))
    return _caller(row)


def authenticate_reader(connection: Connection, authorization: str | None) -> Caller:
    """authenticate, for a request that only reads (service.http.read_only) on a connection of the read
    pool (service.db.get_read_engine), without an ORM session: on PostgreSQL the lookup sets the
    connection's scope (it outlives each autocommit statement; every lookup overwrites the last one's)."""
    digest, now = _presented(authorization)
    if connection.dialect.name == "postgresql":
        row = _first(_TOKEN_CALLER.rows(connection, {"digest": digest, "now": now, "is_local": False}))
        if not _admitted(row, digest, now):
            set_no_org_for_connection(connection)  # the lookup set none already, unless Python disagreed
            raise _refused()
    else:
        row = connection.execute(_CALLER_BY_DIGEST, {"digest": digest}).one_or_none()
        if not _admitted(row, digest, now):
            raise _refused()
    return _caller(row)


def _presented(authorization: str | None) -> tuple[str, dt.datetime]:
    """The presented token's digest, and the time its expiry is judged at."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Problem(401, "An API token is required: send 'Authorization: Bearer TOKEN'.")
    return token_digest(authorization[len("Bearer ") :].strip()), utcnow()


def _first(rows: list[Any]) -> Any:
    return rows[0] if rows else None


def _admitted(row: Any, digest: str, now: dt.datetime) -> bool:
    # compare_digest: the lookup is by digest already; this keeps the final check constant-time.
    return not (
        row is None
        or not hmac.compare_digest(row.token_sha256, digest)
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= now)
        or not row.is_active
    )


def _caller(row: Any) -> Caller:
    return Caller(user_id=row.user_id, org_id=row.org_id, role=row.role, email=row.email, timezone=row.timezone)


def _refused() -> Problem:
    return Problem(401, "The API token is unknown, revoked or expired.")


_CALLER_BY_DIGEST = (
    select(
        ApiToken.token_sha256,
        ApiToken.revoked_at,
        ApiToken.expires_at,
        User.id.label("user_id"),
        User.org_id,
        User.role,
        User.email,
        User.is_active,
        Organization.timezone,
    )
    .join(User, User.id == ApiToken.user_id)
    .join(Organization, Organization.id == User.org_id)
    .where(ApiToken.token_sha256 == bindparam("digest"))
)
# A select of the function's columns (typed, so the timestamps come back as SQLAlchemy would give them).
_TOKEN_CALLER = DirectRead(
    select(
        *func.forestall_token_caller(bindparam("digest"), bindparam("now"), bindparam("is_local"))
        .table_valued(
            column("token_sha256", String),
            column("revoked_at", DateTime(timezone=True)),
            column("expires_at", DateTime(timezone=True)),
            column("user_id", Integer),
            column("org_id", Integer),
            column("role", String),
            column("email", String),
            column("is_active", Boolean),
            column("timezone", String),
            column("scope_org", String),
        )
        .c
    )
)


def require_write(caller: Caller) -> None:
    require(caller, can_write(caller))


def require(caller: Caller, allowed: bool) -> None:
    """403 unless a predicate of service/permissions.py allowed it."""
    if not allowed:
        if not can_write(caller):
            raise Problem(403, f"The role '{caller.role}' may read but not change anything.")
        raise Problem(403, f"The role '{caller.role}' may not do this.")
