"""Parties, servicer aliases and marked conflicts as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from models.intake import CONFLICT_KINDS, CONFLICT_STATUSES, LANGUAGES, PARTY_ROLES, PARTY_SIDES
from service.cases.schemas import PHONE
from service.fields import no_control_characters, single_line
from service.fields import Text, PageSchema, StrictSchema, long_text
from service.http import ID_MAX


class PartyCreateSchema(StrictSchema):
    role = ma.fields.String(required=True, validate=validate.OneOf(PARTY_ROLES))
    side = ma.fields.String(
        validate=validate.OneOf(PARTY_SIDES),
        metadata={
            "description": "Default: ours for borrowers, adverse for the servicer, "
            "investor, plaintiff, trustee and opposing counsel, else other"
        },
    )
    name = Text(required=True, validate=[validate.Length(min=1, max=200), single_line])
    is_organisation = ma.fields.Boolean(
        allow_none=True, metadata={"description": "Default: true for a servicer, investor, plaintiff or trustee"}
    )
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = ma.fields.String(allow_none=True, validate=[validate.Length(max=40), PHONE, no_control_characters])
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=500))
    preferred_language = ma.fields.String(allow_none=True, validate=validate.OneOf(LANGUAGES))


class PartyPatchSchema(StrictSchema):
    role = ma.fields.String(validate=validate.OneOf(PARTY_ROLES))
    side = ma.fields.String(validate=validate.OneOf(PARTY_SIDES))
    name = Text(validate=[validate.Length(min=1, max=200), single_line])
    is_organisation = ma.fields.Boolean()
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = ma.fields.String(allow_none=True, validate=[validate.Length(max=40), PHONE, no_control_characters])
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=500))
    preferred_language = ma.fields.String(allow_none=True, validate=validate.OneOf(LANGUAGES))


class PartySchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    role = ma.fields.String()
    side = ma.fields.String()
    name = ma.fields.String()
    is_organisation = ma.fields.Boolean()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    preferred_language = ma.fields.String(allow_none=True)
    mirrors_case = ma.fields.Boolean(
        metadata={
            "description": "The case's client, a co-borrower or its servicer: changed on the case, except the address"
        }
    )
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class PartyListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(PartySchema), required=True)


class AliasCreateSchema(StrictSchema):
    name = Text(required=True, validate=[validate.Length(min=1, max=200), single_line])
    alias = Text(required=True, validate=[validate.Length(min=1, max=200), single_line])


class AliasSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    alias = ma.fields.String()
    created_at = ma.fields.DateTime()


class AliasListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AliasSchema), required=True)


class ConflictCreateSchema(StrictSchema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(CONFLICT_KINDS))
    party_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=ID_MAX)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    conflict_check_id = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=ID_MAX))
    description = Text(required=True, validate=validate.Length(min=1, max=10_000))


class ConflictPatchSchema(StrictSchema):
    status = ma.fields.String(validate=validate.OneOf(CONFLICT_STATUSES))
    waiver_reason = long_text(allow_none=True)
    description = Text(validate=validate.Length(min=1, max=10_000))


class ConflictSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    kind = ma.fields.String()
    party_ids = ma.fields.List(ma.fields.Integer())
    conflict_check_id = ma.fields.Integer(allow_none=True)
    description = ma.fields.String()
    status = ma.fields.String()
    created_by_id = ma.fields.Integer(allow_none=True)
    waived_by_id = ma.fields.Integer(allow_none=True)
    waived_at = ma.fields.DateTime(allow_none=True)
    waiver_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class ConflictListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ConflictSchema), required=True)
