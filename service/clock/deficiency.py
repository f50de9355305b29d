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
from typing import Any, Sequence

from .facts import CaseFacts, Event, EventIndex, describe_when, effective_process, match_when, to_decimal
from .recoverability import Recoverability, assess_recoverability
from .rules import Rulebook

__all__ = [
    "Recoverability",
    "DeficiencyResult",
    "assess_recoverability",
    "compute_deficiency",
    "money",
    "format_money",
]  # Recoverability and assess_recoverability live in .recoverability

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """Quantize to cents, half-up (what a court's judgment arithmetic does)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    return f"${money(value):,.2f}"


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

        return {
            "amount_owed": s(self.amount_owed),
            "sale_price": s(self.sale_price),
            "fair_market_value": s(self.fair_market_value),
            "credits": s(self.credits),
            "deficiency": s(self.deficiency),
            "recoverable": self.recoverable,
            "reason": self.reason,
            "citation": self.citation,
            "filing_deadline": self.filing_deadline.isoformat() if self.filing_deadline else None,
            "verify_manually": self.verify_manually,
            "explanation": self.explanation,
        }


def compute_deficiency(
    facts: CaseFacts, events: Sequence[Event], rulebook: Rulebook, *, deadlines: Sequence[Any]
) -> DeficiencyResult:
    """The deficiency after the sale. `deadlines`: the engine's deadlines for the same case
    (compute_deadlines), from which the filing deadline is read, so that both show the same date
    without computing them twice."""
    jurisdiction = rulebook.jurisdiction(facts.state) if rulebook else None
    rec = assess_recoverability(facts, jurisdiction)
    # verify_manually is derived from the same findings as the words: each finding that needs a check is
    # added through check(), which both writes "verify manually" and sets the flag.
    notes: list[str] = []
    checks: list[str] = []

    def check(text: str) -> None:
        checks.append(text)
        notes.append(f"{text}: verify manually")

    if rec.verify_manually:
        checks.append(rec.reason)  # its reason says "verify manually" itself

    principal = facts.unpaid_principal
    parts = [("principal", principal), ("interest", facts.accrued_interest), ("fees and costs", facts.fees_and_costs)]
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

    filing_deadline = None
    for dl in deadlines:
        if dl.kind == "deficiency_filing_deadline":
            filing_deadline = dl.due_on
            if dl.verify_manually:
                check("filing deadline")
    rule = jurisdiction.deficiency.filing_deadline if jurisdiction is not None else None
    if rule is not None and rule.when is not None and rule.status != "not_applicable":
        applies, _ = match_when(rule.when, facts, effective_process(facts, jurisdiction))
        if applies is False:
            notes.append(
                f"no filing deadline from {rule.source.citation}: it applies only when {describe_when(rule.when)}"
            )

    def result(deficiency, reason, citation, deadline, text) -> DeficiencyResult:
        if notes:
            text += "; " + "; ".join(notes)
        return DeficiencyResult(
            amount_owed,
            sale_price,
            fmv,
            credits,
            deficiency,
            rec.recoverable,
            reason,
            citation,
            deadline,
            bool(checks),
            f"{text} ({citation})",
        )

    if sale is None:
        return result(
            None,
            f"no sale held yet: the deficiency is computed after the sale. {rec.reason}",
            rec.citation,
            None,
            f"{owed_text}; no sale held yet",
        )
    if sale_price is None:
        check("sale price unknown")
        return result(
            None,
            f"sale held {sale.occurred_on.isoformat()} but no sale price recorded. {rec.reason}",
            rec.citation,
            filing_deadline,
            owed_text,
        )

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
                check(f"fair-value limit applied without knowing {', '.join(missing)}")
        if applies:
            if fmv is None:
                check(
                    "the fair-value limit applies but no fair market value is recorded: the deficiency "
                    f"may be lower ({fvl.source.citation})"
                )
            elif fmv > sale_price:
                measure, measure_text = (
                    fmv,
                    (
                        f"fair market value {format_money(fmv)} (higher than the sale price "
                        f"{format_money(sale_price)}; fair-value limit, {fvl.source.citation})"
                    ),
                )
        elif fvl.status == "unknown":
            check("whether a fair-value limit applies is unknown")

    if amount_owed is None:
        check("unpaid principal unknown")
        return result(
            None, f"unpaid principal unknown. {rec.reason}", citation, filing_deadline, f"{owed_text}; {measure_text}"
        )
    raw = amount_owed - (credits or Decimal(0)) - measure
    deficiency = money(max(raw, Decimal(0)))
    text = owed_text
    if credits is not None:
        text += f" - credits {format_money(credits)}"
    text += f" - {measure_text} = {format_money(deficiency)}"
    if raw < 0:
        text += " (surplus: no deficiency)"
    return result(deficiency, rec.reason, citation, filing_deadline, text)
