"""For the tenant walk: notices and calendars add no URL parameter of their own (they hang off case_id);
this plans the case's notices so the walk's 404 checks have something to hide."""

from __future__ import annotations


def make(owner, objects) -> dict:
    owner.attorney.post(
        f"/api/v1/cases/{objects['case_id']}/deadlines", json={"title": "File the answer", "due_on": "2030-01-15"}
    )
    assert owner.attorney.get(f"/api/v1/cases/{objects['case_id']}/notices").get_json()["total"] > 0
    return {}
