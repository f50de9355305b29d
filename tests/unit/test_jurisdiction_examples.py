"""Runs every worked example in tests/unit/jurisdiction_examples/XX.yaml through the engine.

Format: a list of {name, source, facts, events: [{type, occurred_on, details?, id?}],
expect_deadlines: [{kind, due_on, status, expires_on?, verify_manually?, alternatives?: [dates]}],
lists_only_some?, expect_absent: [kind], expect_deficiency: {recoverable, deficiency?, filing_deadline?}, today?}.
Each expected deadline must be computed with that date (due_on null: a verify-manually deadline of
that kind) and that status (open, met, missed, tolled) as of `today`. The list is the whole answer: a
deadline the engine computes that the example does not list fails it, unless the example says
`lists_only_some: true` (an empty or missing expect_deadlines then means nothing is computed at all).
expect_absent lists kinds that must not be computed at all (e.g. a deficiency deadline that applies only
after a trustee's sale, in an example with a judicial sale). expect_deficiency.filing_deadline: null
means compute_deficiency reports no filing deadline.
Each example loads only its own jurisdiction file, so one broken file fails only its own examples.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from service.clock.deficiency import compute_deficiency
from service.clock.engine import CaseFacts, Event, compute_deadlines
from service.clock.rules import RULES_DIR, Rulebook, load_federal_file, load_jurisdiction_file

EXAMPLES_DIR = Path(__file__).resolve().parent / "jurisdiction_examples"
DEFAULT_TODAY = date(2026, 1, 1)  # before the examples' events unless an example gives its own today


def _examples():
    for path in sorted(EXAMPLES_DIR.glob("*.yaml")):
        try:
            items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:  # a broken example file is one failing test, not a collection error
            yield pytest.param(path, {"name": "unreadable", "error": str(exc)}, id=f"{path.stem}:unreadable")
            continue
        for i, example in enumerate(items):
            name = str(example.get("name", i)) if isinstance(example, dict) else str(i)
            yield pytest.param(path, example, id=f"{path.stem}:{i}:{name[:60]}")


_federal_cache = {}


def _rulebook(code: str) -> Rulebook:
    if "federal" not in _federal_cache:
        _federal_cache["federal"] = load_federal_file(RULES_DIR / "federal.yaml")
    jurisdiction = load_jurisdiction_file(RULES_DIR / "jurisdictions" / f"{code}.yaml")
    return Rulebook({code: jurisdiction}, _federal_cache["federal"], str(RULES_DIR))


@pytest.mark.parametrize("path,example", list(_examples()))
def test_jurisdiction_example(path, example):
    assert "error" not in example, example.get("error")
    code = path.stem.upper()
    facts_data = dict(example.get("facts") or {})
    facts_data.setdefault("state", code)
    facts = CaseFacts.from_mapping(facts_data)
    events = [
        Event(str(e.get("id", f"e{i}")), e["type"], date.fromisoformat(str(e["occurred_on"])), e.get("details") or {})
        for i, e in enumerate(example.get("events") or [])
    ]
    today = date.fromisoformat(str(example["today"])) if example.get("today") else DEFAULT_TODAY
    rulebook = _rulebook(code)
    deadlines = compute_deadlines(facts, events, rulebook, today)
    got = [(d.kind, d.due_on.isoformat() if d.due_on else None) for d in deadlines]
    summary = "\n".join(f"  {d.kind} {d.due_on} | {d.explanation}" for d in deadlines)

    expected = example.get("expect_deadlines") or []
    wanted = []
    for item in expected:
        want = (item["kind"], str(item["due_on"]) if item.get("due_on") else None)
        wanted.append(want)
        assert want in got, f"expected {want}; computed:\n{summary}"
        match = next(d for d in deadlines if (d.kind, d.due_on.isoformat() if d.due_on else None) == want)
        assert "status" in item, f"{want} gives no status (open, met, missed, tolled)"
        assert match.status == item["status"], f"status of {want}:\n{summary}"
        if "expires_on" in item:
            assert str(match.expires_on) == str(item["expires_on"]), f"expires_on of {want}:\n{summary}"
        if "verify_manually" in item:
            assert match.verify_manually is item["verify_manually"], f"verify_manually of {want}:\n{summary}"
        if "alternatives" in item:
            assert [(str(a.due_on),) for a in match.alternatives] == [(str(a),) for a in item["alternatives"]], (
                f"alternatives of {want}:\n{summary}"
            )
    if not example.get("lists_only_some"):
        unexpected = [g for g in got if g not in wanted]
        assert not unexpected, f"computed but not listed: {unexpected} (or say lists_only_some: true):\n{summary}"

    for kind in example.get("expect_absent") or []:
        assert kind not in [g[0] for g in got], f"expected no {kind}; computed:\n{summary}"

    exp_def = example.get("expect_deficiency")
    if exp_def:
        result = compute_deficiency(facts, events, rulebook, deadlines=deadlines)
        if "recoverable" in exp_def:
            assert result.recoverable == exp_def["recoverable"], f"{result.reason} ({result.citation})"
        if exp_def.get("deficiency") is not None:
            from decimal import Decimal

            assert result.deficiency == Decimal(str(exp_def["deficiency"])), result.explanation
        if "filing_deadline" in exp_def:
            want = str(exp_def["filing_deadline"]) if exp_def["filing_deadline"] else None
            got_date = result.filing_deadline.isoformat() if result.filing_deadline else None
            assert got_date == want, result.explanation
