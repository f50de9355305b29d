"""The pages for people: the shared shell (layout, sign-in, security, formatting) and every domain's pages.

init_web(app) is called once from create_app. Each domain package may have a pages.py with a blueprint
`bp` (made with service.web.helpers.page_blueprint) and its templates under service/web/templates/<domain>/.
"""

from __future__ import annotations

import importlib
import pkgutil

import flask_smorest
from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException, InternalServerError

from service import permissions
from service.web import formatting, helpers, labels, session as web_session

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
# The browsable API documentation (/docs) loads Swagger UI, which needs its own scripts: no page CSP there.
NO_CSP_PATHS = ("/docs",)
_ALWAYS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))
_ALWAYS_WITH_CSP = (*_ALWAYS, ("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Frame-Options", "DENY"))
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    413: "Too large",
    500: "Something went wrong",
}


def init_web(app: Flask) -> None:
    web_session.configure(app)
    # The CSRF token lives as long as the signed-in session (at most 12 hours), not a fixed hour.
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    csrf.init_app(app)
    _register_pages(app)
    api_blueprints = {name for name, bp in app.blueprints.items() if isinstance(bp, flask_smorest.Blueprint)}

    @app.before_request
    def check_csrf():
        # Programs use bearer tokens (no cookies), so the JSON API and the calendar feed need no CSRF token.
        if (
            request.method in STATE_CHANGING
            and request.blueprint not in api_blueprints
            and not request.path.startswith("/api/")
        ):
            csrf.protect()

    @app.after_request
    def security_headers(response):  # noqa: ANN001
        """Every answer (pages and API): no MIME sniffing, no referrer to other sites, the page CSP and
        no framing (not for /docs), and nothing cached (client data, tokens) unless a route chose, and
        never a page or an answer to someone identified. A route's own value of a header stays."""
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        wanted = _ALWAYS if request.path.startswith(NO_CSP_PATHS) else _ALWAYS_WITH_CSP
        for name, value in wanted:
            if name.lower() not in present:
                headers.add(name, value)
        if response.mimetype == "text/html" or g.get("caller") is not None:
            headers["Cache-Control"] = "no-store"
        elif "cache-control" not in present:
            headers.add("Cache-Control", "no-store")
        return response

    app.jinja_env.filters["date"] = lambda value: formatting.format_date(value, _timezone())
    app.jinja_env.filters["datetime"] = lambda value: formatting.format_datetime(value, _timezone())
    app.jinja_env.filters["money"] = formatting.format_money
    app.jinja_env.filters["humanize"] = labels.humanize
    app.jinja_env.filters["humanize_pair"] = lambda name: (name, labels.humanize(name))
    app.jinja_env.filters["dict_without"] = lambda mapping, *keys: {k: v for k, v in mapping.items() if k not in keys}
    app.jinja_env.globals.update(csrf_token=generate_csrf, permissions=permissions)

    @app.context_processor
    def page_context():
        return {"caller": g.get("caller")}

    api_error_handler = app.error_handler_spec[None][None].get(HTTPException)
    api_unexpected_handler = app.error_handler_spec[None][None].get(Exception)

    def page_error(error: HTTPException):
        if not _is_page_request():
            return api_error_handler(error)
        status = error.code or 500
        message = getattr(error, "detail", None) or error.description
        if status == 400 and getattr(error, "name", "") == "Bad Request" and "CSRF" in (error.description or ""):
            message = (
                "The form was sent without its security token, or the token expired. Reload the page and try again."
            )
        return render_template(
            "web/error.html", status=status, title=ERROR_TITLES.get(status, error.name), message=message
        ), status

    def page_unexpected(error: Exception):
        if not _is_page_request():
            return api_unexpected_handler(error)
        app.logger.exception("unhandled error on a page", exc_info=error)
        return page_error(InternalServerError(description="An unexpected error occurred; it has been logged."))

    app.register_error_handler(HTTPException, page_error)
    app.register_error_handler(Exception, page_unexpected)


def _timezone() -> str:
    caller = g.get("caller")
    return caller.timezone if caller is not None else "America/New_York"


def _is_page_request() -> bool:
    if request.blueprint in helpers.PAGE_BLUEPRINTS:
        return True
    if request.path.startswith("/api/") or request.blueprint is not None:
        return False
    # No route matched (a mistyped address): a page for browsers, a problem document for programs.
    return request.accept_mimetypes.best == "text/html"


def _register_pages(app: Flask) -> None:
    """The shell's own views, then every service/<domain>/pages.py that defines `bp`."""
    import service
    from service.web.views import bp

    app.register_blueprint(bp)
    for info in sorted(pkgutil.iter_modules(service.__path__), key=lambda m: m.name):
        if not info.ispkg or info.name == "web":
            continue
        try:
            module = importlib.import_module(f"service.{info.name}.pages")
        except ModuleNotFoundError as error:
            if error.name == f"service.{info.name}.pages":
                continue
            raise
        if hasattr(module, "bp"):
            app.register_blueprint(module.bp)
