"""Imports as the API shows them; the upload itself is multipart/form-data (see UPLOAD_BODY in api.py)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from models.intake import DATE_ORDERS, IMPORT_STATES
from service.fields import PageSchema, StrictSchema


class ImportRowsSchema(ma.Schema):
    total = ma.fields.Integer()
    valid = ma.fields.Integer()
    invalid = ma.fields.Integer()
    duplicates = ma.fields.Integer()
    created = ma.fields.Integer()
    skipped = ma.fields.Integer()
    failed = ma.fields.Integer()


class ImportErrorSchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "The spreadsheet's row number (the header is row 1)"})
    column = ma.fields.String()
    message = ma.fields.String()
    phase = ma.fields.String(metadata={"description": "commit: the row failed when its case was created"})


class ImportSchema(ma.Schema):
    id = ma.fields.Integer()
    state = ma.fields.String(validate=validate.OneOf(IMPORT_STATES))
    filename = ma.fields.String()
    format = ma.fields.String()
    sha256 = ma.fields.String()
    size = ma.fields.Integer()
    mapping = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    mapping_guessed = ma.fields.Boolean()
    date_order = ma.fields.String()
    progress = ma.fields.Integer(metadata={"description": "Percent of the current phase (checking or committing)"})
    rows = ma.fields.Nested(ImportRowsSchema)
    errors = ma.fields.List(ma.fields.Nested(ImportErrorSchema))
    error = ma.fields.String(allow_none=True)
    url = ma.fields.String()
    preview = ma.fields.List(
        ma.fields.Dict(),
        metadata={
            "description": "Each row: action (create, skip, invalid), warnings (e.g. an ambiguous date), possible "
            "duplicates of existing cases, conflicts, and what would be created"
        },
    )
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class ImportListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ImportSchema), required=True)


class IntakeSettingsSchema(StrictSchema):
    date_order = ma.fields.String(
        required=True,
        validate=validate.OneOf(DATE_ORDERS),
        metadata={"description": "How an ambiguous date like 03/04/2026 is read in imports (month_first: March 4)"},
    )


class SavedImportMappingCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    mapping = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.Length(min=1, max=200)),
        values=ma.fields.String(validate=validate.Length(min=1, max=210)),
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "{column header: field}, as an import's mapping"},
    )


class SavedImportMappingPatchSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))


class SavedImportMappingSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    mapping = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class SavedImportMappingListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(SavedImportMappingSchema), required=True)
