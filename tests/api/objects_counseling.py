"""Objects of the counseling domain for the tenant walk: a user (PATCH /users/{id}), and on the case a
household, a session and an outcome so that the case's counseling routes have something to hide."""

from __future__ import annotations


def make(owner, objects) -> dict:
    case_id = objects["case_id"]
    assert (
        owner.counselor.put(
            f"/api/v1/cases/{case_id}/household", json={"household_size": 3, "race": "white"}
        ).status_code
        == 200
    )
    assert (
        owner.counselor.post(
            f"/api/v1/cases/{case_id}/counseling-sessions",
            json={
                "started_at": "2026-01-12T10:00:00",
                "duration_minutes": 45,
                "type": "one_on_one",
                "purpose": "9f",
                "hud_billable": True,
                "notes": "Call the client",
            },
        ).status_code
        == 201
    )
    assert (
        owner.counselor.post(
            f"/api/v1/cases/{case_id}/outcomes", json={"code": "10p", "achieved_on": "2026-02-01"}
        ).status_code
        == 201
    )
    return {"user_id": owner.counselor.user_id}
