"""HTTP views for deadlines: per case, the caseload view, manual deadlines, statuses, kinds and stages."""

from __future__ import annotations

from flask.views import MethodView

from service.clock.kinds import DEADLINE_KINDS, STAGES
from service.deadlines import service
from service.deadlines.schemas import (
    CaseDeadlineQuerySchema,
    CaseloadQuerySchema,
    DeadlineKindSchema,
    DeadlineListSchema,
    DeadlinePatchSchema,
    DeadlineSchema,
    ManualDeadlineSchema,
    StageHistorySchema,
)
from service.errors import validation_error
from service.http import Blueprint, caller, db, documented_body, documents_errors, page, with_object, with_case
from service.rulebook import local_today

blp = Blueprint(
    "deadlines",
    __name__,
    url_prefix="/api/v1",
    description="Deadlines computed from events and jurisdiction rules, each showing its work",
)

# The schemas dump the Deadline rows themselves (with their case's summary): the views return rows.


@blp.route("/cases/<id:case_id>/deadlines")
class CaseDeadlines(MethodView):
    @with_case()
    @blp.arguments(CaseDeadlineQuerySchema, location="query")
    @blp.response(200, DeadlineListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's deadlines, soonest first; each with its rule, citation and arithmetic"""
        rows, total = service.case_deadlines(db(), case, args["page"], args["per_page"], args.get("status"))
        return page(rows, total, args)

    @with_case(write=True)
    @blp.arguments(ManualDeadlineSchema)
    @blp.response(201, DeadlineSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Add a deadline by hand (kind defaults to manual)"""
        row = service.add_manual_deadline(db(), caller(), case, data)
        db().commit()
        return row, {"Location": f"/api/v1/deadlines/{row.id}"}


@blp.route("/deadlines")
class Caseload(MethodView):
    @blp.arguments(CaseloadQuerySchema, location="query")
    @blp.response(200, DeadlineListSchema)
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """The caseload view: deadlines across the organisation's cases, soonest first"""
        if args.get("due_after") and args.get("due_before") and args["due_after"] > args["due_before"]:
            raise validation_error({"due_before": ["Must be on or after due_after."]})
        filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
        rows, total = service.caseload_deadlines(
            db(), caller().org_id, page=args["page"], per_page=args["per_page"], **filters
        )
        return page(rows, total, args)


@blp.route("/deadlines/<id:deadline_id>")
class DeadlineItem(MethodView):
    @with_object(service.get_deadline, "deadline_id", "row")
    @blp.response(200, DeadlineSchema)
    @documents_errors(blp, 401, 404)
    def get(self, row):
        """One deadline"""
        return row

    @with_object(service.get_deadline, "deadline_id", "row", write=True)
    @blp.arguments(DeadlinePatchSchema)
    @blp.response(200, DeadlineSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def patch(self, data, row):
        """Set a deadline's status (met, waived, ...; open hands it back to the engine); edit a manual one"""
        service.update_deadline(db(), caller(), row, data, local_today(caller().timezone))
        db().commit()
        return row

    @with_object(service.get_deadline, "deadline_id", "row", write=True)
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404, 409)
    def delete(self, row):
        """Delete a manual deadline (a computed one follows its events: mark it waived instead)"""
        service.delete_manual_deadline(db(), caller(), row)
        db().commit()
        return None


@blp.route("/cases/<id:case_id>/stages")
class CaseStages(MethodView):
    @with_case()
    @blp.response(200, StageHistorySchema)
    @documents_errors(blp, 401, 404)
    def get(self, case):
        """The case's stage and the history of its transitions, derived from its events"""
        return service.stage_history(db(), case, local_today(caller().timezone))  # the engine's StageResult


@blp.route("/deadline-kinds")
class DeadlineKinds(MethodView):
    @blp.response(200, DeadlineKindSchema(many=True))
    @documents_errors(blp, 401)
    def get(self):
        """Every kind of deadline, with whom it binds and how grave it is"""
        return list(DEADLINE_KINDS.values())  # the engine's DeadlineKind dataclasses


@blp.route("/stages")
class Stages(MethodView):
    @blp.response(200, description="The stages a case moves through, in order")
    @blp.doc(
        responses=documented_body(
            "The stages a case moves through, in order",
            "application/json",
            {"type": "array", "items": {"type": "string"}},
        )
    )
    @documents_errors(blp, 401)
    def get(self):
        """The stages, in order"""
        return list(STAGES)
