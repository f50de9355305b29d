"""Reports objects for the tenant walk: a report (queued; the walk only needs its id)."""

from __future__ import annotations


def make(owner, objects) -> dict:
    response = owner.attorney.post(f"/api/v1/cases/{objects['case_id']}/reports", json={"type": "case_timeline"})
    assert response.status_code == 202, response.get_json()
    return {"report_id": response.get_json()["id"]}
