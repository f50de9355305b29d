"""HTTP views for cases: thin; the work is in service/cases/service.py."""

from __future__ import annotations

from flask.views import MethodView

from service.audit import case_history
from service.cases import service
from service.cases.schemas import (
    AuditListSchema,
    CaseCreateSchema,
    CaseListQuerySchema,
    CaseListSchema,
    CasePatchSchema,
    CaseSchema,
)
from service.fields import PageQuerySchema
from service.http import (
    Blueprint,
    ETAG_HEADER,
    IF_MATCH_PARAMETER,
    caller,
    db,
    documents_errors,
    etag,
    page,
    read_only,
    showing_case,
    with_case,
    writes,
)

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="Cases: client, property, loan")


@blp.route("/cases")
class Cases(MethodView):
    @blp.arguments(CaseListQuerySchema, location="query")
    @blp.response(200, CaseListSchema)
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """List the organisation's cases (loan numbers masked), filtered and sorted"""
        page_no, per_page = args.pop("page"), args.pop("per_page")
        cases, total = service.list_cases(db(), caller().org_id, page=page_no, per_page=per_page, **args)
        return page(cases, total, {"page": page_no, "per_page": per_page})  # CaseListSchema dumps the rows

    @writes
    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseSchema, headers=ETAG_HEADER)
    @documents_errors(blp, 401, 403, 413, 415, 422)
    def post(self, data):
        """Open a case"""
        case = service.create_case(db(), caller(), data)
        db().commit()
        return case, {"Location": f"/api/v1/cases/{case.id}", "ETag": etag(case.version)}


@blp.route("/cases/<id:case_id>")
class CaseItem(MethodView):
    @read_only  # one statement: the case with its borrowers
    @showing_case()
    @blp.response(200, CaseSchema, headers=ETAG_HEADER)
    @documents_errors(blp, 401, 404)
    def get(self, case):
        """A case in full"""
        return case, {"ETag": etag(case.version)}

    @with_case(write=True, if_match=True)
    @blp.arguments(CasePatchSchema)
    @blp.response(200, CaseSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @documents_errors(blp, 401, 403, 404, 412, 413, 415, 422, 428)
    def patch(self, data, case):
        """Change a case (send If-Match with its version)"""
        service.update_case(db(), caller(), case, data)
        db().commit()
        return case, {"ETag": etag(case.version)}

    @with_case(write=True, if_match=False)
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404, 412)
    def delete(self, case):
        """Close the record (soft delete: it and its history stay for the audit)"""
        service.delete_case(db(), caller(), case)
        db().commit()
        return None


@blp.route("/cases/<id:case_id>/history")
class CaseHistory(MethodView):
    @with_case(include_deleted=True)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, AuditListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """Who changed what and when, oldest first (kept after the case is deleted)"""
        entries, total = case_history(db(), caller().org_id, case.id, args["page"], args["per_page"])
        return page(entries, total, args)
