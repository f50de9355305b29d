"""The deficiency exposure of a case, shared by the API, the reports and the waiver requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from models import Case
from service.clock.deficiency import compute_deficiency
from service.deadlines.service import EngineAnswer, engine_answer
from service.rulebook import rules


def case_deficiency(session: Session, case: Case, today: dt.date, answer: EngineAnswer | None = None):
    """Amount owed minus credits and the sale price (or fair value), recoverability and filing deadline."""
    answer = answer or engine_answer(session, case, today)
    # The dates the deficiency depends on (the sale, its confirmation) come from the engine's answer.
    return compute_deficiency(answer.facts, answer.events, rules(), deadlines=answer.deadlines)
