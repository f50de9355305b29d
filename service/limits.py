"""Per-organisation rate limits on the expensive writes (report requests, uploads), with flask-limiter.

The key is the caller's organisation (one busy office cannot starve the others; its staff share one
budget). A request over the limit answers 429 as a problem document with Retry-After.

This is the application's only limiter: the sign-in throttle and the password-reset form
(service/accounts/signin.py) count in it too, so every count lives in one storage, the one
settings.ratelimit_storage_uri names (RATELIMIT_STORAGE_URI): memory:// counts per process, redis://...
is shared by every process."""

from __future__ import annotations

from typing import Callable

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from service.config import Settings

# Defaults; an app may set others in app.config["RATE_LIMITS"] (the tests use small ones).
DEFAULT_LIMITS = {
    "report_requests": "30 per minute",  # a render takes seconds of a worker; people ask for a few at a time
    "uploads": "60 per minute",  # up to 20 MB each
}
REPORT_REQUESTS = "report_requests"
UPLOADS = "uploads"


def organisation_key() -> str:
    caller = g.get("caller")
    return f"org:{caller.org_id}" if caller is not None else f"address:{request.remote_addr}"


# No storage here: init_app gives it the configured one. A moving window (the sign-in throttle needs one).
limiter = Limiter(key_func=organisation_key, headers_enabled=True, default_limits=[], strategy="moving-window")


def init_app(app: Flask, settings: Settings) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    limiter.init_app(app)


def per_organisation(name: str) -> Callable:
    """Decorate a view method: at most the named limit's calls per organisation."""
    return limiter.limit(lambda: current_app.config.get("RATE_LIMITS", {}).get(name, DEFAULT_LIMITS[name]))


def skip_limits_when(app: Flask, no_limits: Callable[[], bool]) -> None:
    """Skip each limiter's per-request check (resolving the route's limits: about 7% of a case read's CPU
    for the two limiters, this one and sign-in's) for requests `no_limits` says carry none. Only for a
    limiter without default or application-wide limits, which would apply to every request (this one's
    are per route, set with per_organisation; sign-in's are on the sign-in views). Call after every
    limiter's init_app."""
    limiters = app.extensions.get("limiter", set())
    hooks = app.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        owner = getattr(hook, "__self__", None)
        if owner not in limiters or getattr(hook, "__name__", "") != "_check_request_limit":
            continue
        if owner.limit_manager.default_limits or owner.limit_manager.application_limits:
            continue

        def check(hook: Callable = hook) -> None:
            if not no_limits():
                hook()

        hooks[index] = check
