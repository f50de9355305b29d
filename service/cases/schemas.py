"""The case resource as the API shows and accepts it."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import validate

from service.cases.display import effective_process, mask_loan_number
from service.clock.rules import JURISDICTION_CODES
from service.fields import (
    DecimalString,
    Money,
    PageQuerySchema,
    PageSchema,
    StrictSchema,
    computed,
    long_text,
    short_text,
)
from service.fields import ID_MAX, no_control_characters

STATE_CODES = tuple(sorted(JURISDICTION_CODES))  # the 50 states and DC

OCCUPANCIES = ("primary_residence", "second_home", "investment", "vacant")
INVESTORS = ("fannie_mae", "freddie_mac", "fha", "va", "usda", "private", "portfolio")
PURPOSES = ("purchase", "refinance", "home_equity", "reverse")
PROCESSES = ("judicial", "nonjudicial")
STAGES = (
    "intake",
    "delinquent",
    "pre_foreclosure",
    "loss_mitigation",
    "foreclosure_filed",
    "sale_scheduled",
    "sale_held",
    "redemption",
    "post_sale",
    "closed",
)
OUTCOMES = ("reinstated", "modified", "short_sale", "deed_in_lieu", "foreclosed", "dismissed", "other")
SORTS = (
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "client_last_name",
    "-client_last_name",
    "state",
    "-state",
    "stage",
    "-stage",
)

ZIP = [validate.Regexp(r"^\d{5}(-\d{4})?$", error="Must be a US ZIP code: 12345 or 12345-6789."), no_control_characters]
PHONE = validate.Regexp(
    r"^[0-9+().\-\s]{7,25}(\s*(x|ext\.?)\s*\d{1,6})?$",
    error="Must be a phone number (digits, spaces, + ( ) . -, optional extension).",
)


class PersonSchema(StrictSchema):
    first_name = short_text(min_length=1, required=True)
    last_name = short_text(min_length=1, required=True)
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = ma.fields.String(allow_none=True, validate=[validate.Length(max=40), PHONE, no_control_characters])
    preferred_language = short_text(allow_none=True)


class PropertySchema(StrictSchema):
    street = short_text(allow_none=True)
    city = short_text(allow_none=True)
    state = ma.fields.String(
        required=True, validate=validate.OneOf(STATE_CODES, error="Must be a USPS code of a state or DC, e.g. IL.")
    )
    zip = ma.fields.String(allow_none=True, validate=ZIP)
    county = short_text(allow_none=True)
    occupancy = ma.fields.String(allow_none=True, validate=validate.OneOf(OCCUPANCIES))
    dwelling_units = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=10_000))
    acreage = DecimalString(places=3, max_digits=10, allow_none=True)
    homestead_claimed = ma.fields.Boolean(
        allow_none=True,
        metadata={"description": "Whether a homestead exemption was claimed (some redemption periods depend on it)."},
    )
    agricultural_use = ma.fields.Boolean(
        allow_none=True, metadata={"description": "Whether the property is used for agricultural purposes."}
    )


class LoanSchema(StrictSchema):
    servicer = short_text(allow_none=True)
    investor = ma.fields.String(allow_none=True, validate=validate.OneOf(INVESTORS))
    loan_number = short_text(allow_none=True)
    purpose = ma.fields.String(allow_none=True, validate=validate.OneOf(PURPOSES))
    lien_position = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=10))
    unpaid_principal = Money(allow_none=True)
    accrued_interest = Money(allow_none=True)
    fees_and_costs = Money(allow_none=True)
    credits = Money(allow_none=True)
    original_principal = Money(allow_none=True)
    amount_claimed_at_sale = Money(
        allow_none=True, metadata={"description": "The amount claimed in the notice of sale."}
    )
    executed_on = ma.fields.Date(
        allow_none=True,
        validate=validate.Range(
            min=date(1900, 1, 1), max=date(2100, 12, 31), error="Must be a date between 1900 and 2100."
        ),
        metadata={"description": "The date the mortgage was executed."},
    )
    deficiency_waived_by_lender = ma.fields.Boolean(allow_none=True)


class CaseCreateSchema(StrictSchema):
    client = ma.fields.Nested(PersonSchema, required=True)
    co_borrowers = ma.fields.List(ma.fields.Nested(PersonSchema), load_default=list, validate=validate.Length(max=20))
    property = ma.fields.Nested(PropertySchema, required=True)
    loan = ma.fields.Nested(LoanSchema, load_default=dict)
    foreclosure_process = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(PROCESSES),
        metadata={"description": "When omitted, the jurisdiction's usual process."},
    )
    assigned_to = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=ID_MAX),
        metadata={"description": "A user id of your organisation"},
    )
    outcome = ma.fields.String(allow_none=True, validate=validate.OneOf(OUTCOMES))
    notes = long_text(allow_none=True)


class PersonPatchSchema(PersonSchema):
    """A person in a PATCH: every field optional (a distinct name for the OpenAPI document)."""


class PropertyPatchSchema(PropertySchema):
    """A property in a PATCH: every field optional."""


class LoanPatchSchema(LoanSchema):
    """A loan in a PATCH."""


class CasePatchSchema(StrictSchema):
    """Every field optional; nested objects are merged, co_borrowers replaced as a whole."""

    client = ma.fields.Nested(PersonPatchSchema(partial=True))
    co_borrowers = ma.fields.List(ma.fields.Nested(PersonSchema), validate=validate.Length(max=20))
    property = ma.fields.Nested(PropertyPatchSchema(partial=True))
    loan = ma.fields.Nested(LoanPatchSchema(partial=True))
    foreclosure_process = ma.fields.String(allow_none=True, validate=validate.OneOf(PROCESSES))
    assigned_to = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=ID_MAX))
    outcome = ma.fields.String(allow_none=True, validate=validate.OneOf(OUTCOMES))
    notes = long_text(allow_none=True)


class PersonOutSchema(ma.Schema):
    """Dumped from a Borrower row."""

    first_name = ma.fields.String()
    last_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    preferred_language = ma.fields.String(allow_none=True)


class PropertyOutSchema(ma.Schema):
    """Dumped from a Case row: its property_* columns."""

    street = ma.fields.String(allow_none=True, attribute="property_street")
    city = ma.fields.String(allow_none=True, attribute="property_city")
    state = ma.fields.String(attribute="property_state")
    zip = ma.fields.String(allow_none=True, attribute="property_zip")
    county = ma.fields.String(allow_none=True, attribute="property_county")
    occupancy = ma.fields.String(allow_none=True, attribute="property_occupancy")
    dwelling_units = ma.fields.Integer(allow_none=True, attribute="property_dwelling_units")
    acreage = DecimalString(places=3, max_digits=10, allow_none=True, attribute="property_acreage")
    homestead_claimed = ma.fields.Boolean(allow_none=True, attribute="property_homestead_claimed")
    agricultural_use = ma.fields.Boolean(allow_none=True, attribute="property_agricultural_use")


class LoanOutSchema(ma.Schema):
    """Dumped from a Case row: its loan columns."""

    servicer = ma.fields.String(allow_none=True, attribute="loan_servicer")
    investor = ma.fields.String(allow_none=True, attribute="loan_investor")
    loan_number = ma.fields.String(allow_none=True)
    purpose = ma.fields.String(allow_none=True, attribute="loan_purpose")
    lien_position = ma.fields.Integer(allow_none=True, attribute="loan_lien_position")
    unpaid_principal = Money(allow_none=True, attribute="loan_unpaid_principal")
    accrued_interest = Money(allow_none=True, attribute="loan_accrued_interest")
    fees_and_costs = Money(allow_none=True, attribute="loan_fees_and_costs")
    credits = Money(allow_none=True, attribute="loan_credits")
    original_principal = Money(allow_none=True, attribute="loan_original_principal")
    amount_claimed_at_sale = Money(allow_none=True, attribute="loan_amount_claimed_at_sale")
    executed_on = ma.fields.Date(allow_none=True, attribute="loan_executed_on")
    deficiency_waived_by_lender = ma.fields.Boolean(allow_none=True, attribute="loan_deficiency_waived_by_lender")


class MaskedLoanOutSchema(LoanOutSchema):
    """The loan in lists: only the loan number's last four digits."""

    loan_number = computed(ma.fields.String(allow_none=True), lambda case: mask_loan_number(case.loan_number))


def _client(case: Any) -> Any:
    return case.borrowers[0] if case.borrowers else None


class CaseSchema(ma.Schema):
    """A case as the API shows it, dumped from the Case row (and its borrowers)."""

    id = ma.fields.Integer()
    client = computed(ma.fields.Nested(PersonOutSchema, allow_none=True), _client)
    co_borrowers = computed(ma.fields.List(ma.fields.Nested(PersonOutSchema)), lambda case: case.borrowers[1:])
    property = computed(ma.fields.Nested(PropertyOutSchema), lambda case: case)
    loan = computed(ma.fields.Nested(LoanOutSchema), lambda case: case)
    foreclosure_process = ma.fields.String(
        allow_none=True, metadata={"description": "As entered; null: the jurisdiction's usual one"}
    )
    effective_foreclosure_process = computed(ma.fields.String(allow_none=True), effective_process)
    assigned_to = ma.fields.Integer(allow_none=True, attribute="assigned_to_id")
    created_by = ma.fields.Integer(allow_none=True, attribute="created_by_id")
    stage = ma.fields.String(metadata={"description": "Derived from the events; read-only"})
    outcome = computed(ma.fields.String(allow_none=True), lambda case: case.outcome or case.event_outcome)
    notes = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class CaseListItemSchema(CaseSchema):
    """A case in a list: the loan number masked."""

    loan = computed(ma.fields.Nested(MaskedLoanOutSchema), lambda case: case)


class CaseAuditSchema(CaseSchema):
    """The case as the audit log compares it: the same dump, without bookkeeping fields, and the outcome
    as entered (not the one derived from events)."""

    outcome = ma.fields.String(allow_none=True)

    class Meta:
        exclude = ("id", "version", "created_at", "updated_at", "created_by", "effective_foreclosure_process")


class CaseListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(CaseListItemSchema), required=True)


class CaseListQuerySchema(PageQuerySchema):
    stage = ma.fields.String(validate=validate.OneOf(STAGES))
    state = ma.fields.String(validate=validate.OneOf(STATE_CODES))
    assigned_to = ma.fields.Integer(validate=validate.Range(min=1, max=ID_MAX))
    q = ma.fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "Case-insensitive substring of a borrower's name or e-mail, the loan number or the street"
        },
    )
    sort = ma.fields.String(load_default="-updated_at", validate=validate.OneOf(SORTS))


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor = ma.fields.Integer(allow_none=True, attribute="actor_id")
    action = ma.fields.String()
    entity_type = ma.fields.String()
    entity_id = ma.fields.Integer()
    changes = ma.fields.Dict()


class AuditListSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AuditEntrySchema), required=True)
