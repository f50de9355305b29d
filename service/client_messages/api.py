"""HTTP views of the client's messages (thin: see service.py): consents, the case's messages, the
organisation's settings; outside /api/v1, the SMS provider's webhooks and the e-mail's unsubscribe page."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.views import MethodView

from service.client_messages import service
from service.client_messages.rules import signature_valid
from service.client_messages.schemas import (
    AppointmentCreateSchema,
    AppointmentListSchema,
    AppointmentPatchSchema,
    AppointmentSchema,
    ClientMessageListSchema,
    ClientMessageQuerySchema,
    ClientMessageSettingsInputSchema,
    ClientMessageSettingsSchema,
    ConsentCreateSchema,
    ConsentListSchema,
    ConsentSchema,
)
from service.client_messages.sms import auth_token
from service.errors import Problem
from service.fields import PageQuerySchema
from service.db import for_all_orgs
from service.http import Blueprint, caller, db, documents_errors, page, settings, with_case, with_object, writes

blp = Blueprint(
    "client_messages",
    __name__,
    url_prefix="/api/v1",
    description="The client's own reminders (e-mail, SMS) and the consents they need",
)
# Outside /api/v1: the provider and the client's browser send no API token (signatures and signed links).
public_blp = Blueprint(
    "client_messages_public", __name__, description="SMS provider webhooks (signed) and the e-mail's unsubscribe link"
)

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@blp.route("/cases/<id:case_id>/consents")
class CaseConsents(MethodView):
    @with_case()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ConsentListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The consent history of the case's client and co-borrowers (the latest per party and channel decides)"""
        rows, total = service.case_consents(db(), case.id, args["page"], args["per_page"])
        return page([service.consent_document(r) for r in rows], total, args)

    @with_case(write=True)
    @blp.arguments(ConsentCreateSchema)
    @blp.response(201, ConsentSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Record a consent given or revoked, for one channel (email or sms), and how it was given"""
        row = service.add_consent(db(), caller(), case, data)
        db().commit()
        return service.consent_document(row)


@blp.route("/cases/<id:case_id>/client-messages")
class CaseClientMessages(MethodView):
    @with_case()
    @blp.arguments(ClientMessageQuerySchema, location="query")
    @blp.response(200, ClientMessageListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The messages to the client and co-borrowers: planned, sent, delivered, failed, skipped (no consent), cancelled"""
        rows, total = service.case_messages(db(), case, args["page"], args["per_page"], args.get("state"))
        return page([service.message_document(r) for r in rows], total, args)


@blp.route("/cases/<id:case_id>/appointments")
class CaseAppointments(MethodView):
    @with_case()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, AppointmentListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's appointments (counseling sessions, court dates, document drop-offs)"""
        rows, total = service.case_appointments(db(), case, args["page"], args["per_page"])
        return page([service.appointment_document(r) for r in rows], total, args)

    @with_case(write=True)
    @blp.arguments(AppointmentCreateSchema)
    @blp.response(201, AppointmentSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Add an appointment: the client is reminded 2 days and 2 hours before (e-mail with a calendar file, SMS)"""
        row = service.add_appointment(db(), caller(), case, data, settings())
        db().commit()
        return service.appointment_document(row), {"Location": f"/api/v1/appointments/{row.id}"}


@blp.route("/appointments/<id:appointment_id>")
class AppointmentItem(MethodView):
    @with_object(service.get_appointment, "appointment_id", "appointment")
    @blp.response(200, AppointmentSchema)
    @documents_errors(blp, 401, 404)
    def get(self, appointment):
        """One appointment"""
        return service.appointment_document(appointment)

    @with_object(service.get_appointment, "appointment_id", "appointment", write=True)
    @blp.arguments(AppointmentPatchSchema)
    @blp.response(200, AppointmentSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def patch(self, data, appointment):
        """Move, change or cancel it (a new time replans its reminders)"""
        row = service.update_appointment(db(), caller(), appointment, data, settings())
        db().commit()
        return service.appointment_document(row)


@blp.route("/client-message-settings")
class ClientMessageSettings(MethodView):
    @blp.response(200, ClientMessageSettingsSchema)
    @documents_errors(blp, 401)
    def get(self):
        """Which deadlines reach the client, and the phone every message gives"""
        return service.settings_document(db(), caller().org_id)

    @writes
    @blp.arguments(ClientMessageSettingsInputSchema)
    @blp.response(200, ClientMessageSettingsSchema)
    @documents_errors(blp, 401, 403, 413, 415, 422)
    def put(self, data):
        """Set them (admins only); replans every case's client messages"""
        result = service.set_settings(db(), caller(), data, settings())
        db().commit()
        return result


def _verified_form() -> dict[str, str]:
    """The webhook's POST parameters, if X-Twilio-Signature verifies over the full URL (BASE_URL + path and
    query, as the provider was told it); else 403 and nothing changes."""
    url = settings().base_url.rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode()
    pairs = list(request.form.items(multi=True))
    if not signature_valid(auth_token(settings()), url, pairs, request.headers.get("X-Twilio-Signature")):
        raise Problem(403, "The request's signature does not verify.")
    return dict(request.form.items())


def _twiml() -> Response:
    return Response(TWIML_EMPTY, status=200, content_type="text/xml; charset=utf-8")


@public_blp.route("/webhooks/sms/inbound")
class SmsInbound(MethodView):
    @public_blp.doc(security=[])
    @public_blp.response(
        200, description="An empty TwiML answer (the reply goes out through the outbox)", content_type="text/xml"
    )
    @documents_errors(public_blp, 403)
    def post(self):
        """An inbound SMS (form-encoded, signed): STOP/ALTO/CANCEL/UNSUBSCRIBE/QUIT revoke, START re-consents, HELP"""
        form = _verified_form()
        # A STOP revokes for every client with that number, in any organisation (docs/row-level-security.md).
        for_all_orgs(db(), "an inbound SMS, signed by the provider: the clients with the sender's number")
        service.handle_inbound(db(), settings(), form)
        db().commit()
        return _twiml()


@public_blp.route("/webhooks/sms/status")
class SmsStatus(MethodView):
    @public_blp.doc(security=[])
    @public_blp.response(200, description="An empty TwiML answer", content_type="text/xml")
    @documents_errors(public_blp, 403)
    def post(self):
        """A status callback (form-encoded, signed): delivered, failed or undelivered"""
        form = _verified_form()
        for_all_orgs(db(), "a delivery status, signed by the provider: the message with its id")
        service.handle_status(db(), form)
        db().commit()
        return _twiml()


@public_blp.route("/client-messages/unsubscribe/<token>")
class Unsubscribe(MethodView):
    @public_blp.doc(security=[])
    @public_blp.response(
        200,
        description="A page with one button (a link opened by a mail scanner changes nothing)",
        content_type="text/html",
    )
    @documents_errors(public_blp, 404)
    def get(self, token):
        """The e-mail's unsubscribe page"""
        for_all_orgs(db(), "an unsubscribe link, signed by us: the message it names")
        row = service.unsubscribe_target(db(), settings(), token)
        if row is None:
            raise Problem(404, "This link is not valid.")
        return Response(
            render_template("client_messages/unsubscribe.html", state="ask", language=row.language),
            content_type="text/html; charset=utf-8",
        )

    @public_blp.doc(security=[])
    @public_blp.response(200, description="Done (or the link had been used)", content_type="text/html")
    @documents_errors(public_blp, 404)
    def post(self, token):
        """Revoke the e-mail consent (no sign-in: the signed, single-use link is the proof)"""
        for_all_orgs(db(), "an unsubscribe link, signed by us: the message it names")
        row = service.unsubscribe_target(db(), settings(), token)
        language = row.language if row is not None else "en"
        outcome = service.unsubscribe(db(), settings(), token)
        if outcome == "invalid":
            raise Problem(404, "This link is not valid.")
        db().commit()
        return Response(
            render_template("client_messages/unsubscribe.html", state=outcome, language=language),
            content_type="text/html; charset=utf-8",
        )
