"""HTTP views for parties, the servicer alias table and conflicts marked on a case: thin."""

from __future__ import annotations

from flask.views import MethodView

from service.cases.api import with_case
from service.fields import PageQuerySchema
from service.http import Blueprint, caller, db, documents_errors, page, with_object, writes
from service.parties import service
from service.parties.schemas import (
    AliasCreateSchema,
    AliasListSchema,
    AliasSchema,
    ConflictCreateSchema,
    ConflictListSchema,
    ConflictPatchSchema,
    ConflictSchema,
    PartyCreateSchema,
    PartyListSchema,
    PartyPatchSchema,
    PartySchema,
)

blp = Blueprint(
    "parties",
    __name__,
    url_prefix="/api/v1",
    description="Parties on a case (ours, adverse, other), servicer aliases, conflicts marked and waived",
)


@blp.route("/cases/<id:case_id>/parties")
class CaseParties(MethodView):
    @with_case()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, PartyListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's parties: its client and co-borrowers, its servicer, and those added by hand"""
        items, total = service.list_parties(db(), case, args["page"], args["per_page"])
        return page([service.party_document(p) for p in items], total, args)

    @with_case(write=True)
    @blp.arguments(PartyCreateSchema)
    @blp.response(201, PartySchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Add a party (an investor, the plaintiff, a trustee, opposing counsel, a tenant, a co-owner, ...)"""
        party = service.add_party(db(), caller(), case, data)
        db().commit()
        return service.party_document(party), {"Location": f"/api/v1/parties/{party.id}"}


@blp.route("/parties/<id:party_id>")
class PartyItem(MethodView):
    @with_object(service.get_party, "party_id", "party")
    @blp.response(200, PartySchema)
    @documents_errors(blp, 401, 404)
    def get(self, party):
        """One party"""
        return service.party_document(party)

    @with_object(service.get_party, "party_id", "party", write=True)
    @blp.arguments(PartyPatchSchema)
    @blp.response(200, PartySchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def patch(self, data, party):
        """Change a party (one that mirrors the case: only its address)"""
        service.update_party(db(), caller(), party, data)
        db().commit()
        return service.party_document(party)

    @with_object(service.get_party, "party_id", "party", write=True)
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404, 409)
    def delete(self, party):
        """Remove a party added by hand (the case's own: change the case)"""
        service.delete_party(db(), caller(), party)
        db().commit()
        return None


@blp.route("/servicer-aliases")
class ServicerAliases(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, AliasListSchema)
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """The organisation's servicer alias table: names that are one servicer"""
        items, total = service.list_aliases(db(), caller().org_id, args["page"], args["per_page"])
        return page([service.alias_document(a) for a in items], total, args)

    @writes
    @blp.arguments(AliasCreateSchema)
    @blp.response(201, AliasSchema)
    @documents_errors(blp, 401, 403, 409, 413, 415, 422)
    def post(self, data):
        """Add an alias (administrators only)"""
        alias = service.add_alias(db(), caller(), data)
        db().commit()
        return service.alias_document(alias), {"Location": f"/api/v1/servicer-aliases/{alias.id}"}


@blp.route("/servicer-aliases/<id:alias_id>")
class ServicerAliasItem(MethodView):
    @with_object(service.get_alias, "alias_id", "alias")
    @blp.response(200, AliasSchema)
    @documents_errors(blp, 401, 404)
    def get(self, alias):
        """One alias"""
        return service.alias_document(alias)

    @with_object(service.get_alias, "alias_id", "alias", write=True)
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404)
    def delete(self, alias):
        """Remove an alias (administrators only)"""
        service.delete_alias(db(), caller(), alias)
        db().commit()
        return None


@blp.route("/cases/<id:case_id>/conflicts")
class CaseConflicts(MethodView):
    @with_case()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ConflictListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """Conflicts marked on the case, with their waivers"""
        items, total = service.list_conflicts(db(), case, args["page"], args["per_page"])
        return page([service.conflict_document(c) for c in items], total, args)

    @with_case(write=True)
    @blp.arguments(ConflictCreateSchema)
    @blp.response(201, ConflictSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Mark a conflict: between co-borrowers (divorce, one deceased) or found by a conflict check"""
        conflict = service.mark_conflict(db(), caller(), case, data)
        db().commit()
        return service.conflict_document(conflict), {"Location": f"/api/v1/conflicts/{conflict.id}"}


@blp.route("/conflicts/<id:conflict_id>")
class ConflictItem(MethodView):
    @with_object(service.get_conflict, "conflict_id", "conflict")
    @blp.response(200, ConflictSchema)
    @documents_errors(blp, 401, 404)
    def get(self, conflict):
        """One marked conflict"""
        return service.conflict_document(conflict)

    @with_object(service.get_conflict, "conflict_id", "conflict", write=True)
    @blp.arguments(ConflictPatchSchema)
    @blp.response(200, ConflictSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def patch(self, data, conflict):
        """Waive it (with the reason: who and when are recorded, in the audit too), resolve or reopen it"""
        service.update_conflict(db(), caller(), conflict, data)
        db().commit()
        return service.conflict_document(conflict)
