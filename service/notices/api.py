"""HTTP views for notices, notification preferences and calendars (thin: see service.py, calendar.py).

Importing this module (the app does) registers the reminder planner in the deadline engine's hooks."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from service.http import Blueprint, caller, db, documented_body, documents_errors, page, writes, with_case, settings
from service.notices import calendar, service
from service.notices.schemas import (
    CalendarTokenSchema,
    MyPreferencesInputSchema,
    NoticeListSchema,
    NoticeQuerySchema,
    OrgPreferencesInputSchema,
    PreferencesSchema,
)

blp = Blueprint(
    "notices",
    __name__,
    url_prefix="/api/v1",
    description="Reminder e-mails (planned, sent, failed), notification preferences, calendars",
)
# The calendar feed lives outside /api/v1: calendar programs send no Authorization header.
public_blp = Blueprint("calendar_feed", __name__, description="The secret per-user iCalendar feed")

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def notice_document(row) -> dict:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "deadline_id": row.deadline_id,
        "deadline_sequence": row.deadline_sequence,
        "due_on": row.due_on,
        "kind": row.kind,
        "offset_days": row.offset_days,
        "recipient": row.recipient,
        "send_at": row.send_at,
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.attempt_at if row.state in ("pending", "sending") else None,
        "sent_at": row.sent_at,
        "message_id": row.message_id,
        "error": row.error,
    }


def ics_response(body: bytes, filename: str) -> Response:
    return Response(
        body,
        status=200,
        content_type=CALENDAR_TYPE,
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


@blp.route("/cases/<id:case_id>/notices")
class CaseNotices(MethodView):
    @with_case()
    @blp.arguments(NoticeQuerySchema, location="query")
    @blp.response(200, NoticeListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """Every reminder and escalation planned, sent, failed, cancelled or skipped for the case"""
        rows, total = service.case_notices(db(), case, args["page"], args["per_page"], args.get("state"))
        return page([notice_document(r) for r in rows], total, args)


@blp.route("/cases/<id:case_id>/calendar.ics")
class CaseCalendar(MethodView):
    @with_case()
    @blp.response(
        200, description="An iCalendar file: one all-day event per open deadline", content_type="text/calendar"
    )
    @blp.doc(
        responses=documented_body(
            "An iCalendar file: one all-day event per open deadline", "text/calendar", {"type": "string"}
        )
    )
    @documents_errors(blp, 401, 404)
    def get(self, case):
        """The case's open deadlines as an iCalendar file (to import once)"""
        return ics_response(calendar.case_calendar(db(), case, settings()), f"case-{case.id}.ics")


@blp.route("/me/notification-preferences")
class MyPreferences(MethodView):
    @blp.response(200, PreferencesSchema)
    @documents_errors(blp, 401)
    def get(self):
        """Your reminder offsets, local hour and digest choices (null: the organisation's)"""
        return service.my_preferences(db(), caller())

    @writes
    @blp.arguments(MyPreferencesInputSchema)
    @blp.response(200, PreferencesSchema)
    @documents_errors(blp, 401, 403, 413, 415, 422)
    def put(self, data):
        """Set your preferences (a field left out or null goes back to the organisation's); replans your notices"""
        result = service.set_my_preferences(db(), caller(), data, settings())
        db().commit()
        return result


@blp.route("/notification-preferences")
class OrganisationPreferences(MethodView):
    @blp.response(200, PreferencesSchema)
    @documents_errors(blp, 401)
    def get(self):
        """The organisation's reminder offsets by severity and local hour (null: the built-in default)"""
        return service.organisation_preferences(db(), caller())

    @writes
    @blp.arguments(OrgPreferencesInputSchema)
    @blp.response(200, PreferencesSchema)
    @documents_errors(blp, 401, 403, 413, 415, 422)
    def put(self, data):
        """Set the organisation's defaults (admins only); replans every case's notices"""
        result = service.set_organisation_preferences(db(), caller(), data, settings())
        db().commit()
        return result


@blp.route("/me/calendar-token")
class MyCalendarToken(MethodView):
    @blp.response(201, CalendarTokenSchema)
    @documents_errors(blp, 401)
    def post(self):
        """A new secret calendar feed URL (any role, viewers too); the previous one stops working"""
        result = calendar.issue_token(db(), caller(), settings())
        db().commit()
        return result

    @blp.response(204)
    @documents_errors(blp, 401)
    def delete(self):
        """Revoke your calendar feed URL"""
        calendar.revoke_tokens(db(), caller())
        db().commit()
        return None


@public_blp.route("/calendar/<token>.ics")
class CalendarFeed(MethodView):
    @public_blp.doc(security=[])
    @public_blp.response(
        200,
        description="iCalendar feed: one all-day event per open deadline of your cases",
        content_type="text/calendar",
    )
    @public_blp.doc(
        responses=documented_body(
            "iCalendar feed: one all-day event per open deadline of your cases", "text/calendar", {"type": "string"}
        )
    )
    @documents_errors(public_blp, 404)
    def get(self, token):
        """Your deadlines as a calendar subscription (no Authorization header: the token is the secret).
        Calendar programs refresh subscriptions slowly (hours): e-mail reminders are the primary channel."""
        return ics_response(calendar.user_feed(db(), token, settings()), "forestall.ics")
