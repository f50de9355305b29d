"""The case page's cost does not grow with the case: the statements it sends are the same for a case with N
rows in each list (events, deadlines, parties, communications, appointments, counseling sessions and
outcomes, the history they leave) as for one with 3N."""

from __future__ import annotations

import datetime as dt


import pytest

from tests.conftest import BACKEND, case_payload, org_today, recorded_statements

EVENTS = ("first_missed_payment", "pre_foreclosure_notice_sent", "complaint_served")


def _fill(member, n: int) -> int:  # noqa: ANN001
    """A case with n of each row the page lists (events: the first n of a valid sequence, 1 or 3)."""
    today = org_today()
    case_id = member.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    for i, event_type in enumerate(EVENTS[:n]):
        response = member.post(
            f"/api/v1/cases/{case_id}/events",
            json={"type": event_type, "occurred_on": (today - dt.timedelta(days=300 - 50 * i)).isoformat()},
        )
        assert response.status_code == 201, response.get_json()
    for i in range(n):
        due = (today + dt.timedelta(days=10 + i)).isoformat()
        for path, body in (
            ("deadlines", {"title": f"Hearing {i}", "due_on": due, "binds": "court"}),
            ("parties", {"role": "tenant", "name": f"Terry Tenant {i}"}),
            (
                "communications",
                {
                    "occurred_at": f"{(today - dt.timedelta(days=i + 1)).isoformat()}T10:00:00",
                    "channel": "phone",
                    "direction": "outbound",
                    "counterparty_type": "servicer",
                    "counterparty_name": "Midland",
                    "category": "document_submission",
                    "subject": f"Call {i}",
                },
            ),
            ("appointments", {"kind": "counseling_session", "starts_at": f"{due}T10:00:00", "place": "Our office"}),
            (
                "counseling-sessions",
                {
                    "started_at": f"{(today - dt.timedelta(days=i + 1)).isoformat()}T10:00:00",
                    "duration_minutes": 30,
                    "type": "one_on_one",
                    "purpose": "9f",
                    "hud_billable": True,
                },
            ),
        ):
            response = member.post(f"/api/v1/cases/{case_id}/{path}", json=body)
            assert response.status_code == 201, (path, response.get_json())
    return case_id


def _statements(client, path: str) -> list[str]:  # noqa: ANN001
    # every engine: the page's (read or read-write) and its sign-in's
    with recorded_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return statements


def test_the_case_page_sends_as_many_statements_for_3n_rows_as_for_n(page_client, web_org):
    client = page_client("counselor")
    small, big = _fill(web_org.counselor, 1), _fill(web_org.counselor, 3)
    client.get(f"/cases/{small}")  # warm: first-request work (the rules, the templates) is not the page's
    few, many = _statements(client, f"/cases/{small}"), _statements(client, f"/cases/{big}")
    assert "Terry Tenant 2" in client.get(f"/cases/{big}").text  # the big case's rows are on its page
    assert len(many) == len(few), "\n".join(s.split("WHERE")[0][-120:] for s in many)
    # and the page reads each list once: no section loads the case's events or deadlines again
    assert sum("FROM case_events" in s for s in many) == 1, [s for s in many if "FROM case_events" in s]
    assert sum("FROM deadlines" in s for s in many) == 1, [s for s in many if "FROM deadlines" in s]
    # no list is counted: none has a full first page, so its rows are its total
    assert not [s for s in many if "count(" in s.lower()], [s for s in many if "count(" in s.lower()]


def test_a_case_assigned_to_the_caller_reads_the_caller_once(page_client, web_org):
    """The signed-in user's row, read for the sign-in, is the case's assignee too: not read again."""
    member = web_org.attorney
    response = member.post("/api/v1/cases", json=case_payload(assigned_to=member.user_id))
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["id"]
    client = page_client("attorney")
    client.get(f"/cases/{case_id}")
    statements = _statements(client, f"/cases/{case_id}")
    by_id = [s for s in statements if "FROM users" in s and "users.id = " in s]
    assert len(by_id) == 1, by_id
    assert "Attorney" in client.get(f"/cases/{case_id}").text.split("Assigned to")[1][:80]


@pytest.mark.skipif(BACKEND != "postgresql", reason="the row-level security scope is PostgreSQL's")
def test_a_page_sets_the_scope_twice_across_organisations_for_the_sign_in_then_its_own(page_client, web_org):
    """Signing in from the cookie reads the user across organisations, then the request works for the user's
    organisation: two scope statements, none restoring the scope in between (every page pays each one)."""
    client = page_client("viewer")
    client.get("/cases")
    scopes = [s for s in _statements(client, "/cases") if "set_config" in s]
    assert len(scopes) == 2, scopes
