"""For the tenant walk: a user of the owner's organisation and one of their API tokens."""

from __future__ import annotations


def make(owner, objects) -> dict:  # noqa: ANN001
    user_id = owner.paralegal.user_id
    response = owner.admin.post(f"/api/v1/users/{user_id}/tokens", json={"label": "walk"})
    assert response.status_code == 201, response.get_json()
    return {"user_id": user_id, "token_id": response.get_json()["id"]}
