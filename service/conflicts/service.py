"""Running and recording conflict checks against the organisation's parties.

The database narrows the organisation's parties to candidates by indexed keys (same e-mail, same phone,
same name key, same last name, a name key in the same servicer alias group, and close spellings: the
trigram index on PostgreSQL, a prefix range elsewhere); the matcher (matching.py) then decides and explains."""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import and_, cast as sa_cast, func, or_, select, text
from sqlalchemy.orm import Session

from models import Case
from models.intake import PARTY_SIDES, ConflictCheck, Party
from service import audit
from service.auth import Caller
from service.conflicts.matching import AliasBook, PartyName, compare, looks_like_organisation
from service.db import paginate
from service.errors import Problem, validation_error
from service.parties.keys import party_keys
from service.parties.service import ORGANISATION_ROLES, all_alias_pairs, default_side

CANDIDATES_PER_LOOKUP = 1000
MATCHES_PER_PARTY = 200
PREFIX_LENGTH = 4  # SQLite's stand-in for the trigram index: "Gonzales" finds "Gonzalez"
TRIGRAM_THRESHOLD = 0.5


def prospective_party(data: dict[str, Any]) -> dict[str, Any]:
    """A prospective party with its organisation flag settled (given, else guessed from role and name)."""
    is_organisation = data.get("is_organisation")
    if is_organisation is None:
        is_organisation = data["role"] in ORGANISATION_ROLES or looks_like_organisation(data["name"])
    return {
        "name": data["name"],
        "role": data["role"],
        "is_organisation": bool(is_organisation),
        "email": data.get("email"),
        "phone": data.get("phone"),
    }


def _lookups(session: Session, org_id: int, party: dict[str, Any], aliases: AliasBook) -> list:
    """The indexed conditions that find this party's candidates."""
    from service.conflicts.matching import name_family, organisation_keys, person_parts

    keys = party_keys(party["name"], party["is_organisation"], party["email"], party["phone"])
    postgresql = session.get_bind().dialect.name == "postgresql"
    in_org = Party.org_id == org_id
    lookups = []  # (condition, read one side at a time)
    if keys["email_key"]:
        lookups.append((and_(in_org, Party.email_key == keys["email_key"]), False))
    if keys["phone_key"]:
        lookups.append((and_(in_org, Party.phone_key == keys["phone_key"]), False))
    spelled: list[str] = []
    if party["is_organisation"]:
        org_keys = set(organisation_keys(party["name"]))
        org_keys |= aliases.keys_like(org_keys)
        if org_keys:
            lookups.append((and_(in_org, Party.name_key.in_(sorted(org_keys))), True))
        spelled = sorted(organisation_keys(party["name"]))
    else:
        first, last = person_parts(party["name"])
        if first and last:
            # The same name, and each form of the first name ("robert smith": "smith bob", "smith rob", ...).
            forms = sorted(f"{last} {f}" for f in name_family(first) | {first})
            lookups.append((and_(in_org, Party.name_key.in_(forms)), True))
            # The same last name and first initial (initials, close spellings of the first name).
            prefix = f"{last} {first[:1]}"
            lookups.append((and_(in_org, Party.name_key >= prefix, Party.name_key < prefix + "\U0010ffff"), True))
            spelled = [keys["name_key"]]
    for key in spelled:
        if postgresql:
            # The trigram index: close spellings. One query for all sides: split by side with a LIMIT, the
            # planner would rather scan the table than the index.
            lookups.append((and_(in_org, Party.name_key.op("%")(key)), False))
        else:
            prefix = key[:PREFIX_LENGTH]  # elsewhere: close spellings that share the first letters
            if len(prefix) == PREFIX_LENGTH:
                lookups.append((and_(in_org, Party.name_key >= prefix, Party.name_key < prefix + "\U0010ffff"), True))
    return lookups


CANDIDATE_COLUMNS = (
    Party.id,
    Party.case_id,
    Party.name,
    Party.role,
    Party.side,
    Party.is_organisation,
    Party.email,
    Party.phone,
)


def find_matches(
    session: Session,
    org_id: int,
    parties: Iterable[dict[str, Any]],
    *,
    exclude_case_id: int | None = None,
    aliases: AliasBook | None = None,
) -> list[dict[str, Any]]:
    """Every existing party of the organisation's cases (closed ones too; not deleted ones) that may be one
    of `parties`: those on the opposite side first, then the strongest; at most MATCHES_PER_PARTY each."""
    aliases = aliases if aliases is not None else AliasBook.from_pairs(all_alias_pairs(session, org_id))
    matches: list[dict[str, Any]] = []
    if session.get_bind().dialect.name == "postgresql":
        # Trigram similarity of at least 0.5 before the matcher decides (its own bar is higher): fewer rows
        # to read than pg_trgm's default 0.3. SET LOCAL: this transaction only.
        session.execute(text(f"SET LOCAL pg_trgm.similarity_threshold = {TRIGRAM_THRESHOLD}"))
        # psycopg prepares a statement run five times; PostgreSQL's generic plan for it then ignores the
        # actual name and scans the table. Plan each lookup for its own values.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    for prospective in parties:
        side = default_side(prospective["role"])
        wanted = PartyName(
            prospective["name"], prospective["is_organisation"], prospective["email"], prospective["phone"]
        )
        seen: set[int] = set()
        found: list[dict[str, Any]] = []
        verdicts: dict[tuple, Any] = {}  # one servicer on 5,000 cases is compared once
        queries = []
        for where, by_side in _lookups(session, org_id, prospective, aliases):
            query = (
                select(*CANDIDATE_COLUMNS)
                .join(Case, Case.id == Party.case_id)
                .where(where, Party.deleted_at.is_(None), Case.deleted_at.is_(None))
            )
            if exclude_case_id is not None:
                query = query.where(Party.case_id != exclude_case_id)
            if not by_side:  # an e-mail or a phone number: a handful of rows, by its own index
                queries.append(query.limit(CANDIDATES_PER_LOOKUP))
                continue
            # One side at a time, each read by the (org_id, side, name_key) index: the other sides (where
            # conflicts are) in full, the same side (a servicer adverse on thousands of cases) only as far as
            # the answer can show it.
            for each_side in PARTY_SIDES:
                limit = MATCHES_PER_PARTY if each_side == side else CANDIDATES_PER_LOOKUP
                queries.append(query.where(Party.side == each_side).limit(limit))
        for query in queries:
            for party_id, case_id, name, role, existing_side, is_organisation, email, phone in session.execute(query):
                if party_id in seen:
                    continue
                seen.add(party_id)
                signature = (name, is_organisation, email, phone)
                if signature not in verdicts:
                    verdicts[signature] = compare(wanted, PartyName(*signature), aliases)
                match = verdicts[signature]
                if match is None:
                    continue
                found.append(
                    {
                        "case_id": case_id,
                        "party": {"id": party_id, "name": name, "role": role, "side": existing_side},
                        "prospective": {"name": prospective["name"], "role": prospective["role"]},
                        "relation": _relation(side, existing_side),
                        "reason": match.reason,
                        "score": match.score,
                    }
                )
        found.sort(key=lambda m: (m["relation"] != "opposed", -m["score"], -m["case_id"], m["party"]["id"]))
        matches.extend(found[:MATCHES_PER_PARTY])
    return matches


def _relation(prospective_side: str, existing_side: str) -> str:
    """opposed: one is (or would be) our client and the other adverse: the conflict Rule 1.7 is about."""
    if {prospective_side, existing_side} == {"ours", "adverse"}:
        return "opposed"
    return "same_side" if prospective_side == existing_side else "other"


def _check_case(session: Session, org_id: int, case_id: int | None) -> None:
    if case_id is None:
        return
    exists = session.scalar(select(Case.id).where(Case.id == case_id, Case.org_id == org_id, Case.deleted_at.is_(None)))
    if exists is None:
        raise validation_error({"case_id": [f"No case {case_id}."]})


def run_check(session: Session, caller: Caller, data: dict[str, Any]) -> ConflictCheck:
    parties = [prospective_party(p) for p in data["parties"]]
    case_id = data.get("case_id")
    _check_case(session, caller.org_id, case_id)
    matches = find_matches(session, caller.org_id, parties, exclude_case_id=case_id)
    check = ConflictCheck(
        org_id=caller.org_id, ran_by_id=caller.user_id, case_id=case_id, parties=parties, matches=matches
    )
    session.add(check)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "conflict_check",
        check.id,
        org_id=caller.org_id,
        case_id=case_id,
        after={"parties": [p["name"] for p in parties], "matches": len(matches)},
    )
    return check


def attach_check(session: Session, caller: Caller, check: ConflictCheck, data: dict[str, Any]) -> ConflictCheck:
    """File a check run before the case existed under the case it was run for."""
    _check_case(session, caller.org_id, data["case_id"])
    if check.case_id is not None and check.case_id != data["case_id"]:
        raise Problem(409, f"The check is filed under case {check.case_id} already.")
    before = {"case_id": check.case_id}
    check.case_id = data["case_id"]
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "conflict_check",
        check.id,
        org_id=caller.org_id,
        case_id=check.case_id,
        before=before,
        after={"case_id": check.case_id},
    )
    return check


def get_check(session: Session, org_id: int, check_id: int) -> ConflictCheck:
    check = session.scalars(
        select(ConflictCheck).where(ConflictCheck.id == check_id, ConflictCheck.org_id == org_id)
    ).one_or_none()
    if check is None:
        raise Problem(404, f"No conflict check {check_id}.")
    return check


def list_checks(
    session: Session, org_id: int, page: int, per_page: int, case_id: int | None = None
) -> tuple[list[ConflictCheck], int]:
    query = select(ConflictCheck).where(ConflictCheck.org_id == org_id)
    if case_id is not None:
        query = query.where(ConflictCheck.case_id == case_id)
    return paginate(session, query.order_by(ConflictCheck.id.desc()), page, per_page)


def checks_touching_case(
    session: Session, org_id: int, case_id: int, limit: int = 20
) -> tuple[list[ConflictCheck], int]:
    """The checks filed under the case, and those run for other cases or intakes that matched one of its
    parties; newest first (at most `limit`), with their number."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        found_it = ConflictCheck.matches.op("@>")(sa_cast([{"case_id": case_id}], JSONB))
    else:  # SQLite: the JSON1 functions
        found_it = text(
            "EXISTS (SELECT 1 FROM json_each(conflict_checks.matches) AS m "
            "WHERE json_extract(m.value, '$.case_id') = :touched_case_id)"
        ).bindparams(touched_case_id=case_id)
    where = and_(ConflictCheck.org_id == org_id, or_(ConflictCheck.case_id == case_id, found_it))
    rows = list(session.scalars(select(ConflictCheck).where(where).order_by(ConflictCheck.id.desc()).limit(limit)))
    if len(rows) < limit:  # all of them: their number needs no count
        return rows, len(rows)
    return rows, session.scalar(select(func.count()).select_from(ConflictCheck).where(where)) or 0


def check_document(check: ConflictCheck) -> dict[str, Any]:
    return {
        "id": check.id,
        "ran_at": check.ran_at,
        "ran_by": check.ran_by_id,
        "case_id": check.case_id,
        "parties": check.parties,
        "matches": check.matches,
    }


__all__ = [
    "find_matches",
    "run_check",
    "attach_check",
    "get_check",
    "list_checks",
    "checks_touching_case",
    "check_document",
]
