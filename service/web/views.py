"""Sign-in and sign-out: the only pages open to a visitor who is not signed in."""
from __future__ import annotations

import functools
import secrets

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from models import User
from service.auth import hash_password, verify_password
from service.web import helpers
from service.web.session import load_signed_in_caller, sign_in, sign_out

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")
helpers.PAGE_BLUEPRINTS.add("web")



@functools.cache
def _unknown_user_hash() -> str:
    """Checked against when the e-mail is unknown, so a wrong address takes as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_path = helpers.safe_next(request.values.get("next"))
    if request.method == "GET":
        if load_signed_in_caller(g.db, session) is not None:
            return redirect(next_path)
        return render_template("web/login.html", next_path=next_path, email="", error=None)
    email = (request.form.get("email") or "").strip().lower()
    password = request.form.get("password") or ""
    user = g.db.scalars(select(User).where(User.email == email)).one_or_none() if email else None
    ok = verify_password(user.password_hash if user and user.password_hash else _unknown_user_hash(), password)
    if not (ok and user is not None and user.password_hash and user.is_active):
        error = "The email or password is not right, or the account is not active."
        return render_template("web/login.html", next_path=next_path, email=email, error=error)
    sign_in(session, user)
    return redirect(next_path)


@bp.route("/logout", methods=["POST"])
def logout():
    sign_out(session)
    return redirect(url_for("web.login"))


# The Settings page proper (profile, password, two-factor, preferences, users) replaces this one.
settings_bp = helpers.page_blueprint("settings", __name__)


@settings_bp.route("/settings")
def settings():
    user = g.db.get(User, helpers.caller().user_id)
    return render_template("web/settings.html", user=user)
