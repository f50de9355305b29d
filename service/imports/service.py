"""Imports: accept a file (refusing bad ones at once), check it in a worker (the dry run: nothing written),
then commit it in batches, each row becoming a case exactly as POST /api/v1/cases, /events and /deadlines
would make it. The import row is the truth: its state says what is left to do, a lease says who is doing
it, and rows already made into cases are known by their keys (import_rows), so a task run twice, or again
after its worker died, creates nothing twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any, Callable, Iterator

import marshmallow as ma
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Organization, User
from models.base import utcnow
from models.intake import Import, ImportMapping, ImportRow, IntakeSettings
from service import permissions
from service import audit
from service.auth import Caller
from service.db import paginate
from service.errors import Problem, flatten_messages, validation_error
from service.imports.mapping import ParsedRow, check_mapping, column_for, guess_mapping, is_field, parse_row
from service.imports.reading import ImportRefused, Table, read_table

log = logging.getLogger(__name__)

BATCH_SIZE = 100  # one transaction each: short enough that the API's writes never wait long on SQLite
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
DUPLICATE_SCORE = 0.9  # a row whose client matches an existing client this closely is a possible duplicate
PREVIEW_LIMIT = 10_000  # rows kept in the stored preview


# ------------------------------------------------------------------------------------------ settings


def date_order_of(session: Session, org_id: int) -> str:
    settings = session.get(IntakeSettings, org_id)
    return settings.date_order if settings else "month_first"


def set_date_order(session: Session, caller: Caller, date_order: str) -> IntakeSettings:
    settings = session.get(IntakeSettings, caller.org_id)
    before = {"date_order": settings.date_order if settings else "month_first"}
    if settings is None:
        settings = IntakeSettings(org_id=caller.org_id, date_order=date_order)
        session.add(settings)
    settings.date_order = date_order
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "intake_settings",
        caller.org_id,
        org_id=caller.org_id,
        case_id=None,
        before=before,
        after={"date_order": date_order},
    )
    return settings


# ----------------------------------------------------------------------------------- saved mappings


def mapping_document(row: ImportMapping) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "mapping": row.mapping,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def list_mappings(session: Session, org_id: int, page: int = 1, per_page: int = 100) -> tuple[list[ImportMapping], int]:
    query = select(ImportMapping).where(ImportMapping.org_id == org_id).order_by(ImportMapping.name, ImportMapping.id)
    return paginate(session, query, page, per_page)


def get_mapping(session: Session, org_id: int, mapping_id: int) -> ImportMapping:
    row = session.scalars(
        select(ImportMapping).where(ImportMapping.id == mapping_id, ImportMapping.org_id == org_id)
    ).one_or_none()
    if row is None:
        raise Problem(404, f"No import mapping {mapping_id}.")
    return row


def save_mapping(session: Session, caller: Caller, name: str, mapping: dict[str, str]) -> ImportMapping:
    """Save a column mapping under a name (administrators). Its fields are checked now; its columns are
    checked against each file it is used with."""
    permissions.require(caller, permissions.can_change_org_settings, "save an import mapping")
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the mapping a name."]
    if not mapping:
        errors["mapping"] = ["Map at least one column."]
    for column, field_name in mapping.items():
        if not is_field(field_name):
            errors[f"mapping.{column}"] = [f"Unknown field {field_name!r}."]
    fields = list(mapping.values())
    for field_name in {f for f in fields if fields.count(f) > 1}:
        errors.setdefault("mapping", []).append(f"Field {field_name} is mapped from more than one column.")
    if errors:
        raise validation_error(errors)
    duplicate = session.scalar(
        select(ImportMapping.id).where(ImportMapping.org_id == caller.org_id, ImportMapping.name == name)
    )
    if duplicate is not None:
        raise Problem(409, f"A mapping named \"{name}\" exists already (id {duplicate}).")
    row = ImportMapping(org_id=caller.org_id, name=name, mapping=dict(mapping), created_by_id=caller.user_id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "import_mapping",
        row.id,
        org_id=caller.org_id,
        case_id=None,
        after={"name": name, "mapping": dict(mapping)},
    )
    return row


def rename_mapping(session: Session, caller: Caller, row: ImportMapping, name: str) -> ImportMapping:
    """Give a saved mapping another name (administrators); names stay unique in the organisation (409)."""
    permissions.require(caller, permissions.can_change_org_settings, "rename an import mapping")
    name = name.strip()
    if not name:
        raise validation_error({"name": ["Give the mapping a name."]})
    duplicate = session.scalar(
        select(ImportMapping.id).where(
            ImportMapping.org_id == row.org_id, ImportMapping.name == name, ImportMapping.id != row.id
        )
    )
    if duplicate is not None:
        raise Problem(409, f"A mapping named \"{name}\" exists already (id {duplicate}).")
    before = {"name": row.name}
    row.name = name
    session.flush()
    audit.record(
        session,
        caller,
        "update",
        "import_mapping",
        row.id,
        org_id=row.org_id,
        case_id=None,
        before=before,
        after={"name": name},
    )
    return row


def delete_mapping(session: Session, caller: Caller, row: ImportMapping) -> None:
    """Remove a saved mapping (administrators). Imports made with it keep their own copy of the mapping."""
    permissions.require(caller, permissions.can_change_org_settings, "remove an import mapping")
    audit.record(
        session,
        caller,
        "delete",
        "import_mapping",
        row.id,
        org_id=row.org_id,
        case_id=None,
        before={"name": row.name, "mapping": dict(row.mapping)},
    )
    session.delete(row)
    session.flush()


# ------------------------------------------------------------------------------------------- accept


def create_import(
    session: Session,
    caller: Caller,
    content: bytes,
    filename: str,
    mapping: dict | None,
    date_order: str | None = None,
    reuse_mapping_of: int | None = None,
) -> Import:
    """Refuse a bad file or mapping now (nothing is stored); otherwise store the import, queued for its dry run."""
    try:
        table = read_table(content, filename)
    except ImportRefused as refused:
        if refused.status == 413:
            raise Problem(413, refused.message) from None
        raise validation_error({refused.field: [refused.message]}, refused.message) from None
    guessed = False
    if reuse_mapping_of is not None:
        previous = session.scalars(
            select(Import).where(Import.id == reuse_mapping_of, Import.org_id == caller.org_id)
        ).one_or_none()
        if previous is None:
            raise validation_error({"reuse_mapping_of": [f"No import {reuse_mapping_of}."]})
        mapping = dict(previous.mapping)
    if mapping is None:
        mapping, guessed = guess_mapping(table.headers), True
    errors = check_mapping(mapping, table.headers)
    if errors:
        hint = "" if not guessed else " (the mapping was guessed from the headers: send one)"
        raise validation_error(errors, "The mapping does not fit the file" + hint + ".")
    row = Import(
        org_id=caller.org_id,
        created_by_id=caller.user_id,
        state="queued",
        filename=(filename or "upload")[:200],
        file_format=table.file_format,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        mapping=mapping,
        mapping_guessed=guessed,
        id_column=next((c for c, n in mapping.items() if n == "key"), None),
        date_order=date_order or date_order_of(session, caller.org_id),
        rows_total=len(table.rows),
        errors=[],
        preview=[],
        content=content,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        caller,
        "create",
        "import",
        row.id,
        org_id=caller.org_id,
        case_id=None,
        after={"filename": row.filename, "sha256": row.sha256, "rows": row.rows_total, "mapping": mapping},
    )
    return row


def get_import(session: Session, org_id: int, import_id: int) -> Import:
    row = session.scalars(select(Import).where(Import.id == import_id, Import.org_id == org_id)).one_or_none()
    if row is None:
        raise Problem(404, f"No import {import_id}.")
    return row


def list_imports(session: Session, org_id: int, page: int, per_page: int) -> tuple[list[Import], int]:
    return paginate(session, select(Import).where(Import.org_id == org_id).order_by(Import.id.desc()), page, per_page)


def import_document(row: Import, *, with_preview: bool = False) -> dict[str, Any]:
    document = {
        "id": row.id,
        "state": row.state,
        "filename": row.filename,
        "format": row.file_format,
        "sha256": row.sha256,
        "size": row.size,
        "mapping": row.mapping,
        "mapping_guessed": row.mapping_guessed,
        "date_order": row.date_order,
        "progress": row.progress,
        "rows": {
            "total": row.rows_total,
            "valid": row.rows_valid,
            "invalid": row.rows_invalid,
            "duplicates": row.rows_duplicates,
            "created": row.rows_created,
            "skipped": row.rows_skipped,
            "failed": row.rows_failed,
        },
        "errors": row.errors,
        "error": row.error,
        "url": f"/api/v1/imports/{row.id}",
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    if with_preview:
        document["preview"] = row.preview
    return document


def request_commit(session: Session, caller: Caller, row: Import) -> Import:
    if row.state in ("committing", "committed"):
        return row  # asked twice: the same answer
    if row.state != "checked":
        raise Problem(409, f"The import is {row.state}: it can be committed once its dry run is checked.")
    if row.rows_valid == 0:
        raise Problem(409, "No row passed the dry run: fix the file and import it again.")
    session.execute(
        update(Import)
        .where(Import.id == row.id, Import.state == "checked")
        .values(state="committing", progress=0, lease_expires_at=None, attempts=0, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        caller,
        "commit",
        "import",
        row.id,
        org_id=row.org_id,
        case_id=None,
        before={"state": "checked"},
        after={"state": "committing"},
    )
    session.flush()
    session.refresh(row)
    return row


# ---------------------------------------------------------------------------------------- the work


def _claim(session: Session, import_id: int, now: dt.datetime) -> str | None:
    """Compare-and-set: queued -> checking; checking or committing nobody holds (no lease, or an expired one)
    -> the same state with a fresh lease. Returns the state claimed, or None."""
    row = session.get(Import, import_id, populate_existing=True)
    if row is None:
        return None
    free = or_(Import.lease_expires_at.is_(None), Import.lease_expires_at < now)
    claimable = or_(Import.state == "queued", and_(Import.state.in_(("checking", "committing")), free))
    target = "checking" if row.state in ("queued", "checking") else "committing"
    result = session.execute(
        update(Import)
        .where(Import.id == import_id, claimable, Import.attempts < MAX_ATTEMPTS)
        .values(state=target, attempts=Import.attempts + 1, lease_expires_at=now + LEASE, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        stuck = session.get(Import, import_id, populate_existing=True)
        if (
            stuck is not None
            and stuck.state in ("checking", "committing")
            and stuck.attempts >= MAX_ATTEMPTS
            and (stuck.lease_expires_at is None or stuck.lease_expires_at < now)
        ):
            stuck.state, stuck.error = "failed", f"Gave up after {MAX_ATTEMPTS} attempts (a worker died each time)."
            session.commit()
        return None
    session.commit()
    return target


def process_import(session: Session, import_id: int, now: dt.datetime | None = None) -> Import | None:
    """The worker's task body: run the dry run or the commit, whichever the state asks. Idempotent."""
    state = _claim(session, import_id, now or utcnow())
    if state is None:
        return None
    row = session.get(Import, import_id, populate_existing=True)
    try:
        if state == "checking":
            dry_run(session, row)
        else:
            commit_rows(session, row)
    except Exception as error:  # noqa: BLE001 - recorded with its reason
        session.rollback()
        log.exception("import %s failed", import_id)
        row = session.get(Import, import_id, populate_existing=True)
        row.state, row.error, row.lease_expires_at = "failed", f"{type(error).__name__}: {error}", None
        session.commit()
    return session.get(Import, import_id, populate_existing=True)


def _caller_for(session: Session, row: Import) -> Caller:
    org = session.get(Organization, row.org_id)
    user = session.get(User, row.created_by_id) if row.created_by_id else None
    if user is None:  # the CLI: the system acts
        return Caller(
            user_id=None,
            org_id=row.org_id,
            role="admin",
            email="forestall import",  # type: ignore[arg-type]
            timezone=org.timezone,
        )
    return Caller(user_id=user.id, org_id=row.org_id, role=user.role, email=user.email, timezone=org.timezone)


def table_of(session: Session, row: Import) -> Table:
    content = session.scalar(select(Import.content).where(Import.id == row.id))
    return read_table(content, row.filename)


def _parsed_rows(table: Table, row: Import) -> Iterator[ParsedRow]:
    for number, cells in enumerate(table.rows, start=2):
        yield parse_row(number, cells, table.headers, row.mapping, row.date_order)


def validate_row(parsed: ParsedRow, mapping: dict[str, str], today: dt.date) -> None:
    """Add to parsed.errors, by column, what POST /api/v1/cases and /events would refuse."""
    from service.cases.schemas import CaseCreateSchema
    from service.events.service import _check_date

    try:
        CaseCreateSchema().load(parsed.body)
    except ma.ValidationError as error:
        for name, messages in flatten_messages(error.messages).items():
            column = column_for(name, mapping) or next(iter(mapping))
            parsed.errors.setdefault(column, []).extend(
                f"{name}: {m}" if column_for(name, mapping) is None else m for m in messages
            )
    for event in parsed.events:
        try:
            _check_date(event["type"], event["occurred_on"], today)
        except Problem as problem:
            for messages in (problem.errors or {"": [problem.detail]}).values():
                parsed.errors.setdefault(event["column"], []).extend(messages)


def _existing_keys(session: Session, org_id: int, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            session.execute(
                select(ImportRow.row_key, ImportRow.case_id).where(
                    ImportRow.org_id == org_id, ImportRow.row_key.in_(chunk)
                )
            )
            .tuples()
            .all()
        )
    return found


def _progress(session: Session, row: Import, percent: int) -> None:
    session.execute(
        update(Import)
        .where(Import.id == row.id)
        .values(progress=percent, updated_at=utcnow(), lease_expires_at=utcnow() + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def dry_run(session: Session, row: Import, progress: Callable[[Session, Import, int], None] = _progress) -> Import:
    """Check every row and record what a commit would do; write nothing but the import's own findings."""
    from service.conflicts.matching import AliasBook
    from service.conflicts.service import find_matches
    from service.parties.service import all_alias_pairs
    from service.rulebook import local_today

    caller = _caller_for(session, row)
    today = local_today(caller.timezone)
    table = table_of(session, row)
    parsed_rows = list(_parsed_rows(table, row))
    existing = _existing_keys(session, row.org_id, [p.key for p in parsed_rows])
    aliases = AliasBook.from_pairs(all_alias_pairs(session, row.org_id))
    seen: dict[str, int] = {}
    known_matches: dict[tuple, list[dict[str, Any]]] = {}
    errors: list[dict[str, Any]] = []
    preview: list[dict[str, Any]] = []
    valid = invalid = duplicates = 0
    for index, parsed in enumerate(parsed_rows):
        validate_row(parsed, row.mapping, today)
        entry: dict[str, Any] = {
            "row": parsed.number,
            "key": parsed.key,
            "warnings": [],
            "duplicates": [],
            "conflicts": [],
        }
        for column, messages in parsed.warnings.items():
            entry["warnings"] += [{"column": column, "message": m} for m in messages]
        if parsed.errors:
            invalid += 1
            entry["action"] = "invalid"
            for column, messages in parsed.errors.items():
                errors += [{"row": parsed.number, "column": column, "message": m} for m in messages]
        elif parsed.key in existing:
            duplicates += 1
            entry["action"] = "skip"
            entry["duplicates"].append({"case_id": existing[parsed.key], "reason": "this row was imported before"})
        elif parsed.key in seen:
            duplicates += 1
            entry["action"] = "skip"
            entry["duplicates"].append({"row": seen[parsed.key], "reason": "the same row appears earlier in the file"})
        else:
            valid += 1
            entry["action"] = "create"
            seen[parsed.key] = parsed.number
            found = []
            for prospective in _prospective_parties(parsed.body):
                signature = tuple(sorted(prospective.items()))
                if signature not in known_matches:  # one servicer on many rows is looked up once
                    known_matches[signature] = find_matches(session, row.org_id, [prospective], aliases=aliases)
                found += known_matches[signature]
            for match in found:
                summary = {
                    "case_id": match["case_id"],
                    "party": match["party"],
                    "prospective": match["prospective"],
                    "reason": match["reason"],
                    "score": match["score"],
                }
                if match["relation"] == "opposed":
                    entry["conflicts"].append(summary)
                elif (
                    match["relation"] == "same_side"
                    and match["score"] >= DUPLICATE_SCORE
                    and match["party"]["role"] == "client"
                    and match["prospective"]["role"] == "client"
                ):
                    entry["duplicates"].append(summary)
            if entry["duplicates"]:
                duplicates += 1
            entry["would_create"] = _summary(parsed)
        if len(preview) < PREVIEW_LIMIT:
            preview.append(entry)
        if index % BATCH_SIZE == BATCH_SIZE - 1:
            progress(session, row, int(100 * (index + 1) / max(len(parsed_rows), 1)))
    row = session.get(Import, row.id, populate_existing=True)
    row.rows_total, row.rows_valid, row.rows_invalid, row.rows_duplicates = len(parsed_rows), valid, invalid, duplicates
    row.errors, row.preview, row.state, row.progress, row.lease_expires_at = errors, preview, "checked", 100, None
    session.commit()
    return row


def _prospective_parties(body: dict[str, Any]) -> list[dict[str, Any]]:
    parties = []
    for role, person in [("client", body.get("client"))] + [("co_borrower", p) for p in body.get("co_borrowers", [])]:
        if person:
            parties.append(
                {
                    "name": f"{person['first_name']} {person['last_name']}",
                    "role": role,
                    "is_organisation": False,
                    "email": person.get("email"),
                    "phone": person.get("phone"),
                }
            )
    servicer = (body.get("loan") or {}).get("servicer")
    if servicer:
        parties.append({"name": servicer, "role": "servicer", "is_organisation": True, "email": None, "phone": None})
    return parties


def _summary(parsed: ParsedRow) -> dict[str, Any]:
    client = parsed.body.get("client") or {}
    return {
        "client": f"{client.get('first_name', '')} {client.get('last_name', '')}".strip(),
        "state": (parsed.body.get("property") or {}).get("state"),
        "events": [{"type": e["type"], "occurred_on": e["occurred_on"].isoformat()} for e in parsed.events],
        "deadlines": [{"title": d["title"], "due_on": d["due_on"].isoformat()} for d in parsed.deadlines],
    }


def commit_rows(session: Session, row: Import, progress: Callable[[Session, Import, int], None] = _progress) -> Import:
    """Create the valid rows' cases in batches. A row already made into a case (its key is in import_rows,
    by this import or an earlier one) is skipped; each case and its key are written in one transaction."""
    from service.cases.schemas import CaseCreateSchema
    from service.cases.service import create_case
    from service.deadlines.service import add_manual_deadline, recompute_cases
    from service.events.service import add_event
    from service.rulebook import local_today

    caller = _caller_for(session, row)
    today = local_today(caller.timezone)
    table = table_of(session, row)
    parsed_rows = list(_parsed_rows(table, row))
    failures: list[dict[str, Any]] = [e for e in row.errors if e.get("phase") != "commit"]
    done_here: set[str] = set()
    for start in range(0, len(parsed_rows), BATCH_SIZE):
        batch = parsed_rows[start : start + BATCH_SIZE]
        existing = _existing_keys(session, row.org_id, [p.key for p in batch])
        created_cases = []
        for parsed in batch:
            validate_row(parsed, row.mapping, today)
            if parsed.errors or parsed.key in existing or parsed.key in done_here:
                continue
            done_here.add(parsed.key)
            savepoint = session.begin_nested()
            try:
                case = create_case(session, caller, CaseCreateSchema().load(parsed.body))
                # The case's deadlines are computed (and their reminders planned) once, with the batch below.
                for event in parsed.events:
                    add_event(
                        session,
                        caller,
                        case,
                        {"type": event["type"], "occurred_on": event["occurred_on"], "details": event["details"]},
                        recompute=False,
                    )
                for deadline in parsed.deadlines:
                    add_manual_deadline(
                        session,
                        caller,
                        case,
                        {"title": deadline["title"][:200], "due_on": deadline["due_on"]},
                        plan=False,
                    )
                session.add(
                    ImportRow(
                        org_id=row.org_id,
                        import_id=row.id,
                        row_number=parsed.number,
                        row_key=parsed.key,
                        case_id=case.id,
                    )
                )
                savepoint.commit()
                created_cases.append(case)
            except IntegrityError:
                savepoint.rollback()  # another run made this row into a case meanwhile: skipped, not twice
                continue
            except Problem as problem:
                savepoint.rollback()
                for name, messages in (problem.errors or {"": [problem.detail]}).items():
                    column = column_for(name, row.mapping) or ""
                    failures += [
                        {"row": parsed.number, "column": column, "message": m, "phase": "commit"} for m in messages
                    ]
        if created_cases:
            recompute_cases(session, created_cases, lambda _org_id: today)
        session.commit()  # the batch: its cases, their events and deadlines, and their keys
        progress(session, row, int(100 * min(start + BATCH_SIZE, len(parsed_rows)) / max(len(parsed_rows), 1)))
    created = session.scalar(select(func.count()).select_from(ImportRow).where(ImportRow.import_id == row.id)) or 0
    row = session.get(Import, row.id, populate_existing=True)
    failed_rows = {f["row"] for f in failures if f.get("phase") == "commit"}
    row.rows_created, row.rows_failed = created, len(failed_rows)
    row.rows_skipped = max(row.rows_total - row.rows_invalid - created - len(failed_rows), 0)
    row.errors, row.state, row.progress, row.lease_expires_at = failures, "committed", 100, None
    audit.record(
        session,
        caller,
        "update",
        "import",
        row.id,
        org_id=row.org_id,
        case_id=None,
        before={"state": "committing"},
        after={"state": "committed", "created": created},
    )
    session.commit()
    return row


def imports_to_enqueue(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Imports a lost message or a dead worker left behind: queued or committing for a minute with nobody
    holding them, or checking/committing with an expired lease."""
    now = now or utcnow()
    stale = now - dt.timedelta(minutes=1)
    waiting = and_(
        Import.state.in_(("queued", "committing")), Import.lease_expires_at.is_(None), Import.updated_at < stale
    )
    abandoned = and_(Import.state.in_(("checking", "committing")), Import.lease_expires_at < now)
    return list(session.scalars(select(Import.id).where(or_(waiting, abandoned)).order_by(Import.id).limit(100)))


__all__ = [
    "create_import",
    "get_import",
    "list_imports",
    "import_document",
    "request_commit",
    "process_import",
    "dry_run",
    "commit_rows",
    "imports_to_enqueue",
    "date_order_of",
    "set_date_order",
    "mapping_document",
    "list_mappings",
    "get_mapping",
    "save_mapping",
]
