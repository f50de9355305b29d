"""The deficiency exposure of a case, shared by the API, the reports and the waiver requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from models import Case
from service.clock.deficiency import compute_deficiency
from service.clock.engine import compute_deadlines
from service.deadlines.service import case_facts, engine_events
from service.rulebook import rules


def case_deficiency(session: Session, case: Case, today: dt.date):  # the engine's result
    """Amount owed minus credits and the sale price (or fair value), recoverability and filing deadline."""
    facts, events, rulebook = case_facts(case), engine_events(session, case), rules()
    # The dates the deficiency depends on (the sale, its confirmation) come from the engine's answer.
    return compute_deficiency(facts, events, rulebook, deadlines=compute_deadlines(facts, events, rulebook, today))
