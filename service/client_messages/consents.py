"""Consents: an append-only history per party and channel; the latest entry (by recorded_at, then id)
decides. Every entry is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.client_messages import Consent
from models.intake import Party
from service import audit
from service.auth import Caller

CLIENT_ROLES = ("client", "co_borrower")


def consent_document(row: Consent) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "party_id": row.party_id,
        "channel": row.channel,
        "given": row.given,
        "method": row.method,
        "recorded_at": row.recorded_at,
        "recorded_by": row.recorded_by_id,
        "note": row.note,
        "created_at": row.created_at,
    }


def messageable_parties(session: Session, case_id: int) -> list[Party]:
    """The client and co-borrowers of the case (parties on our side that are people)."""
    return list(
        session.scalars(
            select(Party)
            .where(
                Party.case_id == case_id,
                Party.side == "ours",
                Party.role.in_(CLIENT_ROLES),
                Party.is_organisation.is_(False),
                Party.deleted_at.is_(None),
            )
            .order_by(Party.id)
        ).all()
    )


def current_consent(session: Session, party_id: int, channel: str) -> Consent | None:
    return session.scalars(
        select(Consent)
        .where(Consent.party_id == party_id, Consent.channel == channel)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        .limit(1)
    ).first()


def has_consent(session: Session, party_id: int, channel: str) -> bool:
    row = current_consent(session, party_id, channel)
    return row is not None and row.given


def record_consent(
    session: Session,
    caller: Caller | None,
    party: Party,
    channel: str,
    given: bool,
    method: str,
    recorded_at: dt.datetime | None = None,
    note: str | None = None,
) -> Consent:
    row = Consent(
        org_id=party.org_id,
        case_id=party.case_id,
        party_id=party.id,
        channel=channel,
        given=given,
        method=method,
        recorded_at=recorded_at or utcnow(),
        recorded_by_id=caller.user_id if caller else None,
        note=note,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "consent",
        row.id,
        org_id=party.org_id,
        case_id=party.case_id,
        before=None,
        after={
            k: v.isoformat() if isinstance(v, dt.datetime) else v
            for k, v in consent_document(row).items()
            if k not in ("id", "created_at")
        },
    )
    return row


def case_consents(session: Session, case_id: int, page: int, per_page: int) -> tuple[list[Consent], int]:
    from service.db import paginate

    query = select(Consent).where(Consent.case_id == case_id).order_by(Consent.recorded_at, Consent.id)
    return paginate(session, query, page, per_page)
