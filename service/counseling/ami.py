"""The household's income band relative to the Area Median Income (AMI), with its derivation in words.
Pure: no database, no web. Money is Decimal.

The band comes from HUD's income limits for the county and HUD fiscal year (an organisation loads them from
HUD's published CSV, see parse_income_limits_csv):
- annual income = gross monthly income x 12;
- the 30%, 50% and 80% limits for the household's size are HUD's published ones (ELI_n, l50_n, l80_n);
  for more than 8 people, the 8-person limit plus 8% of the 4-person limit per extra person, rounded up
  to a multiple of $50 (HUD's rule for large households);
- the 100% limit is the area median family income adjusted for size as HUD adjusts its limits (70% for
  1 person, 80% for 2, 90% for 3, 100% for 4, then +8% per person), rounded up to a multiple of $50;
- an income at or below a limit is within it (HUD's limits are "not exceeding"): at or below 30% -> lt30,
  at or below 50% -> 30_49, at or below 80% -> 50_79, at or below 100% -> 80_100, above -> gt100.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

BANDS = ("lt30", "30_49", "50_79", "80_100", "gt100", "no_response")
BAND_LABELS = {
    "lt30": "below 30%",
    "30_49": "30-49%",
    "50_79": "50-79%",
    "80_100": "80-100%",
    "gt100": "above 100%",
    "no_response": "chose not to respond",
}
PERCENTS = (30, 50, 80)
MONTHS = Decimal(12)
FIFTY = Decimal(50)
SIZE_FACTORS = {
    1: Decimal("0.70"),
    2: Decimal("0.80"),
    3: Decimal("0.90"),
    4: Decimal("1.00"),
    5: Decimal("1.08"),
    6: Decimal("1.16"),
    7: Decimal("1.24"),
    8: Decimal("1.32"),
}
EXTRA_PERSON = Decimal("0.08")


@dataclass(frozen=True)
class IncomeLimits:
    fiscal_year: int
    state: str
    county: str  # as HUD names it, e.g. "Cook County"
    median_income: Decimal  # the area median family income (4 people)
    limits: dict[int, tuple[Decimal, ...]]  # {30: (1 person, ..., 8 people), 50: (...), 80: (...)}


@dataclass(frozen=True)
class BandResult:
    band: str
    annual_income: Decimal
    thresholds: dict[int, Decimal]  # {30: ..., 50: ..., 80: ..., 100: ...} for the household's size
    derivation: str


def county_key(name: str | None) -> str:
    """'Cook County', 'cook', ' COOK county ' -> 'cook' (how a case's county meets HUD's name)."""
    text = re.sub(r"\s+", " ", (name or "").strip().lower())
    return re.sub(r" (county|parish|borough|census area|municipality)$", "", text)


def _round_up_50(value: Decimal) -> Decimal:
    return (value / FIFTY).to_integral_value(rounding=ROUND_CEILING) * FIFTY


def limit_for_size(limits: IncomeLimits, percent: int, size: int) -> Decimal:
    if size < 1:
        raise ValueError("household size must be at least 1")
    if percent == 100:
        factor = SIZE_FACTORS.get(size, SIZE_FACTORS[8] + EXTRA_PERSON * (size - 8))
        return _round_up_50(limits.median_income * factor)
    table = limits.limits[percent]
    if size <= 8:
        return table[size - 1]
    return _round_up_50(table[7] + EXTRA_PERSON * table[3] * (size - 8))


def money(value: Decimal) -> str:
    return f"${value:,.2f}"


def compute_band(household_size: int, gross_monthly_income: Decimal, limits: IncomeLimits) -> BandResult:
    annual = (Decimal(gross_monthly_income) * MONTHS).quantize(Decimal("0.01"))
    thresholds = {p: limit_for_size(limits, p, household_size) for p in (*PERCENTS, 100)}
    band, reason = "gt100", "above the 100% limit"
    for percent, name in ((30, "lt30"), (50, "30_49"), (80, "50_79"), (100, "80_100")):
        if annual <= thresholds[percent]:
            band, reason = name, f"at or below the {percent}% limit"
            if percent > 30:
                previous = {50: 30, 80: 50, 100: 80}[percent]
                reason = f"above the {previous}% limit and {reason}"
            break
    people = "person" if household_size == 1 else "people"
    limits_text = ", ".join(f"{p}% {money(thresholds[p])}" for p in (*PERCENTS, 100))
    derivation = (
        f"household of {household_size} {people}, {money(Decimal(gross_monthly_income))}/month x 12 = "
        f"{money(annual)}/year; {limits.county}, {limits.state} FY{limits.fiscal_year} income limits for "
        f"{household_size}: {limits_text} (100%: area median {money(limits.median_income)} adjusted for "
        f"household size); {money(annual)} is {reason}: band {BAND_LABELS[band]}"
    )
    return BandResult(band, annual, thresholds, derivation)


# --- HUD's CSV ---------------------------------------------------------------------------------------

STATE_COLUMNS = ("state_alpha", "stusps", "state")
COUNTY_COLUMNS = ("county_name", "countyname", "county")
LIMIT_PREFIXES = {30: ("eli_", "l30_"), 50: ("l50_",), 80: ("l80_",)}


class IncomeLimitsError(ValueError):
    """A CSV that cannot be read as HUD's income limits; the message names the row and column."""


def _decimal(raw: str, row: int, column: str) -> Decimal:
    text = (raw or "").strip().replace(",", "").replace("$", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise IncomeLimitsError(f"row {row}, column {column}: {raw!r} is not an amount") from None
    if value <= 0 or not value.is_finite():
        raise IncomeLimitsError(f"row {row}, column {column}: {raw!r} must be a positive amount")
    return value.quantize(Decimal("0.01"))


def parse_income_limits_csv(text: str, fiscal_year: int) -> list[IncomeLimits]:
    """HUD's income limits CSV (one row per county: State_Alpha, County_Name, median<year>, ELI_1..8 or
    l30_1..8, l50_1..8, l80_1..8; column names in any case) -> one IncomeLimits per county."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise IncomeLimitsError("the file is empty")
    columns = {name.strip().lower(): name for name in reader.fieldnames if name}

    def find(candidates: tuple[str, ...], what: str) -> str:
        for candidate in candidates:
            if candidate in columns:
                return columns[candidate]
        raise IncomeLimitsError(f"no {what} column (one of {', '.join(candidates)})")

    state_col = find(STATE_COLUMNS, "state")
    county_col = find(COUNTY_COLUMNS, "county")
    median_col = next((columns[c] for c in columns if re.fullmatch(r"median(\d{4})?", c)), None)
    if median_col is None:
        raise IncomeLimitsError("no median column (median or median<year>)")
    limit_cols = {
        p: [find(tuple(f"{prefix}{n}" for prefix in prefixes), f"{p}% limit for {n}") for n in range(1, 9)]
        for p, prefixes in LIMIT_PREFIXES.items()
    }
    result: list[IncomeLimits] = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(reader, start=2):
        state = (row.get(state_col) or "").strip().upper()
        county = (row.get(county_col) or "").strip()
        if not re.fullmatch(r"[A-Z]{2}", state):
            raise IncomeLimitsError(f"row {number}, column {state_col}: {state!r} is not a USPS state code")
        if not county:
            raise IncomeLimitsError(f"row {number}, column {county_col}: the county is empty")
        key = (state, county_key(county))
        if key in seen:
            raise IncomeLimitsError(f"row {number}: {county}, {state} appears twice")
        seen.add(key)
        limits = {p: tuple(_decimal(row.get(c, ""), number, c) for c in cols) for p, cols in limit_cols.items()}
        result.append(
            IncomeLimits(fiscal_year, state, county, _decimal(row.get(median_col, ""), number, median_col), limits)
        )
    if not result:
        raise IncomeLimitsError("the file has no rows")
    return result
