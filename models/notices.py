"""Reminder notices: the outbox (one row per e-mail to send), daily digests, notification preferences
(per organisation and per user), secret calendar-feed tokens, and the scanner's bookkeeping.

The plan lives here, not in the broker: Celery only does "send now" work, so a lost or redelivered
message loses or doubles nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, OrgScopedMixin, TimestampMixin, UTCDateTime
from models.deadlines import Deadline

NOTICE_KINDS = ("reminder", "escalation")
# pending: planned or waiting for a retry; sending: claimed by a worker until `attempt_at` (the lease);
# sent; failed (permanent SMTP error, shown in `error`); cancelled (no longer needed); skipped
# (superseded by a later offset after an outage, or nothing to say).
NOTICE_STATES = ("pending", "sending", "sent", "failed", "cancelled", "skipped")


class DeliveryMixin:
    """The columns an outbox row needs to be claimed, sent once and retried."""

    # When the notice is meant to go out (the plan), in UTC.
    send_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    # The scanner's one column: pending -> next attempt (send_at, or later after a transient error);
    # sending -> when the worker's lease runs out (then another worker may take it over).
    attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # Fixed when the row is created and reused on every attempt (a re-send after a crash keeps it).
    message_id: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)


class Notice(DeliveryMixin, TimestampMixin, OrgScopedMixin, Base):
    """One reminder or escalation e-mail about one deadline to one staff member."""

    __tablename__ = "notices"
    __table_args__ = (
        # One copy per (deadline, due date version, kind, offset, recipient): a moved deadline
        # (sequence + 1) gets a new plan; everything else is absorbed by this key.
        UniqueConstraint(
            "deadline_id", "deadline_sequence", "kind", "offset_days", "recipient_user_id", name="uq_notices_plan_key"
        ),
        # The scan reads only due rows: (state, attempt_at) range scans, whatever the number planned.
        Index("ix_notices_state_attempt_at", "state", "attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), nullable=False, index=True)
    deadline_sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # Days before the due date (reminders: 30 ... 0); escalations: minus the days past due (-1, -2, ...).
    offset_days: Mapped[int] = mapped_column(Integer, nullable=False)
    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)  # the e-mail address at planning time
    # The due date the notice was planned for (shown in the mail even if the deadline moves meanwhile).
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class Digest(DeliveryMixin, TimestampMixin, OrgScopedMixin, Base):
    """One daily digest e-mail to one user (its content is gathered when it is sent)."""

    __tablename__ = "notice_digests"
    __table_args__ = (
        UniqueConstraint("user_id", "digest_on"),
        Index("ix_notice_digests_state_attempt_at", "state", "attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    digest_on: Mapped[dt.date] = mapped_column(Date, nullable=False)  # the local date it covers


class OrgNotificationSettings(TimestampMixin, OrgScopedMixin, Base):
    """An organisation's defaults; a null column means the built-in default."""

    __tablename__ = "org_notification_settings"
    __table_args__ = (UniqueConstraint("org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grave_offsets: Mapped[list[int] | None] = mapped_column(JSON)
    informational_offsets: Mapped[list[int] | None] = mapped_column(JSON)
    local_hour: Mapped[int | None] = mapped_column(Integer)


class UserNotificationPreference(TimestampMixin, OrgScopedMixin, Base):
    """A user's own choices; a null column means the organisation's setting."""

    __tablename__ = "user_notification_preferences"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    grave_offsets: Mapped[list[int] | None] = mapped_column(JSON)
    informational_offsets: Mapped[list[int] | None] = mapped_column(JSON)
    local_hour: Mapped[int | None] = mapped_column(Integer)
    daily_digest: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    digest_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class CalendarToken(TimestampMixin, OrgScopedMixin, Base):
    """The secret of a user's calendar feed URL; only its SHA-256 digest is stored."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class NoticeDailyRun(Base):
    """The scanner's once-a-day work per organisation and local date (escalations, digests) is done once."""

    __tablename__ = "notice_daily_runs"
    __table_args__ = (UniqueConstraint("org_id", "run_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    run_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class NoticeScanState(Base):
    """One row: deadlines changed since `planned_through` are (re)planned by the scan (cost: the changes)."""

    __tablename__ = "notice_scan_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    planned_through: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


# The scan finds deadlines changed since its watermark through this index (the deadlines table is the
# deadline engine's; the index serves only the notices scan, so it is declared here).
Index("ix_deadlines_updated_at", Deadline.updated_at)

__all__ = [
    "Notice",
    "Digest",
    "OrgNotificationSettings",
    "UserNotificationPreference",
    "CalendarToken",
    "NoticeDailyRun",
    "NoticeScanState",
    "NOTICE_KINDS",
    "NOTICE_STATES",
]
