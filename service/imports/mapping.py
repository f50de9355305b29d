"""From spreadsheet columns to case fields: the mapping, its automatic guess from the headers, and each row
made into the body POST /api/v1/cases would take (plus events and deadlines). Pure: no database.

A mapping is {column header: field}. Fields:
- a case field path: `client.first_name`, `property.state`, `loan.unpaid_principal`, `foreclosure_process`, ...;
- `client.name` (a full name, "First Last" or "Last, First") and `co_borrowers` (full names separated by ";");
- `event:TYPE` (the column holds the event's date) and `event:TYPE.DETAIL` (e.g. `event:sale_held.sale_price`);
- `deadline:TITLE` (the column holds a manual deadline's due date);
- `key`: the column that identifies a row (re-importing it never creates the case twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil import parser as date_parser

from service.clock.kinds import EVENT_TYPES
from service.conflicts.matching import fold
from service.imports.reading import cell_text

PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "preferred_language")
PROPERTY_FIELDS = ("street", "city", "state", "zip", "county", "occupancy", "dwelling_units", "acreage")
LOAN_FIELDS = (
    "servicer",
    "investor",
    "loan_number",
    "purpose",
    "lien_position",
    "unpaid_principal",
    "accrued_interest",
    "fees_and_costs",
    "credits",
)
TOP_FIELDS = ("foreclosure_process", "outcome", "notes")
CHOICE_FIELDS = {"property.occupancy", "loan.investor", "loan.purpose", "foreclosure_process", "outcome"}
INTEGER_FIELDS = {"property.dwelling_units", "loan.lien_position"}
MONEY_FIELDS = {f"loan.{n}" for n in ("unpaid_principal", "accrued_interest", "fees_and_costs", "credits")}
EVENT_MONEY_DETAILS = {"sale_price", "fair_market_value", "amount"}

FIELDS: tuple[str, ...] = (
    "key",
    "client.name",
    *(f"client.{n}" for n in PERSON_FIELDS),
    "co_borrowers",
    *(f"property.{n}" for n in PROPERTY_FIELDS),
    *(f"loan.{n}" for n in LOAN_FIELDS),
    *TOP_FIELDS,
)

# The columns of the CSV export, in order; the automatic guess reads each back to its field.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Case ID", "key"),
    ("First Name", "client.first_name"),
    ("Last Name", "client.last_name"),
    ("Email", "client.email"),
    ("Phone", "client.phone"),
    ("Preferred Language", "client.preferred_language"),
    ("Co-borrowers", "co_borrowers"),
    ("Street", "property.street"),
    ("City", "property.city"),
    ("State", "property.state"),
    ("ZIP", "property.zip"),
    ("County", "property.county"),
    ("Occupancy", "property.occupancy"),
    ("Dwelling Units", "property.dwelling_units"),
    ("Acreage", "property.acreage"),
    ("Servicer", "loan.servicer"),
    ("Investor", "loan.investor"),
    ("Loan Number", "loan.loan_number"),
    ("Loan Purpose", "loan.purpose"),
    ("Lien Position", "loan.lien_position"),
    ("Unpaid Principal", "loan.unpaid_principal"),
    ("Accrued Interest", "loan.accrued_interest"),
    ("Fees and Costs", "loan.fees_and_costs"),
    ("Credits", "loan.credits"),
    ("Foreclosure Process", "foreclosure_process"),
    ("Outcome", "outcome"),
    ("Notes", "notes"),
)

# Headers people use, folded (lower case, no punctuation), to fields; event columns are added below.
HEADER_SYNONYMS: dict[str, str] = {
    **{fold(header): name for header, name in EXPORT_COLUMNS},
    "id": "key",
    "case number": "key",
    "case no": "key",
    "file number": "key",
    "file no": "key",
    "matter id": "key",
    "borrower name": "client.name",
    "client name": "client.name",
    "borrower": "client.name",
    "client": "client.name",
    "homeowner": "client.name",
    "homeowner name": "client.name",
    "name": "client.name",
    "full name": "client.name",
    "borrower first name": "client.first_name",
    "client first name": "client.first_name",
    "first": "client.first_name",
    "borrower last name": "client.last_name",
    "client last name": "client.last_name",
    "surname": "client.last_name",
    "last": "client.last_name",
    "e mail": "client.email",
    "email address": "client.email",
    "borrower email": "client.email",
    "client email": "client.email",
    "telephone": "client.phone",
    "phone number": "client.phone",
    "cell": "client.phone",
    "mobile": "client.phone",
    "borrower phone": "client.phone",
    "language": "client.preferred_language",
    "co borrower": "co_borrowers",
    "co borrower name": "co_borrowers",
    "co borrowers": "co_borrowers",
    "address": "property.street",
    "property address": "property.street",
    "street address": "property.street",
    "zip code": "property.zip",
    "zipcode": "property.zip",
    "postal code": "property.zip",
    "units": "property.dwelling_units",
    "loan servicer": "loan.servicer",
    "servicer name": "loan.servicer",
    "lender": "loan.servicer",
    "loan no": "loan.loan_number",
    "loan": "loan.loan_number",
    "account number": "loan.loan_number",
    "upb": "loan.unpaid_principal",
    "unpaid principal balance": "loan.unpaid_principal",
    "principal balance": "loan.unpaid_principal",
    "balance": "loan.unpaid_principal",
    "investor type": "loan.investor",
    "loan type": "loan.investor",
    "process": "foreclosure_process",
    "foreclosure type": "foreclosure_process",
    "comments": "notes",
    "sale date": "event:sale_scheduled",
    "scheduled sale date": "event:sale_scheduled",
    "auction date": "event:sale_scheduled",
    "date of default": "event:first_missed_payment",
    "default date": "event:first_missed_payment",
    "first missed payment date": "event:first_missed_payment",
    "filing date": "event:complaint_filed",
    "date filed": "event:complaint_filed",
    "service date": "event:complaint_served",
    "date served": "event:complaint_served",
    "nod recorded": "event:notice_of_default_recorded",
    "sale price": "event:sale_held.sale_price",
}
for _type in EVENT_TYPES:
    HEADER_SYNONYMS.setdefault(fold(_type.replace("_", " ")), f"event:{_type}")
    HEADER_SYNONYMS.setdefault(fold(_type.replace("_", " ")) + " date", f"event:{_type}")


def event_column(event_type: str) -> str:
    """The export's header for an event type: "Complaint Served"."""
    return event_type.replace("_", " ").title().replace("Mit ", "Mit. ").replace("Mit. ", "Mit ")


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """A sensible first mapping from the headers ("Borrower Name", "Sale Date", "Servicer"); each field once."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        name = HEADER_SYNONYMS.get(fold(header))
        if name and name not in used:
            mapping[header] = name
            used.add(name)
    if "client.name" in used and {"client.first_name", "client.last_name"} & used:
        mapping = {h: f for h, f in mapping.items() if f != "client.name"}
    return mapping


def check_mapping(mapping: Any, headers: list[str]) -> dict[str, list[str]]:
    """Errors by column: a column that is not in the file, a field that does not exist, a field used twice, or
    no client name at all."""
    errors: dict[str, list[str]] = {}
    if not isinstance(mapping, dict) or not mapping:
        return {
            "mapping": ["Must be a JSON object from column names to fields, e.g. {\"Borrower Name\": \"client.name\"}."]
        }
    used: dict[str, str] = {}
    for column, name in mapping.items():
        problems = []
        if column not in headers:
            problems.append(f"The file has no column \"{column}\" (its columns: {', '.join(headers)}).")
        if not isinstance(name, str) or not is_field(name):
            problems.append(
                f"Unknown field {name!r}: use a case field such as client.last_name, event:TYPE, "
                f"event:TYPE.DETAIL, deadline:TITLE or key."
            )
        elif name in used:
            problems.append(f"Field {name} is mapped from \"{used[name]}\" already.")
        else:
            used[name] = column
        if problems:
            errors[f"mapping.{column}"] = problems
    if not errors:
        if "client.name" not in used and not {"client.first_name", "client.last_name"} <= set(used):
            errors["mapping"] = [
                "Map the client's name: one column to client.name, or two to client.first_name and client.last_name."
            ]
        elif "property.state" not in used:
            errors["mapping"] = ["Map the property's state (property.state): deadlines depend on it."]
    return errors


def is_field(name: str) -> bool:
    if name in FIELDS:
        return True
    if name.startswith("event:"):
        event_type, _, detail = name[len("event:") :].partition(".")
        return event_type in EVENT_TYPES and (not detail or re.fullmatch(r"[a-z_]{1,40}", detail) is not None)
    if name.startswith("deadline:"):
        return 0 < len(name) - len("deadline:") <= 200
    return False


# ------------------------------------------------------------------------------------------ values


@dataclass
class ParsedRow:
    number: int  # the row's number in the spreadsheet (the header is row 1)
    key: str
    body: dict[str, Any]  # what POST /api/v1/cases takes
    events: list[dict[str, Any]]  # [{type, occurred_on, details}]
    deadlines: list[dict[str, Any]]  # [{title, due_on}]
    errors: dict[str, list[str]] = field(default_factory=dict)  # by column
    warnings: dict[str, list[str]] = field(default_factory=dict)  # by column (e.g. an ambiguous date)


AMBIGUOUS = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\s*$")
ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def parse_date(value: object, date_order: str) -> tuple[dt.date | None, str | None, str | None]:
    """(date, error, warning). Dates as people type them are read by dateutil; 03/04/2026 follows the
    organisation's date order and is flagged; a date missing its day or year is an error, never guessed."""
    if isinstance(value, dt.datetime):
        return value.date(), None, None
    if isinstance(value, dt.date):
        return value, None, None
    text = cell_text(value)
    if not text:
        return None, None, None
    if ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text.strip()), None, None
        except ValueError:
            return None, f"\"{text}\" is not a date.", None
    day_first = date_order == "day_first"
    try:
        one = date_parser.parse(text, dayfirst=day_first, default=dt.datetime(2001, 1, 1))
        two = date_parser.parse(text, dayfirst=day_first, default=dt.datetime(2002, 2, 2))
    except (ValueError, OverflowError):
        return None, f"\"{text}\" is not a date (e.g. 2026-03-02, 03/02/2026 or March 2, 2026).", None
    if one != two:
        return None, f"\"{text}\" lacks a day, month or year.", None
    parsed = one.date()
    warning = None
    ambiguous = AMBIGUOUS.match(text)
    if ambiguous:
        first, second = int(ambiguous.group(1)), int(ambiguous.group(2))
        if first <= 12 and second <= 12 and first != second:
            order = "day first" if day_first else "month first"
            warning = (
                f"\"{text}\" could be read two ways; read as {parsed.isoformat()} ({order}, the "
                f"organisation's setting). Check it."
            )
        elif (first > 12 and not day_first) or (second > 12 and day_first):
            warning = (
                f"\"{text}\" read as {parsed.isoformat()}: {max(first, second)} cannot be a month, so this "
                f"date is not in the organisation's order. Check the column."
            )
        if len(ambiguous.group(3)) == 2:
            warning = (warning + " " if warning else "") + f"Two-digit year read as {parsed.year}."
    return parsed, None, warning


def parse_money(value: object) -> tuple[str | None, str | None]:
    text = cell_text(value).replace("$", "").replace(",", "").replace(" ", "")
    if not text:
        return None, None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None, f"\"{cell_text(value)}\" is not an amount of money."
    if not amount.is_finite() or amount < 0:
        return None, f"\"{cell_text(value)}\" must be a non-negative amount."
    return f"{amount.quantize(Decimal('0.01'))}", None


def parse_integer(value: object) -> tuple[int | None, str | None]:
    text = cell_text(value)
    if not text:
        return None, None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, f"\"{text}\" is not a whole number."
    if number != number.to_integral_value():
        return None, f"\"{text}\" is not a whole number."
    return int(number), None


def split_full_name(text: str) -> tuple[str, str]:
    """("First", "Last") as typed: "Garcia, José" -> ("José", "Garcia"); "Maria de la Cruz" -> ("Maria", "de la Cruz")."""
    text = " ".join(text.split())
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    first, _, last = text.partition(" ")
    return first, last.strip()


def choice(value: str) -> str:
    """ "Primary Residence" -> "primary_residence", "FHA" -> "fha"."""
    return fold(value).replace(" ", "_")


def row_key(cells: list[object], headers: list[str], mapping: dict[str, str]) -> str:
    key_column = next((column for column, name in mapping.items() if name == "key"), None)
    if key_column is not None:
        value = cell_text(cells[headers.index(key_column)])
        if value:
            return f"id:{value}"[:300]
    canonical = json.dumps([cell_text(c) for c in cells], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def parse_row(
    number: int, cells: list[object], headers: list[str], mapping: dict[str, str], date_order: str
) -> ParsedRow:
    row = ParsedRow(number=number, key=row_key(cells, headers, mapping), body={}, events=[], deadlines=[])
    body: dict[str, Any] = {}
    events: dict[str, dict[str, Any]] = {}
    for column, name in mapping.items():
        value = cells[headers.index(column)]
        text = cell_text(value)

        def error(message: str) -> None:
            row.errors.setdefault(column, []).append(message)

        if name == "key" or (not text and name not in ("client.name",)):
            continue
        if name == "client.name":
            first, last = split_full_name(text)
            if not first or not last:
                error("Give the client's first and last name (\"First Last\" or \"Last, First\").")
                continue
            body.setdefault("client", {}).update(first_name=first, last_name=last)
        elif name == "co_borrowers":
            people = []
            for part in (p.strip() for p in text.split(";") if p.strip()):
                first, last = split_full_name(part)
                if not first or not last:
                    error(f"\"{part}\": give each co-borrower's first and last name, separated by \";\".")
                people.append({"first_name": first, "last_name": last})
            body["co_borrowers"] = people
        elif name.startswith("event:"):
            event_type, _, detail = name[len("event:") :].partition(".")
            event = events.setdefault(event_type, {"type": event_type, "details": {}, "column": None})
            if detail:
                if detail in EVENT_MONEY_DETAILS:
                    amount, problem = parse_money(value)
                    if problem:
                        error(problem)
                    event["details"][detail] = amount
                else:
                    event["details"][detail] = text
            else:
                day, problem, warning = parse_date(value, date_order)
                if problem:
                    error(problem)
                if warning:
                    row.warnings.setdefault(column, []).append(warning)
                event["occurred_on"], event["column"] = day, column
        elif name.startswith("deadline:"):
            day, problem, warning = parse_date(value, date_order)
            if problem:
                error(problem)
            if warning:
                row.warnings.setdefault(column, []).append(warning)
            if day:
                row.deadlines.append({"title": name[len("deadline:") :], "due_on": day, "column": column})
        else:
            section, _, attribute = name.rpartition(".")
            if name in MONEY_FIELDS:
                parsed, problem = parse_money(value)
            elif name in INTEGER_FIELDS:
                parsed, problem = parse_integer(value)
            elif name in CHOICE_FIELDS:
                parsed, problem = choice(text), None
            elif name == "property.state":
                parsed, problem = text.upper(), None
            elif name == "property.acreage":
                parsed, problem = text.replace(",", ""), None
            elif name == "property.zip" and re.fullmatch(r"\d{1,4}", text):
                parsed, problem = text.zfill(5), None  # a spreadsheet dropped the leading zero of 02134
            else:
                parsed, problem = text, None
            if problem:
                error(problem)
                continue
            if section:
                body.setdefault(section, {})[attribute] = parsed
            else:
                body[attribute] = parsed
    if "client" not in body:
        client_columns = [c for c, n in mapping.items() if n.startswith("client.")] or ["client"]
        row.errors.setdefault(client_columns[0], []).append("The client's name is missing.")
    body.setdefault("property", {})
    for event in events.values():
        if event.get("occurred_on") is None:
            if event["details"] and event["column"] is None:
                column = next(c for c, n in mapping.items() if n.startswith(f"event:{event['type']}."))
                row.errors.setdefault(column, []).append(f"A {event['type']} detail without the event's date column.")
            continue
        row.events.append(
            {
                "type": event["type"],
                "occurred_on": event["occurred_on"],
                "details": {k: v for k, v in event["details"].items() if v not in (None, "")},
                "column": event["column"],
            }
        )
    row.body = body
    return row


def column_for(error_field: str, mapping: dict[str, str]) -> str | None:
    """The column a validation error's field came from ("client.first_name" -> "Borrower Name")."""
    reverse = {name: column for column, name in mapping.items()}
    if error_field in reverse:
        return reverse[error_field]
    if error_field.startswith("client.") and "client.name" in reverse:
        return reverse["client.name"]
    if error_field.startswith("co_borrowers") and "co_borrowers" in reverse:
        return reverse["co_borrowers"]
    return None
