"""Forestall's foreclosure clock: the pure domain core (no Flask, no database).

Public API:
- rules:      load_rulebook(directory=None, require_all=True) -> Rulebook; RulesError; JURISDICTION_CODES
- engine:     compute_deadlines(facts, events, rulebook, today) -> list[ComputedDeadline];
              CaseFacts, Event, ComputedDeadline; business_days_between(a, b)
              (its parts: drafts, federal, state, windows, statuses)
- stages:     derive_stage(events, facts, rulebook, today, outcome=None, deadlines=...) -> StageResult
- recoverability: assess_recoverability(facts, jurisdiction) -> Recoverability
- deficiency: compute_deficiency(facts, events, rulebook, deadlines=...) -> DeficiencyResult
- kinds:      DEADLINE_KINDS, EVENT_TYPES, STAGES, OUTCOMES
- calendar:   date arithmetic (add_days, add_business_days, add_months, roll_forward_to_court_day, ...)
"""

from .calendar import business_days_between
from .deficiency import DeficiencyResult, compute_deficiency
from .engine import CaseFacts, ComputedDeadline, Event, compute_deadlines
from .kinds import DEADLINE_KINDS, EVENT_TYPES, OUTCOMES, STAGES, DeadlineKind
from .rules import JURISDICTION_CODES, Rulebook, RulesError, load_rulebook
from .stages import StageResult, StageTransition, derive_stage

__all__ = [
    "business_days_between",
    "DeficiencyResult",
    "compute_deficiency",
    "CaseFacts",
    "ComputedDeadline",
    "Event",
    "compute_deadlines",
    "DEADLINE_KINDS",
    "EVENT_TYPES",
    "OUTCOMES",
    "STAGES",
    "DeadlineKind",
    "JURISDICTION_CODES",
    "Rulebook",
    "RulesError",
    "load_rulebook",
    "StageResult",
    "StageTransition",
    "derive_stage",
]
