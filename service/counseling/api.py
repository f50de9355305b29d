"""HTTP views for counseling records: household, sessions, outcomes, legal-aid closing; the caller's profile;
users' HUD counselor IDs; the organisation's income limits. Thin: the work is in service.py."""

from __future__ import annotations

from flask.views import MethodView

from service import permissions
from service.cases.api import with_case
from service.counseling import service
from service.counseling.schemas import (
    ClosingInputSchema,
    ClosingSchema,
    HouseholdInputSchema,
    HouseholdSchema,
    IncomeLimitListSchema,
    IncomeLimitQuerySchema,
    IncomeLimitsLoadedSchema,
    IncomeLimitsLoadSchema,
    MeSchema,
    OutcomeCreateSchema,
    OutcomeListSchema,
    OutcomeSchema,
    SessionCreateSchema,
    SessionListSchema,
    SessionSchema,
    SuggestionListSchema,
)
from service.fields import PageQuerySchema
from service.http import Blueprint, caller, db, documents_errors, page, requires

blp = Blueprint(
    "counseling",
    __name__,
    url_prefix="/api/v1",
    description="Housing counseling records: household, sessions, outcomes (HUD-9902), legal-aid "
    "closing (LSC CSR), income limits",
)


@blp.route("/cases/<id:case_id>/household")
class CaseHousehold(MethodView):
    @with_case()
    @blp.response(200, HouseholdSchema)
    @documents_errors(blp, 401, 404)
    def get(self, case):
        """The household (every field empty until recorded), with the AMI band and how it was derived"""
        return service.household_document(case, service.get_household(db(), case))

    @with_case(write=True)
    @blp.arguments(HouseholdInputSchema)
    @blp.response(200, HouseholdSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def put(self, data, case):
        """Record the household (replaces it; fields left out become empty)"""
        row = service.put_household(db(), caller(), case, data)
        db().commit()
        return service.household_document(case, row)


@blp.route("/cases/<id:case_id>/counseling-sessions")
class CaseSessions(MethodView):
    @with_case()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, SessionListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's counseling sessions, in time order (each says whether it is reportable to HUD)"""
        items, total = service.list_sessions(db(), case, args["page"], args["per_page"])
        return page(items, total, args)

    @with_case(write=True)
    @blp.arguments(SessionCreateSchema)
    @blp.response(201, SessionSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Log a counseling session"""
        row, counselor = service.add_session(db(), caller(), case, data)
        db().commit()
        return service.session_document(row, counselor)


@blp.route("/cases/<id:case_id>/outcomes")
class CaseOutcomes(MethodView):
    @with_case()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, OutcomeListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's HUD-9902 section 10 outcomes, by date"""
        rows, total = service.list_outcomes(db(), case, args["page"], args["per_page"])
        return page([service.outcome_document(r) for r in rows], total, args)

    @with_case(write=True)
    @blp.arguments(OutcomeCreateSchema)
    @blp.response(201, OutcomeSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Record an outcome (a HUD-9902 section 10 line) with the day it was achieved"""
        row = service.add_outcome(db(), caller(), case, data)
        db().commit()
        return service.outcome_document(row)


@blp.route("/cases/<id:case_id>/outcome-suggestions")
class CaseOutcomeSuggestions(MethodView):
    @with_case()
    @blp.response(200, SuggestionListSchema)
    @documents_errors(blp, 401, 404)
    def get(self, case):
        """Outcomes the case's own data already says (an approved modification, a reinstatement, a dismissal),
        not yet recorded: record them with POST /outcomes after confirming"""
        return {"items": service.outcome_suggestions(db(), case)}


@blp.route("/cases/<id:case_id>/legal-aid-closing")
class CaseClosing(MethodView):
    @with_case()
    @blp.response(200, ClosingSchema)
    @documents_errors(blp, 401, 404)
    def get(self, case):
        """The legal-aid closing: LSC problem code, closing code, closing date, time by funding source"""
        return service.closing_document(db(), case)

    @with_case(write=True)
    @blp.arguments(ClosingInputSchema)
    @blp.response(200, ClosingSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def put(self, data, case):
        """Record the legal-aid closing (replaces it)"""
        document = service.put_closing(db(), caller(), case, data)
        db().commit()
        return document


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @documents_errors(blp, 401)
    def get(self):
        """The caller: id, e-mail, role, organisation and HUD counselor ID"""
        return service.me_document(service.get_user(db(), caller().org_id, caller().user_id))


@blp.route("/income-limits")
class IncomeLimits(MethodView):
    @blp.arguments(IncomeLimitQuerySchema, location="query")
    @blp.response(200, IncomeLimitListSchema)
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """The organisation's HUD income limits, by fiscal year and county"""
        items, total = service.list_income_limits(
            db(), caller().org_id, args["page"], args["per_page"], args.get("fiscal_year"), args.get("state")
        )
        return page(items, total, args)

    @requires(permissions.can_change_org_settings, "load income limits")
    @blp.arguments(IncomeLimitsLoadSchema)
    @blp.response(200, IncomeLimitsLoadedSchema)
    @documents_errors(blp, 401, 403, 413, 415, 422)
    def post(self, data):
        """Load HUD's income limits CSV for a fiscal year (admins; replaces that year's table)"""
        counties = service.load_income_limits(db(), caller(), caller().org_id, data["fiscal_year"], data["csv"])
        db().commit()
        return {"fiscal_year": data["fiscal_year"], "counties": counties}
