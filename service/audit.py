"""Recording changes in the append-only audit log. Nothing here updates or deletes an entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry
from service.auth import Caller
from service.db import paginate


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    """{"client": {"first_name": "A"}} -> {"client.first_name": "A"}; lists stay whole."""
    flat: dict[str, Any] = {}
    if isinstance(document, dict):
        for key, value in document.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                flat.update(flatten(value, name))
            else:
                flat[name] = value
    return flat


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    old, new = flatten(before or {}), flatten(after or {})
    return {
        name: {"before": old.get(name), "after": new.get(name)}
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    }


def record(
    session: Session,
    caller: Caller | None,
    action: str,
    entity_type: str,
    entity_id: int,
    *,
    org_id: int,
    case_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        org_id=org_id,
        actor_id=caller.user_id if caller else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        case_id=case_id,
        changes=diff(before, after),
    )
    session.add(entry)
    return entry


def case_history(session: Session, org_id: int, case_id: int, page: int, per_page: int) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry).where(AuditEntry.org_id == org_id, AuditEntry.case_id == case_id).order_by(AuditEntry.id)
    return paginate(session, query, page, per_page)
