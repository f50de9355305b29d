"""The OpenAPI document as generated clients read it: stable operation ids and one named schema per enum.

flask-smorest and apispec write the document from the schemas and views; this module only finishes it:
- every operation gets a stable `operationId` derived from its view (`list_cases`, `get_case`, ...);
- every enum is one named component (`ForeclosureProcess`), referenced wherever it is used, and a
  nullable one is `anyOf: [{$ref}, {type: null}]` (OpenAPI 3.1), so a generator makes one class per enum
  instead of one per schema and per nullability;
- enum values that are not identifiers (`-due_on`) get names through `x-enum-varnames`
  (`DUE_ON_DESCENDING`), which generators use for the members;
- 201 and 202 answers document their `Location` header.
Pure functions over the document's dict: no Flask here."""

from __future__ import annotations

import copy
import re
from typing import Any

VERBS = {"get": "get", "post": "create", "put": "set", "patch": "update", "delete": "delete"}

# Views whose derived name would read badly; everything else follows operation_id's rule.
OPERATION_ID_OVERRIDES = {
    ("Me", "get"): "get_me",
    ("Caseload", "get"): "list_caseload_deadlines",
    ("CaseHistory", "get"): "get_case_history",
    ("CaseEvents", "post"): "add_event",
    ("CaseDeadlines", "post"): "add_deadline",
    ("CaseCommunications", "post"): "log_communication",
    ("CommunicationAttachments", "post"): "attach_file",
    ("AttachmentFile", "get"): "download_attachment",
    ("ServicerCompliance", "get"): "get_servicer_compliance",
    ("CaseDeficiency", "get"): "get_case_deficiency",
    ("CaseHousehold", "get"): "get_case_household",
    ("CaseHousehold", "put"): "set_case_household",
    ("CaseClosing", "get"): "get_legal_aid_closing",
    ("CaseClosing", "put"): "set_legal_aid_closing",
    ("CaseOutcomeSuggestions", "get"): "list_outcome_suggestions",
    ("CaseCalendar", "get"): "get_case_calendar",
    ("CalendarFeed", "get"): "get_calendar_feed",
    ("MyCalendarToken", "post"): "create_calendar_token",
    ("MyCalendarToken", "delete"): "revoke_calendar_token",
    ("MyPreferences", "get"): "get_my_notification_preferences",
    ("MyPreferences", "put"): "set_my_notification_preferences",
    ("OrganisationPreferences", "get"): "get_organisation_notification_preferences",
    ("OrganisationPreferences", "put"): "set_organisation_notification_preferences",
    ("ImportCommit", "post"): "commit_import",
    ("ImportFailedRows", "get"): "get_import_failed_rows",
    ("CasesExport", "get"): "export_cases",
    ("IntakeSettings", "get"): "get_intake_settings",
    ("IntakeSettings", "put"): "set_intake_settings",
    ("Hud9902", "get"): "get_hud_9902",
    ("LscCsr", "get"): "get_lsc_csr",
    ("HudClientData", "get"): "get_hud_client_data",
    ("ReportPdf", "get"): "download_report_pdf",
    ("OrgReports", "post"): "create_organisation_report",
    ("WaiverOffers", "post"): "add_waiver_offer",
    ("UserSessions", "delete"): "end_user_sessions",
    ("Health", "get"): "get_health",
    ("Ready", "get"): "get_readiness",
    ("Stages", "get"): "list_stages",
    ("CaseStages", "get"): "list_case_stages",
}

_IRREGULAR_SINGULARS = {
    "parties": "party",
    "aliases": "alias",
    "servicer_aliases": "servicer_alias",
    "limits": "limit",
    "income_limits": "income_limit",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _singular(noun: str) -> str:
    if noun in _IRREGULAR_SINGULARS:
        return _IRREGULAR_SINGULARS[noun]
    for plural, singular in _IRREGULAR_SINGULARS.items():
        if noun.endswith("_" + plural):
            return noun[: -len(plural)] + singular
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def operation_id(view_name: str, method: str) -> str:
    """`Cases.get` -> list_cases, `Cases.post` -> create_case, `CaseItem.patch` -> update_case,
    `CaseParties.get` -> list_case_parties; a few views read better by hand (OPERATION_ID_OVERRIDES)."""
    method = method.lower()
    if (view_name, method) in OPERATION_ID_OVERRIDES:
        return OPERATION_ID_OVERRIDES[(view_name, method)]
    noun = _snake(view_name)
    if noun.endswith("_item"):
        return f"{VERBS[method]}_{noun[: -len('_item')]}"
    plural = noun.endswith("s") and not noun.endswith("ss")
    if method == "get":
        return f"list_{noun}" if plural else f"get_{noun}"
    if method == "post" and plural:
        return f"create_{_singular(noun)}"
    return f"{VERBS[method]}_{noun}"


def _enum_name(name: str) -> str:
    """foreclosure_process -> ForeclosureProcess; a schema's name (CaseCreate) stays as it is."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", name) if part)


def _varname(value: Any) -> str:
    text = str(value)
    descending = text.startswith("-")
    name = re.sub(r"\W+", "_", text.lstrip("-")).strip("_").upper() or "EMPTY"
    if name[0].isdigit():
        name = "VALUE_" + name
    return name + ("_DESCENDING" if descending else "")


class _Enums:
    """Named enum components, one per distinct (name, values); a clash of names gets the owner's prefix."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas
        self.by_values: dict[tuple[str, tuple[Any, ...]], str] = {}

    def reference(self, owner: str, property_name: str, definition: dict[str, Any]) -> dict[str, Any]:
        values = tuple(v for v in definition["enum"] if v is not None)
        nullable = None in definition["enum"] or (
            isinstance(definition.get("type"), list) and "null" in definition["type"]
        )
        base_type = definition.get("type")
        if isinstance(base_type, list):
            base_type = next((t for t in base_type if t != "null"), "string")
        name = _enum_name(property_name)
        key = (name, values)
        if key not in self.by_values:
            if name in self.schemas or name in self.by_values.values():
                name = _enum_name(owner) + name
            component: dict[str, Any] = {"type": base_type or "string", "enum": list(values)}
            if any(not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(v)) for v in values):
                component["x-enum-varnames"] = [_varname(v) for v in values]
            self.schemas[name] = component
            self.by_values[key] = name
        reference = {"$ref": f"#/components/schemas/{self.by_values[key]}"}
        extras = {k: v for k, v in definition.items() if k in ("description", "default", "title")}
        if nullable:
            return {"anyOf": [reference, {"type": "null"}], **extras}
        return {**reference, **extras} if extras else reference


def _hoist(owner: str, name: str, definition: Any, enums: _Enums) -> Any:
    if isinstance(definition, dict):
        if "enum" in definition and definition.get("type") not in ("boolean", ["boolean", "null"]):
            return enums.reference(owner, name, definition)
        if isinstance(definition.get("items"), dict):
            definition["items"] = _hoist(owner, name, definition["items"], enums)
        for key in ("properties",):
            if isinstance(definition.get(key), dict):
                for child, child_definition in definition[key].items():
                    definition[key][child] = _hoist(owner, child, child_definition, enums)
    return definition


def finish(document: dict[str, Any], server_url: str) -> dict[str, Any]:
    """A copy of flask-smorest's document with named enums, Location headers and a server."""
    document = copy.deepcopy(document)
    document["servers"] = [{"url": server_url, "description": "This Forestall"}]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    enums = _Enums(schemas)
    for schema_name in list(schemas):
        schemas[schema_name] = _hoist(schema_name, schema_name, schemas[schema_name], enums)
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                if isinstance(parameter.get("schema"), dict):
                    parameter["schema"] = _hoist(
                        operation.get("operationId", method), parameter["name"], parameter["schema"], enums
                    )
            for status in ("201", "202"):
                response = operation["responses"].get(status)
                if isinstance(response, dict):
                    response.setdefault("headers", {}).setdefault(
                        "Location", {"description": "The new resource's path", "schema": {"type": "string"}}
                    )
    return document
