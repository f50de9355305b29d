"""The funders' reports as the API shows them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service.fields import StrictSchema

FORMATS = ("json", "csv")


class Hud9902QuerySchema(StrictSchema):
    fiscal_year = ma.fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "HUD's fiscal year (FY2026 runs from 2025-10-01); default: the current one"},
    )
    quarter = ma.fields.Integer(
        validate=validate.Range(min=1, max=4),
        metadata={"description": "1 to 4 (Q1 ends December 31); default: the current one"},
    )
    format = ma.fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class ClientDataQuerySchema(StrictSchema):
    fiscal_year = ma.fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "HUD's fiscal year; default: the current one"},
    )
    quarter = ma.fields.Integer(
        validate=validate.Range(min=1, max=4), metadata={"description": "1 to 4; default: the current one"}
    )


class LscCsrQuerySchema(StrictSchema):
    year = ma.fields.Integer(
        validate=validate.Range(min=2000, max=2100), metadata={"description": "Calendar year; default: the current one"}
    )
    format = ma.fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class PeriodSchema(ma.Schema):
    start = ma.fields.Date()
    end = ma.fields.Date()


class CheckSchema(ma.Schema):
    rule = ma.fields.String()
    ok = ma.fields.Boolean()
    detail = ma.fields.String()
    case_ids = ma.fields.List(ma.fields.Integer())


class Hud9902LineSchema(ma.Schema):
    section = ma.fields.String()
    line = ma.fields.String(
        metadata={"description": "The line's letter (unconfirmed where label_checked is false), or 'total'"}
    )
    label = ma.fields.String()
    label_checked = ma.fields.Boolean(
        metadata={
            "description": "false: the line letter and the label's wording have not yet been compared with the "
            "current form: compare both before filing"
        }
    )
    all = ma.fields.Integer()
    hud = ma.fields.Integer()
    case_ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "The cases counted in the cell"})
    hud_case_ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "Those counted in the HUD column"})


class Hud9902Schema(ma.Schema):
    fiscal_year = ma.fields.Integer()
    quarter = ma.fields.Integer()
    period = ma.fields.Nested(PeriodSchema)
    lines = ma.fields.List(ma.fields.Nested(Hud9902LineSchema))
    checks = ma.fields.List(ma.fields.Nested(CheckSchema))
    note = ma.fields.String()
    sources = ma.fields.List(ma.fields.String())


class LscLineSchema(ma.Schema):
    problem_code = ma.fields.String()
    problem = ma.fields.String()
    closing_code = ma.fields.String()
    closing = ma.fields.String()
    count = ma.fields.Integer()
    case_ids = ma.fields.List(ma.fields.Integer())


class LscCsrSchema(ma.Schema):
    year = ma.fields.Integer()
    period = ma.fields.Nested(PeriodSchema)
    total = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(LscLineSchema))
    checks = ma.fields.List(ma.fields.Nested(CheckSchema))
    note = ma.fields.String()
    sources = ma.fields.List(ma.fields.String())
