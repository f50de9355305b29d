"""Users and API tokens as /api/v1/users shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from models import ROLES
from service.fields import PageQuerySchema, PageSchema, StrictSchema, short_text


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    full_name = ma.fields.String(allow_none=True)
    role = ma.fields.String(metadata={"description": ", ".join(ROLES)})
    is_active = ma.fields.Boolean(metadata={"description": "False: deactivated (cannot sign in; tokens revoked)"})
    two_factor = ma.fields.Boolean(metadata={"description": "Two-factor sign-in is on"})
    has_password = ma.fields.Boolean(metadata={"description": "False: invited, no password chosen yet"})
    hud_counselor_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class UserListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(UserSchema), required=True)


class UserQuerySchema(PageQuerySchema):
    pass


class UserInviteSchema(StrictSchema):
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    role = ma.fields.String(required=True, validate=validate.OneOf(ROLES))
    full_name = short_text(allow_none=True, load_default=None)


class UserPatchSchema(StrictSchema):
    role = ma.fields.String(validate=validate.OneOf(ROLES))
    is_active = ma.fields.Boolean(metadata={"description": "false deactivates: sessions end, API tokens are revoked"})
    full_name = short_text(allow_none=True)
    hud_counselor_id = ma.fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z0-9-]{1,40}$", error="Letters, digits and hyphens, at most 40."),
        metadata={"description": "HUD housing counselor certification ID (HUD-9902 reports); null removes it"},
    )


class TokenCreateSchema(StrictSchema):
    label = short_text(allow_none=True, load_default=None)
    expires_at = ma.fields.AwareDateTime(
        allow_none=True, load_default=None, metadata={"description": "Optional; in the future"}
    )


class TokenSchema(ma.Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    label = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)
    last_used_at = ma.fields.DateTime(allow_none=True)
    token = ma.fields.String(
        metadata={"description": "Only in the answer that makes it: shown once, stored as SHA-256"}
    )


class TokenListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TokenSchema), required=True)
