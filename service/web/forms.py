"""From a posted HTML form to the same nested data the JSON API takes, so the same schemas validate it.

Field names are dotted paths ("client.first_name", "loan.unpaid_principal"). A blank field is left out
(as if the JSON omitted it); integers become ints when they look like one (else the schema says
"Not a valid integer."), money may be typed as "$250,000.00".
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import marshmallow as ma

from service.errors import Problem, flatten_messages

TEXT, INTEGER, MONEY, DECIMAL, DATE = "text", "integer", "money", "decimal", "date"
REQUIRED_MESSAGE = "Missing data for required field."


def nested_from_form(form: Mapping[str, str], fields: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, kind in fields.items():
        raw = form.get(name)
        if raw is None:
            continue
        value = raw.strip()
        if value == "":
            continue
        if kind == INTEGER and re.fullmatch(r"-?\d{1,12}", value):
            converted: Any = int(value)
        elif kind == MONEY:
            converted = value.replace("$", "").replace(",", "").strip()
        else:
            converted = value
        target = data
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = converted
    return data


def load(
    schema: ma.Schema, data: dict[str, Any], labels: Mapping[str, str]
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """(validated data, {}) or (None, {field: message}) with messages fit for a person."""
    try:
        return schema.load(data), {}
    except ma.ValidationError as error:
        return None, readable_errors(flatten_messages(error.messages), labels)


def readable_errors(errors: Mapping[str, list[str]], labels: Mapping[str, str]) -> dict[str, str]:
    readable: dict[str, str] = {}
    for name, messages in errors.items():
        label = labels.get(name, name)
        texts = [f"Enter the {label.lower()}." if m == REQUIRED_MESSAGE else m for m in messages]
        readable[name] = " ".join(texts)
    return readable


def problem_errors(problem: Problem, labels: Mapping[str, str]) -> dict[str, str]:
    """A service's 422 (a field named in problem.errors) as form errors; other problems go up as they are."""
    if problem.code != 422 or not problem.errors:
        raise problem
    return readable_errors(problem.errors, labels)
