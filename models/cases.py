"""Cases: the client (borrowers), the property, the loan, and the dated events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, Money, OrgScopedMixin, TimestampMixin, UTCDateTime


class Case(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_org_id_stage", "org_id", "stage"),
        Index("ix_cases_org_id_property_state", "org_id", "property_state"),
        # The caseload's sorts (service.cases.service.list_cases): live cases in list order, id breaking ties.
        *(
            Index(
                f"ix_cases_live_org_id_{column}_id",
                "org_id",
                column,
                "id",
                postgresql_where=text("deleted_at IS NULL"),
                sqlite_where=text("deleted_at IS NULL"),
            )
            for column in ("updated_at", "created_at", "client_sort_name")
        ),
        # "My cases, by name": the page is read in index order and the count from the index alone.
        Index(
            "ix_cases_org_id_assigned_to_id_client_sort_name",
            "org_id",
            "assigned_to_id",
            "client_sort_name",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # Counts by stage on the caseload page (and the page's count): read from the index alone.
        Index(
            "ix_cases_live_org_id_stage",
            "org_id",
            "stage",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # `q` is a substring search: a trigram index answers it without reading every case (PostgreSQL).
        Index(
            "ix_cases_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    # Property
    property_street: Mapped[str | None] = mapped_column(String(200))
    property_city: Mapped[str | None] = mapped_column(String(200))
    property_state: Mapped[str] = mapped_column(String(2), nullable=False)
    property_zip: Mapped[str | None] = mapped_column(String(10))
    property_county: Mapped[str | None] = mapped_column(String(200))
    property_occupancy: Mapped[str | None] = mapped_column(String(30))
    property_dwelling_units: Mapped[int | None] = mapped_column(Integer)
    property_acreage: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    # Facts some jurisdiction rules select on (None: not known)
    property_homestead_claimed: Mapped[bool | None] = mapped_column(Boolean)
    property_agricultural_use: Mapped[bool | None] = mapped_column(Boolean)

    # Loan (money: Numeric(12, 2))
    loan_servicer: Mapped[str | None] = mapped_column(String(200))
    loan_investor: Mapped[str | None] = mapped_column(String(20))
    loan_number: Mapped[str | None] = mapped_column(String(200))
    loan_purpose: Mapped[str | None] = mapped_column(String(20))
    loan_lien_position: Mapped[int | None] = mapped_column(Integer)
    loan_unpaid_principal: Mapped[Decimal | None] = mapped_column(Money())
    loan_accrued_interest: Mapped[Decimal | None] = mapped_column(Money())
    loan_fees_and_costs: Mapped[Decimal | None] = mapped_column(Money())
    loan_credits: Mapped[Decimal | None] = mapped_column(Money())
    loan_original_principal: Mapped[Decimal | None] = mapped_column(Money())
    loan_amount_claimed_at_sale: Mapped[Decimal | None] = mapped_column(Money())  # in the notice of sale
    loan_executed_on: Mapped[dt.date | None] = mapped_column(Date)
    loan_deficiency_waived_by_lender: Mapped[bool | None] = mapped_column(Boolean)

    foreclosure_process: Mapped[str | None] = mapped_column(String(20))  # None: the jurisdiction's usual one
    stage: Mapped[str] = mapped_column(String(30), nullable=False, default="intake")
    outcome: Mapped[str | None] = mapped_column(String(30))  # set by a user
    event_outcome: Mapped[str | None] = mapped_column(String(30))  # derived from events (reinstated, ...)
    notes: Mapped[str | None] = mapped_column(Text)

    # Lower-cased names, e-mails, loan number and street: one column for the `q` filter.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    client_sort_name: Mapped[str] = mapped_column(String(401), nullable=False, default="")  # "last first", lower-cased
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Legal-aid closing, for LSC's Case Service Report (set through /cases/{id}/legal-aid-closing).
    lsc_problem_code: Mapped[str | None] = mapped_column(String(4))
    lsc_closing_code: Mapped[str | None] = mapped_column(String(4))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)

    borrowers: Mapped[list["Borrower"]] = relationship(
        back_populates="case", order_by="Borrower.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class Borrower(Base):
    """The client (position 0) and co-borrowers (position 1..n) on a case."""

    __tablename__ = "borrowers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    first_name: Mapped[str] = mapped_column(String(200), nullable=False)
    last_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    preferred_language: Mapped[str | None] = mapped_column(String(40))

    case: Mapped[Case] = relationship(back_populates="borrowers")


class CaseEvent(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    occurred_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
