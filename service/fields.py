"""marshmallow fields and limits shared by every schema."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, TypeVar

import marshmallow as ma
from marshmallow import validate

SHORT = 200  # names, codes and numbers
LONG = 10_000  # free text
ID_MAX = 2_147_483_647  # ids are 32-bit on PostgreSQL; larger ones exist nowhere


NO_NUL = "^[^\\u0000]*$"  # for the OpenAPI document; Text checks it on the way in


class Text(ma.fields.String):
    """A string without NUL characters (PostgreSQL cannot store them; no person types them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not any(hasattr(validator, "regex") for validator in self.validators):
            self.metadata = {"pattern": NO_NUL, **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ma.ValidationError("Must not contain NUL characters.")
        return text


class NoControlCharacters:
    """No control characters, line breaks included. Not a Regexp: `$` in a Python pattern also matches before a
    final newline. Used as it is next to a field's own pattern (a ZIP code, a phone number)."""

    def __call__(self, value: str) -> str:
        if any(ord(ch) < 32 for ch in value):
            raise ma.ValidationError("Must not contain control characters or line breaks.")
        return value


class SingleLine(NoControlCharacters):
    """The same check, for a field with no pattern of its own: `regex` is what the OpenAPI document states."""

    regex = re.compile(r"^[^\x00-\x1f]*$")


single_line = SingleLine()
no_control_characters = NoControlCharacters()


def short_text(min_length: int = 0, **kwargs) -> Text:
    return Text(validate=validate.Length(min=min_length, max=SHORT), **kwargs)


def long_text(**kwargs) -> Text:
    return Text(validate=validate.Length(max=LONG), **kwargs)


class DecimalString(ma.fields.Field):
    """A decimal carried as a JSON string ("600000.00"): exact, never a float."""

    def __init__(self, places: int = 2, max_digits: int = 12, **kwargs):
        self.places = places
        self.max_integer_digits = max_digits - places
        self.pattern = re.compile(rf"^\d{{1,{self.max_integer_digits}}}(\.\d{{1,{places}}})?$")
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault("type", "string")
        metadata.setdefault("pattern", self.pattern.pattern)
        metadata.setdefault("example", "1000.00" if places == 2 else "0.25")
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self.pattern.match(value):
            raise ma.ValidationError(
                f"Must be a non-negative decimal string with at most {self.places} decimal places, e.g. \"1000.00\"."
            )
        try:
            return Decimal(value)
        except InvalidOperation as exc:  # pragma: no cover - the pattern already excludes this
            raise ma.ValidationError("Not a decimal number.") from exc

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return f"{Decimal(value):.{self.places}f}"


class Money(DecimalString):
    def __init__(self, **kwargs):
        super().__init__(places=2, max_digits=12, **kwargs)


FieldT = TypeVar("FieldT", bound=ma.fields.Field)


def computed(field: FieldT, getter: Callable[[Any], Any]) -> FieldT:
    """`field`, documented as itself, whose value `getter` takes from the whole object being dumped (a
    case's client is its first borrower; a deadline's computed_from is two of its columns)."""

    def get_value(obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return getter(obj)

    field.get_value = get_value  # type: ignore[method-assign]
    return field


def constant(field: FieldT, value: Any) -> FieldT:
    """`field` whose value is always `value` (a disclaimer on every document)."""
    return computed(field, lambda _obj: value)


def python_dump(schema: ma.Schema, obj: Any) -> Any:
    """The schema's document of `obj` (or of each, for many=True) with Python values (dates, Decimals)
    where the API's dump has JSON text: for the reports and pages, which format values themselves. The same
    fields, names and sources as the API's, from the same declarations."""
    if schema.many:
        return [python_dump(schema.__class__(only=schema.only, exclude=schema.exclude), item) for item in obj]
    document = {}
    for name, field in schema.dump_fields.items():
        value = field.get_value(obj, field.attribute or name, accessor=schema.get_attribute)
        if value is ma.missing:
            continue
        document[field.data_key or name] = _python_value(field, value)
    return document


def _python_value(field: ma.fields.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, ma.fields.Nested):
        return python_dump(field.schema, value)
    if isinstance(field, ma.fields.List):
        return [_python_value(field.inner, item) for item in value]
    return value


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class PageQuerySchema(StrictSchema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1), metadata={"description": "1-based page"})
    per_page = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PageSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
