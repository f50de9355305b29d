"""Deadlines: computed by the engine (service/clock) from a case's events, or entered by hand."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, OrgScopedMixin, TimestampMixin, UTCDateTime

if TYPE_CHECKING:
    from models.cases import Case


class Deadline(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("case_id", "key"),
        # The caseload view: an organisation's deadlines, soonest first.
        Index("ix_deadlines_org_id_due_on", "org_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    # The engine's stable identity within the case ("answer_due", "servicer_response_due:17"); manual: "manual:<id>".
    key: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # None: the rule is unknown (verify manually)
    binds: Mapped[str] = mapped_column(String(20), nullable=False)
    # The status shown: the user's (met, waived, ...) when they set one, else the engine's.
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    engine_status: Mapped[str | None] = mapped_column(String(20))
    user_status: Mapped[str | None] = mapped_column(String(20))
    met_on: Mapped[dt.date | None] = mapped_column(Date)
    rule_id: Mapped[str | None] = mapped_column(String(120))
    citation: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str | None] = mapped_column(String(20))
    explanation: Mapped[str | None] = mapped_column(Text)
    computed_from_event_type: Mapped[str | None] = mapped_column(String(50))
    computed_from_occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    verify_manually: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Other candidate dates when a fact that selects the period is unknown: [{due_on, condition}]
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    # The day the right actually ends (a weekend or holiday end carried forward); None: same as due_on
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    is_manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Grows each time the due date moves, so calendar subscribers update the event (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Set when the trigger disappeared; kept (not deleted) so notices and the audit can still name it.
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    # The case, for the summary the API shows beside a deadline (read only: rows are written by case_id).
    case: Mapped["Case"] = relationship(viewonly=True)
