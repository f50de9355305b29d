"""HTTP views for deficiency-waiver requests and their offers."""

from __future__ import annotations

from flask.views import MethodView

from service.http import Blueprint, caller, db, documents_errors, page, with_object, with_case
from service.waivers import service
from service.waivers.schemas import (
    OfferCreateSchema,
    WaiverCreateSchema,
    WaiverListQuerySchema,
    WaiverListSchema,
    WaiverPatchSchema,
    WaiverSchema,
)

blp = Blueprint(
    "waivers",
    __name__,
    url_prefix="/api/v1",
    description="Deficiency-waiver requests: get the waiver in writing before signing",
)


@blp.route("/cases/<id:case_id>/waiver-requests")
class CaseWaiverRequests(MethodView):
    @with_case()
    @blp.arguments(WaiverListQuerySchema, location="query")
    @blp.response(200, WaiverListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's waiver requests, oldest first"""
        rows, total = service.list_waiver_requests(db(), case, args["page"], args["per_page"], args.get("status"))
        return page([service.view(db(), r) for r in rows], total, args)  # WaiverSchema dumps the views

    @with_case(write=True)
    @blp.arguments(WaiverCreateSchema)
    @blp.response(201, WaiverSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Start a waiver request (deficiency_amount defaults to the deficiency calculator's)"""
        row = service.create_waiver_request(db(), caller(), case, data)
        db().commit()
        return service.view(db(), row), {"Location": f"/api/v1/waiver-requests/{row.id}"}


@blp.route("/waiver-requests/<id:waiver_request_id>")
class WaiverRequestItem(MethodView):
    @with_object(service.get_waiver_request, "waiver_request_id", "row")
    @blp.response(200, WaiverSchema)
    @documents_errors(blp, 401, 404)
    def get(self, row):
        """One waiver request with its offers, checklist and Form 1099-C warning"""
        return service.view(db(), row)

    @with_object(service.get_waiver_request, "waiver_request_id", "row", write=True)
    @blp.arguments(WaiverPatchSchema)
    @blp.response(200, WaiverSchema)
    @documents_errors(blp, 401, 403, 404, 409, 413, 415, 422)
    def patch(self, data, row):
        """Change the request or move its status (illegal moves answer 409; a missing rule field 422)"""
        service.update_waiver_request(db(), caller(), row, data)
        db().commit()
        return service.view(db(), row)


@blp.route("/waiver-requests/<id:waiver_request_id>/offers")
class WaiverOffers(MethodView):
    @with_object(service.get_waiver_request, "waiver_request_id", "row", write=True)
    @blp.arguments(OfferCreateSchema)
    @blp.response(201, WaiverSchema)
    @documents_errors(blp, 401, 403, 404, 409, 413, 415, 422)
    def post(self, data, row):
        """Record an offer or counter-offer (kept in order, with its percentage of the deficiency); answers the
        whole request"""
        service.add_offer(db(), caller(), row, data)
        db().commit()
        return service.view(db(), row), {"Location": f"/api/v1/waiver-requests/{row.id}"}
