"""Housing-counseling records on a case (the household, counseling sessions, outcomes), the legal-aid time
by funding source, and the organisation's HUD income-limits table. The funders' reports (HUD-9902, LSC
CSR) are computed from these; see service/funder_reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, Money, OrgScopedMixin, TimestampMixin, UTCDateTime


class Household(TimestampMixin, OrgScopedMixin, Base):
    """Who the household is (HUD-9902 sections 3-7), one per case; every field optional."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, unique=True)
    household_size: Mapped[int | None] = mapped_column(Integer)
    gross_monthly_income: Mapped[Decimal | None] = mapped_column(Money())
    ami_band: Mapped[str | None] = mapped_column(String(20))  # the band reported
    ami_band_computed: Mapped[str | None] = mapped_column(String(20))  # what the income limits say
    ami_band_derivation: Mapped[str | None] = mapped_column(Text)
    ami_band_override_reason: Mapped[str | None] = mapped_column(Text)  # when ami_band differs from computed
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    race: Mapped[str | None] = mapped_column(String(40))
    rural: Mapped[str | None] = mapped_column(String(20))
    limited_english: Mapped[str | None] = mapped_column(String(20))
    preferred_language: Mapped[str | None] = mapped_column(String(40))
    disability: Mapped[str | None] = mapped_column(String(20))
    head_of_household: Mapped[str | None] = mapped_column(String(40))
    intake_on: Mapped[dt.date | None] = mapped_column(Date)  # the fiscal year's intake date
    termination_reason: Mapped[str | None] = mapped_column(String(40))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CounselingSession(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "counseling_sessions"
    __table_args__ = (Index("ix_counseling_sessions_org_id_started_at", "org_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)  # one_on_one, group_education
    purpose: Mapped[str] = mapped_column(String(4), nullable=False)  # a HUD-9902 line: "9f", "8h", ...
    hud_billable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CounselingOutcome(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "counseling_outcomes"
    __table_args__ = (Index("ix_counseling_outcomes_org_id_achieved_on", "org_id", "achieved_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(4), nullable=False)  # a HUD-9902 section 10 line: "10p", ...
    achieved_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FundingAllocation(TimestampMixin, OrgScopedMixin, Base):
    """Time on a legal-aid case allocated to one funding source (LSC, IOLTA, a city grant, ...)."""

    __tablename__ = "funding_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)


class IncomeLimit(TimestampMixin, OrgScopedMixin, Base):
    """HUD's income limits for one county and HUD fiscal year, as the organisation loaded them."""

    __tablename__ = "income_limits"
    __table_args__ = (UniqueConstraint("org_id", "fiscal_year", "state", "county_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(2), nullable=False)
    county: Mapped[str] = mapped_column(String(200), nullable=False)  # as HUD names it
    county_key: Mapped[str] = mapped_column(String(200), nullable=False)  # see service.counseling.ami.county_key
    median_income: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    # {"30": ["25200.00", ... 8 sizes], "50": [...], "80": [...]} (decimal strings: exact)
    limits: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
