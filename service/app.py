"""create_app(): configuration, one database session per request, authentication, errors, blueprints."""

from __future__ import annotations

import importlib
import pkgutil

import swagger_ui_bundle
from flask import Flask, Response, g, request, send_from_directory
from werkzeug.exceptions import HTTPException

import service

from service.auth import authenticate, authenticate_reader
from service.config import Settings, load_settings, prepare_directories
from service.db import get_read_engine, session_factory, set_no_org_for_connection
from service.errors import (
    DATABASE_UNAVAILABLE,
    Problem,
    handle_database_unavailable,
    handle_http_exception,
    handle_unexpected,
    retry_reads_once,
)
from service.rulebook import rules
from service.http import ID_MAX, ForestallApi, IdConverter, is_read_only
from service import limits
from service.wiring import connect_signals
from service.web import init_web

MAX_JSON_BYTES = 1024 * 1024  # contract: a JSON body over 1 MB answers 413
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # attachments: at most 20 MB
API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    prepare_directories(settings)
    rules()  # validate every rules file now: a malformed one stops start-up, naming the file and field
    connect_signals(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        FORESTALL=settings,
        # A little above the upload limit so the attachment view can answer 413 itself, with a clear message.
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES + 1024 * 1024,
        API_TITLE="Forestall",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/",  # the assets come from the swagger-ui-bundle package, no CDN
        API_SPEC_OPTIONS={
            "info": {
                "description": "Case management for foreclosure defense. Not legal advice: every rule "
                "shows its citation and source; verify before relying on it."
            },
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    app.json.sort_keys = False
    make_session = session_factory(settings.database_url)
    read_engine = get_read_engine(settings.database_url)

    @app.before_request
    def open_session_and_authenticate():
        if _reads_only(app):
            # A view marked @read_only: one connection of the read pool, no ORM session, no transaction.
            g.read_connection = read_engine.connect()
            if request.path.startswith(API_PREFIX + "/"):
                g.caller = authenticate_reader(g.read_connection, request.headers.get("Authorization"))
            else:  # nobody identified: not the organisation of the connection's last request either
                set_no_org_for_connection(g.read_connection)
            return None
        g.db = make_session()
        if not request.path.startswith(API_PREFIX + "/"):
            return None
        g.caller = authenticate(g.db, request.headers.get("Authorization"))
        _check_body_limits()
        return None

    @app.teardown_request
    def close_session(_exc):
        connection = g.pop("read_connection", None)
        session = g.pop("db", None)
        try:
            if connection is not None:
                connection.close()
            if session is not None:
                try:
                    session.rollback()  # a failed request writes nothing
                finally:
                    session.close()
        except DATABASE_UNAVAILABLE:
            pass  # the connection died after the answer was made: nothing to undo, the pool replaces it

    app.url_map.converters["id"] = IdConverter
    api = ForestallApi(app)
    api.register_converter(IdConverter, lambda _converter: {"type": "integer", "minimum": 1, "maximum": ID_MAX})
    _register_blueprints(api)
    app.add_url_rule("/docs/<path:filename>", "swagger_ui_assets", _swagger_ui_asset)
    limits.init_app(app, settings)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
    # The pages for people (service/web): sign-in, CSRF, HTML error pages; and every answer's security headers.
    init_web(app)
    for error in DATABASE_UNAVAILABLE:  # 503 with Retry-After, not 500, while the database is away
        app.register_error_handler(error, handle_database_unavailable)
    app.wsgi_app = retry_reads_once(app.wsgi_app)  # type: ignore[method-assign]
    limits.skip_limits_when(app, lambda: _reads_only(app))  # the read-only views have no rate limit
    return app


def _swagger_ui_asset(filename: str) -> Response:
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=24 * 3600)


def _reads_only(app: Flask) -> bool:
    """A GET or HEAD answered by a view marked @read_only (service.http): its request needs no transaction."""
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return False
    view = app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    return is_read_only(getattr(view_class, "get", None) if view_class is not None else view)


def _check_body_limits() -> None:
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    has_body = (request.content_length or 0) > 0 or bool(request.headers.get("Transfer-Encoding"))
    mimetype = request.mimetype
    if not has_body and request.method in ("PUT", "PATCH"):
        # A change with nothing in it is a client's mistake, not a successful no-op.
        raise Problem(400, "Send the changes as a JSON body with 'Content-Type: application/json'.")
    if not has_body and not mimetype:
        return
    if mimetype == "multipart/form-data" and request.path.endswith("/attachments"):
        return
    if mimetype == "multipart/form-data" and request.path == API_PREFIX + "/imports":  # spreadsheet uploads
        return
    if mimetype != "application/json":
        raise Problem(415, "Send the body as JSON with 'Content-Type: application/json'.")
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise Problem(413, "A JSON body may be at most 1 MB.")


def _register_blueprints(api: ForestallApi) -> None:
    """Every domain package with an api.py (service/<domain>/api.py defining `blp`) is registered."""
    for info in sorted(pkgutil.iter_modules(service.__path__), key=lambda m: m.name):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"service.{info.name}.api")
        except ModuleNotFoundError as error:
            if error.name == f"service.{info.name}.api":
                continue
            raise
        if hasattr(module, "blp"):
            api.register_blueprint(module.blp)
        if hasattr(module, "public_blp"):  # routes outside /api/v1 (e.g. the calendar feed)
            api.register_blueprint(module.public_blp)
