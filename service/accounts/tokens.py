"""API tokens: issued, listed and revoked by organisation admins, for any user of the organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiToken, User
from models.base import utcnow
from service import audit
from service.accounts.service import require_manage_users
from service.auth import Caller, issue_token, token_digest
from service.errors import Problem, validation_error


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
