"""RFC 9457 problem documents for every 4xx and 5xx."""

from __future__ import annotations

import logging
from json import JSONDecodeError
from typing import Any

from flask import Response, current_app, json, make_response, request
from sqlalchemy import exc as sqlalchemy_errors
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(HTTPException):
    """An HTTP error we raise ourselves, with an optional field -> messages map."""

    def __init__(self, status: int, detail: str, errors: dict[str, list[str]] | None = None, title: str | None = None):
        super().__init__(description=detail)
        self.code = status
        self.detail = detail
        self.errors = errors
        self.title = title


def validation_error(errors: dict[str, list[str]], detail: str = "The request has invalid fields.") -> Problem:
    return Problem(422, detail, errors=errors)


WHOLE_BODY = "body"  # the key of errors that concern the body as a whole (marshmallow calls it "_schema")


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested {"client": {"email": [...]}} -> {"client.email": [...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            key = WHOLE_BODY if key == "_schema" else key
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                flat.setdefault(name, []).extend(value)
            else:
                flat.update(flatten_messages(value, name))
    elif isinstance(messages, list):
        flat.setdefault(prefix or WHOLE_BODY, []).extend(str(m) for m in messages)
    else:
        flat.setdefault(prefix or WHOLE_BODY, []).append(str(messages))
    return flat


def not_json(error: ValueError) -> Problem:
    """A body that does not parse: say where, in words a client's author can act on."""
    if not isinstance(error, JSONDecodeError):  # a UnicodeDecodeError
        return Problem(400, "The body is not valid JSON: it is not UTF-8 text.", title="Bad Request")
    return Problem(
        400,
        f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno} "
        f"(character {error.pos}).",
        title="Bad Request",
    )


def problem_response(
    status: int,
    title: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    title = getattr(error, "title", None) or error.name
    detail = getattr(error, "detail", None) or error.description or title
    errors = getattr(error, "errors", None)
    # flask-smorest / webargs validation: messages live in error.data["messages"] by location.
    data = getattr(error, "data", None) or {}
    if errors is None and "messages" in data:
        merged: dict[str, list[str]] = {}
        for _location, messages in data["messages"].items():
            merged.update(flatten_messages(messages))
        errors = merged
        detail = "The request has invalid fields: " + ", ".join(sorted(errors)) + "."
    if status == 422 and errors is None:
        errors = {}
    headers = {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="forestall"'
    return problem_response(status, title, str(detail), errors, headers)


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError(description="An unexpected error occurred; it has been logged."))


# The database went away (PostgreSQL restarted or failed over, our connection terminated, a closed port,
# the pool exhausted, SQLite busy beyond its timeout): the request changed nothing (its transaction is
# rolled back), so it is a 503 the client may retry, not a 500. The pool (pool_pre_ping) reconnects by
# itself once the database answers again: no restart needed.
DATABASE_UNAVAILABLE = (
    sqlalchemy_errors.OperationalError,
    sqlalchemy_errors.InterfaceError,
    sqlalchemy_errors.DisconnectionError,
    sqlalchemy_errors.TimeoutError,
)
DATABASE_RETRY_AFTER_SECONDS = 5


RETRY_FLAG = "forestall.retry_read"


def handle_database_unavailable(error: Exception) -> Response:
    log.warning("database unavailable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
    if getattr(error, "connection_invalidated", False):
        request.environ[RETRY_FLAG] = True  # a read on a connection that died: retry_reads_once runs it again
    problem = Problem(
        503, "The database is not answering; nothing was changed. Try again shortly.", title="Service Unavailable"
    )
    # Through the app's HTTP error handler: a problem document for the API, an HTML page for people.
    response = make_response(current_app.handle_http_exception(problem))
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def retry_reads_once(wsgi_app):
    """WSGI middleware: a GET or HEAD whose database connection died under it (PostgreSQL restarted, the
    connection terminated) is run once more on a fresh connection (the pool was invalidated) before the
    client sees a 503. Reads change nothing, so running one twice is safe; writes are never retried."""

    def app(environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return wsgi_app(environ, start_response)
        started: list[tuple] = []
        body = wsgi_app(environ, lambda status, headers, exc_info=None: started.append((status, headers, exc_info)))
        if environ.pop(RETRY_FLAG, False):
            if hasattr(body, "close"):
                body.close()
            log.info(
                "retrying %s %s once after a lost database connection",
                environ["REQUEST_METHOD"],
                environ.get("PATH_INFO"),
            )
            return wsgi_app(environ, start_response)
        start_response(*started[0])
        return body

    return app
