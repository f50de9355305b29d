"""Conflict checks as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from models.intake import PARTY_ROLES, PARTY_SIDES
from service.cases.schemas import PHONE
from service.fields import no_control_characters, single_line
from service.fields import Text, PageQuerySchema, PageSchema, StrictSchema
from service.http import ID_MAX


class ProspectivePartySchema(StrictSchema):
    name = Text(required=True, validate=[validate.Length(min=1, max=200), single_line])
    role = ma.fields.String(required=True, validate=validate.OneOf(PARTY_ROLES))
    is_organisation = ma.fields.Boolean(
        allow_none=True,
        metadata={
            "description": "Default: true for a servicer, investor, plaintiff or trustee, or a name like \"... LLC\""
        },
    )
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = ma.fields.String(allow_none=True, validate=[validate.Length(max=40), PHONE, no_control_characters])


class ConflictCheckCreateSchema(StrictSchema):
    parties = ma.fields.List(
        ma.fields.Nested(ProspectivePartySchema), required=True, validate=validate.Length(min=1, max=50)
    )
    case_id = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=ID_MAX),
        metadata={"description": "The case it is run for, when it exists already"},
    )


class ConflictCheckAttachSchema(StrictSchema):
    case_id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=ID_MAX))


class MatchedPartySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String()
    side = ma.fields.String(validate=validate.OneOf(PARTY_SIDES))


class ProspectiveSchema(ma.Schema):
    name = ma.fields.String()
    role = ma.fields.String()


class MatchSchema(ma.Schema):
    case_id = ma.fields.Integer()
    party = ma.fields.Nested(MatchedPartySchema)
    prospective = ma.fields.Nested(ProspectiveSchema)
    relation = ma.fields.String(metadata={"description": "opposed (one ours, one adverse), same_side or other"})
    reason = ma.fields.String()
    score = ma.fields.Float(metadata={"minimum": 0, "maximum": 1})


class CheckedPartySchema(ma.Schema):
    name = ma.fields.String()
    role = ma.fields.String()
    is_organisation = ma.fields.Boolean()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)


class ConflictCheckSchema(ma.Schema):
    id = ma.fields.Integer()
    ran_at = ma.fields.DateTime()
    ran_by = ma.fields.Integer(allow_none=True)
    case_id = ma.fields.Integer(allow_none=True)
    parties = ma.fields.List(ma.fields.Nested(CheckedPartySchema))
    matches = ma.fields.List(ma.fields.Nested(MatchSchema))


class ConflictCheckListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ConflictCheckSchema), required=True)


class ConflictCheckListQuerySchema(PageQuerySchema):
    case_id = ma.fields.Integer(validate=validate.Range(min=1, max=ID_MAX))
