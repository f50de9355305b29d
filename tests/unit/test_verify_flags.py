"""verify_manually agrees with the words, in every answer of the worked examples and the demo caseload:
no "verify" in an explanation without the flag, and no flag without a reason in the text. Screens and
reports rely on the flag; the attorney reads the words."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from service.clock.deficiency import compute_deficiency
from service.clock.engine import CaseFacts, Event, compute_deadlines
from service.clock.rules import load_rulebook
from service.demo import DEMO_CASES

RULEBOOK = load_rulebook()
EXAMPLES_DIR = Path(__file__).resolve().parent / "jurisdiction_examples"
DEMO_TODAY = date(2026, 11, 27)


def _example_cases():
    for path in sorted(EXAMPLES_DIR.glob("*.yaml")):
        for i, example in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            facts = CaseFacts.from_mapping({"state": path.stem.upper(), **(example.get("facts") or {})})
            events = [
                Event(f"e{j}", e["type"], date.fromisoformat(str(e["occurred_on"])), e.get("details") or {})
                for j, e in enumerate(example.get("events") or [])
            ]
            today = date.fromisoformat(str(example["today"])) if example.get("today") else date(2026, 1, 1)
            yield pytest.param(facts, events, today, id=f"{path.stem}:{i}")


def _demo_cases():
    for i, case in enumerate(DEMO_CASES):
        data = case["data"]
        facts = CaseFacts.from_mapping(
            {
                "state": data["property"]["state"],
                "occupancy": data["property"]["occupancy"],
                "dwelling_units": data["property"]["dwelling_units"],
                "acreage": data["property"]["acreage"],
                **{
                    k: data["loan"][k]
                    for k in (
                        "purpose",
                        "lien_position",
                        "investor",
                        "unpaid_principal",
                        "accrued_interest",
                        "fees_and_costs",
                        "credits",
                    )
                },
            }
        )
        events = [
            Event(f"d{j}", kind, DEMO_TODAY - timedelta(days=days_before), details)
            for j, (kind, days_before, details) in enumerate(case["events"])
        ]
        yield pytest.param(facts, events, DEMO_TODAY, id=f"demo:{i}:{facts.state}")


def asks_to_verify(text: str) -> bool:
    return "verify" in text.lower()


@pytest.mark.parametrize("facts,events,today", [*_example_cases(), *_demo_cases()])
def test_the_flag_follows_the_words(facts, events, today):
    deadlines = compute_deadlines(facts, events, RULEBOOK, today)
    for d in deadlines:
        assert asks_to_verify(d.explanation) == d.verify_manually, (
            f"{d.key}: verify_manually={d.verify_manually} but the explanation says: {d.explanation}"
        )
        if d.alternatives:
            assert d.verify_manually, f"{d.key} lists alternatives without asking for a check"
    result = compute_deficiency(facts, events, RULEBOOK, deadlines=deadlines)
    words = f"{result.reason} {result.explanation}"
    assert asks_to_verify(words) == result.verify_manually, (
        f"deficiency: verify_manually={result.verify_manually} but the words say: {words}"
    )
