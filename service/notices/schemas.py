"""Notices, notification preferences and calendar tokens as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from models.notices import NOTICE_STATES
from service.fields import PageQuerySchema, PageSchema, StrictSchema


class NoticeSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    deadline_id = ma.fields.Integer()
    deadline_sequence = ma.fields.Integer(
        metadata={"description": "The deadline's sequence the notice was planned for"}
    )
    due_on = ma.fields.Date(metadata={"description": "The due date the notice was planned for"})
    kind = ma.fields.String(metadata={"description": "reminder or escalation"})
    offset_days = ma.fields.Integer(
        metadata={"description": "Days before the due date (escalations: minus the days past it)"}
    )
    recipient = ma.fields.String(metadata={"description": "One staff member's e-mail address"})
    send_at = ma.fields.DateTime(metadata={"description": "When it is planned to go out (UTC)"})
    state = ma.fields.String(metadata={"description": "pending, sending, sent, failed, cancelled or skipped"})
    attempts = ma.fields.Integer()
    next_attempt_at = ma.fields.DateTime(allow_none=True)
    sent_at = ma.fields.DateTime(allow_none=True)
    message_id = ma.fields.String(metadata={"description": "Fixed before the first attempt, reused on every attempt"})
    error = ma.fields.String(
        allow_none=True, metadata={"description": "The last error, or why it was cancelled/skipped"}
    )


class NoticeListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(NoticeSchema), required=True)


class NoticeQuerySchema(PageQuerySchema):
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    state = ma.fields.String(validate=validate.OneOf(NOTICE_STATES))


def _offsets(**kwargs) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.Integer(validate=validate.Range(min=0, max=365)),
        validate=validate.Length(min=1, max=20),
        allow_none=True,
        load_default=None,
        metadata={"description": "Days before the due date; null: the default"},
        **kwargs,
    )


class OrgPreferencesInputSchema(StrictSchema):
    grave_offsets = _offsets()
    informational_offsets = _offsets()
    local_hour = ma.fields.Integer(
        validate=validate.Range(min=0, max=23),
        allow_none=True,
        load_default=None,
        metadata={"description": "Local hour (organisation's time zone); null: 8"},
    )


class MyPreferencesInputSchema(OrgPreferencesInputSchema):
    daily_digest = ma.fields.Boolean(load_default=True)
    digest_only = ma.fields.Boolean(
        load_default=False, metadata={"description": "No per-deadline reminders, only the daily digest"}
    )


class PreferenceValuesSchema(ma.Schema):
    grave_offsets = ma.fields.List(ma.fields.Integer(), allow_none=True)
    informational_offsets = ma.fields.List(ma.fields.Integer(), allow_none=True)
    local_hour = ma.fields.Integer(allow_none=True)
    daily_digest = ma.fields.Boolean()
    digest_only = ma.fields.Boolean()


class PreferencesSchema(ma.Schema):
    own = ma.fields.Nested(PreferenceValuesSchema, metadata={"description": "What was set here (null: inherited)"})
    effective = ma.fields.Nested(PreferenceValuesSchema, metadata={"description": "What applies"})
    timezone = ma.fields.String()


class CalendarTokenSchema(ma.Schema):
    token = ma.fields.String(metadata={"description": "Shown once; only its SHA-256 digest is stored"})
    url = ma.fields.String(metadata={"description": "The feed to subscribe to (no Authorization header)"})
