"""Case events as the API accepts and shows them. `details` is checked per event type: unknown keys are
refused like unknown fields."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service.clock.kinds import EVENT_TYPES
from service.fields import Money, PageQuerySchema, PageSchema, StrictSchema, long_text, short_text
from service.fields import ID_MAX


class CommonDetails(StrictSchema):
    note = long_text(allow_none=True, metadata={"description": "Free text"})


class SaleHeldDetails(CommonDetails):
    sale_price = Money(allow_none=True, metadata={"description": "The price at the sale (decimal string)"})
    fair_market_value = Money(allow_none=True)
    purchaser = short_text(allow_none=True)


class RequestDetails(CommonDetails):
    received_on = ma.fields.Date(
        allow_none=True,
        metadata={"description": "When the servicer received it (clocks start then); default: the sending date"},
    )
    subject = short_text(allow_none=True)


class NoticeOfErrorDetails(RequestDetails):
    error_category = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(("payoff_balance", "foreclosure")),
        metadata={
            "description": "payoff_balance: 7 business days (1024.35(e)(3)(i)(A)); "
            "foreclosure: before the sale or 30 business days (B)"
        },
    )


class InformationRequestDetails(RequestDetails):
    request_category = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(("owner_or_assignee",)),
        metadata={"description": "owner_or_assignee: 10 business days (1024.36(d)(2)(i)(A))"},
    )


class SaleScheduledDetails(CommonDetails):
    scheduled_on = ma.fields.Date(
        allow_none=True, metadata={"description": "The day the sale was set (noticed); occurred_on is the sale date"}
    )


class PreForeclosureNoticeDetails(CommonDetails):
    notice_id = short_text(
        allow_none=True,
        metadata={"description": "Which of the state's notices (GET /jurisdictions/{code}); default: any"},
    )


class ServicerReplyDetails(CommonDetails):
    in_reply_to = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=ID_MAX),
        metadata={"description": "The id of the request event this answers"},
    )
    extended = ma.fields.Boolean(
        allow_none=True, metadata={"description": "The servicer extended its response time by 15 business days"}
    )
    extension = ma.fields.Boolean(allow_none=True)


LOSS_MIT_OPTIONS = (
    "loan_modification",
    "trial_modification",
    "forbearance",
    "repayment_plan",
    "short_sale",
    "deed_in_lieu",
)


class LossMitDeniedDetails(CommonDetails):
    option = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(LOSS_MIT_OPTIONS),
        metadata={
            "description": "The option denied; only a loan_modification (or trial_modification) denial can be appealed "
            "(12 CFR 1024.41(h)). Not given: the appeal deadline is shown with verify manually."
        },
    )


class LossMitOptionOfferedDetails(CommonDetails):
    option = ma.fields.String(required=True, validate=validate.OneOf(LOSS_MIT_OPTIONS))
    accepted_on = ma.fields.Date(allow_none=True, metadata={"description": "When the borrower accepted the offer"})


DETAILS_BY_TYPE: dict[str, type[StrictSchema]] = {
    "loss_mit_denied": LossMitDeniedDetails,
    "loss_mit_option_offered": LossMitOptionOfferedDetails,
    "sale_held": SaleHeldDetails,
    "notice_of_error_sent": NoticeOfErrorDetails,
    "request_for_information_sent": InformationRequestDetails,
    "sale_scheduled": SaleScheduledDetails,
    "pre_foreclosure_notice_sent": PreForeclosureNoticeDetails,
    "servicer_acknowledged": ServicerReplyDetails,
    "servicer_responded": ServicerReplyDetails,
}

# Types whose date may lie ahead (a sale is scheduled for a future day).
FUTURE_TYPES = frozenset({"sale_scheduled"})


# In the OpenAPI document: every key some type accepts; a key no type knows is refused (which keys each type
# takes is in the description, since the type sits outside `details`).
DETAIL_KEYS = sorted(
    {name for schema in DETAILS_BY_TYPE.values() for name in schema._declared_fields}
    | set(CommonDetails._declared_fields)
)
DETAILS_DOCUMENT = {"type": "object", "additionalProperties": False, "properties": {key: {} for key in DETAIL_KEYS}}


class EventCreateSchema(StrictSchema):
    type = ma.fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    occurred_on = ma.fields.Date(
        required=True,
        metadata={
            "description": "On or after 1970-01-01, and not in the future except for sale_scheduled (the sale date)"
        },
    )
    details = ma.fields.Dict(
        load_default=dict,
        keys=ma.fields.String(),
        metadata={
            **DETAILS_DOCUMENT,
            "description": "By type: sale_held {sale_price, fair_market_value, purchaser}; sale_scheduled {scheduled_on}; "
            "notice_of_error_sent {received_on, subject, error_category}; request_for_information_sent "
            "{received_on, subject, request_category}; servicer_acknowledged and servicer_responded "
            "{in_reply_to, extended, extension}; pre_foreclosure_notice_sent {notice_id}; loss_mit_denied {option}; "
            "loss_mit_option_offered {option, accepted_on}; every type {note}.",
        },
    )


class EventPatchSchema(StrictSchema):
    occurred_on = ma.fields.Date(metadata={"description": "On or after 1970-01-01"})
    details = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={
            **DETAILS_DOCUMENT,
            "description": "The keys the event's type takes (see POST /cases/{case_id}/events)",
        },
    )


class EventSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    type = ma.fields.String()
    occurred_on = ma.fields.Date()
    details = ma.fields.Dict()
    created_by = ma.fields.Integer(allow_none=True, attribute="created_by_id")
    created_at = ma.fields.DateTime()


class EventListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(EventSchema), required=True)


class EventListQuerySchema(PageQuerySchema):
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    type = ma.fields.String(validate=validate.OneOf(EVENT_TYPES))
