"""Stage derivation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from service.clock.engine import CaseFacts, Event, compute_deadlines
from service.clock.rules import load_rulebook
from service.clock.stages import derive_stage


def stage_of(events, facts, rulebook, today, outcome=None):
    """derive_stage with the engine's deadlines for the same case, as the service passes them."""
    return derive_stage(
        events, facts, rulebook, today, outcome, deadlines=compute_deadlines(facts, events, rulebook, today)
    )


D = date.fromisoformat


def ev(type_, on, **details):
    return Event(f"{type_}@{on}", type_, D(on), details)


@pytest.mark.parametrize(
    "events,state,today,stage,outcome",
    [
        ([], "IL", "2026-01-01", "intake", None),
        ([ev("first_missed_payment", "2026-01-01")], "IL", "2026-02-01", "delinquent", None),
        (
            [ev("first_missed_payment", "2026-01-01"), ev("pre_foreclosure_notice_sent", "2026-02-01")],
            "IL",
            "2026-03-01",
            "pre_foreclosure",
            None,
        ),
        (
            [ev("first_missed_payment", "2026-01-01"), ev("loss_mit_application_received", "2026-02-01")],
            "IL",
            "2026-03-01",
            "loss_mitigation",
            None,
        ),
        (
            [ev("complaint_filed", "2026-05-01"), ev("loss_mit_application_received", "2026-06-01")],
            "IL",
            "2026-07-01",
            "foreclosure_filed",
            None,
        ),  # stages only move forward
        (
            [ev("complaint_filed", "2026-05-01"), ev("sale_scheduled", "2026-09-01")],
            "IL",
            "2026-07-01",
            "sale_scheduled",
            None,
        ),  # a future sale date counts now
        ([ev("sale_held", "2026-03-02")], "IL", "2026-03-05", "post_sale", None),  # no redemption
        ([ev("sale_held", "2026-03-02")], "MN", "2026-05-01", "redemption", None),  # 6 months
        ([ev("sale_held", "2026-03-02")], "MN", "2026-09-03", "post_sale", None),
        ([ev("sale_held", "2026-03-02")], "TX", "2026-09-03", "sale_held", None),  # redemption unknown
        (
            [ev("first_missed_payment", "2026-01-01"), ev("reinstated", "2026-03-01")],
            "IL",
            "2026-04-01",
            "closed",
            "reinstated",
        ),
        ([ev("modification_approved", "2026-03-01")], "IL", "2026-04-01", "closed", "modified"),
        ([ev("short_sale_closed", "2026-03-01")], "IL", "2026-04-01", "closed", "short_sale"),
        ([ev("deed_in_lieu_recorded", "2026-03-01")], "IL", "2026-04-01", "closed", "deed_in_lieu"),
        (
            [ev("reinstated", "2026-03-01"), ev("first_missed_payment", "2026-06-01")],
            "IL",
            "2026-07-01",
            "delinquent",
            None,
        ),  # a new default reopens the case
    ],
)
def test_derive_stage(rulebook, events, state, today, stage, outcome):
    facts = CaseFacts(state=state, occupancy="primary_residence")
    result = stage_of(events, facts, rulebook, D(today))
    assert (result.stage, result.outcome) == (stage, outcome)
    assert result.history[0].stage == "intake"
    assert result.history[-1].stage == stage


def test_history_of_transitions(rulebook):
    events = [
        ev("first_missed_payment", "2026-01-01"),
        ev("complaint_filed", "2026-05-05"),
        ev("sale_scheduled", "2026-08-03", scheduled_on="2026-06-01"),
        ev("sale_held", "2026-08-03"),
    ]
    result = stage_of(events, CaseFacts(state="MN", occupancy="primary_residence"), rulebook, D("2027-03-01"))
    assert [(t.stage, t.entered_on, t.event_type) for t in result.history] == [
        ("intake", D("2026-01-01"), None),
        ("delinquent", D("2026-01-01"), "first_missed_payment"),
        ("foreclosure_filed", D("2026-05-05"), "complaint_filed"),
        ("sale_scheduled", D("2026-06-01"), "sale_scheduled"),
        ("sale_held", D("2026-08-03"), "sale_held"),
        ("redemption", D("2026-08-03"), "sale_held"),
        ("post_sale", D("2027-02-04"), None),
    ]


def test_user_outcome_closes(rulebook):
    result = stage_of(
        [ev("sale_held", "2026-03-02")], CaseFacts(state="IL"), rulebook, D("2026-04-01"), outcome="foreclosed"
    )
    assert (result.stage, result.outcome) == ("closed", "foreclosed")
    with pytest.raises(ValueError):
        stage_of([], CaseFacts(state="IL"), rulebook, D("2026-04-01"), outcome="won")


def test_redemption_lasts_until_the_right_expires_not_the_last_safe_day():
    # Minn. Stat. § 580.23 subd. 1: 6 months from Sunday 2026-09-06 ends Saturday 2027-03-06; § 645.15 carries it to
    # Monday 2027-03-08. The last day to act safely is Friday 2027-03-05, but the stage stays "redemption".
    book = load_rulebook()
    facts = CaseFacts(
        state="MN",
        process="nonjudicial",
        occupancy="primary_residence",
        acreage=Decimal("0.3"),
        original_principal=Decimal("200000"),
        amount_claimed_at_sale=Decimal("180000"),
    )
    events = [ev("sale_held", "2026-09-06")]
    assert stage_of(events, facts, book, D("2027-03-07")).stage == "redemption"
    after = stage_of(events, facts, book, D("2027-03-09"))
    assert after.stage == "post_sale" and after.history[-1].entered_on == D("2027-03-09")
