"""Periods chosen among several (redemption, reinstatement) and how unknown facts are handled: every
period that might apply is computed, the earliest is the due date, the others are alternatives, and the
deadline asks to be verified. Also the weekend and holiday ends of the borrower's statutory rights.

Pure: no Flask, no database."""

from __future__ import annotations

from datetime import date, timedelta

from . import calendar as cal
from .drafts import Alternative, CaseView, Draft, describe_weekday, event_label
from .facts import Event, describe_facts, describe_when, match_when
from .rules import RedemptionPeriod


def _candidates(periods, case: CaseView) -> tuple[list[tuple[RedemptionPeriod, tuple[str, ...]]], bool, list]:
    """The periods that may apply, in file order: every one whose `when` might hold (a selecting fact
    unknown) up to and including the first whose `when` holds. Returns (candidates, settled, ruled_out):
    settled is True when one candidate holds and no earlier one is in doubt; ruled_out are the `when`s of
    the earlier periods a known fact excluded (their facts explain the choice)."""
    out = []
    ruled_out = []
    for period in periods:
        matched, missing = match_when(period.when, case.facts, case.process, case.deficiency_recoverable, case.recorded)
        if matched is False:
            ruled_out.append(period.when)
            continue
        out.append((period, missing))
        if matched:
            return out, len(out) == 1, ruled_out
    return out, False, ruled_out


def _window_end(case: CaseView, period: RedemptionPeriod) -> tuple[date, Event, str, list[str]] | None:
    """The raw end of one window (before any weekend rule), the event it runs from, the arithmetic and notes;
    None when none of its triggers has happened."""
    notes: list[str] = []
    ends = []
    pending = []
    for tp in period.triggers:
        ev = case.ev.latest(tp.from_event)
        if ev is None:
            pending.append(event_label(tp.from_event))
            continue
        end = cal.add_period(ev.occurred_on, tp.period.amount, tp.period.unit)
        ends.append(
            (
                end,
                ev,
                cal.format_arithmetic(event_label(ev.type), ev.occurred_on, tp.period.amount, tp.period.unit, end),
            )
        )
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
                words = (
                    f"{cal.describe_period(period.before_sale.amount, period.before_sale.unit)} before the sale "
                    f"scheduled for {sale.occurred_on.isoformat()} = {by_sale.isoformat()}"
                )
            if chosen is None or by_sale < chosen[0]:
                arith = words if chosen is None else f"{chosen[2]}, but it closes {words}"
                chosen = (by_sale, sale, arith)
    if chosen is None:
        return None
    return chosen[0], chosen[1], chosen[2], notes


def _closes_before_sale(case: CaseView, raw: date) -> tuple[date, date, list[str], bool]:
    """(due_on, expires_on, notes, verify) for a window closing before a sale on `raw`: when offices are closed
    that day, act by the court day before it; the right itself ends on `raw` at the latest."""
    state = case.court_state
    if state is None or cal.is_court_day(raw, state):
        return raw, raw, [], False
    safe = raw
    while not cal.is_court_day(safe, state):
        safe -= timedelta(days=1)
    return (
        safe,
        raw,
        [f"the window closes on {cal.describe_date(raw, state)}: act by {safe.isoformat()}, when offices are open"],
        False,
    )


def expiry(case: CaseView, raw: date) -> tuple[date, date, list[str], bool]:
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
        return (
            safe,
            expires,
            [
                f"the period ends on {day}: the last day to act safely is {safe.isoformat()}; "
                f"the right expires {expires.isoformat()}, the next day offices are open "
                f"({citation})"
            ],
            False,
        )
    if status == "does_not_roll":
        return (
            raw,
            raw,
            [
                f"the period ends on {day}, and {case.state} does not carry it to the next business day "
                f"({citation}): act by {safe.isoformat()}, when offices are open"
            ],
            False,
        )
    return (
        safe,
        raw,
        [
            f"the period ends on {day}: act by {safe.isoformat()}, when offices are open; whether "
            f"{case.state}'s computation-of-time rule carries the end to "
            f"{cal.roll_forward_to_court_day(raw, state).isoformat()} is unknown: verify manually"
        ],
        True,
    )


def windows(
    case: CaseView, out: list[Draft], kind: str, key: str, rule_prefix: str, periods, met_type: str | None
) -> Draft | None:
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
            due, expires, expiry_notes, verify = expiry(case, raw)
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
    d = Draft(
        key=key,
        kind=kind,
        due_on=due,
        rule_id=f"{rule_prefix}.{period.id}",
        source=period.source,
        arithmetic=arith,
        trigger=trigger,
        notes=list(notes),
        verify_manually=verify,
        expires_on=expires,
    )
    if len(computed) > 1:
        d.alternatives = tuple(
            Alternative(
                c[0],
                (
                    f"if {describe_when(c[1].when)}"
                    if c[2]
                    else f"if none of the other conditions holds ({describe_when(c[1].when) or 'general rule'})"
                )
                + f" ({c[1].source.citation})",
            )
            for c in computed[1:]
        )
    if not settled:
        unknown = sorted({m for c in computed for m in c[2]})
        d.verify_manually = True
        if len(computed) > 1:
            d.notes.append(
                f"the period depends on facts not entered ({', '.join(unknown)}): the earliest candidate "
                f"is shown (verify manually); the others: "
                + "; ".join(f"{a.due_on.isoformat()} {a.condition}" for a in d.alternatives)
            )
        else:
            d.notes.append(
                f"applies only if {describe_when(period.when)}; not known here: {', '.join(unknown)}: verify manually"
            )
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
            d.notes.append(
                f"sale held {held.occurred_on.isoformat()}, before this redemption period ended: the sale "
                f"may not be held before it ends ({period.source.citation}): possible defense, verify manually"
            )
    out.append(d)
    return d


# --- assembling ---------------------------------------------------------------------------------
