"""The sign-in steps after the password (two-factor, enrolment an organisation requires), password resets
and invitations: pages open to a visitor who is not signed in yet.

The password step itself is the shell's /login (service/web/views.py), which hands over to password_step().
Between the password and the second factor the cookie holds only a pending marker (pending_uid, ...),
never "uid": load_signed_in_caller() does not count it as signed in."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import User
from service.accounts import links, mail, passwords, second_factor, service, twofactor
from service.accounts.throttle import LOCKED_MESSAGE, SignInThrottle
from service.auth import verify_password
from service.db import for_all_orgs
from service.errors import Problem
from service.limits import limiter
from service.web import helpers
from service.web.session import sign_in

log = logging.getLogger(__name__)

public_bp = Blueprint("accounts", __name__)
helpers.PAGE_BLUEPRINTS.add("accounts")

# The application's one limiter (service/limits.py, over the configured storage): the sign-in throttle uses
# its storage directly (service/accounts/throttle.py); the reset form has its own per-address limit against
# mail floods.

WRONG_PASSWORD = "The email or password is not right, or the account is not active."
WRONG_CODE = "That code is not right. Enter the 6-digit code your authenticator app shows now, or a recovery code."
PENDING_SECONDS = 10 * 60  # the second step must follow the password within 10 minutes
PENDING_KEYS = ("pending_uid", "pending_epoch", "pending_at", "pending_next", "pending_step")


@public_bp.before_request
def _before_anyone_is_known() -> None:
    # Nobody is identified yet: the account is found by e-mail, by the pending cookie's id or by a link's
    # digest, and the sign-in is audited in the account's organisation (docs/row-level-security.md).
    for_all_orgs(g.db, "sign-in, reset and invitation pages, before anyone is identified")


def throttle() -> SignInThrottle:
    return SignInThrottle(limiter.limiter)


def client_address() -> str:
    return request.remote_addr or "unknown"


def _login_page(email: str, next_path: str, error: str, status: int = 200):
    return render_template("web/login.html", next_path=next_path, email=email, error=error), status


def password_step(next_path: str):
    """POST /login: throttle, check the password, then the second factor (or enrolment) or straight in."""
    email = (request.form.get("email") or "").strip().lower()
    password = request.form.get("password") or ""
    for_all_orgs(g.db, "the password step of sign-in, before anyone is identified")
    address = client_address()
    gate = throttle()
    if gate.is_locked(email, address):
        log.warning("sign-in refused while locked out (address %s)", address)
        return _login_page(email, next_path, LOCKED_MESSAGE, 429)
    from service.web.views import _unknown_user_hash

    user = g.db.scalars(select(User).where(User.email == email)).one_or_none() if email else None
    ok = verify_password(user.password_hash if user and user.password_hash else _unknown_user_hash(), password)
    if not (ok and user is not None and user.password_hash and user.is_active):
        return _failure(
            gate, email, address, "password", lambda message, status: _login_page(email, next_path, message, status)
        )
    if user.totp_enabled_at is not None:
        return _pending(user, next_path, "verify", "accounts.two_factor")
    if user.organization.require_two_factor:
        return _pending(user, next_path, "enrol", "accounts.enrol")
    return _complete(user, next_path, "password")


def _failure(gate: SignInThrottle, email: str, address: str, reason: str, page):  # noqa: ANN001
    outcome = gate.record_failure(email, address)
    service.record_sign_in_failure(g.db, email, address, reason, outcome.locked)
    g.db.commit()
    if outcome.locked:
        log.warning("sign-in locked for 15 minutes (%s; address %s)", ", ".join(outcome.locked_now), address)
        for key in PENDING_KEYS:
            session.pop(key, None)
        return page(LOCKED_MESSAGE, 429)
    return page(WRONG_PASSWORD if reason == "password" else WRONG_CODE, 200)


def _pending(user: User, next_path: str, step: str, endpoint: str) -> Response:
    session.clear()
    session.update(
        {
            "pending_uid": user.id,
            "pending_epoch": user.session_epoch,
            "pending_at": int(time.time()),
            "pending_next": next_path,
            "pending_step": step,
        }
    )
    return redirect(url_for(endpoint))


def _pending_user(step: str) -> User | None:
    """The user between the password and the second step, while that still stands."""
    if session.get("pending_step") != step:
        return None
    try:
        started = float(session.get("pending_at"))
        user = g.db.get(User, int(session.get("pending_uid")))
    except (TypeError, ValueError):
        return None
    if (
        user is None
        or not user.is_active
        or time.time() - started > PENDING_SECONDS
        or session.get("pending_epoch") != user.session_epoch
    ):
        return None
    return user


def _complete(user: User, next_path: str, method: str) -> Response:
    throttle().record_success(user.email)
    sign_in(session, user)
    service.record_sign_in(g.db, user, client_address(), method)
    g.db.commit()
    return redirect(helpers.safe_next(next_path))


@public_bp.route("/login/two-factor", methods=["GET", "POST"])
def two_factor():
    user = _pending_user("verify")
    if user is None:
        return redirect(url_for("web.login"))
    if request.method == "GET":
        return render_template("accounts/two_factor.html", error=None)
    address = client_address()
    gate = throttle()
    if gate.is_locked(user.email, address):
        session.clear()
        return _login_page(user.email, "/", LOCKED_MESSAGE, 429)
    method = second_factor.check_second_factor(g.db, user, request.form.get("code") or "")
    if method is None:

        def page(message: str, status: int):
            if status == 429:
                return _login_page(user.email, "/", message, status)
            return render_template("accounts/two_factor.html", error=message), status

        return _failure(gate, user.email, address, "two_factor", page)
    return _complete(user, session.get("pending_next") or "/", method)


@public_bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Two-factor enrolment the organisation requires, between the password and the first page."""
    user = _pending_user("enrol")
    if user is None:
        return redirect(url_for("web.login"))
    if user.totp_enabled_at is not None:  # enrolled meanwhile (another tab): verify instead
        session["pending_step"] = "verify"
        return redirect(url_for("accounts.two_factor"))
    error = None
    if request.method == "POST":
        try:
            codes = second_factor.confirm_enrolment(g.db, user, request.form.get("code") or "")
        except Problem as problem:
            error = (problem.errors or {}).get("code", [problem.detail])[0]
        else:
            next_path = session.get("pending_next") or "/"
            _complete(user, next_path, "totp_enrolled")
            g.caller = None
            return render_template("accounts/recovery_codes.html", codes=codes, next_path=helpers.safe_next(next_path))
    if not user.totp_secret:
        second_factor.start_enrolment(g.db, user)
        g.db.commit()
    return render_template(
        "accounts/enrol.html", required=True, action=url_for("accounts.enrol"), error=error, **enrolment_context(user)
    ), 422 if error else 200


def enrolment_context(user: User) -> dict:
    uri = twofactor.provisioning_uri(user.totp_secret, user.email)
    return {"qr_svg": twofactor.qr_svg(uri), "secret": twofactor.otpauth_secret_for_display(user.totp_secret)}


# ----------------------------------------------------------------------------------------------------
# Password reset and invitations


@public_bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=get_remote_address)
def reset_request():
    if request.method == "GET":
        return render_template("accounts/reset_request.html", sent=False, email="")
    email = (request.form.get("email") or "").strip()
    result = passwords.request_password_reset(g.db, email)
    if result is not None:
        user, token = result
        g.db.commit()
        mail.send_link(user.email, "reset", token, user.organization.name)
    else:
        log.info("password reset asked for an address with no active account")
    # The same answer whether or not the address has an account.
    return render_template("accounts/reset_request.html", sent=True, email=email)


@public_bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_with_link(token: str):
    return _set_password_with_link(token, "reset")


@public_bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_with_link(token, "invite")


def _set_password_with_link(token: str, purpose: str):
    from models.base import utcnow

    link = links.find_link(g.db, token, purpose)
    state = links.link_state(link, utcnow())
    if state != "valid":
        abort(404 if state == "unknown" else 410, description=passwords.LINK_MESSAGES[state])
    user = g.db.get(User, link.user_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            passwords.use_link(
                g.db, token, purpose, request.form.get("password") or "", request.form.get("confirm_password") or ""
            )
        except Problem as problem:
            if problem.code != 422:
                raise
            errors = helpers.form_errors(problem.errors or {})
        else:
            g.db.commit()
            session.clear()
            throttle().reset(email=user.email)
            return render_template("accounts/password_set.html", purpose=purpose)
    return render_template(
        "accounts/set_password.html", purpose=purpose, email=user.email, errors=errors, action=request.path
    ), 422 if errors else 200


__all__ = ["public_bp", "limiter", "password_step", "throttle", "enrolment_context"]
