"""Notification preferences: the organisation's defaults and each user's own, merged into the
Preferences a plan uses; and the local send time of a reminder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.notices import OrgNotificationSettings, UserNotificationPreference
from service.clock.kinds import DEADLINE_KINDS

# Default offsets (days before the due date). Grave deadlines (court, sale, the borrower's own):
# a month ahead, then closer; informational ones (the servicer's or lender's clock): a week ahead only.
DEFAULT_OFFSETS = {"grave": (30, 14, 7, 3, 1, 0), "informational": (7, 1, 0)}
DEFAULT_LOCAL_HOUR = 8


@dataclass(frozen=True)
class Preferences:
    grave_offsets: tuple[int, ...]
    informational_offsets: tuple[int, ...]
    local_hour: int
    daily_digest: bool
    digest_only: bool

    def offsets_for(self, kind: str) -> tuple[int, ...]:
        spec = DEADLINE_KINDS.get(kind)
        severity = spec.severity if spec else "grave"
        return self.grave_offsets if severity == "grave" else self.informational_offsets

    def as_dict(self) -> dict[str, Any]:
        return {
            "grave_offsets": list(self.grave_offsets),
            "informational_offsets": list(self.informational_offsets),
            "local_hour": self.local_hour,
            "daily_digest": self.daily_digest,
            "digest_only": self.digest_only,
        }


def org_settings(session: Session, org_id: int) -> OrgNotificationSettings | None:
    return session.scalars(
        select(OrgNotificationSettings).where(OrgNotificationSettings.org_id == org_id)
    ).one_or_none()


def user_preference(session: Session, user_id: int) -> UserNotificationPreference | None:
    return session.scalars(
        select(UserNotificationPreference).where(UserNotificationPreference.user_id == user_id)
    ).one_or_none()


def org_defaults(settings: OrgNotificationSettings | None) -> Preferences:
    def pick(name: str, default: Any) -> Any:
        value = getattr(settings, name, None) if settings is not None else None
        return default if value is None else value

    return Preferences(
        grave_offsets=tuple(pick("grave_offsets", DEFAULT_OFFSETS["grave"])),
        informational_offsets=tuple(pick("informational_offsets", DEFAULT_OFFSETS["informational"])),
        local_hour=pick("local_hour", DEFAULT_LOCAL_HOUR),
        daily_digest=True,
        digest_only=False,
    )


def effective_preferences(org: Preferences, own: UserNotificationPreference | None) -> Preferences:
    if own is None:
        return org
    return Preferences(
        grave_offsets=tuple(own.grave_offsets) if own.grave_offsets is not None else org.grave_offsets,
        informational_offsets=(
            tuple(own.informational_offsets) if own.informational_offsets is not None else org.informational_offsets
        ),
        local_hour=own.local_hour if own.local_hour is not None else org.local_hour,
        daily_digest=own.daily_digest,
        digest_only=own.digest_only,
    )


def local_send_at(day: dt.date, hour: int, timezone: str) -> dt.datetime:
    """`hour`:00 on `day` in the time zone, as UTC. zoneinfo gives one instant per (day, hour) across
    daylight-saving changes (a time in the spring gap maps to the hour after it, a repeated one to its
    first occurrence), so a change neither skips nor doubles a reminder."""
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.timezone.utc)
