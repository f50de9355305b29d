"""permissions.require: the one refusal every admin check (API decorator, services, pages) goes through."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from service import permissions
from service.errors import Problem


@dataclass
class Who:
    role: str
    user_id: int = 1
    org_id: int = 1


def test_require_lets_the_predicate_decide_and_names_the_role_and_the_act():
    permissions.require(Who("admin"), permissions.can_manage_users, "manage users")  # no exception
    with pytest.raises(Problem) as refused:
        permissions.require(Who("attorney"), permissions.can_manage_users, "manage users")
    assert refused.value.code == 403
    assert refused.value.description == "The role 'attorney' may not manage users."


def test_every_admin_check_uses_the_one_helper():
    """No inline `if not is_org_admin(...)`/`abort(403)` left: the admin predicates reach a 403 only through
    permissions.require (or service.http.requires, its decorator)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "service"
    inline = re.compile(r"if not (permissions\.)?(is_org_admin|can_manage_users|can_change_org_settings)\(")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if inline.search(p.read_text())]
    assert offenders == []
