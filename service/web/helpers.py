"""What every page blueprint shares: signed-in callers, permission refusals, rendering, htmx."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from service import permissions
from service.auth import Caller
from service.web.session import load_signed_in_caller

PAGE_BLUEPRINTS: set[str] = set()  # names of blueprints that serve pages (their errors are HTML pages)


def page_blueprint(name: str, import_name: str, url_prefix: str | None = None) -> Blueprint:
    """A blueprint whose every view needs a signed-in user (signed out: redirect to /login?next=...)."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    blueprint.before_request(require_signed_in)
    PAGE_BLUEPRINTS.add(name)
    return blueprint


def require_signed_in() -> Response | None:
    caller = load_signed_in_caller(g.db, session)
    if caller is None:
        session.pop("uid", None)
        if is_htmx():
            # A fragment (deferred sections, polling, an in-place form) after the session ended: the browser
            # goes to sign-in, back to the page it shows, instead of the sign-in form landing in the fragment.
            shown = urlsplit(request.headers.get("HX-Current-URL", ""))
            back = safe_next(shown.path + (f"?{shown.query}" if shown.query else ""))
            response = Response(status=200)
            response.headers["HX-Redirect"] = url_for("web.login", next=back)
            return response
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    g.caller = caller
    return None


def caller() -> Caller:
    return g.caller


def require_write() -> None:
    """A viewer's attempt to change anything: 403, before anything is read from the form."""
    if not permissions.can_write(caller()):
        abort(403, description=f"Your role ({caller().role}) may read but not change anything.")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host (//evil.example, https://..., \\\\evil)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def form_errors(errors: dict[str, list[str]]) -> dict[str, str]:
    """{"client.email": ["Not a valid email address."]} -> {"client.email": "Not a valid email address."}."""
    return {name: " ".join(messages) for name, messages in errors.items()}
