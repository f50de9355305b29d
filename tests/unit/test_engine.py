"""The deadline engine, table-driven against the fixture rules (see clock_fixtures.py)."""

from __future__ import annotations

import random
from datetime import date

import pytest

from service.clock.engine import CaseFacts, ComputedDeadline, Event, business_days_between, compute_deadlines

D = date.fromisoformat
TODAY = D("2026-01-01")
LATER = D("2027-06-01")


def ev(type_, on, id_=None, **details):
    return Event(id_ or f"{type_}@{on}", type_, D(on), details)


def run(rulebook, events, state="IL", today=TODAY, **facts):
    return compute_deadlines(CaseFacts(state=state, **facts), events, rulebook, today)


def one(deadlines, key) -> ComputedDeadline:
    found = [d for d in deadlines if d.key == key]
    assert len(found) == 1, [d.key for d in deadlines]
    return found[0]


def keys(deadlines):
    return [d.key for d in deadlines]


# --- Regulation X delinquency clocks ------------------------------------------------------------


@pytest.mark.parametrize(
    "fmp,mark,live,written",
    [
        ("2026-01-01", "2026-05-02", "2026-02-06", "2026-02-15"),  # day 120 = May 1; more than 120 = May 2
        ("2024-01-01", "2024-05-01", "2024-02-06", "2024-02-15"),  # leap year
        ("2026-11-15", "2027-03-16", "2026-12-21", "2026-12-30"),
    ],
)
def test_delinquency_clocks(rulebook, fmp, mark, live, written):
    dls = run(rulebook, [ev("first_missed_payment", fmp)], today=LATER)
    m = one(dls, "reg_x_120_day_mark")
    assert (m.due_on, m.binds, m.status, m.kind) == (D(mark), "servicer", "open", "reg_x_120_day_mark")
    assert "more than 120 days delinquent" in m.explanation and m.explanation.endswith("(12 CFR 1024.41(f)(1))")
    assert one(dls, "early_intervention_live_contact").due_on == D(live)
    assert one(dls, "early_intervention_written_notice").due_on == D(written)
    # informational servicer marks are never "missed" just for being past
    assert {d.status for d in dls} == {"open"}


@pytest.mark.parametrize(
    "filing,status",
    [
        ("2026-04-15", "missed"),  # first filing before the 120-day mark: possible 1024.41(f) violation
        ("2026-05-02", "met"),
    ],
)
def test_first_filing_against_120_day_mark(rulebook, filing, status):
    dls = run(rulebook, [ev("first_missed_payment", "2026-01-01"), ev("complaint_filed", filing)], today=LATER)
    m = one(dls, "reg_x_120_day_mark")
    assert m.status == status
    if status == "missed":
        assert "possible violation" in m.explanation


# --- answer period ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state,facts,served,due",
    [
        ("IL", {}, "2026-03-02", "2026-04-01"),
        ("IL", {}, "2026-08-06", "2026-09-08"),  # Sat 9/5 -> Labor Day 9/7 -> Tue 9/8
        ("IL", {}, "2026-01-31", "2026-03-03"),  # Mon 3/2 is Casimir Pulaski Day in Illinois
        ("MN", {"process": "judicial"}, "2026-03-02", "2026-03-23"),
    ],
)
def test_answer_due(rulebook, state, facts, served, due):
    dls = run(rulebook, [ev("complaint_served", served)], state=state, **facts)
    a = one(dls, "answer_due")
    assert (a.due_on, a.binds, a.status) == (D(due), "borrower", "open")
    assert a.computed_from_event_type == "complaint_served" and a.computed_from_occurred_on == D(served)


def test_answer_rolled_explanation(rulebook):
    a = one(run(rulebook, [ev("complaint_served", "2026-08-06")]), "answer_due")
    assert a.explanation == (
        "complaint served 2026-08-06 + 30 days = 2026-09-05 (Saturday), rolled to the next "
        "court day, Tuesday 2026-09-08; foreclosure process not given: assumed judicial, the "
        "usual one in IL (Fixture Stat. § 1)"
    )


def test_no_answer_in_nonjudicial_foreclosure(rulebook):
    assert "answer_due" not in keys(run(rulebook, [ev("complaint_served", "2026-03-02")], state="MN"))


@pytest.mark.parametrize(
    "events,today,status,met_on",
    [
        ([ev("answer_filed", "2026-03-20")], LATER, "met", "2026-03-20"),
        ([ev("answer_filed", "2026-04-10")], LATER, "met", "2026-04-10"),  # met late
        ([], LATER, "missed", None),
        ([], D("2026-04-01"), "open", None),  # due today: still open
    ],
)
def test_answer_status(rulebook, events, today, status, met_on):
    a = one(run(rulebook, [ev("complaint_served", "2026-03-02"), *events], today=today), "answer_due")
    assert a.status == status
    assert a.met_on == (D(met_on) if met_on else None)
    if met_on == "2026-04-10":
        assert "late by 9 days" in a.explanation


# --- loss mitigation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sale,expected",
    [
        (None, "2026-03-09"),
        ("2026-04-16", "2026-03-09"),  # 45 days before the sale: applies
        ("2026-04-15", None),  # 44 days: does not
    ],
)
def test_loss_mit_acknowledgment(rulebook, sale, expected):
    events = [ev("loss_mit_application_received", "2026-03-02", "app")]
    if sale:
        events.append(ev("sale_scheduled", sale))
    dls = run(rulebook, events)
    if expected is None:
        assert "loss_mit_acknowledgment_due:app" not in keys(dls)
    else:
        d = one(dls, "loss_mit_acknowledgment_due:app")
        assert d.due_on == D(expected) and d.binds == "servicer"
        assert d.citation == "12 CFR 1024.41(b)(2)(i)(B)"


@pytest.mark.parametrize(
    "sale,evaluation,protection",
    [
        (None, "2026-04-01", None),
        ("2026-04-09", "2026-04-01", "2026-04-09"),  # 38 days: more than 37
        ("2026-04-08", None, None),  # exactly 37 days: not protected
    ],
)
def test_loss_mit_evaluation_and_sale_protection(rulebook, sale, evaluation, protection):
    events = [ev("loss_mit_application_complete", "2026-03-02", "c")]
    if sale:
        events.append(ev("sale_scheduled", sale))
    dls = run(rulebook, events)
    if evaluation:
        assert one(dls, "loss_mit_evaluation_due:c").due_on == D(evaluation)
    else:
        assert "loss_mit_evaluation_due:c" not in keys(dls)
    if protection:
        p = one(dls, "loss_mit_sale_protection:c")
        assert p.due_on == D(protection) and p.kind == "loss_mit_sale_protection"
    else:
        assert "loss_mit_sale_protection:c" not in keys(dls)


def test_sale_during_pending_application_is_flagged(rulebook):
    events = [
        ev("loss_mit_application_complete", "2026-03-02", "c"),
        ev("sale_scheduled", "2026-05-01"),
        ev("sale_held", "2026-05-01", sale_price="100000"),
    ]
    p = one(run(rulebook, events, today=LATER), "loss_mit_sale_protection:c")
    assert p.status == "missed" and "possible violation" in p.explanation


def test_evaluation_met_by_decision_and_missed_without(rulebook):
    base = [ev("loss_mit_application_complete", "2026-03-02", "c")]
    assert (
        one(
            run(rulebook, base + [ev("loss_mit_denied", "2026-03-20", "d")], today=LATER), "loss_mit_evaluation_due:c"
        ).status
        == "met"
    )
    assert one(run(rulebook, base, today=LATER), "loss_mit_evaluation_due:c").status == "missed"


@pytest.mark.parametrize(
    "sale,expected,verify",
    [
        (None, "2026-02-24", False),
        ("2026-04-02", "2026-02-24", False),  # complete app 90 days before the sale
        ("2026-04-01", None, False),  # 89 days: no appeal right
    ],
)
def test_loss_mit_appeal(rulebook, sale, expected, verify):
    events = [
        ev("loss_mit_application_complete", "2026-01-02", "c"),
        Event("d", "loss_mit_denied", D("2026-02-10"), {"option": "loan_modification"}),
    ]
    if sale:
        events.append(ev("sale_scheduled", sale))
    dls = run(rulebook, events)
    if expected is None:
        assert "loss_mit_appeal_due:d" not in keys(dls)
    else:
        d = one(dls, "loss_mit_appeal_due:d")
        assert (d.due_on, d.binds, d.verify_manually) == (D(expected), "borrower", verify)


def test_appeal_without_complete_application_needs_verification(rulebook):
    d = one(run(rulebook, [ev("loss_mit_denied", "2026-02-10", "d")]), "loss_mit_appeal_due:d")
    assert d.verify_manually and d.due_on == D("2026-02-24")
    d2 = one(
        run(
            rulebook, [ev("loss_mit_denied", "2026-02-10", "d"), ev("loss_mit_appeal_filed", "2026-02-20")], today=LATER
        ),
        "loss_mit_appeal_due:d",
    )
    assert d2.status == "met"


# --- notices of error and requests for information -----------------------------------------------


def test_notice_of_error_received_on_is_used(rulebook):
    dls = run(rulebook, [ev("notice_of_error_sent", "2026-03-02", "n", received_on="2026-03-04")])
    ack, resp = one(dls, "servicer_acknowledgment_due:n"), one(dls, "servicer_response_due:n")
    assert ack.due_on == D("2026-03-11") and resp.due_on == D("2026-04-15")
    assert "received 2026-03-04" in ack.explanation
    assert ack.citation == "12 CFR 1024.35(d)" and resp.citation == "12 CFR 1024.35(e)(3)(i)(C)"


def test_notice_of_error_without_receipt_date_says_so(rulebook):
    ack = one(run(rulebook, [ev("notice_of_error_sent", "2026-03-02", "n")]), "servicer_acknowledgment_due:n")
    assert ack.due_on == D("2026-03-09") and "send date is used" in ack.explanation


@pytest.mark.parametrize(
    "replies,ack_status,resp_status,resp_due,resp_met",
    [
        ([], "missed", "missed", "2026-04-13", None),
        ([ev("servicer_acknowledged", "2026-03-05", in_reply_to="n")], "met", "missed", "2026-04-13", None),
        ([ev("servicer_acknowledged", "2026-03-05", extended=True)], "met", "open", "2026-05-04", None),
        (
            [ev("servicer_responded", "2026-04-10", extension=True), ev("servicer_responded", "2026-04-30")],
            "met",
            "met",
            "2026-05-04",
            "2026-04-30",
        ),
        ([ev("servicer_responded", "2026-04-20", in_reply_to="n")], "met", "met", "2026-04-13", "2026-04-20"),
        ([ev("servicer_responded", "2026-04-20", extension=True)], "missed", "missed", "2026-04-13", None),  # too late
    ],
)
def test_servicer_clocks(rulebook, replies, ack_status, resp_status, resp_due, resp_met):
    events = [ev("notice_of_error_sent", "2026-03-02", "n")] + replies
    dls = run(rulebook, events, today=D("2026-04-21"))
    ack, resp = one(dls, "servicer_acknowledgment_due:n"), one(dls, "servicer_response_due:n")
    assert ack.status == ack_status
    assert (resp.status, resp.due_on) == (resp_status, D(resp_due))
    assert resp.met_on == (D(resp_met) if resp_met else None)


def test_late_response_is_met_late(rulebook):
    events = [ev("notice_of_error_sent", "2026-03-02", "n"), ev("servicer_responded", "2026-04-20", in_reply_to="n")]
    resp = one(run(rulebook, events, today=LATER), "servicer_response_due:n")
    assert resp.status == "met" and resp.met_on > resp.due_on
    assert business_days_between(resp.due_on, resp.met_on) == 5
    assert "late by 5 business days" in resp.explanation


def test_unreferenced_reply_answers_the_earliest_open_request(rulebook):
    events = [
        ev("request_for_information_sent", "2026-03-02", "r1"),
        ev("notice_of_error_sent", "2026-03-03", "n2"),
        ev("servicer_acknowledged", "2026-03-04"),
        ev("servicer_acknowledged", "2026-03-05"),
        ev("servicer_responded", "2026-03-20", in_reply_to="n2"),
    ]
    dls = run(rulebook, events, today=D("2026-03-21"))
    assert one(dls, "servicer_acknowledgment_due:r1").met_on == D("2026-03-04")
    assert one(dls, "servicer_acknowledgment_due:n2").met_on == D("2026-03-05")
    assert one(dls, "servicer_response_due:n2").met_on == D("2026-03-20")
    assert one(dls, "servicer_response_due:r1").status == "open"


@pytest.mark.parametrize(
    "type_,details,due,citation",
    [
        (
            "request_for_information_sent",
            {"request_category": "owner_or_assignee"},
            "2026-03-16",
            "12 CFR 1024.36(d)(2)(i)(A)",
        ),
        ("request_for_information_sent", {}, "2026-04-13", "12 CFR 1024.36(d)(2)(i)(B)"),
        ("notice_of_error_sent", {"error_category": "payoff_balance"}, "2026-03-11", "12 CFR 1024.35(e)(3)(i)(A)"),
    ],
)
def test_response_variants(rulebook, type_, details, due, citation):
    resp = one(run(rulebook, [ev(type_, "2026-03-02", "q", **details)]), "servicer_response_due:q")
    assert (resp.due_on, resp.citation) == (D(due), citation)


def test_variant_extension_has_no_effect(rulebook):
    events = [
        ev("request_for_information_sent", "2026-03-02", "q", request_category="owner_or_assignee"),
        ev("servicer_acknowledged", "2026-03-03", extended=True),
    ]
    resp = one(run(rulebook, events), "servicer_response_due:q")
    assert resp.due_on == D("2026-03-16") and "cannot be extended" in resp.explanation


def test_foreclosure_error_due_before_sale(rulebook):
    events = [
        ev("notice_of_error_sent", "2026-03-02", "q", error_category="foreclosure"),
        ev("sale_scheduled", "2026-03-20"),
    ]
    resp = one(run(rulebook, events), "servicer_response_due:q")
    assert resp.due_on == D("2026-03-19")


# --- state deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "facts,events,due,verify,rule",
    [
        (
            {"occupancy": "primary_residence"},
            [ev("sale_held", "2026-03-02")],
            "2026-09-02",
            False,
            "MN.redemption.standard",
        ),
        ({"occupancy": "vacant"}, [ev("sale_held", "2026-03-02")], "2026-04-06", False, "MN.redemption.abandoned"),
        ({}, [ev("sale_held", "2026-03-02")], "2026-04-06", True, "MN.redemption.abandoned"),  # occupancy unknown
        (
            {"process": "judicial"},
            [ev("sale_held", "2026-03-02"), ev("sale_confirmed", "2026-03-07")],
            "2026-09-08",
            False,
            "MN.redemption.weekend_rolled",
        ),  # 9/7 Labor Day -> 9/8
        ({"process": "judicial"}, [ev("sale_held", "2026-03-02")], None, None, None),  # not confirmed yet
    ],
)
def test_redemption(rulebook, facts, events, due, verify, rule):
    dls = run(rulebook, events, state="MN", **facts)
    if due is None:
        assert "redemption_period_end" not in keys(dls)
        return
    r = one(dls, "redemption_period_end")
    assert (r.due_on, r.verify_manually, r.rule_id, r.binds) == (D(due), verify, rule, "borrower")
    if verify:
        assert "occupancy" in r.explanation


def test_redemption_explanation(rulebook):
    r = one(
        run(
            rulebook, [ev("sale_held", "2026-03-02")], state="MN", occupancy="primary_residence", process="nonjudicial"
        ),
        "redemption_period_end",
    )
    assert r.explanation == (
        "sale held 2026-03-02 + 6 months = 2026-09-02; period chosen because the foreclosure "
        "process is nonjudicial, the occupancy is primary residence (Minn. Stat. § 580.23)"
    )
    assert "assumed" not in r.explanation


def test_no_redemption_state(rulebook):
    assert "redemption_period_end" not in keys(run(rulebook, [ev("sale_held", "2026-03-02")], state="IL"))


def test_unknown_rules_need_manual_verification(rulebook):
    dls = run(
        rulebook, [ev("complaint_served", "2026-03-02"), ev("sale_held", "2026-06-02")], state="TX", process="judicial"
    )
    for key in ("answer_due", "redemption_period_end", "deficiency_filing_deadline"):
        d = one(dls, key)
        assert d.due_on is None and d.verify_manually
        assert "unknown for TX: verify manually" in d.explanation
    # no trigger event, no deadline
    assert run(rulebook, [], state="TX") == []


def test_state_without_rules_still_gets_federal_clocks(rulebook):
    dls = run(rulebook, [ev("first_missed_payment", "2026-01-01"), ev("sale_held", "2026-06-02")], state="WY")
    assert "reg_x_120_day_mark" in keys(dls)
    r = one(dls, "redemption_period_end")
    assert r.verify_manually and r.due_on is None and r.citation


@pytest.mark.parametrize(
    "process,events,due,status",
    [
        ("judicial", [ev("sale_held", "2026-03-02")], "2026-06-02", "open"),
        ("judicial", [ev("sale_held", "2026-03-02"), ev("deficiency_action_filed", "2026-07-01")], "2026-06-02", "met"),
        ("nonjudicial", [ev("sale_held", "2026-03-02")], None, None),  # barred: no window to watch
    ],
)
def test_deficiency_filing_deadline(rulebook, process, events, due, status):
    dls = run(rulebook, events, state="CA", process=process)
    if due is None:
        assert "deficiency_filing_deadline" not in keys(dls)
        return
    d = one(dls, "deficiency_filing_deadline")
    assert (d.due_on, d.status, d.binds) == (D(due), status, "lender")


@pytest.mark.parametrize("sale,status", [("2026-04-01", "missed"), ("2026-05-01", "met"), (None, "open")])
def test_state_notice_period(rulebook, sale, status):
    events = [ev("notice_of_default_recorded", "2026-01-05")]
    if sale:
        events.append(ev("sale_held", sale))
    d = one(run(rulebook, events, state="CA", today=D("2026-03-01")), "state_notice_period_end:nod_wait")
    assert d.due_on == D("2026-04-05") and d.status == status and d.binds == "lender"
    assert "sale held may not happen before then" in d.explanation
    if status == "missed":
        assert "possible defense" in d.explanation


@pytest.mark.parametrize(
    "events,today,status",
    [
        ([ev("sale_scheduled", "2026-06-01")], TODAY, "open"),
        ([ev("sale_scheduled", "2026-06-01")], LATER, "missed"),  # passed, no sale recorded
        ([ev("sale_scheduled", "2026-06-01"), ev("sale_held", "2026-06-01")], LATER, "met"),
    ],
)
def test_sale_date(rulebook, events, today, status):
    s = one(run(rulebook, events, today=today), "sale_date")
    assert s.due_on == D("2026-06-01") and s.status == status


def test_postponed_sale_uses_latest_date(rulebook):
    s = one(run(rulebook, [ev("sale_scheduled", "2026-06-01"), ev("sale_scheduled", "2026-07-15")]), "sale_date")
    assert s.due_on == D("2026-07-15")


def test_scra(rulebook):
    d = one(run(rulebook, [ev("military_service_ended", "2026-01-15")]), "scra_protection_end")
    assert (d.due_on, d.binds, d.citation) == (D("2027-01-15"), "lender", "50 U.S.C. § 3953(c)")
    bad = one(
        run(rulebook, [ev("military_service_ended", "2026-01-15"), ev("sale_held", "2026-10-01")], today=LATER),
        "scra_protection_end",
    )
    assert bad.status == "missed" and "within the protected period" in bad.explanation


# --- bankruptcy -----------------------------------------------------------------------------------


def test_bankruptcy_tolls_foreclosure_deadlines(rulebook):
    events = [
        ev("first_missed_payment", "2026-01-01"),
        ev("complaint_served", "2026-03-02"),
        ev("sale_scheduled", "2026-09-01"),
        ev("bankruptcy_filed", "2026-03-20"),
    ]
    dls = run(rulebook, events, today=LATER)
    for key in ("answer_due", "sale_date"):
        d = one(dls, key)
        assert d.status == "tolled"
        assert "362(a)" in d.explanation and "§ 108" in d.explanation and "verify" in d.explanation
    assert one(dls, "reg_x_120_day_mark").status == "open"  # federal clocks are not tolled


def test_deadline_due_before_filing_is_not_tolled(rulebook):
    events = [ev("complaint_served", "2026-03-02"), ev("bankruptcy_filed", "2026-04-10")]
    assert one(run(rulebook, events, today=LATER), "answer_due").status == "missed"


def test_closed_bankruptcy_ends_tolling(rulebook):
    events = [
        ev("complaint_served", "2026-03-02"),
        ev("bankruptcy_filed", "2026-03-20"),
        ev("bankruptcy_closed", "2026-05-01"),
    ]
    a = one(run(rulebook, events, today=LATER), "answer_due")
    assert a.status == "missed" and "§ 108 may have extended" in a.explanation


def test_met_beats_tolled(rulebook):
    events = [
        ev("complaint_served", "2026-03-02"),
        ev("answer_filed", "2026-03-10"),
        ev("bankruptcy_filed", "2026-03-20"),
    ]
    assert one(run(rulebook, events, today=LATER), "answer_due").status == "met"


# --- properties of the whole output ----------------------------------------------------------------

FULL_CASE = [
    ev("first_missed_payment", "2026-01-01"),
    ev("loss_mit_application_received", "2026-02-01", "a1"),
    ev("loss_mit_application_complete", "2026-02-20", "c1"),
    ev("loss_mit_denied", "2026-03-10", "d1"),
    ev("notice_of_error_sent", "2026-03-02", "n1"),
    ev("request_for_information_sent", "2026-03-03", "r1"),
    ev("servicer_acknowledged", "2026-03-05"),
    ev("complaint_filed", "2026-05-10"),
    ev("complaint_served", "2026-05-12"),
    ev("sale_scheduled", "2026-10-01"),
    ev("sale_held", "2026-10-01", sale_price="200000"),
    ev("military_service_ended", "2025-06-01"),
]


@pytest.mark.parametrize("state", ["IL", "MN", "CA", "TX", "WY"])
def test_deterministic_sorted_and_explained(rulebook, state):
    first = run(rulebook, FULL_CASE, state=state, today=LATER)
    shuffled = FULL_CASE[:]
    random.Random(4).shuffle(shuffled)
    assert run(rulebook, shuffled, state=state, today=LATER) == first
    assert len({d.key for d in first}) == len(first)
    order = [(d.due_on is None, d.due_on or date.max, d.key) for d in first]
    assert order == sorted(order)
    for d in first:
        assert d.citation and d.explanation and d.source_url.startswith("http")
        assert d.explanation.endswith(f"({d.citation})")
        assert d.status in ("open", "met", "missed", "tolled")
        assert d.binds in ("borrower", "servicer", "lender", "court")
        assert d.due_on is not None or d.verify_manually  # an unknown date always says: verify manually
        assert d.as_dict()["computed_from"]["event_type"] == d.computed_from_event_type


def test_removing_a_trigger_removes_its_deadlines(rulebook):
    with_noe = keys(run(rulebook, FULL_CASE, today=LATER))
    without = keys(run(rulebook, [e for e in FULL_CASE if e.id != "n1"], today=LATER))
    assert set(with_noe) - set(without) == {"servicer_acknowledgment_due:n1", "servicer_response_due:n1"}


def test_no_events_no_deadlines(rulebook):
    assert run(rulebook, []) == []


def test_notice_id_selects_the_trigger(rules_dir):
    from clock_fixtures import SRC, jurisdiction_data

    notice = {
        "from": "pre_foreclosure_notice_sent",
        "period": {"amount": 30, "unit": "days"},
        "before": "complaint_filed",
        "when": {},
        "summary": "s",
        **SRC,
    }
    rules_dir.write(
        "NY",
        jurisdiction_data(
            "NY",
            pre_foreclosure_notices=[
                {"id": "a", "name": "Notice A", **notice},
                {"id": "b", "name": "Notice B", **notice},
            ],
        ),
    )
    rb = rules_dir.rulebook()
    events = [
        ev("pre_foreclosure_notice_sent", "2026-02-01", "n1", notice_id="a"),
        ev("pre_foreclosure_notice_sent", "2026-03-01", "n2", notice_id="b"),
    ]
    dls = run(rb, events, state="NY")
    assert one(dls, "state_notice_period_end:a").due_on == D("2026-03-03")
    assert one(dls, "state_notice_period_end:b").due_on == D("2026-03-31")
    # an unnamed notice event counts for every notice
    dls = run(rb, [ev("pre_foreclosure_notice_sent", "2026-02-01")], state="NY")
    assert {d.due_on for d in dls} == {D("2026-03-03")}


def test_assumed_process_is_said(rulebook):
    r = one(
        run(rulebook, [ev("sale_held", "2026-03-02")], state="MN", occupancy="primary_residence"),
        "redemption_period_end",
    )
    assert "assumed nonjudicial" in r.explanation
    a = one(run(rulebook, [ev("complaint_served", "2026-03-02")], state="IL"), "answer_due")
    assert "assumed judicial" in a.explanation


# --- `when` on the deficiency filing deadline and the answer period --------------------------------


@pytest.fixture(scope="module")
def when_rulebook(tmp_path_factory):
    """NE-like: a 3-month deficiency deadline after trustee's sales only; OH-like: a deadline for homes
    of one or two units only and an answer period limited to the same homes (to test both timed rules)."""
    from clock_fixtures import RulesDir, jurisdiction_data, timed_filing_deadline

    rd = RulesDir(tmp_path_factory.mktemp("when_rules"))
    rd.write(
        "NE",
        jurisdiction_data(
            "NE",
            foreclosure_process={"available": ["judicial", "nonjudicial"], "usual": "nonjudicial"},
            deficiency=timed_filing_deadline(
                3,
                "months",
                "sale_held",
                {"process": "nonjudicial"},
                "after a trustee's sale",
                "Neb. Rev. Stat. § 76-1013",
            ),
        ),
    )
    rd.write(
        "OH",
        jurisdiction_data(
            "OH",
            deficiency=timed_filing_deadline(
                2, "years", "sale_confirmed", {"max_dwelling_units": 2}, "1-2 family homes", "R.C. 2329.08"
            ),
            answer_period={"when": {"max_dwelling_units": 2}},
        ),
    )
    return rd.rulebook()


@pytest.mark.parametrize(
    "state,facts,events,due,verify",
    [
        ("NE", {"process": "nonjudicial"}, [ev("sale_held", "2026-03-02")], "2026-06-02", False),
        ("NE", {"process": "judicial"}, [ev("sale_held", "2026-03-02")], None, None),  # judicial sale: no limit
        ("NE", {}, [ev("sale_held", "2026-03-02")], "2026-06-02", False),  # usual process assumed
        ("OH", {"dwelling_units": 1}, [ev("sale_confirmed", "2026-03-02")], "2028-03-02", False),
        ("OH", {"dwelling_units": 3}, [ev("sale_confirmed", "2026-03-02")], None, None),  # not a 1-2 family home
        ("OH", {}, [ev("sale_confirmed", "2026-03-02")], "2028-03-02", True),  # units unknown
    ],
)
def test_filing_deadline_when(when_rulebook, state, facts, events, due, verify):
    dls = run(when_rulebook, events, state=state, **facts)
    if due is None:
        assert "deficiency_filing_deadline" not in keys(dls)
        return
    d = one(dls, "deficiency_filing_deadline")
    assert (d.due_on, d.verify_manually) == (D(due), verify)
    if verify:
        assert "applies only when at most 2 dwelling units; not known here: number of dwelling units" in d.explanation
    if state == "NE" and not facts:
        assert "assumed nonjudicial" in d.explanation


def test_filing_deadline_when_met_by_action(when_rulebook):
    d = one(
        run(
            when_rulebook,
            [ev("sale_held", "2026-03-02"), ev("deficiency_action_filed", "2026-04-01")],
            state="NE",
            process="nonjudicial",
        ),
        "deficiency_filing_deadline",
    )
    assert (d.status, d.met_on) == ("met", D("2026-04-01"))


@pytest.mark.parametrize(
    "facts,due,verify",
    [
        ({"dwelling_units": 2}, "2026-04-01", False),
        ({"dwelling_units": 4}, None, None),
        ({}, "2026-04-01", True),
    ],
)
def test_answer_period_when(when_rulebook, facts, due, verify):
    dls = run(when_rulebook, [ev("complaint_served", "2026-03-02")], state="OH", **facts)
    if due is None:
        assert "answer_due" not in keys(dls)
        return
    d = one(dls, "answer_due")
    assert (d.due_on, d.verify_manually) == (D(due), verify)


# --- 12 CFR 1024.41(h) and (e): appeals and offers ---------------------------------------------


@pytest.mark.parametrize(
    "option,appeal",
    [
        ("loan_modification", True),
        ("forbearance", False),
        ("repayment_plan", False),
        ("short_sale", False),
        ("deed_in_lieu", False),
    ],
)
def test_only_a_loan_modification_denial_opens_the_appeal(rulebook, option, appeal):
    # 1024.41(h)(1): "... appeal the servicer's determination to deny a borrower's loss mitigation application
    # for any trial or permanent loan modification program"
    events = [
        ev("loss_mit_application_complete", "2026-01-02", "c"),
        ev("loss_mit_denied", "2026-02-10", "d", option=option),
    ]
    assert ("loss_mit_appeal_due:d" in keys(run(rulebook, events))) is appeal


def test_a_denial_without_the_option_recorded_asks_for_a_check(rulebook):
    d = one(
        run(
            rulebook, [ev("loss_mit_application_complete", "2026-01-02", "c"), ev("loss_mit_denied", "2026-02-10", "d")]
        ),
        "loss_mit_appeal_due:d",
    )
    assert d.verify_manually and "only the denial of a loan modification can be appealed" in d.explanation


@pytest.mark.parametrize(
    "sale,due,days",
    [
        (None, "2026-03-04", 14),  # no sale scheduled: at least 14 days (1024.41(e)(1))
        ("2026-05-01", "2026-03-04", 14),  # complete application 119 days before the sale
        ("2026-03-20", "2026-02-25", 7),  # 77 days before the sale: 37 to 90 days, at least 7 days
    ],
)
def test_an_offered_option_gives_the_borrower_time_to_accept(rulebook, sale, due, days):
    events = [
        ev("loss_mit_application_complete", "2026-01-02", "c"),
        ev("loss_mit_option_offered", "2026-02-18", "o", option="forbearance"),
    ]
    if sale:
        events.append(ev("sale_scheduled", sale))
    d = one(run(rulebook, events), "loss_mit_offer_acceptance_due:o")
    assert (d.due_on, d.binds, d.kind) == (D(due), "borrower", "loss_mit_offer_acceptance_due")
    assert d.title == "Accept or reject the forbearance plan"
    assert f"+ {days} days" in d.explanation and d.citation == "12 CFR 1024.41(e)(1)"


def test_an_offer_on_an_application_37_days_or_less_before_the_sale_has_no_clock(rulebook):
    events = [
        ev("loss_mit_application_complete", "2026-02-20", "c"),
        ev("sale_scheduled", "2026-03-20"),
        ev("loss_mit_option_offered", "2026-03-01", "o", option="short_sale"),
    ]
    assert "loss_mit_offer_acceptance_due:o" not in keys(run(rulebook, events))


def test_an_accepted_offer_is_met(rulebook):
    events = [
        ev("loss_mit_application_complete", "2026-01-02", "c"),
        ev("loss_mit_option_offered", "2026-02-18", "o", option="repayment_plan", accepted_on="2026-02-25"),
    ]
    d = one(run(rulebook, events, today=LATER), "loss_mit_offer_acceptance_due:o")
    assert (d.status, d.met_on) == ("met", D("2026-02-25"))
