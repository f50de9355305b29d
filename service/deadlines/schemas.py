"""Deadlines as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service import disclaimers
from service.cases.display import client_name
from service.clock.kinds import BINDS, DEADLINE_KINDS, DEADLINE_STATUSES
from service.fields import PageQuerySchema, PageSchema, StrictSchema, computed, constant, long_text, short_text
from service.fields import ID_MAX

KIND_NAMES = tuple(DEADLINE_KINDS)


class ComputedFromSchema(ma.Schema):
    """Dumped from a Deadline row: its computed_from_* columns."""

    event_type = ma.fields.String(allow_none=True, attribute="computed_from_event_type")
    occurred_on = ma.fields.Date(allow_none=True, attribute="computed_from_occurred_on")


class CaseSummarySchema(ma.Schema):
    """Dumped from a Case row: who the deadline is for."""

    case_id = ma.fields.Integer(attribute="id")
    client_name = computed(ma.fields.String(allow_none=True), client_name)
    assigned_to = ma.fields.Integer(allow_none=True, attribute="assigned_to_id")
    state = ma.fields.String(attribute="property_state")
    stage = ma.fields.String()


class AlternativeSchema(ma.Schema):
    due_on = ma.fields.String(metadata={"format": "date"})  # stored as an ISO date string
    condition = ma.fields.String()


class DeadlineSchema(ma.Schema):
    """A deadline as the API shows it, dumped from the Deadline row (and its case)."""

    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    kind = ma.fields.String()
    title = ma.fields.String()
    due_on = ma.fields.Date(allow_none=True, metadata={"description": "null when the rule is unknown: verify manually"})
    binds = ma.fields.String(metadata={"description": "borrower, servicer, lender or court"})
    status = ma.fields.String(metadata={"description": "open, met, missed, waived or tolled"})
    status_set_by_user = computed(ma.fields.Boolean(), lambda row: row.user_status is not None)
    met_on = ma.fields.Date(allow_none=True)
    rule_id = ma.fields.String(allow_none=True)
    citation = ma.fields.String(allow_none=True)
    source_url = ma.fields.String(allow_none=True)
    confidence = ma.fields.String(allow_none=True, metadata={"description": "verified, secondary_source or unverified"})
    explanation = ma.fields.String(allow_none=True)
    computed_from = computed(
        ma.fields.Nested(ComputedFromSchema, allow_none=True), lambda row: row if row.computed_from_event_type else None
    )
    verify_manually = ma.fields.Boolean(metadata={"description": "true whenever the explanation asks for a check"})
    alternatives = computed(
        ma.fields.List(
            ma.fields.Nested(AlternativeSchema),
            metadata={
                "description": "Other candidate dates when a fact that selects the period is unknown (due_on is then the "
                "earliest candidate)"
            },
        ),
        lambda row: row.alternatives or [],
    )
    expires_on = computed(
        ma.fields.Date(
            allow_none=True,
            metadata={
                "description": "The day the right actually ends when the state's computation-of-time rule carries a weekend "
                "or holiday end forward; due_on is then the last day to act safely. Otherwise equal to due_on."
            },
        ),
        lambda row: row.expires_on or row.due_on,
    )
    manual = ma.fields.Boolean(attribute="is_manual")
    sequence = ma.fields.Integer(metadata={"description": "Grows each time the due date moves"})
    case = ma.fields.Nested(CaseSummarySchema, allow_none=True)
    disclaimer = constant(ma.fields.String(), disclaimers.DEADLINES)


class DeadlineListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(DeadlineSchema), required=True)


class ManualDeadlineSchema(StrictSchema):
    title = short_text(min_length=1, required=True)
    due_on = ma.fields.Date(required=True)
    kind = ma.fields.String(load_default="manual", validate=validate.OneOf(KIND_NAMES))
    binds = ma.fields.String(validate=validate.OneOf(BINDS))
    explanation = long_text(allow_none=True)


class DeadlinePatchSchema(StrictSchema):
    status = ma.fields.String(
        validate=validate.OneOf(DEADLINE_STATUSES), metadata={"description": "open hands the status back to the engine"}
    )
    met_on = ma.fields.Date(allow_none=True)
    title = short_text(min_length=1)
    due_on = ma.fields.Date()
    binds = ma.fields.String(validate=validate.OneOf(BINDS))
    explanation = long_text(allow_none=True)


class CaseDeadlineQuerySchema(PageQuerySchema):
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    status = ma.fields.String(validate=validate.OneOf(DEADLINE_STATUSES))


class CaseloadQuerySchema(PageQuerySchema):
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    due_after = ma.fields.Date(metadata={"description": "Due on or after this day"})
    due_before = ma.fields.Date(metadata={"description": "Due on or before this day; not before due_after"})
    assigned_to = ma.fields.Integer(validate=validate.Range(min=1, max=ID_MAX))
    status = ma.fields.String(validate=validate.OneOf(DEADLINE_STATUSES))
    kind = ma.fields.String(validate=validate.OneOf(KIND_NAMES))
    case_id = ma.fields.Integer(validate=validate.Range(min=1, max=ID_MAX))


class DeadlineKindSchema(ma.Schema):
    kind = ma.fields.String()
    title = ma.fields.String()
    binds = ma.fields.String()
    severity = ma.fields.String()
    description = ma.fields.String()


class StageTransitionSchema(ma.Schema):
    stage = ma.fields.String()
    entered_on = ma.fields.Date(allow_none=True)
    event_type = ma.fields.String(allow_none=True)


class StageHistorySchema(ma.Schema):
    stage = ma.fields.String()
    outcome = ma.fields.String(allow_none=True)
    history = ma.fields.List(ma.fields.Nested(StageTransitionSchema))
