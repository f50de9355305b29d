"""Lender communications: every contact on a case, and the documents that prove what was sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, OrgScopedMixin, TimestampMixin, UTCDateTime


class Communication(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "communications"
    __table_args__ = (Index("ix_communications_case_id_occurred_at", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    direction: Mapped[str] = mapped_column(String(10), nullable=False)
    counterparty_type: Mapped[str] = mapped_column(String(30), nullable=False)
    counterparty_name: Mapped[str | None] = mapped_column(String(200))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("communications.id"))
    # A qualified written request counts as a notice of error or a request for information (12 CFR 1024.35(a),
    # 1024.36(a)); which one decides the clocks it starts.
    qwr_treated_as: Mapped[str | None] = mapped_column(String(30))
    application_complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # An inbound loss-mitigation decision: denied -> loss_mit_denied, modification_approved -> that event.
    decision_result: Mapped[str | None] = mapped_column(String(30))
    # When the other side received it (certified-mail receipt, fax confirmation): the clocks run from then.
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    # Names of the documents enclosed (outbound) or asked for (a document_request): lists of short strings.
    documents_sent: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    documents_requested: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    # The case events this entry created (servicer clocks); kept in step when the entry changes.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    complete_event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Attachment(TimestampMixin, OrgScopedMixin, Base):
    """A stored file (content-addressed by SHA-256 under settings.attachments_dir)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    communication_id: Mapped[int] = mapped_column(ForeignKey("communications.id"), nullable=False, index=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
