"""Deficiency-waiver requests as the API accepts and shows them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service import disclaimers
from service.fields import (
    DecimalString,
    Money,
    PageQuerySchema,
    PageSchema,
    StrictSchema,
    constant,
    long_text,
    short_text,
)
from service.fields import ID_MAX

RESOLUTIONS = ("short_sale", "deed_in_lieu", "settlement", "modification", "post_sale")
ASKS = ("full_waiver", "settlement")
STATUSES = ("draft", "sent", "acknowledged", "granted", "partially_granted", "denied", "withdrawn")
METHODS = ("letter", "certified_mail", "fax", "email", "portal", "in_person", "phone")
OFFER_PARTIES = ("borrower", "lender")


class WaiverFields(StrictSchema):
    resolution = ma.fields.String(validate=validate.OneOf(RESOLUTIONS))
    recipient = short_text(min_length=1, metadata={"description": "To whom (the lender, servicer or investor)"})
    deficiency_amount = Money(
        allow_none=True,
        metadata={
            "description": "The deficiency at stake; default: the deficiency calculator's (GET /cases/{id}/deficiency)"
        },
    )
    ask = ma.fields.String(validate=validate.OneOf(ASKS))
    settlement_amount = Money(
        allow_none=True, metadata={"description": "For ask = settlement: what the client offers to pay"}
    )
    sent_on = ma.fields.Date(allow_none=True)
    method = ma.fields.String(allow_none=True, validate=validate.OneOf(METHODS))
    follow_up_days = ma.fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=365),
        metadata={"description": "Days after sending with no answer before the follow-up deadline (default 30)"},
    )
    written_waiver_attachment_id = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=ID_MAX),
        metadata={
            "description": "The signed written waiver: an attachment of a communication on the same case (required "
            "for granted and partially_granted)"
        },
    )
    client_told_about_1099c = ma.fields.Boolean(
        metadata={"description": "Checklist: the client was told that forgiven debt may bring a Form 1099-C"}
    )
    notes = long_text(allow_none=True)


class WaiverCreateSchema(WaiverFields):
    resolution = ma.fields.String(required=True, validate=validate.OneOf(RESOLUTIONS))
    recipient = short_text(min_length=1, required=True)
    ask = ma.fields.String(required=True, validate=validate.OneOf(ASKS))
    status = ma.fields.String(
        validate=validate.OneOf(("draft", "sent")),
        metadata={"description": "draft (default) or sent (then sent_on and method are required)"},
    )


class WaiverPatchSchema(WaiverFields):
    status = ma.fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "draft -> sent (needs sent_on and method) or withdrawn; sent -> acknowledged, granted, "
            "partially_granted, denied or withdrawn; acknowledged -> granted, partially_granted, denied "
            "or withdrawn; granted, partially_granted, denied and withdrawn are final. granted and "
            "partially_granted need written_waiver_attachment_id. Terms (resolution, recipient, amounts, "
            "ask) change only in draft: afterwards record an offer."
        },
    )
    answered_on = ma.fields.Date(allow_none=True, metadata={"description": "When the lender answered; default today"})


class OfferCreateSchema(StrictSchema):
    offered_by = ma.fields.String(required=True, validate=validate.OneOf(OFFER_PARTIES))
    offered_on = ma.fields.Date(required=True)
    terms = ma.fields.String(required=True, validate=validate.OneOf(ASKS))
    amount = Money(allow_none=True, metadata={"description": "Required for terms = settlement"})
    note = long_text(allow_none=True)


class OfferSchema(ma.Schema):
    """Dumped from a WaiverOffer row."""

    id = ma.fields.Integer()
    position = ma.fields.Integer()
    offered_by = ma.fields.String()
    offered_on = ma.fields.Date()
    terms = ma.fields.String()
    amount = Money(allow_none=True)
    percentage = DecimalString(allow_none=True, metadata={"description": "amount / deficiency_amount, percent"})
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class ChecklistItemSchema(ma.Schema):
    item = ma.fields.String()
    done = ma.fields.Boolean()


class Form1099CSchema(ma.Schema):
    possible = ma.fields.Boolean()
    why = ma.fields.String()
    advice = ma.fields.String()
    client_told = ma.fields.Boolean()
    sources = ma.fields.List(ma.fields.String())


class WaiverSchema(ma.Schema):
    """Dumped from service.waivers.service.WaiverView: the row, its follow-up deadline, and what follows."""

    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    resolution = ma.fields.String()
    recipient = ma.fields.String()
    deficiency_amount = Money(allow_none=True)
    deficiency_source = ma.fields.String(metadata={"description": "calculator, entered or unknown"})
    ask = ma.fields.String()
    settlement_amount = Money(allow_none=True)
    settlement_percentage = DecimalString(
        allow_none=True,
        metadata={"description": "settlement_amount / deficiency_amount in percent, two places, half-up"},
    )
    sent_on = ma.fields.Date(allow_none=True)
    method = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    allowed_next_statuses = ma.fields.List(ma.fields.String())
    answered_on = ma.fields.Date(allow_none=True)
    follow_up_days = ma.fields.Integer()
    follow_up_deadline_id = ma.fields.Integer(allow_none=True)
    follow_up_due_on = ma.fields.Date(allow_none=True)
    written_waiver_attachment_id = ma.fields.Integer(allow_none=True)
    offers = ma.fields.List(ma.fields.Nested(OfferSchema))
    form_1099c = ma.fields.Nested(Form1099CSchema)
    checklist = ma.fields.List(ma.fields.Nested(ChecklistItemSchema))
    notes = ma.fields.String(allow_none=True)
    created_by = ma.fields.Integer(allow_none=True, attribute="created_by_id")
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    disclaimer = constant(ma.fields.String(), disclaimers.WAIVERS)


class WaiverAuditSchema(WaiverSchema):
    """The request as the audit log compares it (dumped from the row, with the fields a user sets)."""

    client_told_about_1099c = ma.fields.Boolean()


class WaiverListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(WaiverSchema), required=True)


class WaiverListQuerySchema(PageQuerySchema):
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
