"""The vocabulary registry."""

from __future__ import annotations

from service.clock.kinds import DEADLINE_KINDS, EVENT_TYPES, FORECLOSURE_KINDS, OUTCOME_EVENTS, OUTCOMES, deadline_kind

REQUIRED_KINDS = {
    "reg_x_120_day_mark",
    "early_intervention_live_contact",
    "early_intervention_written_notice",
    "answer_due",
    "loss_mit_acknowledgment_due",
    "loss_mit_evaluation_due",
    "loss_mit_appeal_due",
    "loss_mit_sale_protection",
    "redemption_period_end",
    "deficiency_filing_deadline",
    "servicer_acknowledgment_due",
    "servicer_response_due",
    "scra_protection_end",
    "sale_date",
    "state_notice_period_end",
    "waiver_follow_up",
    "manual",
}


def test_required_kinds_present_and_well_formed():
    assert REQUIRED_KINDS <= set(DEADLINE_KINDS)
    for kind in DEADLINE_KINDS.values():
        assert kind.binds in ("borrower", "servicer", "lender", "court")
        assert kind.severity in ("grave", "informational")
        assert kind.title and kind.description
    assert deadline_kind("answer_due").severity == "grave"
    assert deadline_kind("reg_x_120_day_mark").severity == "informational"
    assert FORECLOSURE_KINDS <= set(DEADLINE_KINDS)


def test_outcome_events_name_known_events_and_outcomes():
    assert set(OUTCOME_EVENTS) <= set(EVENT_TYPES)
    assert set(OUTCOME_EVENTS.values()) <= set(OUTCOMES)
    assert len(set(EVENT_TYPES)) == len(EVENT_TYPES)  # no type listed twice
