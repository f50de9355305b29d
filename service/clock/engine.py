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

The work is split along the stages: drafts.py (the shared types and the case as the rules see it),
federal.py (Regulation X, SCRA), state.py (the jurisdiction's rules), windows.py (periods chosen among
several, unknown facts, weekend ends) and statuses.py (status and explanation).
"""

from __future__ import annotations

from datetime import date
from typing import Iterable, Sequence

from . import calendar as cal
from .drafts import (
    BORROWER_RIGHT_KINDS,
    SERVICER_RESPONSE_KINDS,
    WAITING_KINDS,
    Alternative,
    CaseView,
    ComputedDeadline,
    Draft,
)
from .facts import CaseFacts, Event
from .federal import delinquency, loss_mitigation, scra, servicer_requests
from .rules import Rulebook
from .state import state_rules
from .statuses import finish

__all__ = [
    "CaseFacts",
    "Event",
    "ComputedDeadline",
    "Alternative",
    "compute_deadlines",
    "business_days_between",
    "SERVICER_RESPONSE_KINDS",
    "WAITING_KINDS",
    "BORROWER_RIGHT_KINDS",
]

business_days_between = cal.business_days_between


def compute_deadlines(
    facts: CaseFacts, events: Sequence[Event] | Iterable[Event], rulebook: Rulebook, today: date
) -> list[ComputedDeadline]:
    """Every deadline the events and rules give for this case, sorted by (due_on, key); deadlines with
    an unknown rule (due_on None, verify_manually) come last."""
    case = CaseView(facts, list(events), rulebook, today)
    drafts: list[Draft] = []
    delinquency(case, drafts)
    loss_mitigation(case, drafts)
    servicer_requests(case, drafts)
    scra(case, drafts)
    state_rules(case, drafts)
    result = [finish(case, d) for d in drafts]
    result.sort(key=lambda c: (c.due_on is None, c.due_on or date.max, c.key))
    return result
