"""Parties on a case, the servicer alias table, and conflicts marked on a case. Every query is scoped to
the caller's organisation; every change is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case
from models.base import utcnow
from models.intake import CaseConflict, ConflictCheck, Party, ServicerAlias
from service import audit
from service.auth import Caller
from service.conflicts.matching import organisation_keys
from service.db import paginate
from service.errors import Problem, validation_error
from service.parties.keys import language_code, party_keys
from service.permissions import is_org_admin, require

ALIAS_TABLE = "change the servicer alias table (organisation admins only)"
PARTY_FIELDS = ("role", "side", "name", "is_organisation", "email", "phone", "address", "preferred_language")
# What a party that mirrors the case may still change here (the rest is changed on the case itself).
MIRRORED_EDITABLE = frozenset({"address"})
ADVERSE_ROLES = frozenset({"servicer", "investor", "plaintiff", "trustee", "opposing_counsel"})
OUR_ROLES = frozenset({"client", "co_borrower"})
ORGANISATION_ROLES = frozenset({"servicer", "investor", "plaintiff", "trustee"})


def default_side(role: str) -> str:
    if role in OUR_ROLES:
        return "ours"
    if role in ADVERSE_ROLES:
        return "adverse"
    return "other"


def party_document(party: Party) -> dict[str, Any]:
    return {
        "id": party.id,
        "case_id": party.case_id,
        **{name: getattr(party, name) for name in PARTY_FIELDS},
        "mirrors_case": party.mirrors is not None,
        "created_at": party.created_at,
        "updated_at": party.updated_at,
    }


def _audit_document(party: Party) -> dict[str, Any]:
    return {name: getattr(party, name) for name in PARTY_FIELDS}


def _set_keys(party: Party) -> None:
    for name, value in party_keys(party.name, party.is_organisation, party.email, party.phone).items():
        setattr(party, name, value)


# --------------------------------------------------------------------------- the case's own parties


def sync_case_parties(session: Session, case: Case) -> None:
    """Make the case's client and co-borrowers parties on our side and its servicer an adverse party.

    Called at the end of creating or changing a case (service/cases/service.py). Idempotent: parties that
    mirror the case are updated in place, added or removed to match it; hand-entered parties are untouched."""
    wanted: dict[str, dict[str, Any]] = {}
    for borrower in case.borrowers:
        mirrors = "client" if borrower.position == 0 else f"co_borrower:{borrower.position}"
        wanted[mirrors] = {
            "role": "client" if borrower.position == 0 else "co_borrower",
            "side": "ours",
            "name": f"{borrower.first_name} {borrower.last_name}".strip()[:200],
            "is_organisation": False,
            "email": borrower.email,
            "phone": borrower.phone,
            "preferred_language": language_code(borrower.preferred_language),
        }
    if case.loan_servicer and case.loan_servicer.strip():
        wanted["loan.servicer"] = {
            "role": "servicer",
            "side": "adverse",
            "name": case.loan_servicer.strip()[:200],
            "is_organisation": True,
            "email": None,
            "phone": None,
            "preferred_language": None,
        }
    existing = {
        p.mirrors: p
        for p in session.scalars(
            select(Party).where(Party.case_id == case.id, Party.mirrors.is_not(None), Party.deleted_at.is_(None))
        )
    }
    now = utcnow()
    for mirrors, party in existing.items():
        if mirrors not in wanted:
            party.deleted_at = now
    for mirrors, values in wanted.items():
        party = existing.get(mirrors)
        if party is None:
            party = Party(org_id=case.org_id, case_id=case.id, mirrors=mirrors)
            session.add(party)
        for name, value in values.items():
            setattr(party, name, value)
        _set_keys(party)
    session.flush()


# ------------------------------------------------------------------------------------ parties CRUD


def get_party(session: Session, org_id: int, party_id: int) -> Party:
    party = session.scalars(
        select(Party)
        .join(Case, Case.id == Party.case_id)
        .where(Party.id == party_id, Party.org_id == org_id, Party.deleted_at.is_(None), Case.deleted_at.is_(None))
    ).one_or_none()
    if party is None:
        raise Problem(404, f"No party {party_id}.")
    return party


def list_parties(session: Session, case: Case, page: int, per_page: int) -> tuple[list[Party], int]:
    query = select(Party).where(Party.case_id == case.id, Party.org_id == case.org_id, Party.deleted_at.is_(None))
    return paginate(session, query.order_by(Party.id), page, per_page)


def _check_role_and_side(role: str, side: str) -> None:
    if role in OUR_ROLES and side != "ours":
        raise validation_error({"side": [f"A {role} is on our side."]})


def add_party(session: Session, caller: Caller, case: Case, data: dict[str, Any]) -> Party:
    role = data["role"]
    if role == "client":
        raise validation_error({"role": ["The case's client is its client: change the case's client instead."]})
    side = data.get("side") or default_side(role)
    _check_role_and_side(role, side)
    is_organisation = data.get("is_organisation")
    if is_organisation is None:
        is_organisation = role in ORGANISATION_ROLES
    party = Party(
        org_id=case.org_id,
        case_id=case.id,
        role=role,
        side=side,
        name=data["name"],
        is_organisation=is_organisation,
        email=data.get("email"),
        phone=data.get("phone"),
        address=data.get("address"),
        preferred_language=data.get("preferred_language"),
        created_by_id=caller.user_id,
    )
    _set_keys(party)
    session.add(party)
    session.flush()
    audit.record(
        session, caller, "create", "party", party.id, org_id=case.org_id, case_id=case.id, after=_audit_document(party)
    )
    return party


def update_party(session: Session, caller: Caller, party: Party, data: dict[str, Any]) -> Party:
    if party.mirrors is not None:
        locked = sorted(set(data) - MIRRORED_EDITABLE)
        if locked:
            raise validation_error(
                {
                    name: [
                        "This party mirrors the case (its client, a co-borrower or the servicer): "
                        "change it on the case."
                    ]
                    for name in locked
                }
            )
    if data.get("role") == "client":
        raise validation_error({"role": ["The case's client is its client: change the case's client instead."]})
    before = _audit_document(party)
    for name, value in data.items():
        setattr(party, name, value)
    _check_role_and_side(party.role, party.side)
    _set_keys(party)
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "party",
        party.id,
        org_id=party.org_id,
        case_id=party.case_id,
        before=before,
        after=_audit_document(party),
    )
    return party


def delete_party(session: Session, caller: Caller, party: Party) -> None:
    if party.mirrors is not None:
        raise Problem(
            409, "This party mirrors the case (its client, a co-borrower or the servicer): change the case instead."
        )
    party.deleted_at = utcnow()
    session.flush()
    audit.record(
        session,
        caller,
        "delete",
        "party",
        party.id,
        org_id=party.org_id,
        case_id=party.case_id,
        before=_audit_document(party),
        after=None,
    )


# ---------------------------------------------------------------------------------- servicer aliases


def alias_document(alias: ServicerAlias) -> dict[str, Any]:
    return {"id": alias.id, "name": alias.name, "alias": alias.alias, "created_at": alias.created_at}


def list_aliases(session: Session, org_id: int, page: int, per_page: int) -> tuple[list[ServicerAlias], int]:
    query = select(ServicerAlias).where(ServicerAlias.org_id == org_id).order_by(ServicerAlias.name, ServicerAlias.id)
    return paginate(session, query, page, per_page)


def all_alias_pairs(session: Session, org_id: int) -> list[tuple[str, str]]:
    return [(a.name, a.alias) for a in session.scalars(select(ServicerAlias).where(ServicerAlias.org_id == org_id))]


def add_alias(session: Session, caller: Caller, data: dict[str, Any]) -> ServicerAlias:
    require(caller, is_org_admin, ALIAS_TABLE)
    if set(organisation_keys(data["name"])) & set(organisation_keys(data["alias"])):
        raise validation_error({"alias": ["The matcher already takes these for one name."]})
    duplicate = session.scalar(
        select(ServicerAlias.id).where(
            ServicerAlias.org_id == caller.org_id,
            ServicerAlias.name == data["name"],
            ServicerAlias.alias == data["alias"],
        )
    )
    if duplicate is not None:
        raise Problem(409, f"That alias is in the table already (id {duplicate}).")
    alias = ServicerAlias(org_id=caller.org_id, name=data["name"], alias=data["alias"], created_by_id=caller.user_id)
    session.add(alias)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "servicer_alias",
        alias.id,
        org_id=caller.org_id,
        case_id=None,
        after={"name": alias.name, "alias": alias.alias},
    )
    return alias


def get_alias(session: Session, org_id: int, alias_id: int) -> ServicerAlias:
    alias = session.scalars(
        select(ServicerAlias).where(ServicerAlias.id == alias_id, ServicerAlias.org_id == org_id)
    ).one_or_none()
    if alias is None:
        raise Problem(404, f"No servicer alias {alias_id}.")
    return alias


def delete_alias(session: Session, caller: Caller, alias: ServicerAlias) -> None:
    require(caller, is_org_admin, ALIAS_TABLE)
    audit.record(
        session,
        caller,
        "delete",
        "servicer_alias",
        alias.id,
        org_id=caller.org_id,
        case_id=None,
        before={"name": alias.name, "alias": alias.alias},
        after=None,
    )
    session.delete(alias)
    session.flush()


# ------------------------------------------------------------------------------------ marked conflicts


def conflict_document(conflict: CaseConflict) -> dict[str, Any]:
    return {
        name: getattr(conflict, name)
        for name in (
            "id",
            "case_id",
            "kind",
            "party_ids",
            "conflict_check_id",
            "description",
            "status",
            "created_by_id",
            "waived_by_id",
            "waived_at",
            "waiver_reason",
            "created_at",
            "updated_at",
        )
    }


def _conflict_audit(conflict: CaseConflict) -> dict[str, Any]:
    return {
        "kind": conflict.kind,
        "party_ids": list(conflict.party_ids),
        "description": conflict.description,
        "status": conflict.status,
        "waived_by": conflict.waived_by_id,
        "waiver_reason": conflict.waiver_reason,
        "conflict_check_id": conflict.conflict_check_id,
    }


def list_conflicts(session: Session, case: Case, page: int, per_page: int) -> tuple[list[CaseConflict], int]:
    query = select(CaseConflict).where(CaseConflict.case_id == case.id, CaseConflict.org_id == case.org_id)
    return paginate(session, query.order_by(CaseConflict.id), page, per_page)


def get_conflict(session: Session, org_id: int, conflict_id: int) -> CaseConflict:
    conflict = session.scalars(
        select(CaseConflict)
        .join(Case, Case.id == CaseConflict.case_id)
        .where(CaseConflict.id == conflict_id, CaseConflict.org_id == org_id, Case.deleted_at.is_(None))
    ).one_or_none()
    if conflict is None:
        raise Problem(404, f"No conflict {conflict_id}.")
    return conflict


def mark_conflict(session: Session, caller: Caller, case: Case, data: dict[str, Any]) -> CaseConflict:
    """Mark a conflict on the case: between co-borrowers (divorce, a borrower deceased), with a party of
    another case (a conflict check's finding), or other."""
    errors: dict[str, list[str]] = {}
    party_ids = list(dict.fromkeys(data.get("party_ids") or []))
    parties = {
        p.id: p
        for p in session.scalars(
            select(Party).where(
                Party.id.in_(party_ids),
                Party.case_id == case.id,
                Party.org_id == case.org_id,
                Party.deleted_at.is_(None),
            )
        )
    }
    unknown = [i for i in party_ids if i not in parties]
    if unknown:
        errors["party_ids"] = [f"No party {', '.join(map(str, unknown))} on this case."]
    elif data["kind"] == "co_borrower":
        if len(party_ids) < 2 or any(parties[i].role not in OUR_ROLES for i in party_ids):
            errors["party_ids"] = ["A conflict between co-borrowers names at least two of the case's borrowers."]
    check_id = data.get("conflict_check_id")
    if (
        check_id is not None
        and session.scalar(
            select(ConflictCheck.id).where(ConflictCheck.id == check_id, ConflictCheck.org_id == case.org_id)
        )
        is None
    ):
        errors["conflict_check_id"] = [f"No conflict check {check_id}."]
    if errors:
        raise validation_error(errors)
    conflict = CaseConflict(
        org_id=case.org_id,
        case_id=case.id,
        kind=data["kind"],
        party_ids=party_ids,
        conflict_check_id=check_id,
        description=data["description"],
        status="open",
        created_by_id=caller.user_id,
    )
    session.add(conflict)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "conflict",
        conflict.id,
        org_id=case.org_id,
        case_id=case.id,
        after=_conflict_audit(conflict),
    )
    return conflict


def update_conflict(session: Session, caller: Caller, conflict: CaseConflict, data: dict[str, Any]) -> CaseConflict:
    """Waive (the office goes ahead: who and why are recorded, in the audit too), resolve or reopen."""
    status = data.get("status", conflict.status)
    if status == "waived" and not (data.get("waiver_reason") or "").strip():
        raise validation_error(
            {"waiver_reason": ["Say why the conflict is waived (e.g. informed consent, confirmed in writing)."]}
        )
    before = _conflict_audit(conflict)
    if "description" in data:
        conflict.description = data["description"]
    if status != conflict.status:
        conflict.status = status
        if status == "waived":
            conflict.waived_by_id, conflict.waived_at = caller.user_id, utcnow()
            conflict.waiver_reason = data["waiver_reason"].strip()
        else:
            conflict.waived_by_id, conflict.waived_at = None, None
            conflict.waiver_reason = None
    elif status == "waived" and "waiver_reason" in data:
        conflict.waiver_reason = data["waiver_reason"].strip()
    session.flush()
    audit.record(
        session,
        caller,
        "waive" if conflict.status == "waived" and before["status"] != "waived" else "update",
        "conflict",
        conflict.id,
        org_id=conflict.org_id,
        case_id=conflict.case_id,
        before=before,
        after=_conflict_audit(conflict),
    )
    return conflict
