"""Whether the lender may recover a deficiency after the sale, from the state's bars and general rule.

Its own module so that both the deadline engine (which skips the deficiency filing deadline when a
deficiency is barred, and selects redemption periods that depend on it) and the deficiency
computation use it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass

from .facts import CaseFacts, describe_when, effective_process, match_when
from .rules import Jurisdiction

__all__ = ["Recoverability", "assess_recoverability"]


@dataclass(frozen=True)
class Recoverability:
    recoverable: str  # yes | no | conditional
    reason: str
    citation: str
    verify_manually: bool
    rule_id: str


def _asks_to_verify(text: str) -> bool:
    return "verify" in text.lower()


def assess_recoverability(facts: CaseFacts, jurisdiction: Jurisdiction | None) -> Recoverability:
    """yes / no / conditional from the state's bars (in order) and its general rule.

    A bar whose `when` holds decides ("bar" -> no, "conditional" -> conditional); the first one that
    holds wins. If none holds but one might (a fact it tests is unknown), the answer is conditional and
    says which facts are missing. Otherwise the general rule: allowed -> yes, barred -> no,
    unknown -> conditional with verify_manually."""
    if jurisdiction is None:
        return Recoverability(
            "conditional",
            f"no reviewed rules for {facts.state}: verify manually",
            "no jurisdiction rules loaded",
            True,
            f"{facts.state}.missing",
        )
    process = effective_process(facts, jurisdiction)
    d = jurisdiction.deficiency
    possible = None
    for bar in d.bars:
        matched, missing = match_when(bar.when, facts, process)
        if matched:
            rid = f"{jurisdiction.code}.deficiency.bars.{bar.id}"
            if possible is not None and possible[0].effect != bar.effect:
                # an earlier bar with another effect may hold instead: the answer depends on the unknown fact
                earlier, missing = possible
                return Recoverability(
                    "conditional",
                    f"depends on {', '.join(missing)} (unknown): verify manually. If {describe_when(earlier.when)}: "
                    f"{earlier.summary.strip()} Otherwise: {bar.summary.strip()}",
                    earlier.source.citation,
                    True,
                    f"{jurisdiction.code}.deficiency.bars.{earlier.id}",
                )
            # a rule whose own summary asks for a check (e.g. "depends on the mortgage caption; verify
            # manually") keeps asking for it: the flag follows the words
            asks = _asks_to_verify(bar.summary)
            if bar.effect == "bar":
                return Recoverability("no", bar.summary.strip(), bar.source.citation, asks, rid)
            return Recoverability("conditional", bar.summary.strip(), bar.source.citation, asks, rid)
        if matched is None and possible is None:
            possible = (bar, missing)
    if possible is not None:
        bar, missing = possible
        effect = "barred" if bar.effect == "bar" else "limited"
        return Recoverability(
            "conditional",
            f"may be {effect} depending on {', '.join(missing)} (unknown): verify manually. {bar.summary.strip()}",
            bar.source.citation,
            True,
            f"{jurisdiction.code}.deficiency.bars.{bar.id}",
        )
    g = d.general
    rid = f"{jurisdiction.code}.deficiency.general"
    if g.status == "allowed":
        return Recoverability("yes", g.summary.strip(), g.source.citation, _asks_to_verify(g.summary), rid)
    if g.status == "barred":
        return Recoverability("no", g.summary.strip(), g.source.citation, _asks_to_verify(g.summary), rid)
    return Recoverability(
        "conditional",
        f"unknown for {jurisdiction.code}: verify manually. {g.summary.strip()}",
        g.source.citation,
        True,
        rid,
    )
