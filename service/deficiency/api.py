"""The deficiency exposure of a case: the arithmetic, whether the lender may recover it, and by when."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from service.cases.api import with_case
from service.clock.deficiency import compute_deficiency
from service.clock.engine import compute_deadlines
from service.deadlines.service import case_facts, engine_events
from service.fields import Money
from service.http import Blueprint, caller, db, documents_errors
from service.rulebook import local_today, rules

blp = Blueprint("deficiency", __name__, url_prefix="/api/v1", description="Deficiency exposure after a sale")

DISCLAIMER = "Not legal advice: an estimate from the amounts entered and the cited rules; verify before relying on it."


class DeficiencySchema(ma.Schema):
    amount_owed = Money(allow_none=True)
    sale_price = Money(allow_none=True)
    fair_market_value = Money(allow_none=True)
    credits = Money(allow_none=True)
    deficiency = Money(allow_none=True, metadata={"description": "null before a sale"})
    recoverable = ma.fields.String(metadata={"description": "yes, no or conditional"})
    reason = ma.fields.String()
    citation = ma.fields.String()
    filing_deadline = ma.fields.Date(allow_none=True)
    verify_manually = ma.fields.Boolean()
    explanation = ma.fields.String()
    disclaimer = ma.fields.String()


def case_deficiency(session, case, today):  # noqa: ANN001
    """The service function the API, reports and waiver requests share."""
    facts, events, rulebook = case_facts(case), engine_events(session, case), rules()
    return compute_deficiency(facts, events, rulebook, deadlines=compute_deadlines(facts, events, rulebook, today))


@blp.route("/cases/<id:case_id>/deficiency")
class CaseDeficiency(MethodView):
    @with_case()
    @blp.response(200, DeficiencySchema)
    @documents_errors(blp, 401, 404)
    def get(self, case):
        """Amount owed minus credits and the sale price (or fair value), recoverability and filing deadline"""
        result = case_deficiency(db(), case, local_today(caller().timezone))
        return {**result.__dict__, "disclaimer": DISCLAIMER}
