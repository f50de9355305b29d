"""The engine's working parts shared by its stages: the deadline it returns (ComputedDeadline), a deadline
before its status is decided (Draft), the case as the rules see it (CaseView), and the words for events.

Pure: no Flask, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Sequence

from . import calendar as cal
from .facts import CaseFacts, Event, EventIndex, effective_process
from .recoverability import assess_recoverability
from .rules import Jurisdiction, Rulebook, Source

# Servicer clocks with an event that satisfies them: past due and unanswered = "missed".
SERVICER_RESPONSE_KINDS = frozenset(
    {
        "servicer_acknowledgment_due",
        "servicer_response_due",
        "loss_mit_acknowledgment_due",
        "loss_mit_evaluation_due",
    }
)

# Waiting periods: "met" means the restricted step came on or after the end, which is not "late".
WAITING_KINDS = frozenset({"reg_x_120_day_mark", "state_notice_period_end"})
# The borrower's statutory rights: a weekend or holiday end is shown as the last safe day and the expiry.
BORROWER_RIGHT_KINDS = frozenset({"redemption_period_end", "reinstatement_period_end", "fair_value_action_deadline"})


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
    expires_on: date | None = None  # the day the right actually ends (== due_on unless carried forward)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "title": self.title,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "binds": self.binds,
            "status": self.status,
            "met_on": self.met_on.isoformat() if self.met_on else None,
            "rule_id": self.rule_id,
            "citation": self.citation,
            "source_url": self.source_url,
            "confidence": self.confidence,
            "explanation": self.explanation,
            "computed_from": {
                "event_type": self.computed_from_event_type,
                "occurred_on": self.computed_from_occurred_on.isoformat(),
            },
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
class Draft:
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
    violation: str | None = None  # why a waiting period was broken -> missed
    notes: list[str] = field(default_factory=list)
    verify_manually: bool = False
    alternatives: tuple[Alternative, ...] = ()
    expires_on: date | None = None


def event_label(event_type: str) -> str:
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


class CaseView:
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


def describe_weekday(day: date) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[day.weekday()]
