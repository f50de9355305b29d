"""Periodic jobs run by Celery beat: one row per job name, so two beats (or a beat fired twice) never run
a job's work twice at once, and a once-a-day job runs once per day.

The row is the truth (service/periodic.py): a lease claimed with a compare-and-set (SQLite, and the daily
jobs on both backends), and the period whose work is done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class SchedulerRun(Base):
    __tablename__ = "scheduler_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # the job, e.g. "notices.scan"
    holder: Mapped[str | None] = mapped_column(String(32))  # the claimer's token while it runs
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # a dead claimer's lease runs out
    done_period: Mapped[str | None] = mapped_column(String(32))  # e.g. "2026-11-27" for a daily job
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


__all__ = ["SchedulerRun"]
