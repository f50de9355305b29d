"""The jurisdiction rules, as reviewed data with their citations, sources and dates checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from service import disclaimers
from service.errors import Problem
from service.http import Blueprint, caller, documents_errors
from service.rulebook import local_today, rules
from service.rules.maintenance import MAX_AGE_DAYS, stale_items

blp = Blueprint(
    "jurisdictions",
    __name__,
    url_prefix="/api/v1",
    description="Foreclosure rules of the 50 states and DC, each with citation, source and date checked",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


RESEARCH_NOTES = "notes"  # how a reviewer read a source: for reviewers of the rules files, not for users


def public_rules(raw: Any) -> Any:
    """The rules as users see them: each rule, its citation, source, date checked, confidence and unknowns,
    without the reviewers' research notes (kept in the rules files) and without repeating code and name."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != RESEARCH_NOTES}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {k: v for k, v in strip(raw).items() if k not in ("code", "name")}


def verify_manually(raw: Any, path: str = "") -> list[str]:
    """Paths of the items a user must check by hand: unknown rules and unverified sources."""
    found: list[str] = []
    if isinstance(raw, dict):
        if raw.get("status") == "unknown" or raw.get("confidence") == "unverified":
            found.append(path or ".")
        for key, value in raw.items():
            found += verify_manually(value, f"{path}.{key}" if path else str(key))
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            found += verify_manually(value, f"{path}[{i}]")
    return found


def summary(j) -> dict[str, Any]:
    return {
        "code": j.code,
        "name": j.name,
        "usual_process": j.foreclosure_process.usual,
        "processes": list(j.foreclosure_process.available),
        "deficiency": j.deficiency.general.status,
        "redemption": j.redemption.status,
        "verify_manually": len(verify_manually(_plain(dict(j.raw)))),
    }


class JurisdictionSummarySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    usual_process = ma.fields.String()
    processes = ma.fields.List(ma.fields.String())
    deficiency = ma.fields.String(metadata={"description": "allowed, barred or unknown (before conditions)"})
    redemption = ma.fields.String(metadata={"description": "has_period, none or unknown"})
    verify_manually = ma.fields.Integer(metadata={"description": "How many items must be verified by hand"})


class StaleItemSchema(ma.Schema):
    path = ma.fields.String(metadata={"description": "Where the item is in the rules file"})
    checked_on = ma.fields.String(metadata={"format": "date"})
    days_old = ma.fields.Integer()


class JurisdictionSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    rules = ma.fields.Dict(
        metadata={
            "description": "The reviewed rules: each with its citation, source, date checked, "
            "confidence, and status unknown where it is not known"
        }
    )
    verify_manually = ma.fields.List(ma.fields.String(), metadata={"description": "Unknown or unverified items"})
    stale = ma.fields.List(
        ma.fields.Nested(StaleItemSchema),
        metadata={"description": f"Items last checked more than {MAX_AGE_DAYS} days ago: due for review, oldest first"},
    )
    disclaimer = ma.fields.String()


@blp.route("/jurisdictions")
class Jurisdictions(MethodView):
    @blp.response(200, JurisdictionSummarySchema(many=True))
    @documents_errors(blp, 401)
    def get(self):
        """The 50 states and DC, with the outline of their rules"""
        book = rules()
        return [summary(book.jurisdictions[code]) for code in sorted(book.jurisdictions)]


@blp.route("/jurisdictions/<string(length=2):code>")
class JurisdictionItem(MethodView):
    @blp.response(200, JurisdictionSchema)
    @documents_errors(blp, 401, 404)
    def get(self, code):
        """One jurisdiction's rules, with citations, sources and the date each was checked"""
        j = rules().jurisdiction(code)
        if j is None:
            raise Problem(404, f"No jurisdiction {code!r}: use a USPS code of a state or DC.")
        raw = public_rules(_plain(dict(j.raw)))
        return {
            "code": j.code,
            "name": j.name,
            "rules": raw,
            "verify_manually": verify_manually(raw),
            "stale": stale_items(raw, local_today(caller().timezone)),
            "disclaimer": disclaimers.JURISDICTION_RULES,
        }
