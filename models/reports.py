"""Reports: a PDF requested by a user (or the CLI), rendered by a worker. The row is the truth: its state
says what is left to do, so a lost broker message never loses a report (workers/reports.py rescans)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from models.base import Base, JSONType, OrgScopedMixin, TimestampMixin, UTCDateTime

REPORT_TYPES = (
    "case_timeline",
    "communications_log",
    "waiver_request_letter",
    "waiver_requests_summary",
    "caseload_deadlines",
    "hud_9902",
)
REPORT_STATES = ("queued", "rendering", "ready", "failed")


class Report(TimestampMixin, OrgScopedMixin, Base):
    __tablename__ = "reports"
    __table_args__ = (
        # A case's reports, newest first.
        Index("ix_reports_org_id_case_id_id", "org_id", "case_id", "id"),
        # The rescan: queued reports nobody picked up, renders whose worker died.
        Index("ix_reports_state_updated_at", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The case it was requested under; None for an organisation-level report (caseload_deadlines).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    # Type-specific options as validated by the API: waiver_request_id, days, assigned_to.
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # percent, while rendering
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the CLI
    # How many times a worker claimed it; a render whose worker died is retried a few times, then failed.
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    title: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    # The PDF itself, in the database: committed with state=ready in one transaction, and readable by the
    # API whichever host rendered it. Deferred: lists and status polls never load it.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
