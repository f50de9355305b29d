"""Date arithmetic for legal deadlines.

Conventions (the ones courts and Regulation X use):
- The trigger day is not counted: "30 days after March 2" starts counting on March 3.
- Business days (Regulation X: "excluding legal public holidays, Saturdays, and Sundays") skip
  weekends and the eleven legal public holidays of 5 U.S.C. 6103(a) on their actual dates.
  A holiday falling on a Saturday or Sunday is already excluded as a weekend day; the Friday or
  Monday that federal employees get off instead (5 U.S.C. 6103(b), Executive Order 11582) is
  *not* a legal public holiday under 6103(a) and is counted as a business day. This follows the
  Bureau's reading of the same words in Regulation Z (comment 2(a)(6)-2). Pass observed=True to
  the helpers to also skip the observed days.
- Court days additionally skip observed federal holidays and the state's own holidays (courts are
  closed on them), as listed by the `holidays` package for that state (DC included).
- Months and years clamp to the end of the month: Jan 31 + 1 month = Feb 28 (Feb 29 in leap years).

Every date function has a matching `explain_*` / `format_*` helper so that the engine can write
one-line explanations such as
"sale held 2026-03-02 + 6 months = 2026-09-02 (Minn. Stat. § 580.23)".
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays as _holidays

__all__ = [
    "FEDERAL_LEGAL_PUBLIC_HOLIDAYS",
    "UNITS",
    "DateResult",
    "add_days",
    "add_business_days",
    "add_months",
    "add_years",
    "add_period",
    "roll_forward_to_court_day",
    "is_business_day",
    "is_court_day",
    "federal_holidays",
    "court_holidays",
    "holiday_name",
    "business_days_between",
    "compute_period",
    "describe_period",
    "describe_date",
    "format_arithmetic",
]

# 5 U.S.C. 6103(a), as the `holidays` package names them. Inauguration Day (6103(c)) is a holiday
# only for federal employees in the Washington, DC area, so it is not one of these.
FEDERAL_LEGAL_PUBLIC_HOLIDAYS = frozenset(
    {
        "New Year's Day",
        "Martin Luther King Jr. Day",
        "Washington's Birthday",
        "Memorial Day",
        "Juneteenth National Independence Day",
        "Independence Day",
        "Labor Day",
        "Columbus Day",
        "Veterans Day",
        "Thanksgiving Day",
        "Christmas Day",
    }
)
_OBSERVED_SUFFIX = " (observed)"

# States, DC and territories whose holidays `holidays` knows (court-day rolling needs one).
COURT_STATES = frozenset(_holidays.US.subdivisions)

UNITS = ("days", "business_days", "months", "years")

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _split_names(name: str) -> list[str]:
    # `holidays` joins two holidays on one date with "; ".
    return [part.strip() for part in name.split(";") if part.strip()]


@lru_cache(maxsize=512)
def _federal_calendar(year: int) -> dict[date, str]:
    return dict(_holidays.US(years=year))


@lru_cache(maxsize=512)
def federal_holidays(year: int, observed: bool = False) -> frozenset[date]:
    """Dates of the 5 U.S.C. 6103(a) legal public holidays in `year`.

    observed=False (Regulation X business days): the actual dates only.
    observed=True (court days): also the Friday/Monday on which a weekend holiday is observed.
    """
    result = set()
    for day, name in _federal_calendar(year).items():
        for part in _split_names(name):
            base = part[: -len(_OBSERVED_SUFFIX)] if part.endswith(_OBSERVED_SUFFIX) else part
            if base not in FEDERAL_LEGAL_PUBLIC_HOLIDAYS:
                continue
            if part.endswith(_OBSERVED_SUFFIX) and not observed:
                continue
            result.add(day)
    return frozenset(result)


@lru_cache(maxsize=4096)
def _state_calendar(state: str, year: int) -> dict[date, str]:
    state = state.upper()
    if state not in _holidays.US.subdivisions:
        raise ValueError(f"unknown state or territory for holidays: {state!r}")
    return dict(_holidays.US(subdiv=state, years=year))


@lru_cache(maxsize=4096)
def court_holidays(state: str, year: int) -> frozenset[date]:
    """Days a state's courts are presumed closed: federal holidays (observed dates included) and the
    state's legal holidays (observed dates included), from `holidays.US(subdiv=state)`."""
    return federal_holidays(year, observed=True) | frozenset(_state_calendar(state, year))


def holiday_name(day: date, state: str | None = None) -> str | None:
    """Name of the holiday on `day` (state holidays included when `state` is given), or None."""
    if state:
        name = _state_calendar(state, day.year).get(day)
        if name:
            return name
    return _federal_calendar(day.year).get(day)


def is_business_day(day: date, observed: bool = False) -> bool:
    """Regulation X business day: not Saturday, Sunday or a 5 U.S.C. 6103(a) legal public holiday."""
    return day.weekday() < 5 and day not in federal_holidays(day.year, observed)


def is_court_day(day: date, state: str) -> bool:
    return day.weekday() < 5 and day not in court_holidays(state, day.year)


def add_days(start: date, days: int) -> date:
    """Calendar days; the trigger day is not counted (start + 30 days = the 30th day after)."""
    return start + timedelta(days=days)


def add_business_days(start: date, days: int, observed: bool = False) -> date:
    """The `days`-th business day after `start` (start itself never counts, whatever it is).

    days=0 returns `start` unchanged. Negative counts go backwards symmetrically.
    """
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    while remaining:
        current += timedelta(days=step)
        if is_business_day(current, observed):
            remaining -= 1
    return current


def business_days_between(a: date, b: date, observed: bool = False) -> int:
    """Business days after `a` up to and including `b` (negative when b < a).

    With due = add_business_days(start, n): business_days_between(start, due) == n, and a response
    met on `met_on` is late by business_days_between(due, met_on) business days when that is > 0.
    """
    if b == a:
        return 0
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    count = 0
    current = a
    while current < b:
        current += timedelta(days=1)
        if is_business_day(current, observed):
            count += 1
    return sign * count


def add_months(start: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last = _stdlib_calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last))


def add_years(start: date, years: int) -> date:
    """Same date `years` later; Feb 29 clamps to Feb 28 in common years."""
    return add_months(start, 12 * years)


def add_period(start: date, amount: int, unit: str) -> date:
    if unit == "days":
        return add_days(start, amount)
    if unit == "business_days":
        return add_business_days(start, amount)
    if unit == "months":
        return add_months(start, amount)
    if unit == "years":
        return add_years(start, amount)
    raise ValueError(f"unknown period unit {unit!r}; expected one of {UNITS}")


def roll_forward_to_court_day(day: date, state: str) -> date:
    """`day` itself if courts are open, else the next day they are (weekends, federal and state
    holidays skipped). Idempotent and never earlier than `day`."""
    current = day
    while not is_court_day(current, state):
        current += timedelta(days=1)
    return current


# --- explanations -----------------------------------------------------------------------------


def describe_period(amount: int, unit: str) -> str:
    """'6 months', '1 year', '5 business days'."""
    words = {
        "days": ("day", "days"),
        "business_days": ("business day", "business days"),
        "months": ("month", "months"),
        "years": ("year", "years"),
    }[unit]
    return f"{amount} {words[0] if amount == 1 else words[1]}"


def describe_date(day: date, state: str | None = None) -> str:
    """'2026-09-05 (Saturday)', '2026-09-07 (Monday, Labor Day)' or '2026-09-02'."""
    why = []
    if day.weekday() >= 5:
        why.append(_WEEKDAYS[day.weekday()])
    name = holiday_name(day, state) if (state or day in federal_holidays(day.year, True)) else None
    if name:
        if not why:
            why.append(_WEEKDAYS[day.weekday()])
        why.append(name)
    return f"{day.isoformat()} ({', '.join(why)})" if why else day.isoformat()


@dataclass(frozen=True)
class DateResult:
    """A computed date with the arithmetic that produced it."""

    start: date
    amount: int
    unit: str
    raw: date  # start + period, before any rolling
    due: date  # after rolling forward to a court day (== raw when not rolled)
    rolled: bool

    def arithmetic(self, label: str, state: str | None = None) -> str:
        return format_arithmetic(label, self.start, self.amount, self.unit, self.raw, self.due, state)


def compute_period(start: date, amount: int, unit: str, roll_forward_state: str | None = None) -> DateResult:
    """start + period, rolled forward to the next court day of `roll_forward_state` when given."""
    raw = add_period(start, amount, unit)
    due = roll_forward_to_court_day(raw, roll_forward_state) if roll_forward_state else raw
    return DateResult(start, amount, unit, raw, due, due != raw)


def format_arithmetic(
    label: str,
    start: date,
    amount: int,
    unit: str,
    raw: date,
    rolled_to: date | None = None,
    state: str | None = None,
    citation: str | None = None,
) -> str:
    """'sale held 2026-03-02 + 6 months = 2026-09-02' or, rolled,
    'complaint served 2026-08-06 + 30 days = 2026-09-05 (Saturday), rolled to Tuesday 2026-09-08'.
    With `citation`, it is appended in parentheses (the engine ends every explanation with it)."""
    text = f"{label} {start.isoformat()} + {describe_period(amount, unit)} = "
    if rolled_to is not None and rolled_to != raw:
        text += (
            f"{describe_date(raw, state)}, rolled to the next court day, "
            f"{_WEEKDAYS[rolled_to.weekday()]} {rolled_to.isoformat()}"
        )
    else:
        text += raw.isoformat()
    if citation:
        text += f" ({citation})"
    return text
