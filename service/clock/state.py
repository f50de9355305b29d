"""The state deadlines from a jurisdiction's rules: the answer period, the sale date, reinstatement and
redemption (through windows.py), the deficiency and fair-value deadlines, and the pre-foreclosure notices'
waiting periods. A rule recorded as unknown gives a deadline without a date, to verify manually.

Pure: no Flask, no database."""

from __future__ import annotations

from . import calendar as cal
from .drafts import BORROWER_RIGHT_KINDS, CaseView, Draft, describe_weekday, event_label
from .facts import Event, describe_when, match_when
from .kinds import DEADLINE_KINDS
from .rules import Jurisdiction, Source
from .windows import expiry, windows


def _unknown(case: CaseView, kind: str, key: str, rule_id: str, source: Source, trigger: Event, what: str) -> Draft:
    return Draft(
        key=key,
        kind=kind,
        due_on=None,
        rule_id=rule_id,
        source=source,
        arithmetic=f"{what} unknown for {case.state}: verify manually",
        trigger=trigger,
        verify_manually=True,
    )


_NO_RULES = Source("no jurisdiction rules loaded", "https://www.ecfr.gov/", None, "unverified")


def _timed_state_rule(
    case: CaseView,
    out: list[Draft],
    kind: str,
    rule_id: str,
    rule,
    what: str,
    met_type: str | None,
    default_trigger: str,
) -> Draft | None:
    if rule.status == "not_applicable":
        return None
    trigger_type = rule.from_event or default_trigger
    trigger = case.ev.latest(trigger_type)
    if trigger is None:
        return None
    awaited = None  # the event the period will run from instead, expected but not recorded yet
    if rule.instead_from:
        instead = case.ev.first_on_or_after(rule.instead_from, trigger.occurred_on)
        if instead is not None:
            trigger = instead
        elif rule.instead_expected_after and case.ev.first_on_or_after(
            rule.instead_expected_after, trigger.occurred_on
        ):
            awaited = rule.instead_from
    # A rule limited by `when` (e.g. a deficiency deadline that applies only after a trustee's sale):
    # no deadline when a known fact rules it out; shown but to be verified when a fact is unknown.
    matched, missing = match_when(rule.when, case.facts, case.process)
    if matched is False:
        return None
    if rule.status == "unknown":
        d = _unknown(case, kind, kind, rule_id, rule.source, trigger, what)
    else:
        res = cal.compute_period(
            trigger.occurred_on, rule.period.amount, rule.period.unit, case.court_state if rule.roll_forward else None
        )
        arith = cal.format_arithmetic(
            event_label(trigger.type),
            trigger.occurred_on,
            rule.period.amount,
            rule.period.unit,
            res.raw,
            res.due,
            case.court_state,
        )
        d = Draft(
            key=kind, kind=kind, due_on=res.due, rule_id=rule_id, source=rule.source, arithmetic=arith, trigger=trigger
        )
        if not rule.roll_forward and kind in BORROWER_RIGHT_KINDS:
            d.due_on, d.expires_on, expiry_notes, d.verify_manually = expiry(case, res.raw)
            d.notes += expiry_notes
    if matched is None:
        d.verify_manually = True
        d.notes.append(
            f"applies only when {describe_when(rule.when)}; not known here: {', '.join(missing)}: verify manually"
        )
    if awaited is not None:
        d.verify_manually = True
        d.notes.append(
            f"'{event_label(rule.instead_expected_after)}' is recorded, so the period will run from "
            f"'{event_label(awaited)}' instead (a later date): record that event when it happens; verify manually"
        )
    if met_type and rule.status != "unknown":
        met = case.ev.first_on_or_after(met_type, trigger.occurred_on)
        if met:
            d.met_on = met.occurred_on
    out.append(d)
    return d


def state_rules(case: CaseView, out: list[Draft]) -> None:
    j = case.jurisdiction
    ev = case.ev
    if j is None:
        # No reviewed rules for this state: say so on every state deadline whose trigger exists.
        for kind, trig in (
            ("answer_due", "complaint_served"),
            ("redemption_period_end", "sale_held"),
            ("deficiency_filing_deadline", "sale_held"),
        ):
            t = ev.latest(trig)
            if t is not None and (kind != "answer_due" or case.facts.process != "nonjudicial"):
                out.append(
                    _unknown(
                        case,
                        kind,
                        kind,
                        f"{case.state or 'XX'}.missing",
                        _NO_RULES,
                        t,
                        f"{DEADLINE_KINDS[kind].title} (no rules loaded)",
                    )
                )
        _sale_date(case, out, None)
        return

    # answer_due: judicial foreclosures only
    if case.process == "judicial":
        _timed_state_rule(
            case,
            out,
            "answer_due",
            f"{j.code}.answer_period",
            j.answer_period,
            "answer period",
            "answer_filed",
            "complaint_served",
        )

    _sale_date(case, out, j)
    _reinstatement(case, out, j)
    _redemption(case, out, j)

    # deficiency filing deadline (skipped when the deficiency is definitely barred)
    if case.recoverability.recoverable != "no":
        _timed_state_rule(
            case,
            out,
            "deficiency_filing_deadline",
            f"{j.code}.deficiency.filing_deadline",
            j.deficiency.filing_deadline,
            "deficiency filing deadline",
            "deficiency_action_filed",
            "sale_held",
        )

    if j.fair_value_action is not None:
        _timed_state_rule(
            case,
            out,
            "fair_value_action_deadline",
            f"{j.code}.fair_value_action",
            j.fair_value_action,
            "fair-value action period",
            None,
            "sale_held",
        )

    # state pre-foreclosure notices and their waiting periods
    for notice in j.pre_foreclosure_notices:
        # a trigger event may name the notice it is (details.notice_id); unnamed ones count for every notice
        candidates = [e for e in ev.of(notice.from_event) if e.detail("notice_id") in (None, notice.id)]
        trigger = candidates[-1] if candidates else None
        if trigger is None:
            continue
        matched, missing = match_when(notice.when, case.facts, case.process)
        if matched is False:
            continue
        due = cal.add_period(trigger.occurred_on, notice.period.amount, notice.period.unit)
        arith = cal.format_arithmetic(
            event_label(trigger.type), trigger.occurred_on, notice.period.amount, notice.period.unit, due
        )
        arith += f" ({notice.name}); {notice.before.replace('_', ' ')} may not happen before then"
        d = Draft(
            key=f"state_notice_period_end:{notice.id}",
            kind="state_notice_period_end",
            due_on=due,
            rule_id=f"{j.code}.pre_foreclosure_notices.{notice.id}",
            source=notice.source,
            arithmetic=arith,
            trigger=trigger,
            title=f"{notice.name}: waiting period ends",
        )
        if matched is None:
            d.verify_manually = True
            d.notes.append(
                f"applies only if conditions hold that depend on unknown facts: {', '.join(missing)}: verify manually"
            )
        step = ev.first_on_or_after(notice.before, trigger.occurred_on) if notice.before != "acceleration" else None
        if step is not None:
            if step.occurred_on < due:
                d.violation = (
                    f"{event_label(step.type)} {step.occurred_on.isoformat()} is before the waiting period "
                    f"ended: possible defense"
                )
            else:
                d.met_on = step.occurred_on
        out.append(d)


def _sale_date(case: CaseView, out: list[Draft], j: Jurisdiction | None) -> None:
    sale = None
    for e in case.ev.of("sale_scheduled"):
        if sale is None or e.occurred_on >= sale.occurred_on:
            sale = e
    if sale is None:
        return
    source = j.foreclosure_process.source if j else _NO_RULES
    arith = f"sale scheduled for {sale.occurred_on.isoformat()} ({describe_weekday(sale.occurred_on)})"
    d = Draft(
        key="sale_date",
        kind="sale_date",
        due_on=sale.occurred_on,
        rule_id="sale_scheduled",
        source=source,
        arithmetic=arith,
        trigger=sale,
    )
    held = case.ev.first_on_or_after("sale_held", sale.occurred_on)
    if held:
        d.met_on = held.occurred_on  # "met 2026-06-01" = the sale took place
    out.append(d)


def _redemption(case: CaseView, out: list[Draft], j: Jurisdiction) -> None:
    red = j.redemption
    if red.pre_sale:
        windows(
            case,
            out,
            "redemption_period_end",
            "redemption_pre_sale",
            f"{j.code}.redemption.pre_sale",
            red.pre_sale,
            None,
        )
    if red.status == "none":
        return
    if red.status == "unknown":
        trigger = case.ev.latest("sale_held")
        if trigger is not None:
            src = red.source or j.foreclosure_process.source
            out.append(
                _unknown(
                    case,
                    "redemption_period_end",
                    "redemption_period_end",
                    f"{j.code}.redemption",
                    src,
                    trigger,
                    "redemption period",
                )
            )
        return
    windows(case, out, "redemption_period_end", "redemption_period_end", f"{j.code}.redemption", red.periods, None)


def _reinstatement(case: CaseView, out: list[Draft], j: Jurisdiction) -> None:
    rein = j.reinstatement
    if rein is None or rein.status == "none":
        return
    if rein.status == "unknown":
        return  # recorded in the rules and on GET /jurisdictions; no date to show
    windows(
        case,
        out,
        "reinstatement_period_end",
        "reinstatement_period_end",
        f"{j.code}.reinstatement",
        rein.periods,
        "reinstated",
    )
