"""Helpers for the clock's unit tests: a private rules directory built from fixture jurisdiction
files, so these tests do not depend on the reviewed files other people are still writing."""

from __future__ import annotations

import copy
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service.clock.rules import RULES_DIR, load_rulebook  # noqa: E402

SRC = {
    "citation": "Fixture Stat. § 1",
    "source_url": "https://example.org/statute",
    "checked_on": "2026-11-23",
    "confidence": "verified",
}


def jurisdiction_data(code: str, name: str = "Fixture State", **overrides) -> dict:
    """A valid jurisdiction file (a recourse, judicial state) with `overrides` merged at the top level."""
    data = {
        "code": code,
        "name": name,
        "reviewed": {"on": "2026-11-23", "by": "tests"},
        "foreclosure_process": {"available": ["judicial"], "usual": "judicial", "summary": "judicial", **SRC},
        "deficiency": {
            "general": {"status": "allowed", "summary": "A deficiency judgment may be entered.", **SRC},
            "bars": [],
            "fair_value_limit": {"status": "does_not_apply", "summary": "no fair-value limit", **SRC},
            "filing_deadline": {"status": "not_applicable", "summary": "part of the foreclosure judgment", **SRC},
        },
        "redemption": {"status": "none", "summary": "no post-sale redemption", "periods": []},
        "answer_period": {
            "status": "known",
            "period": {"amount": 30, "unit": "days"},
            "from": "complaint_served",
            "roll_forward": True,
            "summary": "30 days to answer",
            **SRC,
        },
        "pre_foreclosure_notices": [],
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            merged = copy.deepcopy(data[key])
            merged.update(value)
            data[key] = merged
        else:
            data[key] = value
    return data


def timed_filing_deadline(amount: int, unit: str, start: str, when: dict, summary: str, citation: str) -> dict:
    """A deficiency section whose filing deadline runs `amount` `unit` from the event `start`, applying only
    `when` the case's facts match (a trustee's sale, a home of so many units)."""
    return {
        "filing_deadline": {
            "status": "known",
            "period": {"amount": amount, "unit": unit},
            "from": start,
            "roll_forward": False,
            "when": when,
            "summary": summary,
            **SRC,
            "citation": citation,
        }
    }


class RulesDir:
    def __init__(self, path: Path):
        self.path = path
        (path / "jurisdictions").mkdir(parents=True, exist_ok=True)
        for name in ("schema.json", "federal.yaml", "federal.schema.json"):
            shutil.copy(RULES_DIR / name, path / name)

    def write(self, code: str, data: dict | str) -> Path:
        target = self.path / "jurisdictions" / f"{code}.yaml"
        target.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        return target

    def rulebook(self, require_all: bool = False):
        load_rulebook.cache_clear()
        return load_rulebook(self.path, require_all=require_all)


def standard_fixture_states(rd: RulesDir) -> None:
    """IL-like judicial recourse state (IL), MN-like nonjudicial state with redemption (MN),
    a CA-like state with anti-deficiency bars and a notice period (CA)."""
    rd.write("IL", jurisdiction_data("IL", "Illinois"))
    rd.write(
        "MN",
        jurisdiction_data(
            "MN",
            "Minnesota",
            foreclosure_process={"available": ["judicial", "nonjudicial"], "usual": "nonjudicial"},
            redemption={
                "status": "has_period",
                "summary": "redemption",
                "periods": [
                    {
                        "id": "abandoned",
                        "period": {"amount": 35, "unit": "days"},
                        "from": "sale_held",
                        "when": {"process": "nonjudicial", "occupancy": ["vacant"]},
                        "roll_forward": False,
                        "summary": "five weeks",
                        **SRC,
                        "citation": "Minn. Stat. § 582.032",
                    },
                    {
                        "id": "standard",
                        "period": {"amount": 6, "unit": "months"},
                        "from": "sale_held",
                        "when": {"process": "nonjudicial"},
                        "roll_forward": False,
                        "summary": "six months",
                        **SRC,
                        "citation": "Minn. Stat. § 580.23",
                    },
                    {
                        "id": "weekend_rolled",
                        "period": {"amount": 6, "unit": "months"},
                        "from": "sale_confirmed",
                        "when": {"process": "judicial"},
                        "roll_forward": True,
                        "summary": "six months from confirmation",
                        **SRC,
                        "citation": "Minn. Stat. § 581.10",
                    },
                ],
            },
            answer_period={
                "status": "known",
                "period": {"amount": 21, "unit": "days"},
                "from": "complaint_served",
                "roll_forward": True,
                "summary": "21 days",
                **SRC,
                "citation": "Minn. R. Civ. P. 12.01",
            },
        ),
    )
    rd.write(
        "CA",
        jurisdiction_data(
            "CA",
            "California",
            foreclosure_process={"available": ["judicial", "nonjudicial"], "usual": "nonjudicial"},
            deficiency={
                "general": {"status": "allowed", "summary": "judicial only", **SRC},
                "bars": [
                    {
                        "id": "nonjudicial",
                        "effect": "bar",
                        "when": {"process": "nonjudicial"},
                        "summary": "No deficiency after a trustee's sale.",
                        **SRC,
                        "citation": "Cal. Code Civ. Proc. § 580d",
                    },
                    {
                        "id": "purchase_money",
                        "effect": "bar",
                        "when": {"purpose": ["purchase"], "occupancy": ["primary_residence"], "max_dwelling_units": 4},
                        "summary": "No deficiency on purchase money.",
                        **SRC,
                        "citation": "Cal. Code Civ. Proc. § 580b",
                    },
                ],
                "fair_value_limit": {
                    "status": "applies",
                    "summary": "fair value",
                    **SRC,
                    "citation": "Cal. Code Civ. Proc. § 580a",
                },
                "filing_deadline": {
                    "status": "known",
                    "period": {"amount": 3, "unit": "months"},
                    "from": "sale_held",
                    "roll_forward": True,
                    "summary": "three months",
                    **SRC,
                    "citation": "Cal. Code Civ. Proc. § 726(b)",
                },
            },
            pre_foreclosure_notices=[
                {
                    "id": "nod_wait",
                    "name": "Notice of default",
                    "from": "notice_of_default_recorded",
                    "period": {"amount": 3, "unit": "months"},
                    "before": "sale_held",
                    "when": {},
                    "summary": "three months",
                    **SRC,
                    "citation": "Cal. Civ. Code § 2924",
                },
            ],
        ),
    )
    rd.write(
        "TX",
        jurisdiction_data(
            "TX",
            "Texas",
            foreclosure_process={"available": ["judicial", "nonjudicial"], "usual": "nonjudicial"},
            deficiency={
                "general": {"status": "unknown", "summary": "unknown", **SRC},
                "bars": [],
                "fair_value_limit": {"status": "unknown", "summary": "?", **SRC},
                "filing_deadline": {"status": "unknown", "summary": "?", **SRC},
            },
            redemption={"status": "unknown", "summary": "?", "periods": []},
            answer_period={"status": "unknown", "summary": "?", **SRC},
        ),
    )
