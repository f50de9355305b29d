"""The case's stage, derived from its events, with the history of transitions.

Stages move forward only (a loss-mitigation application during a foreclosure leaves the case in
foreclosure_filed), except that an outcome closes the case and a later event (a new default after a
reinstatement, say) reopens it. After the sale: redemption while a redemption period applies and has
not ended, post_sale after it (or at once when the state has no redemption).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Sequence

from .facts import CaseFacts, Event, EventIndex, effective_process, match_when
from .kinds import OUTCOME_EVENTS, OUTCOMES, STAGES
from .rules import Rulebook

__all__ = ["StageTransition", "StageResult", "derive_stage", "EVENT_STAGE"]

_RANK = {s: i for i, s in enumerate(STAGES)}

EVENT_STAGE = {
    "first_missed_payment": "delinquent",
    "pre_foreclosure_notice_sent": "pre_foreclosure",
    "loss_mit_application_received": "loss_mitigation",
    "loss_mit_application_complete": "loss_mitigation",
    "loss_mit_denied": "loss_mitigation",
    "loss_mit_appeal_filed": "loss_mitigation",
    "notice_of_default_recorded": "foreclosure_filed",
    "complaint_filed": "foreclosure_filed",
    "complaint_served": "foreclosure_filed",
    "answer_filed": "foreclosure_filed",
    "judgment_entered": "foreclosure_filed",
    "sale_scheduled": "sale_scheduled",
    "sale_held": "sale_held",
    "deed_delivered": "sale_held",
    "sale_confirmed": "sale_held",
    "deficiency_action_filed": "post_sale",
    "deficiency_judgment_entered": "post_sale",
}


@dataclass(frozen=True)
class StageTransition:
    stage: str
    entered_on: date | None
    event_type: str | None  # the event that caused it (None: intake, a user-set outcome, or time passing)


@dataclass(frozen=True)
class StageResult:
    stage: str
    outcome: str | None
    history: tuple[StageTransition, ...] = field(default_factory=tuple)


def derive_stage(
    events: Sequence[Event],
    facts: CaseFacts,
    rulebook: Rulebook,
    today: date,
    outcome: str | None = None,
    *,
    deadlines: Sequence[Any],
) -> StageResult:
    """The stage. `deadlines`: the engine's deadlines for the same case (compute_deadlines); the
    redemption period end is read from them."""
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {OUTCOMES}")
    index = EventIndex(events)
    first_day = index.all[0].occurred_on if index.all else None
    history = [StageTransition("intake", first_day, None)]
    stage, current_outcome = "intake", None

    def enter(new: str, on: date | None, etype: str | None) -> None:
        nonlocal stage
        if new != stage:
            history.append(StageTransition(new, on, etype))
            stage = new

    for e in index.all:
        if e.occurred_on > today and e.type != "sale_scheduled":
            continue  # not happened yet (a sale_scheduled is dated with the future sale date: it counts now)
        if e.type in OUTCOME_EVENTS:
            current_outcome = OUTCOME_EVENTS[e.type]
            enter("closed", e.occurred_on, e.type)
            continue
        target = EVENT_STAGE.get(e.type)
        if target is None:
            continue
        if stage == "closed":  # a new event after an outcome reopens the case
            current_outcome = None
            enter(target, e.occurred_on, e.type)
            continue
        if _RANK[target] > _RANK[stage]:
            # the contract dates sale_scheduled with the sale date; details.scheduled_on, when given, is
            # when it was scheduled
            on = (e.detail_date("scheduled_on") or e.occurred_on) if e.type == "sale_scheduled" else e.occurred_on
            enter(target, on, e.type)

    if stage in ("sale_held",) or (stage == "post_sale" and not any(t.stage == "redemption" for t in history)):
        _after_sale(index, facts, rulebook, today, enter, stage, deadlines)

    if outcome is not None:
        current_outcome = outcome
        if stage != "closed":
            enter("closed", today, None)
    return StageResult(stage, current_outcome, tuple(history))


def _after_sale(
    index: EventIndex, facts: CaseFacts, rulebook: Rulebook, today: date, enter, stage: str, deadlines: Sequence[Any]
) -> None:
    sale = index.latest("sale_held")
    if sale is None:
        return
    jurisdiction = rulebook.jurisdiction(facts.state) if rulebook else None
    if jurisdiction is None or jurisdiction.redemption.status == "unknown":
        return  # cannot tell whether a redemption period runs
    redemption = next((d for d in deadlines if d.key == "redemption_period_end"), None)
    if redemption is None or redemption.due_on is None:
        if jurisdiction.redemption.status == "none" or not _period_pending(jurisdiction, facts, index):
            if stage != "post_sale":
                enter("post_sale", sale.occurred_on, None)
        return
    if stage == "post_sale":
        return
    enter("redemption", redemption.computed_from_occurred_on, redemption.computed_from_event_type)
    ends = redemption.expires_on or redemption.due_on  # the right lasts until it expires
    if today > ends:
        enter("post_sale", ends + timedelta(days=1), None)


def _period_pending(jurisdiction, facts: CaseFacts, index: EventIndex) -> bool:
    """True when a redemption period applies but its trigger (e.g. confirmation) has not happened yet."""
    process = effective_process(facts, jurisdiction)
    for period in jurisdiction.redemption.periods:
        matched, _ = match_when(period.when, facts, process)
        if matched is False:
            continue
        return index.latest(period.from_event) is None
    return False
