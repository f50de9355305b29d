"""A draft's status (met, missed, tolled, open; see engine.py for the precedence) and its explanation:
the arithmetic, then every finding, then the citation. verify_manually follows the words.

Pure: no Flask, no database."""

from __future__ import annotations

from . import calendar as cal
from .drafts import SERVICER_RESPONSE_KINDS, WAITING_KINDS, CaseView, ComputedDeadline, Draft
from .kinds import DEADLINE_KINDS, FORECLOSURE_KINDS

_STAY_CITATION = "11 U.S.C. § 362(a)"
# Kinds whose rule depends on the foreclosure process (judicial / nonjudicial).
_PROCESS_KINDS = frozenset(
    {
        "answer_due",
        "redemption_period_end",
        "deficiency_filing_deadline",
        "reinstatement_period_end",
        "fair_value_action_deadline",
    }
)


def finish(case: CaseView, d: Draft) -> ComputedDeadline:
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
            late = (
                cal.business_days_between(d.due_on, d.met_on)
                if d.kind in SERVICER_RESPONSE_KINDS
                else (d.met_on - d.due_on).days
            )
            unit = "business days" if d.kind in SERVICER_RESPONSE_KINDS else "days"
            notes.append(f"met {d.met_on.isoformat()}, late by {late} {unit}")
        else:
            notes.append(f"met {d.met_on.isoformat()}")
    elif d.violation:
        status = "missed"
        notes.append(d.violation)
    elif stay is not None and d.kind in FORECLOSURE_KINDS and (d.due_on is None or d.due_on >= stay.occurred_on):
        status = "tolled"
        notes.append(
            f"tolled: bankruptcy filed {stay.occurred_on.isoformat()}, automatic stay ({_STAY_CITATION}); "
            f"11 U.S.C. § 108 may extend the period after the stay ends: verify after discharge or "
            f"dismissal"
        )
        checks.append("tolled")
    elif (
        (d.expires_on or d.due_on) is not None
        and (d.expires_on or d.due_on) < case.today
        and (binds in ("borrower", "court") or d.kind in SERVICER_RESPONSE_KINDS)
    ):
        status = "missed"  # never before the right itself has expired (expires_on)
    if status != "tolled" and d.kind in FORECLOSURE_KINDS:
        for filed, closed in case.past_stays:
            if d.due_on is None or d.due_on >= filed.occurred_on:
                notes.append(
                    f"bankruptcy {filed.occurred_on.isoformat()} to {closed.occurred_on.isoformat()}: "
                    f"11 U.S.C. § 108 may have extended this date: verify"
                )
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
        key=d.key,
        kind=d.kind,
        title=d.title or spec.title,
        due_on=d.due_on,
        binds=binds,
        status=status,
        met_on=d.met_on,
        rule_id=d.rule_id,
        citation=d.source.citation,
        source_url=d.source.source_url,
        confidence=d.source.confidence,
        explanation=explanation,
        computed_from_event_type=d.trigger.type,
        computed_from_occurred_on=d.trigger.occurred_on,
        verify_manually=bool(checks),
        alternatives=d.alternatives,
        expires_on=d.expires_on or d.due_on,
    )
