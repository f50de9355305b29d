"""Communications and attachments as the API accepts and shows them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service import disclaimers
from service.fields import PageQuerySchema, PageSchema, StrictSchema, computed, constant, long_text, short_text
from service.fields import ID_MAX

CHANNELS = ("phone", "letter", "certified_mail", "fax", "email", "portal", "in_person")
DIRECTIONS = ("inbound", "outbound")
COUNTERPARTY_TYPES = (
    "servicer",
    "lender",
    "investor",
    "trustee",
    "foreclosure_firm",
    "court",
    "client",
    "counselor",
    "other",
)
CATEGORIES = (
    "loss_mit_application",
    "document_request",
    "document_submission",
    "notice_of_error",
    "request_for_information",
    "qualified_written_request",
    "acknowledgment",
    "response",
    "decision",
    "waiver_request",
    "settlement_offer",
    "other",
)
QWR_TREATMENTS = ("notice_of_error", "request_for_information")
DECISION_RESULTS = (
    "denied",
    "modification_approved",
    "other",
    "modification_denied",
    "forbearance_offered",
    "repayment_plan_offered",
    "trial_modification_offered",
    "short_sale_approved",
    "deed_in_lieu_approved",
)
MAX_DOCUMENTS = 100

_ID = {"strict": True, "validate": validate.Range(min=1, max=ID_MAX)}


def _document_names(description: str) -> ma.fields.List:
    return ma.fields.List(
        short_text(min_length=1), validate=validate.Length(max=MAX_DOCUMENTS), metadata={"description": description}
    )


class CommunicationFields(StrictSchema):
    occurred_at = ma.fields.DateTime(
        metadata={
            "description": "When it happened, on or after 1970-01-01; "
            "without an offset, in the organisation's time zone"
        }
    )
    channel = ma.fields.String(validate=validate.OneOf(CHANNELS))
    direction = ma.fields.String(validate=validate.OneOf(DIRECTIONS))
    counterparty_type = ma.fields.String(validate=validate.OneOf(COUNTERPARTY_TYPES))
    counterparty_name = short_text(allow_none=True, metadata={"description": "e.g. the servicer's name"})
    contact_person = short_text(allow_none=True)
    department = short_text(allow_none=True)
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    subject = short_text(allow_none=True)
    summary = long_text(allow_none=True)
    in_reply_to = ma.fields.Integer(
        allow_none=True,
        **_ID,
        metadata={
            "description": "The id of the communication (on the same case) this answers. An inbound acknowledgment or "
            "response to a request that started servicer clocks stops them."
        },
    )
    qwr_treated_as = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(QWR_TREATMENTS),
        metadata={
            "description": "For a qualified_written_request: which clocks it starts. A QWR asserting an error is a "
            "notice of error (12 CFR 1024.35(a)); one asking for information is a request for "
            "information (1024.36(a)). Default: notice_of_error."
        },
    )
    application_complete = ma.fields.Boolean(
        metadata={
            "description": "For an outbound loss_mit_application: the application is complete (starts the "
            "evaluation clock, 12 CFR 1024.41(c)); every outbound application starts the "
            "acknowledgment clock (1024.41(b)(2)(i)(B))."
        }
    )
    decision_result = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(DECISION_RESULTS),
        metadata={
            "description": "For an inbound loss-mitigation decision: denied or modification_denied (meets the evaluation "
            "clock and starts the appeal clock, 12 CFR 1024.41(c), (h); only a modification denial can be "
            "appealed), modification_approved; an offered option (forbearance_offered, repayment_plan_offered, "
            "trial_modification_offered, short_sale_approved, deed_in_lieu_approved) meets the evaluation "
            "clock and starts the borrower's time to accept (1024.41(e)); other: no clock."
        },
    )
    received_on = ma.fields.Date(
        allow_none=True,
        metadata={
            "description": "When the recipient received it (certified-mail receipt, fax confirmation); the servicer's "
            "clocks run from receipt. Default: the day it was sent."
        },
    )
    servicer_extended = ma.fields.Boolean(
        metadata={
            "description": "On an inbound acknowledgment or response: the servicer extended its response time by 15 "
            "business days (12 CFR 1024.35(e)(3)(ii), 1024.36(d)(2)(ii))."
        }
    )
    documents_sent = _document_names(
        "Names of the documents enclosed or submitted (e.g. \"2025 W-2\"); a later "
        "document_request naming one of them links back to this entry"
    )
    documents_requested = _document_names(
        "For a document_request: the names of the documents asked for; each "
        "is matched (case-insensitively) against earlier outbound entries' "
        "documents_sent and attachment file names (with or without extension)"
    )


class CommunicationCreateSchema(CommunicationFields):
    occurred_at = ma.fields.DateTime(
        required=True, metadata=CommunicationFields._declared_fields["occurred_at"].metadata
    )
    channel = ma.fields.String(required=True, validate=validate.OneOf(CHANNELS))
    direction = ma.fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    counterparty_type = ma.fields.String(required=True, validate=validate.OneOf(COUNTERPARTY_TYPES))
    category = ma.fields.String(required=True, validate=validate.OneOf(CATEGORIES))


class CommunicationPatchSchema(CommunicationFields):
    """A correction: the original stays in the audit history and the entry shows it was corrected."""


class AttachmentSchema(ma.Schema):
    """Dumped from an Attachment row."""

    id = ma.fields.Integer()
    communication_id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    url = computed(ma.fields.String(), lambda attachment: f"/api/v1/attachments/{attachment.id}")
    created_at = ma.fields.DateTime()
    created_by = ma.fields.Integer(allow_none=True, attribute="created_by_id")


class AttachmentListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AttachmentSchema), required=True)


class PreviousSubmissionSchema(ma.Schema):
    """Dumped from service.communications.service.PreviousSubmission."""

    document = ma.fields.String(metadata={"description": "The name asked for"})
    communication_id = ma.fields.Integer()
    occurred_at = ma.fields.DateTime()
    channel = ma.fields.String()
    matched = ma.fields.String(metadata={"description": "documents_sent or attachment"})
    attachment_id = ma.fields.Integer(allow_none=True)
    sha256 = ma.fields.String(allow_none=True)


class CorrectionSchema(ma.Schema):
    """Dumped from the AuditEntry of the correction."""

    at = ma.fields.DateTime()
    by = ma.fields.Integer(allow_none=True, attribute="actor_id")
    changes = ma.fields.Dict()


class ClockEventSchema(ma.Schema):
    id = ma.fields.Integer()
    type = ma.fields.String(allow_none=True)


class CommunicationSchema(ma.Schema):
    """Dumped from service.communications.service.CommunicationView (the row and what is gathered beside it);
    the fields a user sets dump from the row itself too (the audit record)."""

    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    occurred_at = ma.fields.DateTime()
    channel = ma.fields.String()
    direction = ma.fields.String()
    counterparty_type = ma.fields.String()
    counterparty_name = ma.fields.String(allow_none=True)
    contact_person = ma.fields.String(allow_none=True)
    department = ma.fields.String(allow_none=True)
    category = ma.fields.String()
    subject = ma.fields.String(allow_none=True)
    summary = ma.fields.String(allow_none=True)
    in_reply_to = ma.fields.Integer(allow_none=True, attribute="in_reply_to_id")
    qwr_treated_as = ma.fields.String(allow_none=True)
    application_complete = ma.fields.Boolean()
    decision_result = ma.fields.String(allow_none=True)
    received_on = ma.fields.Date(allow_none=True)
    documents_sent = computed(ma.fields.List(ma.fields.String()), lambda entry: list(entry.documents_sent or []))
    documents_requested = computed(
        ma.fields.List(ma.fields.String()), lambda entry: list(entry.documents_requested or [])
    )
    attachments = ma.fields.List(ma.fields.Nested(AttachmentSchema))
    previously_sent = ma.fields.List(
        ma.fields.Nested(PreviousSubmissionSchema),
        metadata={"description": "For a document_request: earlier submissions of the documents asked for"},
    )
    duplicate_request = ma.fields.Boolean(
        metadata={"description": "The servicer asked again for a document already sent"}
    )
    clock_events = ma.fields.List(
        ma.fields.Nested(ClockEventSchema),
        metadata={"description": "The case events this entry created ({id, type}): they drive the servicer clocks"},
    )
    clock_note = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Why this entry starts or stops no servicer clock (an oral request or reply), and what to record "
            "instead"
        },
    )
    corrected = ma.fields.Boolean()
    corrections = ma.fields.List(
        ma.fields.Nested(CorrectionSchema),
        metadata={"description": "Each correction, with the values before and after (the audit history)"},
    )
    created_by = ma.fields.Integer(allow_none=True, attribute="created_by_id")
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    disclaimer = constant(ma.fields.String(), disclaimers.COMMUNICATIONS)


class CommunicationListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(CommunicationSchema), required=True)


class CommunicationListQuerySchema(PageQuerySchema):
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    direction = ma.fields.String(validate=validate.OneOf(DIRECTIONS))


class ServicerClockSchema(ma.Schema):
    """Dumped from service.communications.compliance.ServicerClock."""

    clock = ma.fields.String(
        metadata={
            "description": "The deadline kind: servicer_acknowledgment_due, "
            "servicer_response_due, loss_mit_acknowledgment_due or "
            "loss_mit_evaluation_due"
        }
    )
    title = ma.fields.String()
    deadline_id = ma.fields.Integer()
    started_on = ma.fields.Date(allow_none=True)
    due_on = ma.fields.Date(allow_none=True)
    met_on = ma.fields.Date(allow_none=True)
    result = ma.fields.String(metadata={"description": "open, on_time, late or missed"})
    late_by_business_days = ma.fields.Integer(
        allow_none=True,
        metadata={
            "description": "late: business days after the due date it was met; missed: business days overdue so far"
        },
    )
    citation = ma.fields.String(allow_none=True)
    source_url = ma.fields.String(allow_none=True)
    explanation = ma.fields.String(allow_none=True)
    request_communication_id = ma.fields.Integer(allow_none=True)
    answered_by_communication_ids = ma.fields.List(ma.fields.Integer())
    deadline_status = ma.fields.String()


class ServicerComplianceSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ServicerClockSchema), required=True)
    as_of = ma.fields.Date()
    summary = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    disclaimer = ma.fields.String()


class CompliancePageQuerySchema(PageQuerySchema):
    per_page = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))
