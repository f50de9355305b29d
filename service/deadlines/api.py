"""HTTP views for deadlines: per case, the caseload view, manual deadlines, statuses, kinds and stages."""
from __future__ import annotations

from flask.views import MethodView

from service import disclaimers
from service.clock.kinds import DEADLINE_KINDS, STAGES
from service.deadlines import service
from service.deadlines.schemas import (CaseDeadlineQuerySchema, CaseloadQuerySchema, DeadlineKindSchema,
                                       DeadlineListSchema, DeadlinePatchSchema, DeadlineSchema, ManualDeadlineSchema,
                                       StageHistorySchema)
from service.errors import validation_error
from service.http import Blueprint, caller, db, documented_body, documents_errors, page, with_object, with_case
from service.rulebook import local_today

blp = Blueprint("deadlines", __name__, url_prefix="/api/v1",
                description="Deadlines computed from events and jurisdiction rules, each showing its work")



def document(row, summary: dict | None = None) -> dict:
    return {
        "id": row.id, "case_id": row.case_id, "kind": row.kind, "title": row.title, "due_on": row.due_on,
        "binds": row.binds, "status": row.status, "status_set_by_user": row.user_status is not None,
        "met_on": row.met_on, "rule_id": row.rule_id, "citation": row.citation, "source_url": row.source_url,
        "confidence": row.confidence, "explanation": row.explanation,
        "computed_from": ({"event_type": row.computed_from_event_type, "occurred_on": row.computed_from_occurred_on}
                          if row.computed_from_event_type else None),
        "verify_manually": row.verify_manually, "manual": row.is_manual, "sequence": row.sequence,
        "alternatives": row.alternatives or [], "expires_on": row.expires_on or row.due_on,
        "case": summary, "disclaimer": disclaimers.DEADLINES,
    }


def document_with_case(row) -> dict:
    """One deadline, shaped as every answer shapes it: with its case's summary."""
    return document(row, service.case_summaries(db(), {row.case_id}).get(row.case_id))


def page_of(rows, total, args) -> dict:
    summaries = service.case_summaries(db(), {r.case_id for r in rows})
    return page([document(r, summaries.get(r.case_id)) for r in rows], total, args)


@blp.route("/cases/<id:case_id>/deadlines")
class CaseDeadlines(MethodView):
    @with_case()
    @blp.arguments(CaseDeadlineQuerySchema, location="query")
    @blp.response(200, DeadlineListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's deadlines, soonest first; each with its rule, citation and arithmetic"""
        rows, total = service.case_deadlines(db(), case, args["page"], args["per_page"], args.get("status"))
        return page_of(rows, total, args)

    @with_case(write=True)
    @blp.arguments(ManualDeadlineSchema)
    @blp.response(201, DeadlineSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Add a deadline by hand (kind defaults to manual)"""
        row = service.add_manual_deadline(db(), caller(), case, data)
        db().commit()
        return document_with_case(row), {"Location": f"/api/v1/deadlines/{row.id}"}


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
        rows, total = service.caseload_deadlines(db(), caller().org_id, page=args["page"], per_page=args["per_page"],
                                                 **filters)
        return page_of(rows, total, args)


@blp.route("/deadlines/<id:deadline_id>")
class DeadlineItem(MethodView):
    @with_object(service.get_deadline, "deadline_id", "row")
    @blp.response(200, DeadlineSchema)
    @documents_errors(blp, 401, 404)
    def get(self, row):
        """One deadline"""
        return document_with_case(row)

    @with_object(service.get_deadline, "deadline_id", "row", write=True)
    @blp.arguments(DeadlinePatchSchema)
    @blp.response(200, DeadlineSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def patch(self, data, row):
        """Set a deadline's status (met, waived, ...; open hands it back to the engine); edit a manual one"""
        service.update_deadline(db(), caller(), row, data, local_today(caller().timezone))
        db().commit()
        return document_with_case(row)

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
        result = service.stage_history(db(), case, local_today(caller().timezone))
        return {"stage": result.stage, "outcome": result.outcome, "history": list(result.history)}


@blp.route("/deadline-kinds")
class DeadlineKinds(MethodView):
    @blp.response(200, DeadlineKindSchema(many=True))
    @documents_errors(blp, 401)
    def get(self):
        """Every kind of deadline, with whom it binds and how grave it is"""
        return [spec.as_dict() for spec in DEADLINE_KINDS.values()]


@blp.route("/stages")
class Stages(MethodView):
    @blp.response(200, description="The stages a case moves through, in order")
    @blp.doc(responses=documented_body("The stages a case moves through, in order", "application/json", {"type": "array", "items": {"type": "string"}}))
    @documents_errors(blp, 401)
    def get(self):
        """The stages, in order"""
        return list(STAGES)
