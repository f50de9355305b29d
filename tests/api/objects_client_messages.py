"""For the tenant walk: consents and client messages hang off case_id; this records a consent, plans a client
message on the case so the walk's 404 checks have something to hide, and adds an appointment (appointment_id)."""

from __future__ import annotations


def make(owner, objects) -> dict:
    case_id = objects["case_id"]
    party = next(
        p for p in owner.attorney.get(f"/api/v1/cases/{case_id}/parties").get_json()["items"] if p["role"] == "client"
    )
    response = owner.attorney.post(
        f"/api/v1/cases/{case_id}/consents",
        json={"party_id": party["id"], "channel": "sms", "given": True, "method": "written"},
    )
    assert response.status_code == 201, response.get_json()
    owner.attorney.post(
        f"/api/v1/cases/{case_id}/deadlines",
        json={"title": "Hearing on the motion", "due_on": "2030-02-15", "binds": "court"},
    )
    assert owner.attorney.get(f"/api/v1/cases/{case_id}/client-messages").get_json()["total"] > 0
    appointment = owner.attorney.post(
        f"/api/v1/cases/{case_id}/appointments",
        json={"kind": "counseling_session", "starts_at": "2030-03-01T10:00:00", "place": "Our office, 1 Main St"},
    )
    assert appointment.status_code == 201, appointment.get_json()
    return {"appointment_id": appointment.get_json()["id"]}
