"""HUD-9902 sections 3 to 10 from plain records: pure arithmetic, no database, no web.

How HUD counts (the sources are cited in hud_9902_lines.yaml):
- The report is cumulative: from October 1 of fiscal_year - 1 to the end of the quarter asked for
  (Q1 ends December 31, Q2 March 31, Q3 June 30, Q4 September 30).
- A *service* is one household (case) receiving one purpose line (9f, 8b, ...) in the period, however many
  sessions it took. Sections 8 and 9 count services; sections 3 to 7 count the same services by the
  household's demographics, so each of their totals equals section 8 + section 9.
- Two columns: "all" and "hud". A service counts in the HUD column when any of the time of that service
  (any of its sessions in the period) was billed to the HUD grant, in part or in full. Section 10 counts a
  household in the HUD column when any of its one-on-one time in the period was billed to HUD.
- Section 10 counts each outcome once per household, only for households with one-on-one counseling in
  the period, and only outcomes achieved within it. 10a (one-on-one and group education) is derived
  from the sessions, and a recorded 10a is counted too.
- A session by a counselor without a HUD counselor certification ID is not reportable: it is left out and
  the check "uncertified_counselor" names its case.
- A household whose demographic field is missing is counted in section 8/9 but in no line of that
  section; the check "missing_<field>" names it, and "section_totals" shows the sections that disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

from service.funder_reports.codes import hud_9902

DEMOGRAPHIC_SECTIONS = ("3", "4", "5", "6", "7")
SERVICE_SECTIONS = ("8", "9")
QUARTER_ENDS = {1: (0, 12, 31), 2: (1, 3, 31), 3: (1, 6, 30), 4: (1, 9, 30)}  # (year offset from fy - 1, month, day)


class Household(NamedTuple):
    case_id: int
    ethnicity: str | None = None
    race: str | None = None
    ami_band: str | None = None
    rural: str | None = None
    limited_english: str | None = None


class Session(NamedTuple):
    case_id: int
    on: dt.date  # the session's date in the organisation's time zone
    type: str  # one_on_one, group_education
    purpose: str  # "9f", "8b", ...
    hud_billable: bool
    counselor_certified: bool  # the counselor has a HUD counselor certification ID


class Outcome(NamedTuple):
    case_id: int
    code: str  # "10p", ...
    achieved_on: dt.date


@dataclass
class Cell:
    """One figure of the form: every count is a case id appended (a household counted twice appears twice);
    the figures are the lengths, the drill-down the distinct ids."""

    section: str
    line: str
    label: str
    # False: the line letter and label were not compared with the current form (hud_9902_lines.yaml `checked`).
    label_checked: bool = True
    counted: list[int] = field(default_factory=list)
    counted_hud: list[int] = field(default_factory=list)

    def add(self, case_id: int, hud: bool) -> None:
        self.counted.append(case_id)
        if hud:
            self.counted_hud.append(case_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "line": self.line,
            "label": self.label,
            "label_checked": self.label_checked,
            "all": len(self.counted),
            "hud": len(self.counted_hud),
            "case_ids": sorted(set(self.counted)),
            "hud_case_ids": sorted(set(self.counted_hud)),
        }


def period(fiscal_year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """HUD's fiscal year YYYY runs from October 1 of YYYY - 1; the report runs from then to the quarter's end."""
    if quarter not in QUARTER_ENDS:
        raise ValueError(f"quarter must be 1 to 4, not {quarter}")
    offset, month, day = QUARTER_ENDS[quarter]
    return dt.date(fiscal_year - 1, 10, 1), dt.date(fiscal_year - 1 + offset, month, day)


def fiscal_year_of(day: dt.date) -> int:
    return day.year + 1 if day.month >= 10 else day.year


def compute(
    fiscal_year: int,
    quarter: int,
    households: Iterable[Household],
    sessions: Iterable[Session],
    outcomes: Iterable[Outcome],
) -> dict[str, Any]:
    start, end = period(fiscal_year, quarter)
    form = hud_9902()
    by_case = {h.case_id: h for h in households}
    in_period = [s for s in sessions if start <= s.on <= end]
    uncertified = sorted({s.case_id for s in in_period if not s.counselor_certified})
    reportable = [s for s in in_period if s.counselor_certified]

    # One service per (case, purpose); HUD when any of its sessions was billed to HUD.
    services: dict[tuple[int, str], bool] = {}
    for s in reportable:
        services[(s.case_id, s.purpose)] = services.get((s.case_id, s.purpose), False) or s.hud_billable

    cells: dict[tuple[str, str], Cell] = {}
    for number, section in form.items():
        for letter, line in section["lines"].items():
            cells[(number, letter)] = Cell(number, letter, line["label"], bool(section.get("checked", False)))
        cells[(number, "total")] = Cell(number, "total", f"Section {number} Total")

    # Per demographic section: the household field it counts, and value -> the lists of its line and total
    # (all, HUD). The loop below runs once per service per section: plain list appends, for speed.
    demographics = [
        (
            form[n]["field"],
            {
                line["value"]: (
                    cells[(n, letter)].counted,
                    cells[(n, "total")].counted,
                    cells[(n, letter)].counted_hud,
                    cells[(n, "total")].counted_hud,
                )
                for letter, line in form[n]["lines"].items()
            },
        )
        for n in DEMOGRAPHIC_SECTIONS
    ]
    missing: dict[str, set[int]] = defaultdict(set)
    nobody = Household(0)
    for (case_id, purpose), hud in sorted(services.items()):
        section, letter = purpose[0], purpose[1:]
        cells[(section, letter)].add(case_id, hud)
        cells[(section, "total")].add(case_id, hud)
        household = by_case.get(case_id, nobody)
        for field_name, targets in demographics:
            found = targets.get(getattr(household, field_name))
            if found is None:
                missing[field_name].add(case_id)
                continue
            found[0].append(case_id)
            found[1].append(case_id)
            if hud:
                found[2].append(case_id)
                found[3].append(case_id)

    # Section 10: households with one-on-one counseling in the period.
    one_on_one: dict[int, bool] = {}
    group: set[int] = set()
    for s in reportable:
        if s.type == "one_on_one":
            one_on_one[s.case_id] = one_on_one.get(s.case_id, False) or s.hud_billable
        else:
            group.add(s.case_id)
    impacts: set[tuple[int, str]] = {(case_id, "a") for case_id in one_on_one if case_id in group}
    without_session: set[int] = set()
    for o in outcomes:
        if not start <= o.achieved_on <= end:
            continue
        if o.case_id not in one_on_one:
            without_session.add(o.case_id)
            continue
        impacts.add((o.case_id, o.code[2:]))
    for case_id, letter in sorted(impacts):
        if ("10", letter) in cells:
            cells[("10", letter)].add(case_id, one_on_one[case_id])
    del cells[("10", "total")]  # section 10 has no total on the form: its lines are independent

    checks = _checks(cells, uncertified, missing, without_session)
    return {
        "fiscal_year": fiscal_year,
        "quarter": quarter,
        "period": {"start": start, "end": end},
        "lines": [cell.as_dict() for cell in cells.values()],
        "checks": checks,
    }


def _checks(
    cells: dict[tuple[str, str], Cell], uncertified: list[int], missing: dict[str, set[int]], without_session: set[int]
) -> list[dict[str, Any]]:
    def figures(section: str) -> tuple[int, int]:
        return len(cells[(section, "total")].counted), len(cells[(section, "total")].counted_hud)

    services_all = figures("8")[0] + figures("9")[0]
    services_hud = figures("8")[1] + figures("9")[1]
    disagreeing = [n for n in DEMOGRAPHIC_SECTIONS if figures(n) != (services_all, services_hud)]
    missing_cases = set().union(*missing.values()) if missing else set()
    checks = [
        {
            "rule": "section_totals",
            "ok": not disagreeing,
            "detail": (
                f"Sections 3-7 totals equal section 8 + section 9 ({services_all} all, {services_hud} HUD)."
                if not disagreeing
                else f"Sections {', '.join(disagreeing)} do not total section 8 + section 9 ({services_all} all, "
                f"{services_hud} HUD): a household lacks the field the section counts."
            ),
            "case_ids": sorted(missing_cases),
        },
        {
            "rule": "uncertified_counselor",
            "ok": not uncertified,
            "detail": "Sessions by a counselor without a HUD counselor certification ID are not reportable and are "
            "left out; add the ID to the counselor's profile.",
            "case_ids": uncertified,
        },
    ]
    for field_name, label in (
        ("ami_band", "income band"),
        ("ethnicity", "ethnicity"),
        ("race", "race"),
        ("rural", "rural area status"),
        ("limited_english", "limited English proficiency"),
    ):
        cases = sorted(missing.get(field_name, ()))
        checks.append(
            {
                "rule": f"missing_{field_name}",
                "ok": not cases,
                "detail": f"Households counted in section 8 or 9 without their {label} "
                "(record it, or 'chose not to respond').",
                "case_ids": cases,
            }
        )
    checks.append(
        {
            "rule": "outcome_without_one_on_one",
            "ok": not without_session,
            "detail": "Outcomes achieved in the period on cases with no reportable one-on-one session in it "
            "are not counted in section 10.",
            "case_ids": sorted(without_session),
        }
    )
    return checks


def csv_rows(report: dict[str, Any]) -> list[list[str]]:
    """The report as rows for a CSV file: one per cell, with its cases."""
    rows = [["section", "line", "label", "all", "hud", "case_ids"]]
    for line in report["lines"]:
        rows.append(
            [
                line["section"],
                line["line"],
                line["label"],
                str(line["all"]),
                str(line["hud"]),
                " ".join(str(c) for c in line["case_ids"]),
            ]
        )
    rows.append([])
    rows.append(["check", "ok", "detail", "", "", "case_ids"])
    for check in report["checks"]:
        rows.append(
            [
                check["rule"],
                "yes" if check["ok"] else "no",
                check["detail"],
                "",
                "",
                " ".join(str(c) for c in check["case_ids"]),
            ]
        )
    return rows
