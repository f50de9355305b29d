"""Sign-in and sign-out: the only pages open to a visitor who is not signed in."""

from __future__ import annotations

import functools
import secrets

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from service.auth import hash_password
from service.web import helpers
from service.web.session import load_signed_in_caller, sign_out

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
    # Throttling, the password, then two-factor or straight in: service/accounts/signin.py.
    from service.accounts.signin import password_step

    return password_step(next_path)


@bp.route("/logout", methods=["POST"])
def logout():
    sign_out(session)
    return redirect(url_for("web.login"))


# The Settings page is service/accounts/pages.py (blueprint "settings").
