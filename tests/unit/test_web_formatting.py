"""How pages show dates and money, and where sign-in may send a browser next."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, strategies as st

from service.web.formatting import format_date, format_datetime, format_money
from service.web.helpers import safe_next


def test_dates_read_like_people_write_them():
    assert format_date(dt.date(2026, 6, 1)) == "Mon, Jun 1, 2026"
    assert format_date("2026-12-25") == "Fri, Dec 25, 2026"
    assert format_date(None) == "—"


def test_date_times_are_shown_in_the_organisations_time_zone():
    late_utc = dt.datetime(2026, 6, 2, 3, 30, tzinfo=dt.timezone.utc)  # 10:30 PM the day before in Chicago
    assert format_date(late_utc, "America/Chicago") == "Mon, Jun 1, 2026"
    assert format_datetime(late_utc, "America/Chicago") == "Mon, Jun 1, 2026, 10:30 PM CDT"
    assert format_datetime(dt.datetime(2026, 1, 5, 12, 0), "America/New_York") == "Mon, Jan 5, 2026, 7:00 AM EST"


def test_money():
    assert format_money(Decimal("1234.56")) == "$1,234.56"
    assert format_money(Decimal("600000")) == "$600,000.00"
    assert format_money(Decimal("-20.005")) == "-$20.01"
    assert format_money(None) == "—"


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2))
def test_money_round_trips(amount):
    shown = format_money(amount)
    assert Decimal(shown.replace("$", "").replace(",", "")) == amount


def test_safe_next_keeps_only_local_paths():
    assert safe_next("/cases/3?page=2") == "/cases/3?page=2"
    for bad in ("//evil.example", "https://evil.example/x", "/\\evil.example", "evil", "", None, "/\nx"):
        assert safe_next(bad) == "/"
