"""The application's "now" is one seam (models.base.clock): pinned, the API's idea of today follows it, in
the organisation's time zone, whatever the wall clock says."""

from __future__ import annotations

import datetime as dt


def test_today_is_the_organisations_day_at_the_pinned_moment(org, new_case, frozen_now):
    case = new_case()
    # 04:30 UTC on 10 March is still 9 March, 23:30 CDT, in Chicago (the org fixture's time zone).
    frozen_now(dt.datetime(2026, 3, 10, 4, 30, tzinfo=dt.timezone.utc))
    events = f"/api/v1/cases/{case['id']}/events"
    refused = org.attorney.post(events, json={"type": "first_missed_payment", "occurred_on": "2026-03-10"})
    assert refused.status_code == 422
    assert "today is 2026-03-09" in refused.get_json()["errors"]["occurred_on"][0]
    accepted = org.attorney.post(events, json={"type": "first_missed_payment", "occurred_on": "2026-03-09"})
    assert accepted.status_code == 201, accepted.get_json()
