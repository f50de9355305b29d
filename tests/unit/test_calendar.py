"""Date arithmetic: table-driven cases and hypothesis properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.clock import calendar as cal

D = date.fromisoformat
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
states = st.sampled_from(["IL", "MN", "CA", "TX", "NY", "DC", "MA", "LA"])


@pytest.mark.parametrize(
    "start,n,expected",
    [
        ("2026-03-02", 30, "2026-04-01"),  # trigger day not counted
        ("2026-01-01", 36, "2026-02-06"),  # comment 39(a)-1.i.A
        ("2026-01-01", 45, "2026-02-15"),  # comment 39(b)(1)-1
        ("2026-01-01", 0, "2026-01-01"),
        ("2024-02-28", 1, "2024-02-29"),
    ],
)
def test_add_days(start, n, expected):
    assert cal.add_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    "start,n,expected",
    [
        ("2026-03-02", 5, "2026-03-09"),  # Monday + 5 business days = next Monday
        ("2026-03-06", 1, "2026-03-09"),  # Friday + 1 = Monday
        ("2026-03-07", 1, "2026-03-09"),  # received on Saturday: Monday is day 1
        ("2026-01-14", 5, "2026-01-22"),  # skips MLK Day 2026-01-19
        ("2026-11-23", 5, "2026-12-01"),  # skips Thanksgiving 2026-11-26
        ("2026-07-01", 2, "2026-07-03"),  # July 3 2026 (observed Independence Day) counts: 6103(a) date is the 4th
        ("2027-12-23", 1, "2027-12-24"),  # Dec 24 2027 (observed Christmas) counts as a business day
        ("2026-06-17", 2, "2026-06-22"),  # Juneteenth (Friday 2026-06-19) skipped
        ("2026-03-02", 30, "2026-04-13"),
        ("2026-03-02", 0, "2026-03-02"),
    ],
)
def test_add_business_days(start, n, expected):
    assert cal.add_business_days(D(start), n) == D(expected)


def test_observed_days_can_be_excluded():
    assert cal.add_business_days(D("2026-07-01"), 2, observed=True) == D("2026-07-06")
    assert cal.is_business_day(D("2026-07-03"))
    assert not cal.is_business_day(D("2026-07-03"), observed=True)


def test_federal_holiday_set_is_the_6103a_list():
    days = cal.federal_holidays(2026)
    assert len(days) == 11
    assert D("2026-10-12") in days  # Columbus Day
    assert D("2026-06-19") in days  # Juneteenth
    assert D("2025-01-20") in cal.federal_holidays(2025)  # MLK day (also Inauguration Day)
    assert all(cal.holiday_name(d) for d in days)


@pytest.mark.parametrize(
    "start,months,expected",
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-03-02", 6, "2026-09-02"),
        ("2026-08-31", 1, "2026-09-30"),
        ("2026-12-15", 1, "2027-01-15"),
        ("2026-03-31", -1, "2026-02-28"),
        ("2026-05-31", 12, "2027-05-31"),
    ],
)
def test_add_months(start, months, expected):
    assert cal.add_months(D(start), months) == D(expected)


@pytest.mark.parametrize(
    "start,years,expected",
    [
        ("2024-02-29", 1, "2025-02-28"),
        ("2024-02-29", 4, "2028-02-29"),
        ("2026-03-02", 1, "2027-03-02"),
    ],
)
def test_add_years(start, years, expected):
    assert cal.add_years(D(start), years) == D(expected)


@pytest.mark.parametrize(
    "day,state,expected",
    [
        ("2026-09-05", "MN", "2026-09-08"),  # Saturday -> Sunday -> Labor Day Monday -> Tuesday
        ("2026-09-04", "MN", "2026-09-04"),  # a Friday court day stays
        ("2026-03-02", "IL", "2026-03-03"),  # Casimir Pulaski Day (Illinois)
        ("2026-04-16", "DC", "2026-04-17"),  # DC Emancipation Day
        ("2026-04-16", "IL", "2026-04-16"),
        ("2026-07-03", "TX", "2026-07-06"),  # observed Independence Day closes courts
        ("2026-11-27", "CA", "2026-11-30"),  # day after Thanksgiving (California)
    ],
)
def test_roll_forward_to_court_day(day, state, expected):
    assert cal.roll_forward_to_court_day(D(day), state) == D(expected)


def test_explanations_read_like_arithmetic():
    assert (
        cal.format_arithmetic(
            "sale held", D("2026-03-02"), 6, "months", D("2026-09-02"), citation="Minn. Stat. § 580.23"
        )
        == "sale held 2026-03-02 + 6 months = 2026-09-02 (Minn. Stat. § 580.23)"
    )
    res = cal.compute_period(D("2026-08-06"), 30, "days", "MN")
    text = res.arithmetic("complaint served", "MN")
    assert text == (
        "complaint served 2026-08-06 + 30 days = 2026-09-05 (Saturday), rolled to the next court day, "
        "Tuesday 2026-09-08"
    )
    assert cal.describe_date(D("2026-09-07"), "MN") == "2026-09-07 (Monday, Labor Day)"
    assert cal.describe_period(1, "years") == "1 year"
    assert cal.describe_period(5, "business_days") == "5 business days"


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("2026-03-02", "2026-03-09", 5),
        ("2026-03-09", "2026-03-02", -5),
        ("2026-03-02", "2026-03-02", 0),
        ("2026-03-06", "2026-03-08", 0),
        ("2026-11-25", "2026-11-27", 1),
    ],
)
def test_business_days_between(a, b, expected):
    assert cal.business_days_between(D(a), D(b)) == expected


def test_unknown_state_and_unit_raise():
    with pytest.raises(ValueError):
        cal.roll_forward_to_court_day(D("2026-01-01"), "XX")
    with pytest.raises(ValueError):
        cal.add_period(D("2026-01-01"), 1, "weeks")


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=1, max_value=60))
def test_business_days_never_land_on_weekend_or_holiday(start, n):
    due = cal.add_business_days(start, n)
    assert due.weekday() < 5
    assert due not in cal.federal_holidays(due.year)
    assert due > start
    assert cal.business_days_between(start, due) == n


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_add_business_days_monotonic(start, a, b):
    lo, hi = sorted((a, b))
    assert cal.add_business_days(start, lo) <= cal.add_business_days(start, hi)


@settings(max_examples=200, deadline=None)
@given(dates, dates, st.integers(min_value=0, max_value=20))
def test_add_business_days_monotonic_in_start(s1, s2, n):
    lo, hi = sorted((s1, s2))
    assert cal.add_business_days(lo, n) <= cal.add_business_days(hi, n)


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=-120, max_value=120))
def test_add_months_clamps_to_month_end(start, n):
    result = cal.add_months(start, n)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == n
    if result.day != start.day:
        assert result.day < start.day
        assert (result + timedelta(days=1)).month != result.month  # clamped to the last day
    assert cal.add_months(result, 0) == result


@settings(max_examples=200, deadline=None)
@given(dates, states)
def test_roll_forward_idempotent_and_never_earlier(day, state):
    rolled = cal.roll_forward_to_court_day(day, state)
    assert rolled >= day
    assert cal.roll_forward_to_court_day(rolled, state) == rolled
    assert cal.is_court_day(rolled, state)
    assert (rolled - day).days < 10
    # every day skipped was not a court day
    current = day
    while current < rolled:
        assert not cal.is_court_day(current, state)
        current += timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.decimals(
            min_value=Decimal("0"), max_value=Decimal("10000000"), places=2, allow_nan=False, allow_infinity=False
        ),
        min_size=1,
        max_size=5,
    )
)
def test_money_arithmetic_exact(amounts):
    from service.clock.deficiency import money

    total = sum(amounts, Decimal(0))
    assert money(total) == total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert money(total) - amounts[0] == money(sum(amounts[1:], Decimal(0)))


def test_money_rounds_half_up():
    from service.clock.deficiency import money

    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
