"""Deficiency exposure: how much the borrower may still owe after the foreclosure sale, and whether
the lender may recover it under the state's rules.

deficiency = unpaid principal + accrued interest + fees and costs - credits
             - (sale price, or the fair market value when the state's fair-value limit applies and the
               fair market value is higher), never below zero.
All money is Decimal, quantized to cents with ROUND_HALF_UP; never float.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

from .facts import CaseFacts, Event, EventIndex, describe_when, effective_process, match_when, to_decimal
from .rules import Jurisdiction, Rulebook

__all__ = ["Recoverability", "DeficiencyResult", "assess_recoverability", "compute_deficiency", "money",
           "format_money"]

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """Quantize to cents, half-up (what a court's judgment arithmetic does)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    return f"${money(value):,.2f}"


@dataclass(frozen=True)
class Recoverability:
    recoverable: str           # yes | no | conditional
    reason: str
    citation: str
    verify_manually: bool
    rule_id: str


@dataclass(frozen=True)
class DeficiencyResult:
    amount_owed: Decimal | None
    sale_price: Decimal | None
    fair_market_value: Decimal | None
    credits: Decimal | None
    deficiency: Decimal | None
    recoverable: str
    reason: str
    citation: str
    filing_deadline: date | None
    verify_manually: bool
    explanation: str

    def as_dict(self) -> dict:
        def s(v):
            return None if v is None else f"{v:.2f}"
        return {"amount_owed": s(self.amount_owed), "sale_price": s(self.sale_price),
                "fair_market_value": s(self.fair_market_value), "credits": s(self.credits),
                "deficiency": s(self.deficiency), "recoverable": self.recoverable, "reason": self.reason,
                "citation": self.citation,
                "filing_deadline": self.filing_deadline.isoformat() if self.filing_deadline else None,
                "verify_manually": self.verify_manually, "explanation": self.explanation}


def assess_recoverability(facts: CaseFacts, jurisdiction: Jurisdiction | None) -> Recoverability:
    """yes / no / conditional from the state's bars (in order) and its general rule.

    A bar whose `when` holds decides ("bar" -> no, "conditional" -> conditional); the first one that
    holds wins. If none holds but one might (a fact it tests is unknown), the answer is conditional and
    says which facts are missing. Otherwise the general rule: allowed -> yes, barred -> no,
    unknown -> conditional with verify_manually."""
    if jurisdiction is None:
        return Recoverability("conditional", f"no reviewed rules for {facts.state}: verify manually",
                              "no jurisdiction rules loaded", True, f"{facts.state}.missing")
    process = effective_process(facts, jurisdiction)
    d = jurisdiction.deficiency
    possible = None
    for bar in d.bars:
        matched, missing = match_when(bar.when, facts, process)
        if matched:
            rid = f"{jurisdiction.code}.deficiency.bars.{bar.id}"
            if bar.effect == "bar":
                return Recoverability("no", bar.summary.strip(), bar.source.citation, False, rid)
            return Recoverability("conditional", bar.summary.strip(), bar.source.citation, False, rid)
        if matched is None and possible is None:
            possible = (bar, missing)
    if possible is not None:
        bar, missing = possible
        effect = "barred" if bar.effect == "bar" else "limited"
        return Recoverability(
            "conditional",
            f"may be {effect} depending on {', '.join(missing)} (unknown): {bar.summary.strip()}",
            bar.source.citation, True, f"{jurisdiction.code}.deficiency.bars.{bar.id}")
    g = d.general
    rid = f"{jurisdiction.code}.deficiency.general"
    if g.status == "allowed":
        return Recoverability("yes", g.summary.strip(), g.source.citation, False, rid)
    if g.status == "barred":
        return Recoverability("no", g.summary.strip(), g.source.citation, False, rid)
    return Recoverability("conditional", f"unknown for {jurisdiction.code}: verify manually. {g.summary.strip()}",
                          g.source.citation, True, rid)


def compute_deficiency(facts: CaseFacts, events: Sequence[Event], rulebook: Rulebook, today: date) -> DeficiencyResult:
    jurisdiction = rulebook.jurisdiction(facts.state) if rulebook else None
    rec = assess_recoverability(facts, jurisdiction)
    verify = rec.verify_manually
    notes: list[str] = []

    principal = facts.unpaid_principal
    parts = [("principal", principal), ("interest", facts.accrued_interest),
             ("fees and costs", facts.fees_and_costs)]
    amount_owed = None
    owed_text = "amount owed unknown (no unpaid principal)"
    if principal is not None:
        amount_owed = money(sum((Decimal(v) for _, v in parts if v is not None), Decimal(0)))
        shown = [f"{name} {format_money(v)}" for name, v in parts if v is not None]
        owed_text = f"amount owed {format_money(amount_owed)} ({' + '.join(shown)})"
    credits = money(facts.credits) if facts.credits is not None else None

    sale = EventIndex(events).latest("sale_held")
    sale_price = fmv = None
    if sale is not None:
        sale_price = to_decimal(sale.detail("sale_price"))
        fmv = to_decimal(sale.detail("fair_market_value"))
        sale_price = money(sale_price) if sale_price is not None else None
        fmv = money(fmv) if fmv is not None else None

    # the filing deadline comes from the engine so that both show the same date
    from .engine import compute_deadlines
    filing_deadline = None
    for dl in compute_deadlines(facts, events, rulebook, today):
        if dl.kind == "deficiency_filing_deadline":
            filing_deadline = dl.due_on
            if dl.verify_manually:
                notes.append("filing deadline: verify manually")
                if dl.due_on is not None:
                    verify = True  # a date computed without knowing a fact its rule depends on
    rule = jurisdiction.deficiency.filing_deadline if jurisdiction is not None else None
    if rule is not None and rule.when is not None and rule.status != "not_applicable":
        applies, _ = match_when(rule.when, facts, effective_process(facts, jurisdiction))
        if applies is False:
            notes.append(f"no filing deadline from {rule.source.citation}: it applies only when "
                         f"{describe_when(rule.when)}")

    if sale is None:
        reason = f"no sale held yet: the deficiency is computed after the sale. {rec.reason}"
        return DeficiencyResult(amount_owed, None, None, credits, None, rec.recoverable, reason, rec.citation,
                                None, verify, f"{owed_text}; no sale held yet ({rec.citation})")
    if sale_price is None:
        reason = f"sale held {sale.occurred_on.isoformat()} but no sale price recorded. {rec.reason}"
        return DeficiencyResult(amount_owed, None, fmv, credits, None, rec.recoverable, reason, rec.citation,
                                filing_deadline, True,
                                f"{owed_text}; sale price unknown: verify manually ({rec.citation})")

    measure, measure_text = sale_price, f"sale price {format_money(sale_price)}"
    citation = rec.citation
    if jurisdiction is not None:
        fvl = jurisdiction.deficiency.fair_value_limit
        applies = fvl.status == "applies"
        if applies and fvl.when is not None:
            matched, missing = match_when(fvl.when, facts, effective_process(facts, jurisdiction))
            if matched is False:
                applies = False
            elif matched is None:
                verify = True
                notes.append(f"fair-value limit applied without knowing {', '.join(missing)}")
        if applies:
            if fmv is None:
                notes.append("the fair-value limit applies but no fair market value is recorded: the deficiency "
                             f"may be lower ({fvl.source.citation})")
                verify = True
            elif fmv > sale_price:
                measure, measure_text = fmv, (f"fair market value {format_money(fmv)} (higher than the sale price "
                                              f"{format_money(sale_price)}; fair-value limit, {fvl.source.citation})")
        elif fvl.status == "unknown":
            notes.append("whether a fair-value limit applies is unknown: verify manually")

    if amount_owed is None:
        return DeficiencyResult(None, sale_price, fmv, credits, None, rec.recoverable,
                                f"unpaid principal unknown. {rec.reason}", citation, filing_deadline, True,
                                f"{owed_text}; {measure_text} ({citation})")
    raw = amount_owed - (credits or Decimal(0)) - measure
    deficiency = money(max(raw, Decimal(0)))
    text = owed_text
    if credits is not None:
        text += f" - credits {format_money(credits)}"
    text += f" - {measure_text} = {format_money(deficiency)}"
    if raw < 0:
        text += " (surplus: no deficiency)"
    if notes:
        text += "; " + "; ".join(notes)
    text += f" ({citation})"
    return DeficiencyResult(amount_owed, sale_price, fmv, credits, deficiency, rec.recoverable, rec.reason,
                            citation, filing_deadline, verify, text)
