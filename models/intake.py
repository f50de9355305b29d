"""Intake: the parties on each case, conflict checks, servicer aliases, and spreadsheet imports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from models.base import Base, JSONType, OrgScopedMixin, TimestampMixin, UTCDateTime, utcnow

PARTY_ROLES = (
    "client",
    "co_borrower",
    "servicer",
    "investor",
    "plaintiff",
    "trustee",
    "opposing_counsel",
    "tenant",
    "co_owner",
    "other",
)
PARTY_SIDES = ("ours", "adverse", "other")
LANGUAGES = ("en", "es")
CONFLICT_KINDS = ("co_borrower", "prior_representation", "other")
CONFLICT_STATUSES = ("open", "waived", "resolved")
IMPORT_STATES = ("queued", "checking", "checked", "committing", "committed", "failed")
DATE_ORDERS = ("month_first", "day_first")


class Party(TimestampMixin, OrgScopedMixin, Base):
    """Someone on a case: our client and co-borrowers, the adverse servicer, investor, plaintiff, trustee
    and counsel, and others (a tenant, a co-owner not on the loan).

    `mirrors` names what on the case a party copies ("client", "co_borrower:1", "loan.servicer"): such
    parties follow the case (service/parties/service.py, sync_case_parties); others are entered by hand.
    The *_key columns are the matcher's keys (service/conflicts/matching.py), for indexed lookups."""

    __tablename__ = "parties"
    __table_args__ = (
        # Candidates are read one side at a time (the other sides in full, the same side only a little).
        Index("ix_parties_org_id_side_name_key", "org_id", "side", "name_key"),
        Index("ix_parties_org_id_email_key", "org_id", "email_key"),
        Index("ix_parties_org_id_phone_key", "org_id", "phone_key"),
        Index("ix_parties_case_id_mirrors", "case_id", "mirrors"),
        # Close spellings: a trigram index answers `name_key % :key` without reading every party (PostgreSQL).
        Index(
            "ix_parties_name_key_trgm", "name_key", postgresql_using="gin", postgresql_ops={"name_key": "gin_trgm_ops"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    side: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    is_organisation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(500))
    preferred_language: Mapped[str | None] = mapped_column(String(2))
    mirrors: Mapped[str | None] = mapped_column(String(40))
    name_key: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    email_key: Mapped[str | None] = mapped_column(String(254))
    phone_key: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ServicerAlias(TimestampMixin, OrgScopedMixin, Base):
    """Two names of one servicer (trade names, successors after a transfer); admins keep the table."""

    __tablename__ = "servicer_aliases"
    __table_args__ = (UniqueConstraint("org_id", "name", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    alias: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ConflictCheck(OrgScopedMixin, Base):
    """One conflict check: who ran it, when, on which prospective parties (and for which case, once known),
    and what it found. Kept as run: later changes to parties do not rewrite it."""

    __tablename__ = "conflict_checks"
    __table_args__ = (Index("ix_conflict_checks_org_id_case_id", "org_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    ran_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    parties: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    matches: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)


class CaseConflict(TimestampMixin, OrgScopedMixin, Base):
    """A conflict marked on a case: between its co-borrowers (divorce, a borrower deceased), or with a
    party of another case; waived (who, when, why) when the office goes ahead."""

    __tablename__ = "case_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    party_ids: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    conflict_check_id: Mapped[int | None] = mapped_column(ForeignKey("conflict_checks.id"))
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    waiver_reason: Mapped[str | None] = mapped_column(Text)


class IntakeSettings(TimestampMixin, Base):
    """Per-organisation intake settings: how an ambiguous date like 03/04/2026 is read."""

    __tablename__ = "intake_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    date_order: Mapped[str] = mapped_column(String(20), nullable=False, default="month_first")


class Import(TimestampMixin, OrgScopedMixin, Base):
    """A spreadsheet brought in: the file itself, its mapping, the dry run's findings, and the commit's
    progress. The row is the truth: a worker that dies leaves the state where it was, and the task run
    again goes on from there (rows already created are known by their keys in import_rows)."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_state_updated_at", "state", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    file_format: Mapped[str] = mapped_column(String(10), nullable=False)  # csv, xlsx
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    mapping_guessed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    id_column: Mapped[str | None] = mapped_column(String(200))
    date_order: Mapped[str] = mapped_column(String(20), nullable=False, default="month_first")
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # percent of the current phase
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_valid: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_invalid: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # [{row, column, message}]: the dry run's per-column errors, then any failure at commit.
    errors: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    # [{row, key, action (create, skip, invalid), warnings, duplicates, conflicts}], from the dry run.
    preview: Mapped[list[Any]] = deferred(mapped_column(JSONType, nullable=False, default=list))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))


class ImportRow(OrgScopedMixin, Base):
    """One spreadsheet row made into a case, known by its key (the chosen id column's value, or a hash of
    the row's content): written in the same transaction as the case, so a row is never created twice."""

    __tablename__ = "import_rows"
    __table_args__ = (UniqueConstraint("org_id", "row_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), nullable=False, index=True)
    row_number: Mapped[int] = mapped_column(Integer, nullable=False)
    row_key: Mapped[str] = mapped_column(String(300), nullable=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ImportMapping(TimestampMixin, OrgScopedMixin, Base):
    """A column mapping an administrator saved under a name ({column header: field}), to pick in the wizard
    when the same spreadsheet layout comes again (a referral partner's monthly export)."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
