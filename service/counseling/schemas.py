"""Counseling records as the API accepts and shows them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service.counseling.ami import BANDS
from service.fields import Money, PageQuerySchema, PageSchema, StrictSchema, long_text, short_text
from service.funder_reports.codes import lsc_closing_codes, lsc_problem_codes, outcome_codes, session_purposes
from service.http import ID_MAX

YES_NO = ("yes", "no", "no_response")
ETHNICITIES = ("hispanic", "not_hispanic", "no_response")
RACES = (
    "american_indian_alaska_native",
    "asian",
    "black",
    "native_hawaiian_pacific_islander",
    "white",
    "more_than_one",
    "no_response",
)
# HUD's household types (the client-level data HUD's systems take).
HEADS_OF_HOUSEHOLD = (
    "single_adult",
    "female_single_parent",
    "male_single_parent",
    "married_without_children",
    "married_with_children",
    "two_or_more_unrelated_adults",
    "other",
    "no_response",
)
TERMINATION_REASONS = ("completed", "withdrew", "unreachable", "referred", "ineligible", "other")
SESSION_TYPES = ("one_on_one", "group_education")


def choice(values, **kwargs) -> ma.fields.String:  # noqa: ANN001
    return ma.fields.String(allow_none=True, validate=validate.OneOf(values), **kwargs)


class HouseholdInputSchema(StrictSchema):
    household_size = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=30))
    gross_monthly_income = Money(allow_none=True, metadata={"description": "Gross monthly income of the household"})
    ami_band = choice(
        BANDS,
        metadata={
            "description": "Computed from size, income and the county's income limits when it can be; a different band "
            "is an override and needs ami_band_override_reason"
        },
    )
    ami_band_override_reason = long_text(allow_none=True)
    ethnicity = choice(ETHNICITIES)
    race = choice(RACES)
    rural = choice(YES_NO)
    limited_english = choice(YES_NO)
    preferred_language = short_text(allow_none=True)
    disability = choice(YES_NO)
    head_of_household = choice(HEADS_OF_HOUSEHOLD)
    intake_on = ma.fields.Date(allow_none=True, metadata={"description": "Intake date for the fiscal year"})
    termination_reason = choice(TERMINATION_REASONS)


class HouseholdSchema(HouseholdInputSchema):
    class Meta:
        unknown = ma.EXCLUDE

    case_id = ma.fields.Integer()
    ami_band_computed = ma.fields.String(allow_none=True)
    ami_band_derivation = ma.fields.String(
        allow_none=True, metadata={"description": "How the band was computed, in words"}
    )
    ami_band_source = ma.fields.String(allow_none=True, metadata={"description": "computed, override or entered"})
    updated_at = ma.fields.DateTime(allow_none=True)


class SessionCreateSchema(StrictSchema):
    started_at = ma.fields.DateTime(
        required=True,
        metadata={"description": "On or after 1970-01-01; without an offset: in the organisation's time zone"},
    )
    duration_minutes = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=24 * 60))
    counselor_id = ma.fields.Integer(
        strict=True, validate=validate.Range(min=1, max=ID_MAX), metadata={"description": "Default: the caller"}
    )
    type = ma.fields.String(required=True, validate=validate.OneOf(SESSION_TYPES))
    purpose = ma.fields.String(
        required=True,
        validate=validate.OneOf(tuple(session_purposes())),
        metadata={"description": "A HUD-9902 line: 9f/9g for one-on-one, 8b/8h for group education"},
    )
    hud_billable = ma.fields.Boolean(load_default=False)
    notes = long_text(allow_none=True)


class SessionSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    started_at = ma.fields.DateTime()
    duration_minutes = ma.fields.Integer()
    counselor_id = ma.fields.Integer()
    type = ma.fields.String()
    purpose = ma.fields.String()
    purpose_label = ma.fields.String()
    hud_billable = ma.fields.Boolean()
    notes = ma.fields.String(allow_none=True)
    hud_reportable = ma.fields.Boolean(metadata={"description": "False when the counselor has no HUD counselor ID"})
    not_reportable_reason = ma.fields.String(allow_none=True)
    created_by = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class SessionListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(SessionSchema), required=True)


class OutcomeCreateSchema(StrictSchema):
    code = ma.fields.String(
        required=True,
        validate=validate.OneOf(outcome_codes()),
        metadata={"description": "A HUD-9902 section 10 line, e.g. 10p"},
    )
    achieved_on = ma.fields.Date(required=True)
    note = long_text(allow_none=True)


class OutcomeSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    code = ma.fields.String()
    label = ma.fields.String()
    achieved_on = ma.fields.Date()
    note = ma.fields.String(allow_none=True)
    created_by = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class OutcomeListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(OutcomeSchema), required=True)


class FundingSchema(StrictSchema):
    source = short_text(min_length=1, required=True)
    minutes = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))


class ClosingInputSchema(StrictSchema):
    lsc_problem_code = choice(lsc_problem_codes(), metadata={"description": "LSC CSR problem code, e.g. 67"})
    lsc_closing_code = choice(lsc_closing_codes(), metadata={"description": "LSC CSR closing code, e.g. IB"})
    closed_on = ma.fields.Date(allow_none=True)
    funding = ma.fields.List(
        ma.fields.Nested(FundingSchema),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Time on the case by funding source"},
    )


class ClosingSchema(ClosingInputSchema):
    class Meta:
        unknown = ma.EXCLUDE

    case_id = ma.fields.Integer()


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    role = ma.fields.String()
    org_id = ma.fields.Integer()
    full_name = ma.fields.String(allow_none=True)
    hud_counselor_id = ma.fields.String(allow_none=True)


class IncomeLimitsLoadSchema(StrictSchema):
    fiscal_year = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    csv = ma.fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "HUD's income limits CSV (State_Alpha, County_Name, median<year>, ELI_1..8, l50_1..8, "
            "l80_1..8), as text"
        },
    )


class IncomeLimitsLoadedSchema(ma.Schema):
    fiscal_year = ma.fields.Integer()
    counties = ma.fields.Integer()


class IncomeLimitSchema(ma.Schema):
    fiscal_year = ma.fields.Integer()
    state = ma.fields.String()
    county = ma.fields.String()
    median_income = Money()
    limits = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))


class IncomeLimitListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(IncomeLimitSchema), required=True)


class IncomeLimitQuerySchema(PageQuerySchema):
    fiscal_year = ma.fields.Integer(validate=validate.Range(min=2000, max=2100))
    state = ma.fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$"))


class SuggestionSchema(ma.Schema):
    code = ma.fields.String()
    label = ma.fields.String()
    achieved_on = ma.fields.Date(allow_none=True)
    because = ma.fields.String()
    confirm = ma.fields.String(metadata={"description": "What to confirm before recording it"})


class SuggestionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema), required=True)
