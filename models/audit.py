"""The append-only audit log: who changed what, when, before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, OrgScopedMixin, UTCDateTime, utcnow


class AuditEntry(OrgScopedMixin, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_org_id_case_id_id", "org_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system (CLI, worker)
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # create, update, delete
    entity_type: Mapped[str] = mapped_column(String(50), nullable=False)
    entity_id: Mapped[int] = mapped_column(Integer, nullable=False)
    case_id: Mapped[int | None] = mapped_column(Integer)
    # {field: {"before": ..., "after": ...}}
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
