"""LSC Case Service Report: closed cases of a calendar year by problem code and closing code. Pure."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from service.funder_reports.codes import lsc_csr


@dataclass(frozen=True)
class ClosedCase:
    case_id: int
    problem_code: str | None
    closing_code: str | None
    closed_on: dt.date | None


def compute(year: int, cases: Iterable[ClosedCase]) -> dict[str, Any]:
    codes = lsc_csr()
    cells: dict[tuple[str, str], list[int]] = defaultdict(list)
    incomplete: list[int] = []
    for case in cases:
        if case.closed_on is None or case.closed_on.year != year:
            continue
        if not case.problem_code or not case.closing_code:
            incomplete.append(case.case_id)
            continue
        cells[(case.problem_code, case.closing_code)].append(case.case_id)
    problem_order = list(codes["problem_codes"])
    closing_order = list(codes["closing_codes"])

    def order(key: tuple[str, str]) -> tuple[int, int]:
        return problem_order.index(key[0]), closing_order.index(key[1])

    lines = [
        {
            "problem_code": p,
            "problem": codes["problem_codes"][p],
            "closing_code": c,
            "closing": codes["closing_codes"][c],
            "count": len(ids),
            "case_ids": sorted(ids),
        }
        for (p, c), ids in sorted(cells.items(), key=lambda item: order(item[0]))
    ]
    return {
        "year": year,
        "period": {"start": dt.date(year, 1, 1), "end": dt.date(year, 12, 31)},
        "total": sum(line["count"] for line in lines),
        "lines": lines,
        "checks": [
            {
                "rule": "closed_without_codes",
                "ok": not incomplete,
                "detail": "Cases closed in the year without a problem code or closing code are not counted.",
                "case_ids": sorted(incomplete),
            }
        ],
    }


def csv_rows(report: dict[str, Any]) -> list[list[str]]:
    rows = [["problem_code", "problem", "closing_code", "closing", "count", "case_ids"]]
    for line in report["lines"]:
        rows.append(
            [
                line["problem_code"],
                line["problem"],
                line["closing_code"],
                line["closing"],
                str(line["count"]),
                " ".join(str(c) for c in line["case_ids"]),
            ]
        )
    return rows
