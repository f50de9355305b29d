"""/api/v1/users: organisation admins invite users, change roles, deactivate them and manage API tokens."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.mailbox import link_in, messages_to


def audit_actions(database_url, org_id, entity_id):  # noqa: ANN001
    from models import AuditEntry
    from service.db import session_factory

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        return [
            e.action
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.org_id == org_id, AuditEntry.entity_type == "user", AuditEntry.entity_id == entity_id)
                .order_by(AuditEntry.id)
            )
        ]


def test_an_admin_lists_the_users_of_their_organisation_only(org, other_org):
    answer = org.admin.get("/api/v1/users?per_page=100").get_json()
    emails = {u["email"] for u in answer["items"]}
    assert emails == {m.email for m in org.members.values()}
    assert answer["total"] == 5
    assert not emails & {m.email for m in other_org.members.values()}
    first = answer["items"][0]
    assert set(first) >= {"id", "email", "role", "is_active", "two_factor", "has_password"}
    assert "password_hash" not in first and "totp_secret" not in first


def test_other_roles_may_not_manage_users_and_write_nothing(org, database_url):
    for role in ("attorney", "paralegal", "counselor", "viewer"):
        member = org.members[role]
        assert member.get("/api/v1/users").status_code == 403
        response = member.post("/api/v1/users", json={"email": f"x-{role}@example.org", "role": "admin"})
        assert response.status_code == 403 and response.content_type == "application/problem+json"
        assert member.patch(f"/api/v1/users/{member.user_id}", json={"role": "admin"}).status_code == 403
        assert member.post(f"/api/v1/users/{member.user_id}/tokens", json={}).status_code == 403
    emails = {u["email"] for u in org.admin.get("/api/v1/users").get_json()["items"]}
    assert not any(e.startswith("x-") for e in emails)
    assert org.viewer.get("/api/v1/users/" + str(org.viewer.user_id)).status_code == 403
    assert {u["role"] for u in org.admin.get("/api/v1/users").get_json()["items"]} == {
        "admin",
        "attorney",
        "paralegal",
        "counselor",
        "viewer",
    }


def test_another_organisations_user_is_404(org, other_org):
    target = other_org.attorney.user_id
    assert org.admin.get(f"/api/v1/users/{target}").status_code == 404
    assert org.admin.patch(f"/api/v1/users/{target}", json={"is_active": False}).status_code == 404
    assert org.admin.post(f"/api/v1/users/{target}/tokens", json={}).status_code == 404
    assert other_org.attorney.get("/api/v1/cases").status_code == 200  # untouched


def test_invite_e_mails_a_single_use_link_built_from_the_base_url(org, database_url):
    address = f"new-{uuid.uuid4().hex[:6]}@example.org"
    response = org.admin.post(
        "/api/v1/users", json={"email": address.upper(), "role": "paralegal", "full_name": "Pat Doe"}
    )
    assert response.status_code == 201, response.get_json()
    user = response.get_json()
    assert user["email"] == address and user["role"] == "paralegal" and user["has_password"] is False
    assert response.headers["Location"] == f"/api/v1/users/{user['id']}"
    (message,) = messages_to(address)
    from service.config import load_settings

    link = link_in(message, "invite")
    assert link.startswith(load_settings().base_url.rstrip("/") + "/invite/inv_")
    assert "7 days" in message.get_body(preferencelist=("plain",)).get_content()
    assert "invite" in audit_actions(database_url, org.id, user["id"])
    # The same address again: 409, no second user.
    again = org.admin.post("/api/v1/users", json={"email": address, "role": "viewer"})
    assert again.status_code == 409
    assert len(messages_to(address)) == 1


def test_invite_with_bad_fields_is_422_and_writes_nothing(org):
    before = org.admin.get("/api/v1/users").get_json()["total"]
    response = org.admin.post("/api/v1/users", json={"email": "not-an-address", "role": "owner"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"email", "role"}
    assert org.admin.get("/api/v1/users").get_json()["total"] == before


def test_deactivating_stops_the_users_api_tokens_at_once_and_reactivating_does_not_revive_them(org, database_url):
    assert org.counselor.get("/api/v1/cases").status_code == 200
    response = org.admin.patch(f"/api/v1/users/{org.counselor.user_id}", json={"is_active": False})
    assert response.status_code == 200 and response.get_json()["is_active"] is False
    assert org.counselor.get("/api/v1/cases").status_code == 401
    assert org.admin.patch(f"/api/v1/users/{org.counselor.user_id}", json={"is_active": True}).status_code == 200
    assert org.counselor.get("/api/v1/cases").status_code == 401  # its tokens were revoked, not paused
    assert {"deactivate", "reactivate"} <= set(audit_actions(database_url, org.id, org.counselor.user_id))


def test_changing_a_role_takes_effect_on_the_next_request(org):
    assert org.viewer.post("/api/v1/cases", json={}).status_code == 403
    response = org.admin.patch(f"/api/v1/users/{org.viewer.user_id}", json={"role": "attorney", "full_name": " Vi "})
    assert response.get_json()["role"] == "attorney" and response.get_json()["full_name"] == "Vi"
    assert org.viewer.post("/api/v1/cases", json={}).status_code == 422  # may write now: validation answers


def test_the_organisation_keeps_one_active_admin(org):
    for change in ({"role": "viewer"}, {"is_active": False}):
        response = org.admin.patch(f"/api/v1/users/{org.admin.user_id}", json=change)
        assert response.status_code == 409, change
    assert org.admin.get("/api/v1/users").status_code == 200
    # With a second admin, the first may step down.
    org.admin.patch(f"/api/v1/users/{org.attorney.user_id}", json={"role": "admin"})
    assert org.admin.patch(f"/api/v1/users/{org.admin.user_id}", json={"role": "viewer"}).status_code == 200


def test_tokens_are_shown_once_work_at_once_and_stop_when_revoked(org, app):
    response = org.admin.post(f"/api/v1/users/{org.paralegal.user_id}/tokens", json={"label": "import script"})
    assert response.status_code == 201
    issued = response.get_json()
    token = issued["token"]
    assert token.startswith("fst_") and issued["label"] == "import script"
    client = app.test_client()
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = org.admin.get(f"/api/v1/users/{org.paralegal.user_id}/tokens").get_json()["items"]
    assert issued["id"] in {t["id"] for t in listed}
    assert all("token" not in t for t in listed)
    assert org.admin.delete(f"/api/v1/users/{org.paralegal.user_id}/tokens/{issued['id']}").status_code == 204
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # A token id of another user (or unknown) is 404.
    assert org.admin.delete(f"/api/v1/users/{org.viewer.user_id}/tokens/{issued['id']}").status_code == 404


def test_a_token_expiring_in_the_past_is_refused(org):
    response = org.admin.post(
        f"/api/v1/users/{org.paralegal.user_id}/tokens", json={"expires_at": "2020-01-01T00:00:00Z"}
    )
    assert response.status_code == 422 and "expires_at" in response.get_json()["errors"]


def test_hud_counselor_id_is_accepted_only_where_the_column_exists(org):
    from models import User

    response = org.admin.patch(f"/api/v1/users/{org.counselor.user_id}", json={"hud_counselor_id": "C-123"})
    if hasattr(User, "hud_counselor_id"):
        assert response.status_code == 200 and response.get_json()["hud_counselor_id"] == "C-123"
    else:
        assert response.status_code == 422 and "hud_counselor_id" in response.get_json()["errors"]


def test_ending_a_users_sessions_is_an_admins_call(org, database_url):
    assert org.viewer.delete(f"/api/v1/users/{org.attorney.user_id}/sessions").status_code == 403
    assert org.admin.delete(f"/api/v1/users/{org.attorney.user_id}/sessions").status_code == 204
    assert "sessions_ended" in audit_actions(database_url, org.id, org.attorney.user_id)
