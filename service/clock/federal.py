"""The federal deadlines: Regulation X delinquency marks, loss mitigation (acknowledgment, evaluation, sale
protection, appeal, offers), the servicer's answers to notices of error and requests for information, and
the SCRA protection period. Each stage appends drafts; engine.py decides their statuses.

Pure: no Flask, no database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Sequence

from . import calendar as cal
from .drafts import CaseView, Draft, event_label
from .facts import Event
from .rules import FederalRule, Source


def _fed_draft(case: CaseView, rule: FederalRule, key: str, trigger: Event, start: date, label: str, **kw) -> Draft:
    due = cal.add_period(start, rule.period.amount, rule.period.unit)
    arithmetic = cal.format_arithmetic(label, start, rule.period.amount, rule.period.unit, due)
    return Draft(
        key=key,
        kind=rule.kind,
        due_on=due,
        rule_id=rule.id,
        source=rule.source,
        arithmetic=arithmetic,
        trigger=trigger,
        binds=rule.binds,
        **kw,
    )


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


def delinquency(case: CaseView, out: list[Draft]) -> None:
    fmp = case.ev.latest("first_missed_payment")
    if fmp is None or case.federal is None:
        return
    for rule_id, key in (
        ("reg_x_120_day_mark", "reg_x_120_day_mark"),
        ("early_intervention_live_contact", "early_intervention_live_contact"),
        ("early_intervention_written_notice", "early_intervention_written_notice"),
    ):
        rule = case.federal[rule_id]
        d = _fed_draft(case, rule, key, fmp, fmp.occurred_on, event_label("first_missed_payment"))
        if rule_id == "reg_x_120_day_mark":
            d.arithmetic += (
                f", the first day the loan is more than 120 days delinquent "
                f"(day 120 is {cal.add_days(fmp.occurred_on, 120).isoformat()}; days of delinquency "
                f"counted from the due date as in comment 39(a)-1)"
            )
            first_notice = case.jurisdiction.first_notice if case.jurisdiction else None
            first_types = ("complaint_filed", "notice_of_default_recorded") + (
                first_notice.events if first_notice else ()
            )
            first_step = next((e for e in case.ev.of(*first_types) if e.occurred_on >= fmp.occurred_on), None)
            if first_notice is not None:
                d.notes.append(
                    f"in {case.state} the first notice or filing includes: "
                    f"{', '.join(event_label(t) for t in first_notice.events)} ({first_notice.source.citation})"
                )
            if first_step is not None:
                if first_step.occurred_on < d.due_on:
                    d.violation = (
                        f"{event_label(first_step.type)} {first_step.occurred_on.isoformat()} is before the "
                        f"120-day mark: possible violation unless an exception in 1024.41(f)(1)(ii)-(iii) "
                        f"applies"
                    )
                else:
                    d.met_on = first_step.occurred_on
        else:
            day = 36 if "live" in rule_id else 45
            d.arithmetic += f", the {day}th day of delinquency"
        out.append(d)


def loss_mitigation(case: CaseView, out: list[Draft]) -> None:
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
        d = _fed_draft(case, rule, f"loss_mit_acknowledgment_due:{app.id}", app, app.occurred_on, event_label(app.type))
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
        d = _fed_draft(case, rule, f"loss_mit_evaluation_due:{comp.id}", comp, comp.occurred_on, event_label(comp.type))
        if why:
            d.notes.append(why)
        decision = next((e for e in decisions if e.occurred_on >= comp.occurred_on), None)
        if decision:
            d.met_on = decision.occurred_on
        out.append(d)
        if sale is not None:
            prot = fed["loss_mit_sale_protection"]
            arith = (
                f"complete application received {comp.occurred_on.isoformat()}, "
                f"{(sale.occurred_on - comp.occurred_on).days} days before the sale scheduled for "
                f"{sale.occurred_on.isoformat()} (more than 37): no sale, judgment or order of sale while it "
                f"is pending"
            )
            p = Draft(
                key=f"loss_mit_sale_protection:{comp.id}",
                kind=prot.kind,
                due_on=sale.occurred_on,
                rule_id=prot.id,
                source=prot.source,
                arithmetic=arith,
                trigger=comp,
                binds=prot.binds,
            )
            held = next((e for e in case.ev.of("sale_held") if e.occurred_on >= comp.occurred_on), None)
            decided_before_sale = decision and (held is None or decision.occurred_on <= held.occurred_on)
            if held and not decided_before_sale:
                p.violation = (
                    f"sale held {held.occurred_on.isoformat()} with no decision on the complete "
                    f"application recorded: possible violation"
                )
            elif decision:
                p.met_on = decision.occurred_on
                p.notes.append(
                    f"decision recorded {decision.occurred_on.isoformat()}; the protection lasts "
                    f"through any appeal (1024.41(g)(1))"
                )
            out.append(p)
    for denial in case.ev.of("loss_mit_denied"):
        rule = fed["loss_mit_appeal"]
        # 1024.41(h) gives an appeal only from the denial of a loan modification option
        option = denial.detail("option")
        if option is not None and option not in ("loan_modification", "trial_modification"):
            continue
        comp = next((c for c in reversed(completes) if c.occurred_on <= denial.occurred_on), None)
        d = _fed_draft(
            case, rule, f"loss_mit_appeal_due:{denial.id}", denial, denial.occurred_on, event_label(denial.type)
        )
        if option is None:
            d.verify_manually = True
            d.notes.append(
                "the denied option is not recorded: only the denial of a loan modification can be "
                "appealed (12 CFR 1024.41(h)(1)): verify manually"
            )
        if comp is None:
            d.verify_manually = True
            d.notes.append(
                "no complete application recorded: the appeal right depends on the complete "
                "application having come 90 days or more before a sale: verify manually"
            )
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


_OPTION_WORDS = {
    "forbearance": "forbearance plan",
    "repayment_plan": "repayment plan",
    "short_sale": "short sale",
    "deed_in_lieu": "deed in lieu",
    "loan_modification": "loan modification",
    "trial_modification": "trial modification",
}


def _offers(case: CaseView, out: list[Draft], completes: Sequence[Event]) -> None:
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
            notes.append(
                "no complete application recorded: 1024.41(e) applies to offers on a complete application: "
                "verify manually"
            )
        else:
            sale = case.sale_for(comp.occurred_on)
            if sale is not None:
                gap = (sale.occurred_on - comp.occurred_on).days
                if gap <= 37:
                    continue  # no 1024.41 protections for an application 37 days or less before the sale
                if gap < 90:
                    variant = rule.variants["late_application"]
                    period, citation = variant.period, variant.citation
                    notes.append(
                        f"complete application {comp.occurred_on.isoformat()} came {gap} days before the "
                        f"sale scheduled for {sale.occurred_on.isoformat()} (less than 90): 7 days"
                    )
        due = cal.add_period(offer.occurred_on, period.amount, period.unit)
        arith = cal.format_arithmetic(f"{what} offered", offer.occurred_on, period.amount, period.unit, due)
        notes.append("the servicer may allow longer: the offer letter's own deadline governs if later")
        d = Draft(
            key=f"loss_mit_offer_acceptance_due:{offer.id}",
            kind=rule.kind,
            due_on=due,
            rule_id=rule.id,
            source=Source(citation, rule.source.source_url, rule.source.checked_on, rule.source.confidence),
            arithmetic=arith,
            trigger=offer,
            binds=rule.binds,
            notes=notes,
            verify_manually=verify,
            title=f"Accept or reject the {what}",
        )
        # accepted: recorded on the offer, or shown by the outcome the option leads to
        outcome = next(
            (
                e
                for e in case.ev.of("modification_approved", "short_sale_closed", "deed_in_lieu_recorded", "reinstated")
                if e.occurred_on >= offer.occurred_on
            ),
            None,
        )
        d.met_on = offer.detail_date("accepted_on") or (outcome.occurred_on if outcome else None)
        out.append(d)


def servicer_requests(case: CaseView, out: list[Draft]) -> None:
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
    pool_ack = sorted(requests + [a for a in apps if str(a.id) in clocked_apps], key=lambda e: (received(e), str(e.id)))
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
        source_note = "received " if req.detail_date("received_on") else "sent "
        label = ("notice of error " if noe else "request for information ") + source_note.strip()
        if not req.detail_date("received_on"):
            label += " (no receipt date given: the send date is used; the clock runs from receipt)"
        ack_rule = fed["notice_of_error_acknowledgment" if noe else "information_request_acknowledgment"]
        a = _fed_draft(case, ack_rule, f"servicer_acknowledgment_due:{req.id}", req, start, label, title=ack_rule.title)
        a.met_on = ack_on.get(str(req.id))
        out.append(a)

        rule = fed["notice_of_error_response" if noe else "information_request_response"]
        category = req.detail("error_category" if noe else "request_category")
        variant = rule.variants.get(category) if category else None
        period = variant.period if variant else rule.period
        citation_source = rule.source
        if variant:
            citation_source = Source(
                variant.citation,
                rule.source.source_url,
                rule.source.checked_on,
                rule.source.confidence,
                rule.source.notes,
            )
        base_due = cal.add_period(start, period.amount, period.unit)
        arith = cal.format_arithmetic(label, start, period.amount, period.unit, base_due)
        notes = []
        due = base_due
        if variant and variant.before_sale:
            sale = case.sale_for(start)
            if sale and sale.occurred_on - timedelta(days=1) < due:
                due = sale.occurred_on - timedelta(days=1)
                notes.append(
                    f"the sale scheduled for {sale.occurred_on.isoformat()} comes first: due by "
                    f"{due.isoformat()} ({variant.citation})"
                )
        extendable = variant.extendable if variant else rule.extension is not None
        ext = ext_on.get(str(req.id))
        if ext is not None:
            if not extendable:
                notes.append(f"extension notice {ext.isoformat()} has no effect: this response cannot be extended")
            elif ext > base_due:
                notes.append(
                    f"extension notice {ext.isoformat()} came after the {period.amount}-day period ended: "
                    f"no effect ({rule.extension_citation})"
                )
            else:
                extended = cal.add_period(base_due, rule.extension.amount, rule.extension.unit)
                arith += (
                    f", extended by notice of {ext.isoformat()}: {base_due.isoformat()} + "
                    f"{cal.describe_period(rule.extension.amount, rule.extension.unit)} = "
                    f"{extended.isoformat()} ({rule.extension_citation})"
                )
                due = extended
        r = Draft(
            key=f"servicer_response_due:{req.id}",
            kind=rule.kind,
            due_on=due,
            rule_id=rule.id,
            source=citation_source,
            arithmetic=arith,
            trigger=req,
            title=rule.title,
            binds=rule.binds,
            notes=notes,
        )
        r.met_on = resp_on.get(str(req.id))
        out.append(r)


def scra(case: CaseView, out: list[Draft]) -> None:
    ended = case.ev.latest("military_service_ended")
    if ended is None or case.federal is None:
        return
    rule = case.federal["scra_protection"]
    d = _fed_draft(case, rule, "scra_protection_end", ended, ended.occurred_on, event_label(ended.type))
    held = next((e for e in case.ev.of("sale_held") if e.occurred_on <= d.due_on), None)
    if held is not None:
        d.violation = (
            f"sale held {held.occurred_on.isoformat()} within the protected period: invalid unless "
            f"court-ordered or waived, if the loan predates the service"
        )
    out.append(d)
