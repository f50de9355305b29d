"""The deficiency exposure of a case: the arithmetic, whether the lender may recover it, and by when."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from service import disclaimers
from service.deficiency.service import case_deficiency
from service.fields import Money
from service.http import Blueprint, caller, db, documents_errors, with_case
from service.rulebook import local_today

blp = Blueprint("deficiency", __name__, url_prefix="/api/v1", description="Deficiency exposure after a sale")


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


@blp.route("/cases/<id:case_id>/deficiency")
class CaseDeficiency(MethodView):
    @with_case()
    @blp.response(200, DeficiencySchema)
    @documents_errors(blp, 401, 404)
    def get(self, case):
        """Amount owed minus credits and the sale price (or fair value), recoverability and filing deadline"""
        result = case_deficiency(db(), case, local_today(caller().timezone))
        return {**result.__dict__, "disclaimer": disclaimers.DEFICIENCY}
