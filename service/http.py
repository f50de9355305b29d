"""Per-request helpers shared by every API module: the session, the caller, object loading."""

from __future__ import annotations

import functools
import json
import http as http_status
from typing import Any, Callable

import marshmallow as ma
from flask import current_app, g, request
import flask_smorest
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from service.auth import Caller, require
from service.cases.service import get_case, read_case
from service.config import Settings
from service.errors import PROBLEM_JSON, Problem, handle_http_exception, not_json, problem_response
from service.fields import ID_MAX
from service import permissions
from service.openapi import finish, operation_id
from service.permissions import can_edit_case, can_write


class IdConverter(IntegerConverter):
    """<id:case_id>: a positive 32-bit integer; anything else matches no route (404)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=ID_MAX)


class StrictParser(FlaskParser):
    """Unknown query parameters are rejected like unknown body fields (webargs ignores them by default)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):  # webargs' hook for a body that does not parse
        raise not_json(error)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def add_url_rule(
        self,
        rule,
        endpoint=None,
        view_func=None,
        provide_automatic_options=None,
        *,
        parameters=None,
        tags=None,
        **options,
    ):
        """Also name each operation (operationId) after its view, unless @blp.doc names it."""
        super().add_url_rule(
            rule, endpoint, view_func, provide_automatic_options, parameters=parameters, tags=tags, **options
        )
        for method, doc in self._docs[endpoint or view_func.__name__].items():
            if method != "parameters":
                doc.setdefault("manual_doc", {}).setdefault("operationId", operation_id(view_func.__name__, method))


class ProblemSchema(ma.Schema):
    type = ma.fields.String()
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))


class ForestallApi(Api):
    """flask-smorest's Api, with every error documented and answered as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):  # flask-smorest's signature
        return handle_http_exception(error)

    def _openapi_json(self):  # flask-smorest's view of /openapi.json
        document = finish(self.spec.to_dict(), current_app.config["FORESTALL"].base_url)
        return current_app.response_class(json.dumps(document, indent=2), mimetype="application/json")

    def _register_responses(self):
        for status in http_status.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def db() -> Session:
    return g.db


def read_connection() -> Connection:
    """The request's connection in a view marked @read_only (it has no ORM session: db() is not set)."""
    return g.read_connection


def caller() -> Caller:
    return g.caller


def settings() -> Settings:
    """The settings create_app was given (built once per process)."""
    return current_app.config["FORESTALL"]


def documents_errors(blp: Blueprint, *codes: int) -> Callable:
    """Document the error answers a route can give (schemathesis checks them)."""

    def decorator(func: Callable) -> Callable:
        for code in codes:
            func = blp.alt_response(
                code,
                schema=ProblemSchema,
                content_type=PROBLEM_JSON,
                description=_ERROR_DESCRIPTIONS.get(code, "Error"),
            )(func)
        return func

    return decorator


def documented_body(description: str, media_type: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    """For @blp.doc(responses=...): the media type and shape of an answer a view builds itself
    (a calendar file, a PDF, a bare JSON array), so generated clients know what they get."""
    return {status: {"description": description, "content": {media_type: {"schema": schema}}}}


ETAG_HEADER = {"ETag": {"description": 'The version to send back in If-Match (e.g. "3")', "schema": {"type": "string"}}}


_ERROR_DESCRIPTIONS = {
    400: "Malformed request",
    401: "No token, or a bad one",
    403: "The role may not do this",
    404: "Not found (or another organisation's)",
    409: "Conflict",
    412: "If-Match is stale",
    413: "Body too large",
    415: "Content-Type must be application/json",
    422: "Invalid fields",
    428: "If-Match is required",
    429: "Too many requests (see Retry-After)",
    500: "A server-side failure (e.g. a stored file that failed its integrity check)",
}

IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The case's current version, from its ETag (e.g. \"3\").",
    "schema": {"type": "string"},
}


ANY_VERSION = "*"


def parse_if_match(required: bool) -> str | set[int] | None:
    """None (no header), "*" (any current version, RFC 9110 13.1.1) or the versions listed."""
    raw = request.headers.get("If-Match")
    if raw is None:
        if required:
            raise Problem(428, "This change needs an If-Match header with the object's current version (its ETag).")
        return None
    if raw.strip() == ANY_VERSION:
        return ANY_VERSION
    versions = set()
    for tag in raw.split(","):
        value = tag.strip()
        if value.startswith("W/"):
            value = value[2:]
        try:
            versions.add(int(value.strip('"')))
        except ValueError:
            raise Problem(412, f"If-Match {raw!r} does not match the current version.") from None
    return versions


def check_version(current: int, required: bool) -> None:
    """The object exists (its loader found it), so "*" matches; a list matches when it names `current`."""
    wanted = parse_if_match(required)
    if wanted is None or wanted == ANY_VERSION:
        return
    if current not in wanted:
        listed = ", ".join(str(v) for v in sorted(wanted))
        raise Problem(412, f"The object has changed (version {current}, If-Match {listed}); reload it and try again.")


_READ_ONLY = "forestall_read_only"


def read_only(func: Callable) -> Callable:
    """Mark a GET view that only reads (outermost decorator): its request has no ORM session (db() is not
    set), only a connection (read_connection()) without a transaction (no BEGIN, no ROLLBACK round trip)
    that the database keeps read-only (see service.db.get_read_engine), so a write made by mistake fails
    instead of committing on its own. Each statement then sees its own snapshot: for views whose answer
    is one statement, or whose statements need not agree with each other."""
    setattr(func, _READ_ONLY, True)
    return func


def is_read_only(func: Callable | None) -> bool:
    return bool(getattr(func, _READ_ONLY, False))


def writes(func: Callable) -> Callable:
    """A collection write (no object to look up first): the role check only."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require(caller(), can_write(caller()))
        return func(*args, **kwargs)

    return wrapper


def requires(predicate: Callable[[Caller], bool], what: str) -> Callable:
    """permissions.require as a decorator: the role check before the body is read (after the 404 of
    with_object, as everywhere); `what` completes "may not ..." in the 403."""

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            permissions.require(caller(), predicate, what)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def _may_write(who: Caller, _obj: Any) -> bool:
    return can_write(who)


def with_object(
    loader: Callable,
    param: str,
    name: str,
    *,
    write: bool = False,
    if_match: bool | None = None,
    may_write: Callable[[Caller, Any], bool] = _may_write,
) -> Callable:
    """Load the object named by the URL parameter `param` (404 for another organisation's, first), then
    check the role, then If-Match, and only then let the body be parsed: the contract's order of checks.

    loader(session, org_id, id) -> object or Problem(404). may_write(caller, object): the predicate of
    service/permissions.py a write needs. if_match: True = required (428 when missing), False = checked
    when given, None = not used."""

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            obj = loader(db(), caller().org_id, kwargs.pop(param))
            if write:
                require(caller(), may_write(caller(), obj))
            if if_match is not None:
                check_version(obj.version, required=if_match)
            kwargs[name] = obj
            return func(*args, **kwargs)

        return wrapper

    return decorator


def with_case(write: bool = False, if_match: bool | None = None, include_deleted: bool = False) -> Callable:
    """Resolve <case_id> to the caller's case (404 first), then role, then If-Match (see with_object)."""

    def load(session: Session, org_id: int, case_id: int) -> Any:
        return get_case(session, org_id, case_id, include_deleted=include_deleted)

    return with_object(load, "case_id", "case", write=write, if_match=if_match, may_write=can_edit_case)


def showing_case() -> Callable:
    """Resolve <case_id> to the caller's case (404 first) for a @read_only view that only shows it: the
    case as plain attributes, not an ORM object (service.cases.service.read_case), on read_connection()."""

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs["case"] = read_case(read_connection(), caller().org_id, kwargs.pop("case_id"))
            return func(*args, **kwargs)

        return wrapper

    return decorator


def page(items: list, total: int, args: dict) -> dict:
    """A list answer: one page of items, the total, and the page asked for."""
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


def etag(version: int) -> str:
    return f'"{version}"'


__all__ = [
    "read_only",
    "is_read_only",
    "ID_MAX",
    "IdConverter",
    "Blueprint",
    "ForestallApi",
    "ProblemSchema",
    "db",
    "read_connection",
    "caller",
    "settings",
    "documents_errors",
    "check_version",
    "writes",
    "etag",
    "page",
    "with_case",
    "showing_case",
    "with_object",
    "IF_MATCH_PARAMETER",
    "problem_response",
]
