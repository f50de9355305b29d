"""Who may do what: named predicates, the one place permission rules live.

The API's decorators, the services and the page templates all ask these, so a rule changes in one
place. Each takes the caller (service.auth.Caller: user id, organisation, role) and, where the answer
depends on it, the object. require() is the one way to refuse: a 403 problem naming the role and what it
may not do (service.http.requires is the same check as a decorator for API views). Tenancy is not decided here: every query is already scoped to the caller's
organisation, so another organisation's object never reaches these functions.
"""

from __future__ import annotations

from typing import Callable, Protocol

from service.errors import Problem

WRITE_ROLES = frozenset({"admin", "attorney", "paralegal", "counselor"})


class HasRole(Protocol):
    role: str
    user_id: int
    org_id: int


def is_org_admin(caller: HasRole) -> bool:
    return caller.role == "admin"


def can_write(caller: HasRole) -> bool:
    """Any change to client data (cases, events, deadlines, communications, waivers, reports)."""
    return caller.role in WRITE_ROLES


def can_edit_case(caller: HasRole, case: object | None = None) -> bool:
    """Every writing role may edit every case of its organisation; a viewer may edit none."""
    return can_write(caller)


def can_manage_users(caller: HasRole) -> bool:
    return is_org_admin(caller)


def can_change_org_settings(caller: HasRole) -> bool:
    return is_org_admin(caller)


def require(caller: HasRole, allowed_by: Callable[[HasRole], bool], what: str) -> None:
    """403 unless the predicate allows the caller; `what` completes "may not ..." in the message."""
    if not allowed_by(caller):
        raise Problem(403, f"The role '{caller.role}' may not {what}.")
