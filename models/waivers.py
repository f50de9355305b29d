"""Deficiency-waiver requests: what was asked of the lender, when and how, its answer, and the offers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Money, OrgScopedMixin, TimestampMixin


class WaiverRequest(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "waiver_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    resolution: Mapped[str] = mapped_column(String(20), nullable=False)
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    deficiency_amount: Mapped[Decimal | None] = mapped_column(Money())
    deficiency_source: Mapped[str] = mapped_column(String(20), nullable=False)  # calculator, entered, unknown
    ask: Mapped[str] = mapped_column(String(20), nullable=False)
    settlement_amount: Mapped[Decimal | None] = mapped_column(Money())
    sent_on: Mapped[dt.date | None] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    follow_up_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    # The signed written waiver (an attachment of a communication on the same case).
    written_waiver_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    client_told_about_1099c: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    offers: Mapped[list["WaiverOffer"]] = relationship(
        order_by="WaiverOffer.position", cascade="all, delete-orphan", lazy="selectin"
    )


class WaiverOffer(TimestampMixin, Base):
    """An offer or counter-offer, in the order made (position 1, 2, ...)."""

    __tablename__ = "waiver_offers"
    __table_args__ = (UniqueConstraint("waiver_request_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    waiver_request_id: Mapped[int] = mapped_column(ForeignKey("waiver_requests.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    offered_by: Mapped[str] = mapped_column(String(20), nullable=False)  # borrower, lender
    offered_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    terms: Mapped[str] = mapped_column(String(20), nullable=False)  # full_waiver, settlement
    amount: Mapped[Decimal | None] = mapped_column(Money())
    # amount / deficiency_amount as a percentage with two places, kept as shown at the time of the offer.
    percentage: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
