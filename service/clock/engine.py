"""The deadline engine: from a case's facts, its dated events and the rules, every deadline that
matters, each with the arithmetic that produced it.

Pure and deterministic: no clock reads (today is a parameter), no I/O, no database. The same input
gives the same output, sorted by (due_on, key); keys are stable across recomputes so the service can
keep user-set statuses (met, waived) and drop deadlines whose trigger disappeared.

Statuses (the engine's view; the service keeps user-set met/waived over it):
- met: an event satisfying the deadline exists (answer_filed for answer_due, servicer_acknowledged /
  servicer_responded for the servicer clocks, loss_mit_denied / modification_approved for the
  evaluation, loss_mit_appeal_filed for the appeal, sale_held for sale_date, deficiency_action_filed
  for the deficiency deadline, the restricted step taken on or after the end of a waiting period).
  met_on is that event's date; met_on > due_on means met late (see business_days_between).
- missed:
  * a deadline binding the borrower or the court whose due date is before today and which is not met
    or tolled (what the attorney must act on; the service escalates these);
  * a servicer response clock (servicer and loss-mitigation acknowledgment, servicer response,
    loss-mitigation evaluation) past due with no response recorded: a possible Regulation X violation
    the attorney wants to see (binding the servicer, these get no escalation e-mails);
  * a waiting period the other side broke: a first notice or filing before the 120-day mark, the
    restricted step before a state notice period ended, a sale during the SCRA year or while a
    complete loss-mitigation application was pending. The explanation says why.
  Informational marks with nothing to satisfy them (early intervention, sale protection before the
  sale, SCRA end) stay open after their date.
- tolled: an open bankruptcy (a bankruptcy_filed with no bankruptcy_closed on or after it) tolls the
  foreclosure deadlines (answer_due, sale_date, redemption_period_end, deficiency_filing_deadline,
  state_notice_period_end) due on or after the filing date (11 U.S.C. § 362(a)); 11 U.S.C. § 108 may
  extend the period afterwards, so the explanation says to verify after discharge or dismissal.
- open: anything else.
Order of precedence: met, missed for a broken waiting period, tolled, missed as overdue, open.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Sequence

from . import calendar as cal
from .facts import CaseFacts, Event, EventIndex, describe_facts, describe_when, effective_process, match_when
from .kinds import DEADLINE_KINDS, FORECLOSURE_KINDS
from .recoverability import assess_recoverability
from .rules import FederalRule, Jurisdiction, RedemptionPeriod, Rulebook, Source

__all__ = ["CaseFacts", "Event", "ComputedDeadline", "Alternative", "compute_deadlines", "business_days_between",
           "SERVICER_RESPONSE_KINDS"]

business_days_between = cal.business_days_between

# Servicer clocks with an event that satisfies them: past due and unanswered = "missed".
SERVICER_RESPONSE_KINDS = frozenset({
    "servicer_acknowledgment_due", "servicer_response_due", "loss_mit_acknowledgment_due",
    "loss_mit_evaluation_due",
})

_STAY_CITATION = "11 U.S.C. § 362(a)"

# Waiting periods: "met" means the restricted step came on or after the end, which is not "late".
WAITING_KINDS = frozenset({"reg_x_120_day_mark", "state_notice_period_end"})
# The borrower's statutory rights: a weekend or holiday end is shown as the last safe day and the expiry.
BORROWER_RIGHT_KINDS = frozenset({"redemption_period_end", "reinstatement_period_end", "fair_value_action_deadline"})
# Kinds whose rule depends on the foreclosure process (judicial / nonjudicial).
_PROCESS_KINDS = frozenset({"answer_due", "redemption_period_end", "deficiency_filing_deadline",
                            "reinstatement_period_end", "fair_value_action_deadline"})


@dataclass(frozen=True)
class ComputedDeadline:
    key: str
    kind: str
    title: str
    due_on: date | None
    binds: str
    status: str
    met_on: date | None
    rule_id: str
    citation: str
    source_url: str
    confidence: str
    explanation: str
    computed_from_event_type: str
    computed_from_occurred_on: date
    verify_manually: bool
    alternatives: tuple["Alternative", ...] = ()
    expires_on: date | None = None     # the day the right actually ends (== due_on unless carried forward)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "kind": self.kind, "title": self.title,
            "due_on": self.due_on.isoformat() if self.due_on else None, "binds": self.binds,
            "status": self.status, "met_on": self.met_on.isoformat() if self.met_on else None,
            "rule_id": self.rule_id, "citation": self.citation, "source_url": self.source_url,
            "confidence": self.confidence, "explanation": self.explanation,
            "computed_from": {"event_type": self.computed_from_event_type,
                              "occurred_on": self.computed_from_occurred_on.isoformat()},
            "verify_manually": self.verify_manually,
            "alternatives": [a.as_dict() for a in self.alternatives],
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
        }


@dataclass(frozen=True)
class Alternative:
    """Another candidate date when a fact that selects the period is unknown, with the condition under
    which it would apply instead."""
    due_on: date
    condition: str

    def as_dict(self) -> dict[str, Any]:
        return {"due_on": self.due_on.isoformat(), "condition": self.condition}


@dataclass
class _Draft:
    """A deadline before its status is decided."""
    key: str
    kind: str
    due_on: date | None
    rule_id: str
    source: Source
    arithmetic: str
    trigger: Event
    title: str | None = None
    binds: str | None = None
    met_on: date | None = None
    violation: str | None = None      # why a waiting period was broken -> missed
    notes: list[str] = field(default_factory=list)
    verify_manually: bool = False
    alternatives: tuple[Alternative, ...] = ()
    expires_on: date | None = None


def _label(event_type: str) -> str:
    return {
        "first_missed_payment": "first unpaid installment due",
        "sale_held": "sale held",
        "sale_confirmed": "sale confirmed",
        "deed_delivered": "deed delivered",
        "judgment_entered": "judgment entered",
        "complaint_served": "complaint served",
        "complaint_filed": "complaint filed",
        "notice_of_default_recorded": "notice of default recorded",
        "pre_foreclosure_notice_sent": "pre-foreclosure notice sent",
        "sale_scheduled": "sale scheduled for",
        "military_service_ended": "military service ended",
        "loss_mit_application_received": "application received",
        "loss_mit_application_complete": "complete application received",
        "loss_mit_denied": "denial provided",
        "law_day": "law day",
        "auditor_report_ratified": "auditor's report ratified",
        "certificate_of_title_issued": "certificate of title issued",
        "sale_objection_filed": "objection to the sale filed",
        "notice_of_sale_published": "notice of sale first published",
        "notice_of_sale_served": "notice of sale served",
    }.get(event_type, event_type.replace("_", " "))


class _Case:
    def __init__(self, facts: CaseFacts, events: Sequence[Event], rulebook: Rulebook, today: date):
        self.facts = facts
        self.state = (facts.state or "").upper()
        self.ev = EventIndex(events)
        self.rulebook = rulebook
        self.today = today
        self.jurisdiction: Jurisdiction | None = rulebook.jurisdiction(self.state) if rulebook else None
        self.process = effective_process(facts, self.jurisdiction)
        self.federal = rulebook.federal if rulebook else None
        self.stay_filed, self.past_stays = self._bankruptcy()
        self.recoverability = assess_recoverability(facts, self.jurisdiction)
        # for `when: {deficiency_recoverable: ...}`: None while the deficiency rules say "conditional"
        self.deficiency_recoverable = {"yes": True, "no": False}.get(self.recoverability.recoverable)
        self.recorded = frozenset(e.type for e in self.ev.all)

    @property
    def court_state(self) -> str | None:
        return self.state if self.state in cal.COURT_STATES else None

    def _bankruptcy(self) -> tuple[Event | None, list[tuple[Event, Event]]]:
        filed = self.ev.of("bankruptcy_filed")
        closed = self.ev.of("bankruptcy_closed")
        past = []
        active = None
        for f in filed:
            c = next((c for c in closed if c.occurred_on >= f.occurred_on), None)
            if c is None:
                active = active or f
            else:
                past.append((f, c))
        return active, past

    def sale_for(self, on: date) -> Event | None:
        """The sale scheduled as of `on`: the earliest sale date on or after it (a sale_scheduled event
        whose details.scheduled_on is later than `on` did not exist yet)."""
        best = None
        for e in self.ev.of("sale_scheduled"):
            if e.occurred_on < on:
                continue
            scheduled_on = e.detail_date("scheduled_on")
            if scheduled_on and scheduled_on > on:
                continue
            if best is None or e.occurred_on < best.occurred_on:
                best = e
        return best

    def sale_held_on_or_before(self, on: date) -> Event | None:
        held = [e for e in self.ev.of("sale_held") if e.occurred_on <= on]
        return held[-1] if held else None


# --- federal ----------------------------------------------------------------------------------

def _fed_draft(case: _Case, rule: FederalRule, key: str, trigger: Event, start: date, label: str,
               **kw) -> _Draft:
    due = cal.add_period(start, rule.period.amount, rule.period.unit)
    arithmetic = cal.format_arithmetic(label, start, rule.period.amount, rule.period.unit, due)
    return _Draft(key=key, kind=rule.kind, due_on=due, rule_id=rule.id, source=rule.source,
                  arithmetic=arithmetic, trigger=trigger, binds=rule.binds, **kw)


def _window_ok(rule: FederalRule, start: date, sale: Event | None) -> tuple[bool, str]:
    """Whether `start` is far enough before the scheduled sale for the rule to apply."""
    if rule.sale_window is None:
        return True, ""
    comparison, days = rule.sale_window
    if sale is None:
        return True, "no sale scheduled, so the rule applies (12 CFR 1024.41(b)(3))"
    gap = (sale.occurred_on - start).days
    ok = gap >= days if comparison == "at_least" else gap > days
    words = f"{days} days or more" if comparison == "at_least" else f"more than {days} days"
    return ok, f"sale scheduled for {sale.occurred_on.isoformat()} is {gap} days later ({words} required)"


def _delinquency(case: _Case, out: list[_Draft]) -> None:
    fmp = case.ev.latest("first_missed_payment")
    if fmp is None or case.federal is None:
        return
    for rule_id, key in (("reg_x_120_day_mark", "reg_x_120_day_mark"),
                         ("early_intervention_live_contact", "early_intervention_live_contact"),
                         ("early_intervention_written_notice", "early_intervention_written_notice")):
        rule = case.federal[rule_id]
        d = _fed_draft(case, rule, key, fmp, fmp.occurred_on, _label("first_missed_payment"))
        if rule_id == "reg_x_120_day_mark":
            d.arithmetic += (f", the first day the loan is more than 120 days delinquent "
                             f"(day 120 is {cal.add_days(fmp.occurred_on, 120).isoformat()}; days of delinquency "
                             f"counted from the due date as in comment 39(a)-1)")
            first_notice = case.jurisdiction.first_notice if case.jurisdiction else None
            first_types = (("complaint_filed", "notice_of_default_recorded")
                           + (first_notice.events if first_notice else ()))
            first_step = next((e for e in case.ev.of(*first_types) if e.occurred_on >= fmp.occurred_on), None)
            if first_notice is not None:
                d.notes.append(f"in {case.state} the first notice or filing includes: "
                               f"{', '.join(_label(t) for t in first_notice.events)} ({first_notice.source.citation})")
            if first_step is not None:
                if first_step.occurred_on < d.due_on:
                    d.violation = (f"{_label(first_step.type)} {first_step.occurred_on.isoformat()} is before the "
                                   f"120-day mark: possible violation unless an exception in 1024.41(f)(1)(ii)-(iii) "
                                   f"applies")
                else:
                    d.met_on = first_step.occurred_on
        else:
            day = 36 if "live" in rule_id else 45
            d.arithmetic += f", the {day}th day of delinquency"
        out.append(d)


def _loss_mitigation(case: _Case, out: list[_Draft]) -> None:
    fed = case.federal
    if fed is None:
        return
    # a determination in writing meets the evaluation clock: a denial, an approval, or an offered option
    decisions = case.ev.of("loss_mit_denied", "modification_approved", "loss_mit_option_offered")
    for app in case.ev.of("loss_mit_application_received"):
        if case.sale_held_on_or_before(app.occurred_on):
            continue  # an application after the sale starts no Regulation X clock
        rule = fed["loss_mit_acknowledgment"]
        sale = case.sale_for(app.occurred_on)
        ok, why = _window_ok(rule, app.occurred_on, sale)
        if not ok:
            continue
        d = _fed_draft(case, rule, f"loss_mit_acknowledgment_due:{app.id}", app, app.occurred_on,
                       _label(app.type))
        if why:
            d.notes.append(why)
        out.append(d)
    completes = case.ev.of("loss_mit_application_complete")
    for comp in completes:
        if case.sale_held_on_or_before(comp.occurred_on):
            continue
        sale = case.sale_for(comp.occurred_on)
        rule = fed["loss_mit_evaluation"]
        ok, why = _window_ok(rule, comp.occurred_on, sale)
        if not ok:
            continue
        d = _fed_draft(case, rule, f"loss_mit_evaluation_due:{comp.id}", comp, comp.occurred_on, _label(comp.type))
        if why:
            d.notes.append(why)
        decision = next((e for e in decisions if e.occurred_on >= comp.occurred_on), None)
        if decision:
            d.met_on = decision.occurred_on
        out.append(d)
        if sale is not None:
            prot = fed["loss_mit_sale_protection"]
            arith = (f"complete application received {comp.occurred_on.isoformat()}, "
                     f"{(sale.occurred_on - comp.occurred_on).days} days before the sale scheduled for "
                     f"{sale.occurred_on.isoformat()} (more than 37): no sale, judgment or order of sale while it "
                     f"is pending")
            p = _Draft(key=f"loss_mit_sale_protection:{comp.id}", kind=prot.kind, due_on=sale.occurred_on,
                       rule_id=prot.id, source=prot.source, arithmetic=arith, trigger=comp, binds=prot.binds)
            held = next((e for e in case.ev.of("sale_held") if e.occurred_on >= comp.occurred_on), None)
            decided_before_sale = decision and (held is None or decision.occurred_on <= held.occurred_on)
            if held and not decided_before_sale:
                p.violation = (f"sale held {held.occurred_on.isoformat()} with no decision on the complete "
                               f"application recorded: possible violation")
            elif decision:
                p.met_on = decision.occurred_on
                p.notes.append(f"decision recorded {decision.occurred_on.isoformat()}; the protection lasts "
                               f"through any appeal (1024.41(g)(1))")
            out.append(p)
    for denial in case.ev.of("loss_mit_denied"):
        rule = fed["loss_mit_appeal"]
        # 1024.41(h) gives an appeal only from the denial of a loan modification option
        option = denial.detail("option")
        if option is not None and option not in ("loan_modification", "trial_modification"):
            continue
        comp = next((c for c in reversed(completes) if c.occurred_on <= denial.occurred_on), None)
        d = _fed_draft(case, rule, f"loss_mit_appeal_due:{denial.id}", denial, denial.occurred_on,
                       _label(denial.type))
        if option is None:
            d.verify_manually = True
            d.notes.append("the denied option is not recorded: only the denial of a loan modification can be "
                           "appealed (12 CFR 1024.41(h)(1)): verify manually")
        if comp is None:
            d.verify_manually = True
            d.notes.append("no complete application recorded: the appeal right depends on the complete "
                           "application having come 90 days or more before a sale: verify manually")
        else:
            sale = case.sale_for(comp.occurred_on)
            ok, why = _window_ok(rule, comp.occurred_on, sale)
            if not ok:
                continue
            if why:
                d.notes.append(f"complete application {comp.occurred_on.isoformat()}: {why}")
        appeal = case.ev.first_on_or_after("loss_mit_appeal_filed", denial.occurred_on)
        if appeal:
            d.met_on = appeal.occurred_on
        out.append(d)
    _offers(case, out, completes)


_OPTION_WORDS = {"forbearance": "forbearance plan", "repayment_plan": "repayment plan", "short_sale": "short sale",
                 "deed_in_lieu": "deed in lieu", "loan_modification": "loan modification",
                 "trial_modification": "trial modification"}


def _offers(case: _Case, out: list[_Draft], completes: Sequence[Event]) -> None:
    """An offered loss-mitigation option (forbearance, repayment plan, short sale, deed in lieu, a
    modification) on a complete application: the borrower's time to accept or reject (1024.41(e)(1))."""
    rule = case.federal.rules.get("loss_mit_offer_acceptance") if case.federal else None
    if rule is None:
        return
    for offer in case.ev.of("loss_mit_option_offered"):
        comp = next((c for c in reversed(completes) if c.occurred_on <= offer.occurred_on), None)
        option = offer.detail("option")
        what = _OPTION_WORDS.get(option, "loss-mitigation option")
        notes = []
        period, citation = rule.period, rule.source.citation
        verify = False
        if comp is None:
            verify = True
            notes.append("no complete application recorded: 1024.41(e) applies to offers on a complete application: "
                         "verify manually")
        else:
            sale = case.sale_for(comp.occurred_on)
            if sale is not None:
                gap = (sale.occurred_on - comp.occurred_on).days
                if gap <= 37:
                    continue  # no 1024.41 protections for an application 37 days or less before the sale
                if gap < 90:
                    variant = rule.variants["late_application"]
                    period, citation = variant.period, variant.citation
                    notes.append(f"complete application {comp.occurred_on.isoformat()} came {gap} days before the "
                                 f"sale scheduled for {sale.occurred_on.isoformat()} (less than 90): 7 days")
        due = cal.add_period(offer.occurred_on, period.amount, period.unit)
        arith = cal.format_arithmetic(f"{what} offered", offer.occurred_on, period.amount, period.unit, due)
        notes.append("the servicer may allow longer: the offer letter's own deadline governs if later")
        d = _Draft(key=f"loss_mit_offer_acceptance_due:{offer.id}", kind=rule.kind, due_on=due, rule_id=rule.id,
                   source=Source(citation, rule.source.source_url, rule.source.checked_on, rule.source.confidence),
                   arithmetic=arith, trigger=offer, binds=rule.binds, notes=notes, verify_manually=verify,
                   title=f"Accept or reject the {what}")
        # accepted: recorded on the offer, or shown by the outcome the option leads to
        outcome = next((e for e in case.ev.of("modification_approved", "short_sale_closed", "deed_in_lieu_recorded",
                                              "reinstated") if e.occurred_on >= offer.occurred_on), None)
        d.met_on = offer.detail_date("accepted_on") or (outcome.occurred_on if outcome else None)
        out.append(d)


def _servicer_requests(case: _Case, out: list[_Draft]) -> None:
    fed = case.federal
    if fed is None:
        return
    requests = list(case.ev.of("notice_of_error_sent", "request_for_information_sent"))
    apps = list(case.ev.of("loss_mit_application_received"))

    def received(e: Event) -> date:
        return e.detail_date("received_on") or e.occurred_on

    ack_on: dict[str, date] = {}
    resp_on: dict[str, date] = {}
    ext_on: dict[str, date] = {}
    by_id = {str(e.id): e for e in requests + apps}
    # only applications that have an acknowledgment clock can be answered by an unreferenced ack
    clocked_apps = {d.key.split(":", 1)[1] for d in out if d.kind == "loss_mit_acknowledgment_due"}
    pool_ack = sorted(requests + [a for a in apps if str(a.id) in clocked_apps],
                      key=lambda e: (received(e), str(e.id)))
    pool_resp = sorted(requests, key=lambda e: (received(e), str(e.id)))

    def target(ev: Event, pool: list[Event], done: dict[str, date]) -> Event | None:
        ref = ev.detail("in_reply_to")
        if ref is not None and str(ref) in by_id:
            return by_id[str(ref)]
        return next((r for r in pool if str(r.id) not in done and received(r) <= ev.occurred_on), None)

    for ev in case.ev.of("servicer_acknowledged", "servicer_responded"):
        if ev.type == "servicer_acknowledged":
            t = target(ev, pool_ack, ack_on)
            if t is None:
                continue
            ack_on.setdefault(str(t.id), ev.occurred_on)
            if ev.detail("extended") and t.type != "loss_mit_application_received":
                ext_on.setdefault(str(t.id), ev.occurred_on)
        elif ev.detail("extension"):
            t = target(ev, pool_resp, ext_on)
            if t is not None:
                ext_on.setdefault(str(t.id), ev.occurred_on)
        else:
            t = target(ev, pool_resp, resp_on)
            if t is None:
                continue
            if t.type == "loss_mit_application_received":
                ack_on.setdefault(str(t.id), ev.occurred_on)
                continue
            resp_on.setdefault(str(t.id), ev.occurred_on)
            ack_on.setdefault(str(t.id), ev.occurred_on)  # a written response also acknowledges receipt

    # loss-mitigation acknowledgments are met by servicer_acknowledged naming (or matching) them
    for d in out:
        if d.kind == "loss_mit_acknowledgment_due":
            app_id = d.key.split(":", 1)[1]
            if app_id in ack_on:
                d.met_on = ack_on[app_id]

    for req in requests:
        noe = req.type == "notice_of_error_sent"
        start = received(req)
        source_note = ("received " if req.detail_date("received_on") else "sent ")
        label = ("notice of error " if noe else "request for information ") + source_note.strip()
        if not req.detail_date("received_on"):
            label += " (no receipt date given: the send date is used; the clock runs from receipt)"
        ack_rule = fed["notice_of_error_acknowledgment" if noe else "information_request_acknowledgment"]
        a = _fed_draft(case, ack_rule, f"servicer_acknowledgment_due:{req.id}", req, start, label,
                       title=ack_rule.title)
        a.met_on = ack_on.get(str(req.id))
        out.append(a)

        rule = fed["notice_of_error_response" if noe else "information_request_response"]
        category = req.detail("error_category" if noe else "request_category")
        variant = rule.variants.get(category) if category else None
        period = variant.period if variant else rule.period
        citation_source = rule.source
        if variant:
            citation_source = Source(variant.citation, rule.source.source_url, rule.source.checked_on,
                                     rule.source.confidence, rule.source.notes)
        base_due = cal.add_period(start, period.amount, period.unit)
        arith = cal.format_arithmetic(label, start, period.amount, period.unit, base_due)
        notes = []
        due = base_due
        if variant and variant.before_sale:
            sale = case.sale_for(start)
            if sale and sale.occurred_on - timedelta(days=1) < due:
                due = sale.occurred_on - timedelta(days=1)
                notes.append(f"the sale scheduled for {sale.occurred_on.isoformat()} comes first: due by "
                             f"{due.isoformat()} ({variant.citation})")
        extendable = variant.extendable if variant else rule.extension is not None
        ext = ext_on.get(str(req.id))
        if ext is not None:
            if not extendable:
                notes.append(f"extension notice {ext.isoformat()} has no effect: this response cannot be extended")
            elif ext > base_due:
                notes.append(f"extension notice {ext.isoformat()} came after the {period.amount}-day period ended: "
                             f"no effect ({rule.extension_citation})")
            else:
                extended = cal.add_period(base_due, rule.extension.amount, rule.extension.unit)
                arith += (f", extended by notice of {ext.isoformat()}: {base_due.isoformat()} + "
                          f"{cal.describe_period(rule.extension.amount, rule.extension.unit)} = "
                          f"{extended.isoformat()} ({rule.extension_citation})")
                due = extended
        r = _Draft(key=f"servicer_response_due:{req.id}", kind=rule.kind, due_on=due, rule_id=rule.id,
                   source=citation_source, arithmetic=arith, trigger=req, title=rule.title, binds=rule.binds,
                   notes=notes)
        r.met_on = resp_on.get(str(req.id))
        out.append(r)


def _scra(case: _Case, out: list[_Draft]) -> None:
    ended = case.ev.latest("military_service_ended")
    if ended is None or case.federal is None:
        return
    rule = case.federal["scra_protection"]
    d = _fed_draft(case, rule, "scra_protection_end", ended, ended.occurred_on, _label(ended.type))
    held = next((e for e in case.ev.of("sale_held") if e.occurred_on <= d.due_on), None)
    if held is not None:
        d.violation = (f"sale held {held.occurred_on.isoformat()} within the protected period: invalid unless "
                       f"court-ordered or waived, if the loan predates the service")
    out.append(d)


# --- state --------------------------------------------------------------------------------------

def _unknown(case: _Case, kind: str, key: str, rule_id: str, source: Source, trigger: Event, what: str) -> _Draft:
    return _Draft(key=key, kind=kind, due_on=None, rule_id=rule_id, source=source,
                  arithmetic=f"{what} unknown for {case.state}: verify manually", trigger=trigger,
                  verify_manually=True)


_NO_RULES = Source("no jurisdiction rules loaded", "https://www.ecfr.gov/", None, "unverified")


def _timed_state_rule(case: _Case, out: list[_Draft], kind: str, rule_id: str, rule, what: str,
                      met_type: str | None, default_trigger: str) -> _Draft | None:
    if rule.status == "not_applicable":
        return None
    trigger_type = rule.from_event or default_trigger
    trigger = case.ev.latest(trigger_type)
    if trigger is None:
        return None
    # A rule limited by `when` (e.g. a deficiency deadline that applies only after a trustee's sale):
    # no deadline when a known fact rules it out; shown but to be verified when a fact is unknown.
    matched, missing = match_when(rule.when, case.facts, case.process)
    if matched is False:
        return None
    if rule.status == "unknown":
        d = _unknown(case, kind, kind, rule_id, rule.source, trigger, what)
    else:
        res = cal.compute_period(trigger.occurred_on, rule.period.amount, rule.period.unit,
                                 case.court_state if rule.roll_forward else None)
        arith = cal.format_arithmetic(_label(trigger.type), trigger.occurred_on, rule.period.amount,
                                      rule.period.unit, res.raw, res.due, case.court_state)
        d = _Draft(key=kind, kind=kind, due_on=res.due, rule_id=rule_id, source=rule.source, arithmetic=arith,
                   trigger=trigger)
        if not rule.roll_forward and kind in BORROWER_RIGHT_KINDS:
            d.due_on, d.expires_on, expiry_notes, d.verify_manually = _expiry(case, res.raw)
            d.notes += expiry_notes
    if matched is None:
        d.verify_manually = True
        d.notes.append(f"applies only when {describe_when(rule.when)}; not known here: {', '.join(missing)}: "
                       f"verify manually")
    if met_type and rule.status != "unknown":
        met = case.ev.first_on_or_after(met_type, trigger.occurred_on)
        if met:
            d.met_on = met.occurred_on
    out.append(d)
    return d


def _state(case: _Case, out: list[_Draft]) -> None:
    j = case.jurisdiction
    ev = case.ev
    if j is None:
        # No reviewed rules for this state: say so on every state deadline whose trigger exists.
        for kind, trig in (("answer_due", "complaint_served"), ("redemption_period_end", "sale_held"),
                           ("deficiency_filing_deadline", "sale_held")):
            t = ev.latest(trig)
            if t is not None and (kind != "answer_due" or case.facts.process != "nonjudicial"):
                out.append(_unknown(case, kind, kind, f"{case.state or 'XX'}.missing", _NO_RULES, t,
                                    f"{DEADLINE_KINDS[kind].title} (no rules loaded)"))
        _sale_date(case, out, None)
        return

    # answer_due: judicial foreclosures only
    if case.process == "judicial":
        _timed_state_rule(case, out, "answer_due", f"{j.code}.answer_period", j.answer_period,
                          "answer period", "answer_filed", "complaint_served")

    _sale_date(case, out, j)
    _reinstatement(case, out, j)
    _redemption(case, out, j)

    # deficiency filing deadline (skipped when the deficiency is definitely barred)
    if case.recoverability.recoverable != "no":
        _timed_state_rule(case, out, "deficiency_filing_deadline", f"{j.code}.deficiency.filing_deadline",
                          j.deficiency.filing_deadline, "deficiency filing deadline", "deficiency_action_filed",
                          "sale_held")

    if j.fair_value_action is not None:
        _timed_state_rule(case, out, "fair_value_action_deadline", f"{j.code}.fair_value_action",
                          j.fair_value_action, "fair-value action period", None, "sale_held")

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
        arith = cal.format_arithmetic(_label(trigger.type), trigger.occurred_on, notice.period.amount,
                                      notice.period.unit, due)
        arith += f" ({notice.name}); {notice.before.replace('_', ' ')} may not happen before then"
        d = _Draft(key=f"state_notice_period_end:{notice.id}", kind="state_notice_period_end", due_on=due,
                   rule_id=f"{j.code}.pre_foreclosure_notices.{notice.id}", source=notice.source,
                   arithmetic=arith, trigger=trigger, title=f"{notice.name}: waiting period ends")
        if matched is None:
            d.verify_manually = True
            d.notes.append(f"applies only if conditions hold that depend on unknown facts: {', '.join(missing)}: "
                           f"verify manually")
        step = ev.first_on_or_after(notice.before, trigger.occurred_on) if notice.before != "acceleration" else None
        if step is not None:
            if step.occurred_on < due:
                d.violation = (f"{_label(step.type)} {step.occurred_on.isoformat()} is before the waiting period "
                               f"ended: possible defense")
            else:
                d.met_on = step.occurred_on
        out.append(d)


def _sale_date(case: _Case, out: list[_Draft], j: Jurisdiction | None) -> None:
    sale = None
    for e in case.ev.of("sale_scheduled"):
        if sale is None or e.occurred_on >= sale.occurred_on:
            sale = e
    if sale is None:
        return
    source = j.foreclosure_process.source if j else _NO_RULES
    arith = f"sale scheduled for {sale.occurred_on.isoformat()} ({describe_weekday(sale.occurred_on)})"
    d = _Draft(key="sale_date", kind="sale_date", due_on=sale.occurred_on, rule_id="sale_scheduled",
               source=source, arithmetic=arith, trigger=sale)
    held = case.ev.first_on_or_after("sale_held", sale.occurred_on)
    if held:
        d.met_on = held.occurred_on  # "met 2026-06-01" = the sale took place
    out.append(d)


def describe_weekday(day: date) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[day.weekday()]


def _redemption(case: _Case, out: list[_Draft], j: Jurisdiction) -> None:
    red = j.redemption
    if red.pre_sale:
        _windows(case, out, "redemption_period_end", "redemption_pre_sale", f"{j.code}.redemption.pre_sale",
                 red.pre_sale, None)
    if red.status == "none":
        return
    if red.status == "unknown":
        trigger = case.ev.latest("sale_held")
        if trigger is not None:
            src = red.source or j.foreclosure_process.source
            out.append(_unknown(case, "redemption_period_end", "redemption_period_end",
                                f"{j.code}.redemption", src, trigger, "redemption period"))
        return
    _windows(case, out, "redemption_period_end", "redemption_period_end", f"{j.code}.redemption", red.periods, None)


def _reinstatement(case: _Case, out: list[_Draft], j: Jurisdiction) -> None:
    rein = j.reinstatement
    if rein is None or rein.status == "none":
        return
    if rein.status == "unknown":
        return  # recorded in the rules and on GET /jurisdictions; no date to show
    _windows(case, out, "reinstatement_period_end", "reinstatement_period_end", f"{j.code}.reinstatement",
             rein.periods, "reinstated")


def _candidates(periods, case: _Case) -> tuple[list[tuple[RedemptionPeriod, tuple[str, ...]]], bool, list]:
    """The periods that may apply, in file order: every one whose `when` might hold (a selecting fact
    unknown) up to and including the first whose `when` holds. Returns (candidates, settled, ruled_out):
    settled is True when one candidate holds and no earlier one is in doubt; ruled_out are the `when`s of
    the earlier periods a known fact excluded (their facts explain the choice)."""
    out = []
    ruled_out = []
    for period in periods:
        matched, missing = match_when(period.when, case.facts, case.process, case.deficiency_recoverable,
                                      case.recorded)
        if matched is False:
            ruled_out.append(period.when)
            continue
        out.append((period, missing))
        if matched:
            return out, len(out) == 1, ruled_out
    return out, False, ruled_out


def _window_end(case: _Case, period: RedemptionPeriod) -> tuple[date, Event, str, list[str]] | None:
    """The raw end of one window (before any weekend rule), the event it runs from, the arithmetic and notes;
    None when none of its triggers has happened."""
    notes: list[str] = []
    ends = []
    pending = []
    for tp in period.triggers:
        ev = case.ev.latest(tp.from_event)
        if ev is None:
            pending.append(_label(tp.from_event))
            continue
        end = cal.add_period(ev.occurred_on, tp.period.amount, tp.period.unit)
        ends.append((end, ev, cal.format_arithmetic(_label(ev.type), ev.occurred_on, tp.period.amount,
                                                     tp.period.unit, end)))
    chosen = None
    if ends:
        if period.earlier_of:
            chosen = min(ends, key=lambda t: t[0])
            word = "earlier"
        else:
            chosen = max(ends, key=lambda t: t[0])
            word = "later"
        if len(period.triggers) > 1:
            arith = f"the {word} of: " + "; ".join(a for _, _, a in ends) + f" = {chosen[0].isoformat()}"
            chosen = (chosen[0], chosen[1], arith)
            if pending:
                notes.append(f"not final: {', '.join(pending)} not recorded yet (the {word} of the dates applies)")
    if period.before_sale is not None:
        sale = case.ev.latest("sale_scheduled")  # the sale as last scheduled
        if sale is not None:
            by_sale = cal.add_period(sale.occurred_on, -period.before_sale.amount, period.before_sale.unit)
            if period.before_sale.amount == 0:
                words = f"until the sale scheduled for {sale.occurred_on.isoformat()}"
            else:
                words = (f"{cal.describe_period(period.before_sale.amount, period.before_sale.unit)} before the sale "
                         f"scheduled for {sale.occurred_on.isoformat()} = {by_sale.isoformat()}")
            if chosen is None or by_sale < chosen[0]:
                arith = words if chosen is None else f"{chosen[2]}, but it closes {words}"
                chosen = (by_sale, sale, arith)
    if chosen is None:
        return None
    return chosen[0], chosen[1], chosen[2], notes


def _closes_before_sale(case: _Case, raw: date) -> tuple[date, date, list[str], bool]:
    """(due_on, expires_on, notes, verify) for a window closing before a sale on `raw`: when offices are closed
    that day, act by the court day before it; the right itself ends on `raw` at the latest."""
    state = case.court_state
    if state is None or cal.is_court_day(raw, state):
        return raw, raw, [], False
    safe = raw
    while not cal.is_court_day(safe, state):
        safe -= timedelta(days=1)
    return safe, raw, [f"the window closes on {cal.describe_date(raw, state)}: act by {safe.isoformat()}, when "
                       f"offices are open"], False


def _expiry(case: _Case, raw: date) -> tuple[date, date, list[str], bool]:
    """(due_on, expires_on, notes, verify) for a statutory right (redemption, reinstatement) whose period ends
    on `raw`. When `raw` is a weekend or court holiday: due_on is the last court day before it (the last day
    to act safely: offices are closed on `raw`); expires_on is the next court day when the state's
    computation-of-time rule carries the end forward, else `raw` itself. Never "missed" before expires_on."""
    state = case.court_state
    if state is None or cal.is_court_day(raw, state):
        return raw, raw, [], False
    safe = raw
    while not cal.is_court_day(safe, state):
        safe -= timedelta(days=1)
    rule = case.jurisdiction.computation_of_time if case.jurisdiction else None
    status = rule.status if rule else "unknown"
    if status == "rolls" and raw.weekday() == 5 and rule.saturday_rolls is not True:
        # the statute carries Sundays and legal holidays forward; a Saturday end only if it says so
        status = "does_not_roll" if rule.saturday_rolls is False else "unknown"
    citation = rule.source.citation if rule and rule.source else None
    day = cal.describe_date(raw, state)
    if status == "rolls":
        expires = cal.roll_forward_to_court_day(raw, state)
        return safe, expires, [f"the period ends on {day}: the last day to act safely is {safe.isoformat()}; "
                               f"the right expires {expires.isoformat()}, the next day offices are open "
                               f"({citation})"], False
    if status == "does_not_roll":
        return raw, raw, [f"the period ends on {day}, and {case.state} does not carry it to the next business day "
                          f"({citation}): act by {safe.isoformat()}, when offices are open"], False
    return safe, raw, [f"the period ends on {day}: act by {safe.isoformat()}, when offices are open; whether "
                       f"{case.state}'s computation-of-time rule carries the end to "
                       f"{cal.roll_forward_to_court_day(raw, state).isoformat()} is unknown: verify manually"], True


def _windows(case: _Case, out: list[_Draft], kind: str, key: str, rule_prefix: str, periods, met_type: str | None
             ) -> _Draft | None:
    """One deadline from a list of windows. When the facts that select among them are unknown, the due date
    is the earliest candidate; the others are listed as alternatives, and the deadline is to be verified."""
    candidates, settled, ruled_out = _candidates(periods, case)
    computed = []
    for period, missing in candidates:
        end = _window_end(case, period)
        if end is None:
            continue
        raw, trigger, arith, notes = end
        if trigger.type == "sale_scheduled" and period.before_sale is not None:
            # a window that closes before the sale is never carried forward towards the sale
            due, expires, expiry_notes, verify = _closes_before_sale(case, raw)
        elif period.roll_forward and case.court_state:
            due = expires = cal.roll_forward_to_court_day(raw, case.court_state)
            if due != raw:
                arith += f", rolled to the next court day, {describe_weekday(due)} {due.isoformat()}"
            expiry_notes, verify = [], False
        else:
            due, expires, expiry_notes, verify = _expiry(case, raw)
        computed.append((due, period, missing, trigger, arith, notes + expiry_notes, verify, expires))
    if not computed:
        return None
    computed.sort(key=lambda c: c[0])
    # candidates giving the same date as an earlier one change nothing; when every candidate gives the same
    # date and one of them surely applies, the date stands whichever it is
    distinct = [c for i, c in enumerate(computed) if all(c[0] != d[0] for d in computed[:i])]
    if len(distinct) == 1 and len(computed) == len(candidates) and not candidates[-1][1]:
        settled = True
    computed = distinct
    due, period, missing, trigger, arith, notes, verify, expires = computed[0]
    d = _Draft(key=key, kind=kind, due_on=due, rule_id=f"{rule_prefix}.{period.id}", source=period.source,
               arithmetic=arith, trigger=trigger, notes=list(notes), verify_manually=verify, expires_on=expires)
    if len(computed) > 1:
        d.alternatives = tuple(
            Alternative(c[0], (f"if {describe_when(c[1].when)}" if c[2] else
                               f"if none of the other conditions holds ({describe_when(c[1].when) or 'general rule'})")
                        + f" ({c[1].source.citation})")
            for c in computed[1:])
    if not settled:
        unknown = sorted({m for c in computed for m in c[2]})
        d.verify_manually = True
        if len(computed) > 1:
            d.notes.append(f"the period depends on facts not entered ({', '.join(unknown)}): the earliest candidate "
                           f"is shown (verify manually); the others: "
                           + "; ".join(f"{a.due_on.isoformat()} {a.condition}" for a in d.alternatives))
        else:
            d.notes.append(f"applies only if {describe_when(period.when)}; not known here: {', '.join(unknown)}: "
                           f"verify manually")
    else:
        parts = [describe_facts(w, case.facts, case.process) for w in ruled_out + [period.when]]
        because = ", ".join(dict.fromkeys(p for text in parts for p in text.split(", ") if p))
        if because:
            d.notes.append(f"period chosen because {because}")
    if met_type:
        met = case.ev.first_on_or_after(met_type, trigger.occurred_on if trigger.type != "sale_scheduled" else date.min)
        if met and met.occurred_on <= (expires or due):
            d.met_on = met.occurred_on
    if key == "redemption_pre_sale":
        held = case.ev.first_on_or_after("sale_held", date.min)
        if held is not None and held.occurred_on <= due:
            d.verify_manually = True
            d.notes.append(f"sale held {held.occurred_on.isoformat()}, before this redemption period ended: the sale "
                           f"may not be held before it ends ({period.source.citation}): possible defense, verify manually")
    out.append(d)
    return d


# --- assembling ---------------------------------------------------------------------------------

def _finish(case: _Case, d: _Draft) -> ComputedDeadline:
    spec = DEADLINE_KINDS[d.kind]
    binds = d.binds or spec.binds
    notes = list(d.notes)
    # verify_manually follows the words: every finding below that asks for a check is also recorded here
    checks = ["draft"] if d.verify_manually else []
    status = "open"
    stay = case.stay_filed
    if d.met_on is not None:
        status = "met"
        if d.kind in WAITING_KINDS:
            notes.append(f"next step taken {d.met_on.isoformat()}, after the waiting period")
        elif d.due_on is not None and d.met_on > d.due_on:
            late = (cal.business_days_between(d.due_on, d.met_on) if d.kind in SERVICER_RESPONSE_KINDS
                    else (d.met_on - d.due_on).days)
            unit = "business days" if d.kind in SERVICER_RESPONSE_KINDS else "days"
            notes.append(f"met {d.met_on.isoformat()}, late by {late} {unit}")
        else:
            notes.append(f"met {d.met_on.isoformat()}")
    elif d.violation:
        status = "missed"
        notes.append(d.violation)
    elif (stay is not None and d.kind in FORECLOSURE_KINDS
          and (d.due_on is None or d.due_on >= stay.occurred_on)):
        status = "tolled"
        notes.append(f"tolled: bankruptcy filed {stay.occurred_on.isoformat()}, automatic stay ({_STAY_CITATION}); "
                     f"11 U.S.C. § 108 may extend the period after the stay ends: verify after discharge or "
                     f"dismissal")
        checks.append("tolled")
    elif (d.expires_on or d.due_on) is not None and (d.expires_on or d.due_on) < case.today and (
            binds in ("borrower", "court") or d.kind in SERVICER_RESPONSE_KINDS):
        status = "missed"  # never before the right itself has expired (expires_on)
    if status != "tolled" and d.kind in FORECLOSURE_KINDS:
        for filed, closed in case.past_stays:
            if d.due_on is None or d.due_on >= filed.occurred_on:
                notes.append(f"bankruptcy {filed.occurred_on.isoformat()} to {closed.occurred_on.isoformat()}: "
                             f"11 U.S.C. § 108 may have extended this date: verify")
                checks.append("past bankruptcy")
                break
    if case.facts.process is None and case.process and d.kind in _PROCESS_KINDS:
        notes.append(f"foreclosure process not given: assumed {case.process}, the usual one in {case.state}")
    if d.source.confidence == "unverified":
        notes.append("rule unverified: verify manually against the source")
        checks.append("unverified rule")
    explanation = d.arithmetic
    if notes:
        explanation += "; " + "; ".join(notes)
    explanation += f" ({d.source.citation})"
    return ComputedDeadline(
        key=d.key, kind=d.kind, title=d.title or spec.title, due_on=d.due_on, binds=binds, status=status,
        met_on=d.met_on, rule_id=d.rule_id, citation=d.source.citation, source_url=d.source.source_url,
        confidence=d.source.confidence, explanation=explanation, computed_from_event_type=d.trigger.type,
        computed_from_occurred_on=d.trigger.occurred_on, verify_manually=bool(checks),
        alternatives=d.alternatives, expires_on=d.expires_on or d.due_on)


def compute_deadlines(facts: CaseFacts, events: Sequence[Event] | Iterable[Event], rulebook: Rulebook,
                      today: date) -> list[ComputedDeadline]:
    """Every deadline the events and rules give for this case, sorted by (due_on, key); deadlines with
    an unknown rule (due_on None, verify_manually) come last."""
    case = _Case(facts, list(events), rulebook, today)
    drafts: list[_Draft] = []
    _delinquency(case, drafts)
    _loss_mitigation(case, drafts)
    _servicer_requests(case, drafts)
    _scra(case, drafts)
    _state(case, drafts)
    result = [_finish(case, d) for d in drafts]
    result.sort(key=lambda c: (c.due_on is None, c.due_on or date.max, c.key))
    return result
