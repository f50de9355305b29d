"""The client's own messages: consents per party and channel (an append-only history), the outbox of
messages to clients and co-borrowers (e-mail and SMS), an organisation's choices, and the per-client SMS
pace.

The outbox reuses the staff reminders' delivery columns (DeliveryMixin): a row is claimed with a lease
committed before talking to the provider, and `plan_key` makes planning idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, OrgScopedMixin, TimestampMixin, UTCDateTime, utcnow
from models.notices import DeliveryMixin

CHANNELS = ("email", "sms")
CONSENT_METHODS = ("written", "verbal", "keyword", "link")
# planned (sending: claimed by a worker, shown as planned); sent; delivered (the provider's callback);
# failed; skipped_no_consent; cancelled.
CLIENT_MESSAGE_STATES = ("planned", "sending", "sent", "delivered", "failed", "skipped_no_consent", "cancelled")
# reminder: about a deadline; the others answer an inbound SMS keyword.
CLIENT_MESSAGE_KINDS = ("reminder", "appointment_reminder", "stop_confirmation", "start_confirmation", "help")
APPOINTMENT_KINDS = ("counseling_session", "court_date", "document_drop_off")


class Appointment(TimestampMixin, OrgScopedMixin, Base):
    """A meeting with a time and a place (a counseling session, a court date, a document drop-off); the
    client hears about it 2 days and 2 hours before. `sequence` goes up when the time changes (a new plan)."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    place: Mapped[str] = mapped_column(String(500), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Consent(OrgScopedMixin, Base):
    """One consent given or revoked, never changed nor deleted: the latest per party and channel decides."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_party_id_channel", "party_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), nullable=False)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    given: Mapped[bool] = mapped_column(Boolean, nullable=False)
    method: Mapped[str] = mapped_column(String(10), nullable=False)
    # When the client gave or revoked it (staff may enter a spoken consent later); created_at: when entered.
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the client (keyword, link)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ClientMessage(DeliveryMixin, TimestampMixin, OrgScopedMixin, Base):
    """One e-mail or SMS to a client or co-borrower."""

    __tablename__ = "client_messages"
    __table_args__ = (
        Index("ix_client_messages_state_attempt_at", "state", "attempt_at"),
        Index("ix_client_messages_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The idempotency key: reminder:<deadline>:<sequence>:<offset>:<party>:<channel>, reply:<inbound sid>.
    plan_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    to: Mapped[str] = mapped_column(String(254), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    deadline_sequence: Mapped[int | None] = mapped_column(Integer)
    offset_days: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    appointment_sequence: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The e-mail's unsubscribe link works once.
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # When an attempt first handed this SMS to the provider without learning the outcome (a worker that died,
    # an answer lost): the next attempt asks the provider whether it went before sending it again.
    send_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ClientMessageSettings(TimestampMixin, OrgScopedMixin, Base):
    """An organisation's choices; null: the built-in default."""

    __tablename__ = "client_message_settings"
    __table_args__ = (UniqueConstraint("org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topics: Mapped[list[str] | None] = mapped_column(JSON)  # which deadlines reach the client
    phone: Mapped[str | None] = mapped_column(String(40))  # the organisation's phone, in every message


class SmsPace(Base):
    """At most one SMS per client per hour: the next time this party may get one (a compare-and-set)."""

    __tablename__ = "client_sms_pace"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), nullable=False, unique=True)
    next_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class ClientMessageScanState(Base):
    """One row: cases whose deadlines changed since `planned_through` are (re)planned by the scan."""

    __tablename__ = "client_message_scan_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    planned_through: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


__all__ = [
    "Appointment",
    "APPOINTMENT_KINDS",
    "Consent",
    "ClientMessage",
    "ClientMessageSettings",
    "SmsPace",
    "ClientMessageScanState",
    "CHANNELS",
    "CONSENT_METHODS",
    "CLIENT_MESSAGE_STATES",
    "CLIENT_MESSAGE_KINDS",
]
