"""The Settings pages: your profile, password, two-factor, reminders and calendar feed; for organisation
admins, the users (invite, role, deactivate, API tokens, sessions), reminder defaults and sign-in policy.

Thin views over the accounts services (service.py, tokens.py, passwords.py, links.py, second_factor.py) and the
notices services. Admin-only routes refuse (403) before reading the form, so a viewer's attempt writes nothing. The sign-in steps are service/accounts/signin.py."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import (
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from models import ApiToken, Organization, ROLES, User
from models.base import utcnow
from models.notices import CalendarToken
from service import permissions
from service.accounts import links, mail, passwords, second_factor, service, signin, tokens
from service.accounts.schemas import UserPatchSchema
from service.errors import Problem, flatten_messages
from service.notices import calendar
from service.notices import service as notices
from service.notices.schemas import MyPreferencesInputSchema, OrgPreferencesInputSchema
from service.web import helpers
from service.web.session import sign_in

bp = helpers.page_blueprint("settings", __name__)


@bp.record_once
def _setup(state) -> None:  # noqa: ANN001
    # The signed-out pages (two-factor step, reset, invitation) come with this one.
    state.app.register_blueprint(signin.public_bp)


ROLE_LABELS = {
    "admin": "Admin",
    "attorney": "Attorney",
    "paralegal": "Paralegal",
    "counselor": "Counselor",
    "viewer": "Viewer (read only)",
}
USERS_PER_PAGE = 25


def caller():
    return helpers.caller()


def me() -> User:
    return g.db.get(User, caller().user_id)


def require_admin() -> None:
    service.require_manage_users(caller())


def done(message: str, endpoint: str = "settings.settings", **values: Any):
    g.db.commit()
    flash(message)
    return redirect(url_for(endpoint, **values))


def _status() -> str:
    return " ".join(get_flashed_messages())


# ----------------------------------------------------------------------------------------------------
# The page


def _offsets_text(values: list[int] | None) -> str:
    return ", ".join(str(v) for v in values) if values else ""


def settings_context(**extra: Any) -> dict[str, Any]:
    user = me()
    org = g.db.get(Organization, user.org_id)
    prefs = notices.my_preferences(g.db, caller())
    own = prefs["own"]
    context: dict[str, Any] = {
        "user": user,
        "org": org,
        "active_section": "settings",
        "status_message": _status(),
        "is_admin": permissions.can_change_org_settings(caller()),
        "recovery_codes_left": second_factor.unused_recovery_codes(g.db, user) if user.totp_enabled_at else 0,
        "prefs": prefs,
        "pref_values": {
            "grave_offsets": _offsets_text(own["grave_offsets"]),
            "informational_offsets": _offsets_text(own["informational_offsets"]),
            "local_hour": own["local_hour"],
            "daily_digest": own["daily_digest"],
            "digest_only": own["digest_only"],
        },
        "calendar_active": g.db.scalar(
            select(CalendarToken.id).where(CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None))
        )
        is not None,
        "calendar_url": None,
        "errors": {},
        "values": {},
    }
    if context["is_admin"]:
        org_prefs = notices.organisation_preferences(g.db, caller())
        context["org_prefs"] = org_prefs
        context["org_values"] = {
            "org_grave_offsets": _offsets_text(org_prefs["own"]["grave_offsets"]),
            "org_informational_offsets": _offsets_text(org_prefs["own"]["informational_offsets"]),
            "org_local_hour": org_prefs["own"]["local_hour"],
            "idle_timeout_minutes": org.idle_timeout_minutes,
        }
        context["user_count"] = len(g.db.scalars(select(User.id).where(User.org_id == org.id)).all())
    context.update(extra)
    return context


@bp.route("/settings")
def settings():
    return render_template("accounts/settings.html", **settings_context())


def _settings_with_errors(errors: dict[str, list[str]] | dict[str, str], **extra: Any):
    flat = {name: (" ".join(messages) if isinstance(messages, list) else messages) for name, messages in errors.items()}
    g.db.rollback()
    return render_template("accounts/settings.html", **settings_context(errors=flat, **extra)), 422


# ----------------------------------------------------------------------------------------------------
# Yours: profile, password, reminders, calendar


@bp.route("/settings/profile", methods=["POST"])
def update_profile():
    try:
        service.update_profile(g.db, caller(), request.form.get("full_name"))
    except Problem as problem:
        return _settings_with_errors(problem.errors or {}, values={"full_name": request.form.get("full_name")})
    return done("Your profile is saved.")


@bp.route("/settings/password", methods=["POST"])
def change_password():
    try:
        user = passwords.change_password(
            g.db,
            caller(),
            request.form.get("current_password") or "",
            request.form.get("new_password") or "",
            request.form.get("confirm_password") or "",
        )
    except Problem as problem:
        return _settings_with_errors(problem.errors or {})
    sign_in(session, user)  # every other session ended; this one goes on in the new epoch
    return done("Your password is changed. You were signed out everywhere else.")


def parse_offsets(text: str | None) -> list[int] | None:
    """'30, 14, 7' -> [30, 14, 7]; empty -> None (the default applies). Bad parts raise ValueError."""
    parts = [part for part in (text or "").replace(";", ",").split(",") if part.strip()]
    if not parts:
        return None
    return [int(part.strip()) for part in parts]


def _preferences_from_form(prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("grave_offsets", "informational_offsets"):
        try:
            data[name] = parse_offsets(request.form.get(prefix + name))
        except ValueError:
            errors[prefix + name] = "Whole numbers of days, separated by commas (e.g. 30, 14, 7)."
    hour = (request.form.get(prefix + "local_hour") or "").strip()
    try:
        data["local_hour"] = int(hour) if hour else None
    except ValueError:
        errors[prefix + "local_hour"] = "A whole hour from 0 to 23."
    return data, errors


def _schema_errors(schema: ma.Schema, data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """The API's own validation (the same schema), its messages keyed by the form's field names."""
    try:
        schema.load(data)
    except ma.ValidationError as error:
        return {
            prefix + name.split(".")[0]: " ".join(messages)
            for name, messages in flatten_messages(error.messages).items()
        }
    return {}


@bp.route("/settings/notifications", methods=["POST"])
def update_notifications():
    data, errors = _preferences_from_form()
    data["daily_digest"] = request.form.get("daily_digest") == "on"
    data["digest_only"] = request.form.get("digest_only") == "on"
    errors = errors or _schema_errors(MyPreferencesInputSchema(), data)
    if errors:
        return _settings_with_errors(
            errors,
            pref_values={
                **request.form.to_dict(),
                "daily_digest": data["daily_digest"],
                "digest_only": data["digest_only"],
            },
        )
    notices.set_my_preferences(g.db, caller(), data, current_app.config["FORESTALL"])
    return done("Your reminder settings are saved.")


@bp.route("/settings/calendar", methods=["POST"])
def create_calendar_feed():
    result = calendar.issue_token(g.db, caller(), current_app.config["FORESTALL"])
    g.db.commit()
    return render_template(
        "accounts/settings.html",
        **settings_context(
            calendar_url=result["url"],
            calendar_active=True,
            status_message="A new calendar feed address is ready; any earlier one stopped working.",
        ),
    )


@bp.route("/settings/calendar/revoke", methods=["POST"])
def revoke_calendar_feed():
    calendar.revoke_tokens(g.db, caller())
    return done("Your calendar feed address no longer works.")


# ----------------------------------------------------------------------------------------------------
# Yours: two-factor


@bp.route("/settings/two-factor", methods=["GET", "POST"])
def two_factor():
    """GET: the enrolment in progress (QR code); POST: start one (a new secret)."""
    user = me()
    if user.totp_enabled_at is not None:
        return redirect(url_for("settings.settings"))
    if request.method == "POST" or not user.totp_secret:
        second_factor.start_enrolment(g.db, user)
        g.db.commit()
    return render_template(
        "accounts/enrol.html",
        required=False,
        action=url_for("settings.confirm_two_factor"),
        error=None,
        active_section="settings",
        **signin.enrolment_context(user),
    )


@bp.route("/settings/two-factor/confirm", methods=["POST"])
def confirm_two_factor():
    user = me()
    try:
        codes = second_factor.confirm_enrolment(g.db, user, request.form.get("code") or "")
    except Problem as problem:
        if problem.code == 409:
            return redirect(url_for("settings.settings"))
        return render_template(
            "accounts/enrol.html",
            required=False,
            action=url_for("settings.confirm_two_factor"),
            error=(problem.errors or {}).get("code", [problem.detail])[0],
            active_section="settings",
            **signin.enrolment_context(user),
        ), 422
    g.db.commit()
    return render_template(
        "accounts/recovery_codes.html",
        codes=codes,
        next_path=url_for("settings.settings"),
        active_section="settings",
        status_message="Two-factor sign-in is on.",
    )


@bp.route("/settings/two-factor/recovery-codes", methods=["POST"])
def new_recovery_codes():
    user = me()
    if user.totp_enabled_at is None:
        return redirect(url_for("settings.settings"))
    codes = second_factor.replace_recovery_codes(g.db, user, caller())
    g.db.commit()
    return render_template(
        "accounts/recovery_codes.html",
        codes=codes,
        next_path=url_for("settings.settings"),
        active_section="settings",
        status_message="New recovery codes; the old ones no longer work.",
    )


@bp.route("/settings/two-factor/disable", methods=["POST"])
def disable_two_factor():
    try:
        second_factor.disable_two_factor(g.db, caller(), me(), request.form.get("disable_password") or "")
    except Problem as problem:
        if problem.code == 409:
            abort(409, description=problem.detail)
        return _settings_with_errors(problem.errors or {})
    return done("Two-factor sign-in is off.")


# ----------------------------------------------------------------------------------------------------
# Organisation admins: reminder defaults and sign-in policy


@bp.route("/settings/organisation/reminders", methods=["POST"])
def update_org_reminders():
    require_admin()
    data, errors = _preferences_from_form("org_")
    errors = errors or _schema_errors(OrgPreferencesInputSchema(), data, "org_")
    if errors:
        return _settings_with_errors(errors, org_values={**request.form.to_dict()})
    notices.set_organisation_preferences(g.db, caller(), data, current_app.config["FORESTALL"])
    return done("The organisation's reminder defaults are saved.")


@bp.route("/settings/organisation/sign-in", methods=["POST"])
def update_sign_in_policy():
    require_admin()
    raw = (request.form.get("idle_timeout_minutes") or "").strip()
    try:
        minutes = int(raw) if raw else None
    except ValueError:
        return _settings_with_errors(
            {"idle_timeout_minutes": "A whole number of minutes."}, org_values={"idle_timeout_minutes": raw}
        )
    try:
        service.set_sign_in_policy(g.db, caller(), request.form.get("require_two_factor") == "on", minutes)
    except Problem as problem:
        return _settings_with_errors(problem.errors or {}, org_values={"idle_timeout_minutes": raw})
    return done("The organisation's sign-in settings are saved.")


# ----------------------------------------------------------------------------------------------------
# Organisation admins: users


def _users_page(errors: dict[str, str] | None = None, values: dict[str, Any] | None = None, status: int = 200):
    page = max(1, request.args.get("page", 1, type=int) or 1)
    users, total = service.list_users(g.db, caller(), page, USERS_PER_PAGE)
    return render_template(
        "accounts/users.html",
        users=users,
        total=total,
        page=page,
        per_page=USERS_PER_PAGE,
        roles=[(r, ROLE_LABELS[r]) for r in ROLES],
        errors=errors or {},
        values=values or {},
        active_section="settings",
        status_message=_status(),
    ), status


@bp.route("/settings/users", methods=["GET", "POST"])
def users():
    require_admin()
    if request.method == "GET":
        return _users_page()
    values = {
        "email": request.form.get("email") or "",
        "role": request.form.get("role") or "",
        "full_name": request.form.get("full_name") or "",
    }
    try:
        user, token = service.invite_user(g.db, caller(), values["email"], values["role"], values["full_name"])
    except Problem as problem:
        g.db.rollback()
        errors = helpers.form_errors(problem.errors) if problem.errors else {"email": problem.detail}
        return _users_page(errors, values, 422)
    g.db.commit()
    org = g.db.get(Organization, caller().org_id)
    sent = mail.send_link(user.email, "invite", token, org.name, invited_by=caller().email)
    message = (
        f"Invitation sent to {user.email}."
        if sent
        else (f"{user.email} was added, but the invitation e-mail could not be sent; send it again from their page.")
    )
    flash(message)
    return redirect(url_for("settings.users"))


def _managed_user(user_id: int) -> User:
    """The user an admin page acts on: another organisation's is 404 before the role check, as in the API."""
    person = _user_or_404(user_id)
    require_admin()
    return person


def _user_or_404(user_id: int) -> User:
    try:
        return service.get_user(g.db, caller().org_id, user_id)
    except Problem:
        abort(404, description="No such user in your organisation.")


def _user_page(
    user: User,
    errors: dict[str, str] | None = None,
    new_token: str | None = None,
    status: int = 200,
    status_message: str | None = None,
    hud_values: dict[str, Any] | None = None,
):
    return render_template(
        "accounts/user.html",
        person=user,
        tokens=tokens.list_api_tokens(g.db, caller(), user),
        new_token=new_token,
        hud_values=hud_values,
        roles=[(r, ROLE_LABELS[r]) for r in ROLES],
        errors=errors or {},
        is_self=user.id == caller().user_id,
        active_section="settings",
        now_utc=utcnow(),
        status_message=status_message or _status(),
    ), status


@bp.route("/settings/users/<id:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    person = _managed_user(user_id)
    if request.method == "GET":
        return _user_page(person)
    changes: dict[str, Any] = {}
    if "role" in request.form:
        changes["role"] = request.form["role"]
    if "full_name" in request.form:
        changes["full_name"] = request.form["full_name"]
    if request.form.get("is_active") in ("true", "false"):
        changes["is_active"] = request.form["is_active"] == "true"
    hud_values = None
    if "hud_counselor_id" in request.form:  # checked as the API checks it (PATCH /users/{id}); empty removes it
        hud_values = {"hud_counselor_id": request.form["hud_counselor_id"]}
        try:
            changes.update(
                UserPatchSchema(only=("hud_counselor_id",)).load(
                    {"hud_counselor_id": request.form["hud_counselor_id"].strip() or None}
                )
            )
        except ma.ValidationError as error:
            return _user_page(
                person, helpers.form_errors(flatten_messages(error.messages)), status=422, hud_values=hud_values
            )
    try:
        service.update_user(g.db, caller(), person, changes)
    except Problem as problem:
        g.db.rollback()
        g.db.refresh(person)
        errors = helpers.form_errors(problem.errors) if problem.errors else {"_": problem.detail}
        return _user_page(person, errors, status=422 if problem.code == 422 else problem.code, hud_values=hud_values)
    message = {
        True: f"{person.email} is deactivated: their sessions and API tokens stopped working.",
        False: f"{person.email} is active again.",
    }.get(not person.is_active if "is_active" in changes else None, f"{person.email} is saved.")
    return done(message, "settings.user", user_id=person.id)


@bp.route("/settings/users/<id:user_id>/invitation", methods=["POST"])
def resend_invitation(user_id: int):
    person = _managed_user(user_id)
    if person.password_hash is not None or not person.is_active:
        return done(
            f"{person.email} has a password already (or is deactivated): no invitation sent.",
            "settings.user",
            user_id=person.id,
        )
    token = links.new_link(g.db, person, "invite", created_by=caller())
    g.db.commit()
    org = g.db.get(Organization, caller().org_id)
    sent = mail.send_link(person.email, "invite", token, org.name, invited_by=caller().email)
    flash(f"Invitation sent to {person.email}." if sent else "The invitation e-mail could not be sent.")
    return redirect(url_for("settings.user", user_id=person.id))


@bp.route("/settings/users/<id:user_id>/sessions", methods=["POST"])
def end_sessions(user_id: int):
    person = _managed_user(user_id)
    service.end_sessions(g.db, caller(), person)
    if person.id == caller().user_id:
        sign_in(session, person)
    return done(f"Every browser session of {person.email} has ended.", "settings.user", user_id=person.id)


@bp.route("/settings/users/<id:user_id>/two-factor/reset", methods=["POST"])
def reset_two_factor(user_id: int):
    person = _managed_user(user_id)
    second_factor.reset_two_factor(g.db, caller(), person)
    if person.id == caller().user_id:
        sign_in(session, person)
    return done(f"Two-factor sign-in of {person.email} is reset.", "settings.user", user_id=person.id)


@bp.route("/settings/users/<id:user_id>/tokens", methods=["POST"])
def issue_token(user_id: int):
    person = _managed_user(user_id)
    try:
        _row, token = tokens.issue_api_token(g.db, caller(), person, request.form.get("label"))
    except Problem as problem:
        g.db.rollback()
        return _user_page(person, {"_": problem.detail}, status=problem.code)
    g.db.commit()
    return _user_page(person, new_token=token, status_message="A new API token: copy it now, it is shown only once.")


@bp.route("/settings/users/<id:user_id>/tokens/<id:token_id>/revoke", methods=["POST"])
def revoke_token(user_id: int, token_id: int):
    person = _managed_user(user_id)
    row = g.db.scalars(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == person.id)).one_or_none()
    if row is None:
        abort(404, description="No such API token.")
    tokens.revoke_api_token(g.db, caller(), person, row)
    return done("The API token is revoked.", "settings.user", user_id=person.id)
