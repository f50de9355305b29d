"""HTTP views for /api/v1/users (organisation admins): thin; the work is in service/accounts/service.py and tokens.py.

Every route loads the user within the caller's organisation first (another organisation's: 404), then
checks the role (not an admin: 403), then reads the body."""

from __future__ import annotations

import functools
from typing import Callable

from flask.views import MethodView

from models import Organization
from service.accounts import mail, service, tokens
from service.accounts.schemas import (
    TokenCreateSchema,
    TokenListSchema,
    TokenSchema,
    UserInviteSchema,
    UserListSchema,
    UserPatchSchema,
    UserQuerySchema,
    UserSchema,
)
from service.http import Blueprint, caller, db, documents_errors, page, with_object

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="Users and their API tokens (organisation admins)")


def with_user() -> Callable:
    return with_object(service.get_user, "user_id", "user")


def admins_only(func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003
        service.require_manage_users(caller())
        return func(*args, **kwargs)

    return wrapper


@blp.route("/users")
class Users(MethodView):
    @admins_only
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserListSchema)
    @documents_errors(blp, 401, 403, 422)
    def get(self, args):
        """The organisation's users (admins only)"""
        users, total = service.list_users(db(), caller(), args["page"], args["per_page"])
        return page([service.user_document(u) for u in users], total, args)

    @admins_only
    @blp.arguments(UserInviteSchema)
    @blp.response(201, UserSchema)
    @documents_errors(blp, 401, 403, 409, 413, 415, 422)
    def post(self, data):
        """Invite a user: they are e-mailed a link (valid 7 days) to choose their password"""
        user, token = service.invite_user(db(), caller(), data["email"], data["role"], data.get("full_name"))
        db().commit()
        mail.send_link(user.email, "invite", token, db().get(Organization, user.org_id).name, invited_by=caller().email)
        return service.user_document(user), {"Location": f"/api/v1/users/{user.id}"}


@blp.route("/users/<id:user_id>")
class UserItem(MethodView):
    @with_user()
    @admins_only
    @blp.response(200, UserSchema)
    @documents_errors(blp, 401, 403, 404)
    def get(self, user):
        """One user of the organisation"""
        return service.user_document(user)

    @with_user()
    @admins_only
    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserSchema)
    @documents_errors(blp, 401, 403, 404, 409, 413, 415, 422)
    def patch(self, data, user):
        """Change a user's role, name, HUD counselor id, or deactivate them (their sessions end and API tokens
        are revoked at once); the organisation keeps at least one active admin (409)"""
        service.update_user(db(), caller(), user, data)
        db().commit()
        return service.user_document(user)


@blp.route("/users/<id:user_id>/sessions")
class UserSessions(MethodView):
    @with_user()
    @admins_only
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404)
    def delete(self, user):
        """End every browser session of the user at once"""
        service.end_sessions(db(), caller(), user)
        db().commit()
        return None


@blp.route("/users/<id:user_id>/tokens")
class UserTokens(MethodView):
    @with_user()
    @admins_only
    @blp.response(200, TokenListSchema)
    @documents_errors(blp, 401, 403, 404)
    def get(self, user):
        """The user's API tokens (never the tokens themselves)"""
        return {"items": [tokens.token_document(t) for t in tokens.list_api_tokens(db(), caller(), user)]}

    @with_user()
    @admins_only
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    @documents_errors(blp, 401, 403, 404, 409, 413, 415, 422)
    def post(self, data, user):
        """Issue an API token for the user: the token is in this answer only"""
        row, token = tokens.issue_api_token(db(), caller(), user, data.get("label"), data.get("expires_at"))
        db().commit()
        return tokens.token_document(row, token)


@blp.route("/users/<id:user_id>/tokens/<id:token_id>")
class UserToken(MethodView):
    @with_user()
    @admins_only
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404)
    def delete(self, user, token_id):
        """Revoke one of the user's API tokens (it stops working at once)"""
        tokens.revoke_api_token(db(), caller(), user, tokens.get_api_token(db(), user, token_id))
        db().commit()
        return None
