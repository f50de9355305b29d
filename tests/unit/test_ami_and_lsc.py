"""The AMI band from HUD's income limits (with its derivation in words), the income-limits CSV, and the LSC
Case Service Report's table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.counseling.ami import (
    BANDS,
    IncomeLimitsError,
    compute_band,
    county_key,
    limit_for_size,
    parse_income_limits_csv,
)
from service.funder_reports.lsc_csr import ClosedCase, compute as lsc_compute

SAMPLE = Path(__file__).resolve().parents[2] / "service" / "counseling" / "data" / "sample_income_limits_fy2026.csv"


@pytest.fixture(scope="module")
def cook():
    limits = {
        (limit.state, county_key(limit.county)): limit for limit in parse_income_limits_csv(SAMPLE.read_text(), 2026)
    }
    return limits[("IL", "cook")]


@pytest.mark.parametrize(
    "size, monthly, band",
    [
        (4, "3000.00", "lt30"),  # 36,000.00: exactly the 30% limit for 4 (at or below: within it)
        (4, "3000.01", "30_49"),  # 36,000.12
        (4, "3100.00", "30_49"),  # 37,200.00
        (4, "5000.00", "30_49"),  # 60,000.00: exactly the 50% limit
        (4, "5000.01", "50_79"),
        (4, "8000.00", "50_79"),  # 96,000.00: the 80% limit
        (4, "10000.00", "80_100"),  # 120,000.00: the median, 100% for 4
        (4, "10000.01", "gt100"),
        (1, "7000.00", "80_100"),  # 84,000.00: 100% for 1 is 70% of 120,000 = 84,000
        (1, "7000.01", "gt100"),
        (10, "7000.00", "30_49"),  # 84,000.00: 50% for 10 = 79,200 + 2 x 8% of 60,000 = 88,800
    ],
)
def test_bands_at_the_limits(cook, size, monthly, band):
    assert compute_band(size, Decimal(monthly), cook).band == band


def test_large_households_follow_hud_rule(cook):
    assert limit_for_size(cook, 50, 9) == Decimal("84000")  # 79,200 + 8% of 60,000
    assert limit_for_size(cook, 100, 9) == Decimal("168000")  # 120,000 x 1.40
    assert limit_for_size(cook, 80, 3) == Decimal("86400.00")


def test_the_derivation_reads_as_the_arithmetic(cook):
    result = compute_band(4, Decimal("3100.00"), cook)
    assert result.derivation == (
        "household of 4 people, $3,100.00/month x 12 = $37,200.00/year; Cook County, IL FY2026 income limits "
        "for 4: 30% $36,000.00, 50% $60,000.00, 80% $96,000.00, 100% $120,000.00 (100%: area median "
        "$120,000.00 adjusted for household size); $37,200.00 is above the 30% limit and at or below the 50% "
        "limit: band 30-49%"
    )
    assert result.annual_income == Decimal("37200.00")


@given(
    size=st.integers(min_value=1, max_value=12),
    low=st.decimals(min_value=0, max_value=20000, places=2),
    extra=st.decimals(min_value=0, max_value=5000, places=2),
)
def test_more_income_never_lowers_the_band(size, low, extra):
    limits = parse_income_limits_csv(SAMPLE.read_text(), 2026)[0]
    first = compute_band(size, low, limits).band
    second = compute_band(size, low + extra, limits).band
    assert BANDS.index(second) >= BANDS.index(first)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("State_Alpha,County_Name\nIL,Cook\n", "median"),
        (SAMPLE.read_text().replace("IL,Cook County,120000", "IL,Cook County,lots"), "row 2, column median2026"),
        (SAMPLE.read_text().replace("IL,Will County", "Illinois,Will County"), "row 3"),
        (SAMPLE.read_text() + "IL,Cook,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\n", "appears twice"),
    ],
)
def test_a_bad_csv_names_the_problem(text, message):
    with pytest.raises(IncomeLimitsError, match=message):
        parse_income_limits_csv(text, 2026)


def test_county_names_meet():
    assert county_key("Cook County") == county_key(" cook ") == county_key("COOK  county") == "cook"


def test_lsc_csr_counts_closed_cases_by_problem_and_closing_code():
    cases = [
        ClosedCase(1, "67", "A", dt.date(2026, 1, 1)),
        ClosedCase(2, "67", "A", dt.date(2026, 12, 31)),
        ClosedCase(3, "67", "IB", dt.date(2026, 6, 1)),
        ClosedCase(4, "68", "G", dt.date(2026, 6, 1)),
        ClosedCase(5, "67", "A", dt.date(2025, 12, 31)),  # the year before
        ClosedCase(6, "67", "A", None),  # still open
        ClosedCase(7, None, "A", dt.date(2026, 3, 1)),  # closed without a problem code
        ClosedCase(8, "01", "L", dt.date(2026, 3, 1)),
    ]
    report = lsc_compute(2026, cases)
    assert [
        (line["problem_code"], line["closing_code"], line["count"], line["case_ids"]) for line in report["lines"]
    ] == [("01", "L", 1, [8]), ("67", "A", 2, [1, 2]), ("67", "IB", 1, [3]), ("68", "G", 1, [4])]
    assert report["total"] == 5
    assert report["checks"][0]["case_ids"] == [7]


# --- outcome suggestions -----------------------------------------------------------------------------

from service.counseling.suggestions import suggest  # noqa: E402


@pytest.mark.parametrize(
    "events, outcome, purpose, recorded, expected",
    [
        (
            [("modification_approved", dt.date(2026, 2, 3))],
            None,
            "purchase",
            [],
            [("10p", dt.date(2026, 2, 3)), ("10r", None)],
        ),
        ([("modification_approved", dt.date(2026, 2, 3))], None, "reverse", [], [("10q", dt.date(2026, 2, 3))]),
        ([], "modified", None, ["10p"], [("10r", None)]),
        ([("reinstated", dt.date(2026, 4, 1))], None, None, [], [("10p", dt.date(2026, 4, 1))]),
        ([], "dismissed", None, [], [("10p", None)]),
        ([], "dismissed", None, ["10p"], []),
        ([("complaint_served", dt.date(2026, 4, 1))], "foreclosed", None, [], []),
    ],
)
def test_outcomes_the_case_already_says(events, outcome, purpose, recorded, expected):
    found = suggest(events, outcome, purpose, recorded)
    assert [(s.code, s.achieved_on) for s in found] == expected
    assert all(s.because and s.confirm for s in found)
