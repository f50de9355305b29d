"""HUD-9902 sections 3-10 from a hand-built table of 30 households, each expected figure counted by hand
below (the comments list the households behind it). Fiscal year 2026, quarter 2: 2025-10-01 to 2026-03-31."""

from __future__ import annotations

import datetime as dt

import pytest

from service.funder_reports.hud9902 import Household, Outcome, Session, compute, fiscal_year_of, period

D = dt.date
NR = "no_response"

#                id  ethnicity       race                                ami       rural   limited_english
HOUSEHOLDS = [
    Household(1, "hispanic", "white", "lt30", "no", "yes"),
    Household(2, "hispanic", "more_than_one", "30_49", "no", "yes"),
    Household(3, "not_hispanic", "black", "30_49", "no", "no"),
    Household(4, "not_hispanic", "black", "50_79", "yes", "no"),
    Household(5, "not_hispanic", "asian", "80_100", "no", "no"),
    Household(6, "not_hispanic", "white", "gt100", "no", "no"),
    Household(7, "not_hispanic", "american_indian_alaska_native", "lt30", "yes", "no"),
    Household(8, "not_hispanic", "native_hawaiian_pacific_islander", "50_79", "no", "no"),
    Household(9, "hispanic", "white", "30_49", "no", "no"),
    Household(10, "not_hispanic", "black", "lt30", "no", "no"),
    Household(11, "not_hispanic", "black", "30_49", "no", "no"),
    Household(12, "not_hispanic", "white", "50_79", "no", "no"),
    Household(13, "hispanic", "white", "lt30", "no", "yes"),
    Household(14, "not_hispanic", "asian", "30_49", "no", "yes"),
    Household(15, "not_hispanic", "black", "80_100", "yes", "no"),
    Household(16, "not_hispanic", "black", "lt30", "no", "no"),
    Household(17, "hispanic", "white", "30_49", "no", "yes"),
    Household(18, "not_hispanic", "white", "50_79", "yes", "no"),
    Household(19, "not_hispanic", "black", "30_49", "no", "no"),
    Household(20, "hispanic", "white", "lt30", "no", "no"),
    Household(21, "not_hispanic", "white", "50_79", "no", "no"),
    Household(22, "not_hispanic", "black", "lt30", "no", "no"),
    Household(23, "hispanic", "black", "30_49", "no", "yes"),
    Household(24, NR, NR, NR, NR, NR),  # chose not to respond, every section
    Household(25, "not_hispanic", "white", "lt30", "no", "no"),
    Household(26, "not_hispanic", "black", None, "no", "no"),  # planted: no income band
    Household(27, "not_hispanic", "white", "30_49", "no", "no"),
    Household(28, "hispanic", "white", "lt30", "no", "no"),
    Household(29, "not_hispanic", "white", "80_100", "no", "no"),
    Household(30, "not_hispanic", "black", "lt30", "no", "no"),
]


def one(case_id, purpose="9f", hud=False, on=D(2025, 11, 15), certified=True):
    return Session(case_id, on, "one_on_one", purpose, hud, certified)


def group(case_id, purpose="8h", hud=False, on=D(2025, 11, 15)):
    return Session(case_id, on, "group_education", purpose, hud, True)


SESSIONS = [
    *[one(i, hud=True) for i in range(1, 11)],  # 1-10: 9f, billed to HUD (in both columns)
    *[one(i) for i in range(11, 16)],  # 11-15: 9f, not billed
    group(16, hud=True),
    group(17),
    group(18),  # group education alone (8h)
    one(19, hud=True),
    group(19, "8b"),  # two distinct services: 9f (HUD) and 8b (not)
    one(20, hud=True, on=D(2025, 9, 30)),  # the last day of FY2025: not counted
    one(21, on=D(2025, 10, 1)),  # the first day of FY2026: counted
    one(22, hud=True, on=D(2026, 4, 1)),  # after quarter 2: not counted (quarter 3 is)
    one(23, hud=True, on=D(2026, 3, 31)),  # the last day of quarter 2: counted
    one(24),
    one(25, hud=True, certified=False),  # planted: a counselor without a HUD certification ID
    one(26),
    group(27),
    one(29, "9g", hud=True),  # reverse mortgage default
    one(30, on=D(2025, 12, 1)),
    one(30, hud=True, on=D(2026, 1, 10)),  # one service, billed in part
]

OUTCOMES = [
    Outcome(1, "10p", D(2026, 2, 1)),
    Outcome(1, "10p", D(2026, 3, 1)),  # the same outcome twice: counted once
    Outcome(2, "10p", D(2026, 2, 1)),
    Outcome(3, "10p", D(2026, 2, 1)),
    Outcome(1, "10r", D(2026, 2, 1)),
    Outcome(4, "10s", D(2026, 2, 1)),
    Outcome(11, "10c", D(2026, 2, 1)),
    Outcome(29, "10q", D(2026, 2, 1)),
    Outcome(19, "10f", D(2026, 2, 1)),
    Outcome(5, "10d", D(2026, 4, 15)),  # after the quarter: not counted
    Outcome(20, "10p", D(2025, 9, 15)),  # the previous fiscal year: not counted
    Outcome(25, "10p", D(2026, 2, 1)),  # planted: only an uncertified counselor's session
    Outcome(27, "10p", D(2026, 2, 1)),  # planted: group education only
    Outcome(28, "10p", D(2026, 2, 1)),  # planted: no session at all
]

# (section, line): (all, hud), counted by hand from the tables above.
EXPECTED = {
    # 9f: 1-10 (HUD), 11-15, 19 (HUD), 21, 23 (HUD), 24, 26, 30 (HUD) = 21, 13 HUD. 9g: 29 (HUD).
    ("9", "f"): (21, 13),
    ("9", "g"): (1, 1),
    ("9", "total"): (22, 14),
    # 8h: 16 (HUD), 17, 18, 27. 8b: 19 (its 8b time was not billed).
    ("8", "b"): (1, 0),
    ("8", "h"): (4, 1),
    ("8", "total"): (5, 1),
    # 27 services (8 + 9), 15 of them HUD. Household 19 counts twice in sections 3-7.
    ("3", "a"): (6, 4),  # 1h 2h 9h 13 17 23h
    ("3", "b"): (20, 11),
    ("3", "c"): (1, 0),  # 24
    ("3", "total"): (27, 15),
    ("4", "a"): (1, 1),  # 7h
    ("4", "b"): (2, 1),  # 5h 14
    ("4", "c"): (11, 7),  # 3h 4h 10h 11 15 16h 19h 19 23h 26 30h
    ("4", "d"): (1, 1),  # 8h
    ("4", "e"): (10, 4),  # 1h 6h 9h 12 13 17 18 21 27 29h
    ("4", "f"): (1, 1),  # 2h
    ("4", "g"): (1, 0),  # 24
    ("4", "total"): (27, 15),
    ("5", "a"): (6, 5),  # 1h 7h 10h 13 16h 30h
    ("5", "b"): (10, 5),  # 2h 3h 9h 11 14 17 19h 19 23h 27
    ("5", "c"): (5, 2),  # 4h 8h 12 18 21
    ("5", "d"): (3, 2),  # 5h 15 29h
    ("5", "e"): (1, 1),  # 6h
    ("5", "f"): (1, 0),  # 24
    ("5", "total"): (26, 15),  # 26 has no band: one short of 27
    ("6", "a"): (4, 2),  # 4h 7h 15 18
    ("6", "b"): (22, 13),
    ("6", "c"): (1, 0),
    ("6", "total"): (27, 15),
    ("7", "a"): (6, 3),  # 1h 2h 13 14 17 23h
    ("7", "b"): (20, 12),
    ("7", "c"): (1, 0),
    ("7", "total"): (27, 15),
    # Section 10: one-on-one households only.
    ("10", "a"): (1, 1),  # 19: one-on-one (HUD) and group education
    ("10", "c"): (1, 0),  # 11
    ("10", "d"): (0, 0),  # 5's is after the quarter
    ("10", "f"): (1, 1),  # 19
    ("10", "p"): (3, 3),  # 1 (once), 2, 3; not 20, 25, 27, 28
    ("10", "q"): (1, 1),  # 29
    ("10", "r"): (1, 1),  # 1
    ("10", "s"): (1, 1),  # 4
}


@pytest.fixture(scope="module")
def report():
    return compute(2026, 2, HOUSEHOLDS, SESSIONS, OUTCOMES)


def cells(report):
    return {(line["section"], line["line"]): line for line in report["lines"]}


def test_the_period_is_cumulative_from_october_first(report):
    assert report["period"] == {"start": D(2025, 10, 1), "end": D(2026, 3, 31)}
    assert period(2026, 1) == (D(2025, 10, 1), D(2025, 12, 31))
    assert period(2026, 4) == (D(2025, 10, 1), D(2026, 9, 30))
    assert fiscal_year_of(D(2025, 9, 30)) == 2025 and fiscal_year_of(D(2025, 10, 1)) == 2026


@pytest.mark.parametrize("cell", sorted(EXPECTED))
def test_each_cell_is_the_hand_count(report, cell):
    line = cells(report)[cell]
    assert (line["all"], line["hud"]) == EXPECTED[cell], cell


def test_every_line_on_the_form_is_reported_and_nothing_else(report):
    assert set(cells(report)) == set(EXPECTED)


def test_cells_name_their_cases(report):
    by_cell = cells(report)
    assert by_cell[("3", "a")]["case_ids"] == [1, 2, 9, 13, 17, 23]
    assert by_cell[("3", "a")]["hud_case_ids"] == [1, 2, 9, 23]
    assert by_cell[("8", "h")]["case_ids"] == [16, 17, 18, 27]
    assert by_cell[("10", "p")]["case_ids"] == [1, 2, 3]
    assert 19 in by_cell[("4", "c")]["case_ids"]  # counted twice, listed once
    assert by_cell[("4", "c")]["all"] == 11 and len(by_cell[("4", "c")]["case_ids"]) == 10


def test_the_fiscal_year_boundary(report):
    nine_f = cells(report)[("9", "f")]["case_ids"]
    assert 20 not in nine_f and 21 in nine_f and 22 not in nine_f and 23 in nine_f
    later = cells(compute(2026, 3, HOUSEHOLDS, SESSIONS, OUTCOMES))
    assert 22 in later[("9", "f")]["case_ids"]
    assert later[("10", "d")]["case_ids"] == [5]
    # A year on, none of this fiscal year's work is in the next one.
    next_year = compute(2027, 1, HOUSEHOLDS, SESSIONS, OUTCOMES)
    assert all(line["all"] == 0 for line in next_year["lines"])


def test_a_household_in_both_columns_and_group_education_alone(report):
    by_cell = cells(report)
    assert 1 in by_cell[("9", "f")]["case_ids"] and 1 in by_cell[("9", "f")]["hud_case_ids"]
    assert 16 in by_cell[("8", "h")]["hud_case_ids"]
    assert 16 not in by_cell[("10", "a")]["case_ids"]
    assert all(16 not in line["case_ids"] for key, line in by_cell.items() if key[0] == "10")


def test_the_cross_check_finds_each_planted_inconsistency(report):
    checks = {check["rule"]: check for check in report["checks"]}
    assert checks["uncertified_counselor"]["case_ids"] == [25]
    assert checks["missing_ami_band"]["case_ids"] == [26]
    assert checks["outcome_without_one_on_one"]["case_ids"] == [25, 27, 28]
    assert checks["section_totals"]["ok"] is False and checks["section_totals"]["case_ids"] == [26]
    assert "5" in checks["section_totals"]["detail"]
    for rule in ("missing_ethnicity", "missing_race", "missing_rural", "missing_limited_english"):
        assert checks[rule]["ok"] and checks[rule]["case_ids"] == []


def test_with_the_band_recorded_every_total_agrees():
    households = [
        h if h.case_id != 26 else Household(26, "not_hispanic", "black", "lt30", "no", "no") for h in HOUSEHOLDS
    ]
    fixed = compute(2026, 2, households, SESSIONS, OUTCOMES)
    checks = {check["rule"]: check for check in fixed["checks"]}
    assert checks["section_totals"]["ok"] and checks["missing_ami_band"]["ok"]
    totals = {line["section"]: (line["all"], line["hud"]) for line in fixed["lines"] if line["line"] == "total"}
    services = (totals["8"][0] + totals["9"][0], totals["8"][1] + totals["9"][1])
    assert all(totals[n] == services for n in "34567")


def test_a_bad_quarter_is_refused():
    with pytest.raises(ValueError):
        period(2026, 5)
