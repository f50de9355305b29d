"""Consents, client messages and the organisation's client-message settings as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from models.client_messages import APPOINTMENT_KINDS, CHANNELS, CLIENT_MESSAGE_KINDS, CONSENT_METHODS
from service.cases.schemas import PHONE
from service.fields import no_control_characters
from service.client_messages.rules import TOPICS
from service.fields import PageQuerySchema, PageSchema, StrictSchema, Text, long_text
from service.http import ID_MAX


def sensible_moment(value) -> None:  # noqa: ANN001 - a datetime
    """Years 2000-2100 (a year 1 or 9999 cannot be moved between time zones)."""
    if not 2000 <= value.year <= 2100:
        raise ma.ValidationError("Must be between the years 2000 and 2100.")


PUBLIC_STATES = ("planned", "sent", "delivered", "failed", "skipped_no_consent", "cancelled")


class ConsentCreateSchema(StrictSchema):
    party_id = ma.fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=ID_MAX),
        metadata={"description": "The client or a co-borrower (a party on our side)"},
    )
    channel = ma.fields.String(required=True, validate=validate.OneOf(CHANNELS))
    given = ma.fields.Boolean(required=True, metadata={"description": "true: consent given; false: revoked"})
    method = ma.fields.String(
        required=True,
        validate=validate.OneOf(CONSENT_METHODS),
        metadata={
            "description": "written, verbal (spoken, recorded by staff), keyword (an SMS "
            "reply), link (the e-mail's unsubscribe link)"
        },
    )
    recorded_at = ma.fields.DateTime(
        validate=sensible_moment,
        metadata={
            "description": "When the client gave or revoked it (default: now); "
            "without an offset, in the organisation's time zone"
        },
    )
    note = long_text(allow_none=True)


class ConsentSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    party_id = ma.fields.Integer()
    channel = ma.fields.String()
    given = ma.fields.Boolean()
    method = ma.fields.String()
    recorded_at = ma.fields.DateTime()
    recorded_by = ma.fields.Integer(
        allow_none=True, metadata={"description": "The staff user who entered it; null: the client (keyword, link)"}
    )
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class ConsentListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ConsentSchema), required=True)


class ClientMessageSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    party_id = ma.fields.Integer()
    channel = ma.fields.String(metadata={"description": "email or sms"})
    to = ma.fields.String()
    language = ma.fields.String(metadata={"description": "en or es"})
    kind = ma.fields.String(metadata={"description": ", ".join(CLIENT_MESSAGE_KINDS)})
    deadline_id = ma.fields.Integer(allow_none=True)
    appointment_id = ma.fields.Integer(allow_none=True)
    due_on = ma.fields.Date(allow_none=True)
    send_at = ma.fields.DateTime()
    state = ma.fields.String(metadata={"description": ", ".join(PUBLIC_STATES)})
    subject = ma.fields.String(allow_none=True)
    body = ma.fields.String()
    sent_at = ma.fields.DateTime(allow_none=True)
    delivered_at = ma.fields.DateTime(allow_none=True)
    attempts = ma.fields.Integer()
    error = ma.fields.String(allow_none=True, metadata={"description": "The last error, or why it was skipped"})


class ClientMessageListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ClientMessageSchema), required=True)


class ClientMessageQuerySchema(PageQuerySchema):
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    state = ma.fields.String(validate=validate.OneOf(PUBLIC_STATES))


class ClientMessageSettingsInputSchema(StrictSchema):
    topics = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(TOPICS)),
        allow_none=True,
        validate=validate.Length(max=len(TOPICS)),
        metadata={"description": "Which deadlines reach the client; null: the defaults"},
    )
    phone = ma.fields.String(
        allow_none=True,
        validate=[validate.Length(max=40), PHONE, no_control_characters],
        metadata={"description": "The organisation's phone, in every message"},
    )


class ClientMessageSettingsSchema(ma.Schema):
    topics = ma.fields.List(ma.fields.String())
    phone = ma.fields.String(allow_none=True)
    available_topics = ma.fields.List(ma.fields.String())
    default_topics = ma.fields.List(ma.fields.String())


class AppointmentCreateSchema(StrictSchema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(APPOINTMENT_KINDS))
    starts_at = ma.fields.DateTime(
        required=True,
        validate=sensible_moment,
        metadata={"description": "Without an offset: in the organisation's time zone"},
    )
    minutes = ma.fields.Integer(validate=validate.Range(min=5, max=24 * 60), metadata={"description": "Default 60"})
    place = Text(
        required=True,
        validate=[validate.Length(min=1, max=500)],
        metadata={"description": "Where: said in the reminders and the calendar file"},
    )
    note = long_text(allow_none=True)


class AppointmentPatchSchema(StrictSchema):
    kind = ma.fields.String(validate=validate.OneOf(APPOINTMENT_KINDS))
    starts_at = ma.fields.DateTime(validate=sensible_moment)
    minutes = ma.fields.Integer(validate=validate.Range(min=5, max=24 * 60))
    place = Text(validate=[validate.Length(min=1, max=500)])
    note = long_text(allow_none=True)
    cancelled = ma.fields.Boolean(metadata={"description": "true cancels its pending reminders"})


class AppointmentSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    kind = ma.fields.String()
    starts_at = ma.fields.DateTime()
    minutes = ma.fields.Integer()
    place = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    cancelled = ma.fields.Boolean()
    cancelled_at = ma.fields.DateTime(allow_none=True)
    sequence = ma.fields.Integer()


class AppointmentListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AppointmentSchema), required=True)
