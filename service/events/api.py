"""HTTP views for case events."""

from __future__ import annotations

from flask.views import MethodView

from service.events import service
from service.events.schemas import (
    EventCreateSchema,
    EventListQuerySchema,
    EventListSchema,
    EventPatchSchema,
    EventSchema,
)
from service.http import Blueprint, caller, db, documents_errors, page, with_object, with_case

blp = Blueprint(
    "events", __name__, url_prefix="/api/v1", description="Dated events of a case; each change recomputes its deadlines"
)


@blp.route("/cases/<id:case_id>/events")
class CaseEvents(MethodView):
    @with_case()
    @blp.arguments(EventListQuerySchema, location="query")
    @blp.response(200, EventListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's events, in date order"""
        items, total = service.list_events(db(), case, args["page"], args["per_page"], args.get("type"))
        return page(items, total, args)

    @with_case(write=True)
    @blp.arguments(EventCreateSchema)
    @blp.response(201, EventSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Record an event (recomputes the case's deadlines and stage)"""
        event = service.add_event(db(), caller(), case, data)
        db().commit()
        return event, {"Location": f"/api/v1/events/{event.id}"}


@blp.route("/events/<id:event_id>")
class EventItem(MethodView):
    @with_object(service.get_event, "event_id", "event")
    @blp.response(200, EventSchema)
    @documents_errors(blp, 401, 404)
    def get(self, event):
        """One event"""
        return event

    @with_object(service.get_event, "event_id", "event", write=True)
    @blp.arguments(EventPatchSchema)
    @blp.response(200, EventSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def patch(self, data, event):
        """Correct an event's date or details (recomputes; the audit keeps the original)"""
        service.update_event(db(), caller(), event, data)
        db().commit()
        return event

    @with_object(service.get_event, "event_id", "event", write=True)
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404)
    def delete(self, event):
        """Remove an event (recomputes; the audit keeps it)"""
        service.delete_event(db(), caller(), event)
        db().commit()
        return None
