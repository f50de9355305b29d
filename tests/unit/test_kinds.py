"""The vocabulary registry."""
from __future__ import annotations

import re
from pathlib import Path

from service.clock.kinds import (DEADLINE_KINDS, EVENT_TYPES, FORECLOSURE_KINDS, OUTCOME_EVENTS, OUTCOMES, STAGES,
                                 deadline_kind)

CONTRACT = Path("/work/shared/contract.md")

REQUIRED_KINDS = {
    "reg_x_120_day_mark", "early_intervention_live_contact", "early_intervention_written_notice", "answer_due",
    "loss_mit_acknowledgment_due", "loss_mit_evaluation_due", "loss_mit_appeal_due", "loss_mit_sale_protection",
    "redemption_period_end", "deficiency_filing_deadline", "servicer_acknowledgment_due", "servicer_response_due",
    "scra_protection_end", "sale_date", "state_notice_period_end", "waiver_follow_up", "manual",
}


def test_required_kinds_present_and_well_formed():
    assert REQUIRED_KINDS <= set(DEADLINE_KINDS)
    for kind in DEADLINE_KINDS.values():
        assert kind.binds in ("borrower", "servicer", "lender", "court")
        assert kind.severity in ("grave", "informational")
        assert kind.title and kind.description
    assert deadline_kind("answer_due").severity == "grave"
    assert deadline_kind("reg_x_120_day_mark").severity == "informational"
    assert FORECLOSURE_KINDS == {"answer_due", "sale_date", "redemption_period_end", "deficiency_filing_deadline",
                                 "state_notice_period_end", "reinstatement_period_end", "fair_value_action_deadline"}


def test_stages_and_outcomes():
    assert STAGES == ("intake", "delinquent", "pre_foreclosure", "loss_mitigation", "foreclosure_filed",
                      "sale_scheduled", "sale_held", "redemption", "post_sale", "closed")
    assert set(OUTCOME_EVENTS.values()) <= set(OUTCOMES)
    assert len(EVENT_TYPES) == 35 and len(set(EVENT_TYPES)) == 35


def test_event_types_match_the_contract():
    if not CONTRACT.exists():
        return
    text = CONTRACT.read_text()
    section = text[text.index("the types:"):text.index("Adding, changing or deleting an event")]
    names = [n for n in re.findall(r"`([a-z_]+)`", section) if n != "occurred_on"]
    assert tuple(names) == EVENT_TYPES[:len(names)]  # later additions come after the contract's list
