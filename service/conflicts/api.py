"""HTTP views for conflict checks: thin; the work is in service/conflicts/service.py."""

from __future__ import annotations

from flask.views import MethodView

from service.cases.api import with_case
from service.conflicts import service
from service.conflicts.schemas import (
    ConflictCheckAttachSchema,
    ConflictCheckCreateSchema,
    ConflictCheckListQuerySchema,
    ConflictCheckListSchema,
    ConflictCheckSchema,
)
from service.fields import PageQuerySchema
from service.http import Blueprint, caller, db, documents_errors, page, with_object, writes

blp = Blueprint(
    "conflicts",
    __name__,
    url_prefix="/api/v1",
    description="Conflict checks before a case is opened (ABA Model Rules 1.7 and 1.10). Not legal "
    "advice: a match is a lead to review, and no match is not clearance",
)


@blp.route("/conflict-checks")
class ConflictChecks(MethodView):
    @writes
    @blp.arguments(ConflictCheckCreateSchema)
    @blp.response(201, ConflictCheckSchema)
    @documents_errors(blp, 401, 403, 413, 415, 422)
    def post(self, data):
        """Check prospective parties against every party of the organisation's cases, closed ones included"""
        check = service.run_check(db(), caller(), data)
        db().commit()
        return service.check_document(check), {"Location": f"/api/v1/conflict-checks/{check.id}"}

    @blp.arguments(ConflictCheckListQuerySchema, location="query")
    @blp.response(200, ConflictCheckListSchema)
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """The organisation's conflict checks, newest first"""
        items, total = service.list_checks(db(), caller().org_id, args["page"], args["per_page"], args.get("case_id"))
        return page([service.check_document(c) for c in items], total, args)


@blp.route("/conflict-checks/<id:check_id>")
class ConflictCheckItem(MethodView):
    @with_object(service.get_check, "check_id", "check")
    @blp.response(200, ConflictCheckSchema)
    @documents_errors(blp, 401, 404)
    def get(self, check):
        """One check as it ran: who, when, on what, and what it found"""
        return service.check_document(check)

    @with_object(service.get_check, "check_id", "check", write=True)
    @blp.arguments(ConflictCheckAttachSchema)
    @blp.response(200, ConflictCheckSchema)
    @documents_errors(blp, 401, 403, 404, 409, 413, 415, 422)
    def patch(self, data, check):
        """File the check under the case it was run for (once the case is opened)"""
        service.attach_check(db(), caller(), check, data)
        db().commit()
        return service.check_document(check)


@blp.route("/cases/<id:case_id>/conflict-checks")
class CaseConflictChecks(MethodView):
    @with_case()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ConflictCheckListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The conflict checks filed under the case"""
        items, total = service.list_checks(db(), caller().org_id, args["page"], args["per_page"], case.id)
        return page([service.check_document(c) for c in items], total, args)
