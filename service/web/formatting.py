"""How pages show dates and money: as people read them, in the organisation's time zone."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

DASH = "—"


def format_date(value: dt.date | dt.datetime | str | None, timezone: str = "America/New_York") -> str:
    """2026-06-01 -> 'Mon, Jun 1, 2026'. A date-time is first moved to the organisation's time zone."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = _local(value, timezone).date()
    return f"{value:%a}, {value:%b} {value.day}, {value.year}"


def format_datetime(value: dt.datetime | None, timezone: str = "America/New_York") -> str:
    """'Mon, Jun 1, 2026, 3:05 PM CDT' in the organisation's time zone."""
    if value is None:
        return DASH
    local = _local(value, timezone)
    hour = local.hour % 12 or 12
    return f"{format_date(local.date())}, {hour}:{local:%M} {local:%p} {local:%Z}".rstrip()


def format_money(value: Decimal | int | str | None) -> str:
    """Decimal('1234.5') -> '$1,234.50'; negative amounts keep their sign in front: '-$20.00'."""
    if value is None or value == "":
        return DASH
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _local(value: dt.datetime, timezone: str) -> dt.datetime:
    if value.tzinfo is None:  # stored date-times are UTC
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(ZoneInfo(timezone))
