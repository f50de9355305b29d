"""Tenancy and roles on every page route, as in the API: another organisation's object answers 404 (before
any role check), and a viewer's every write answers 403 with nothing written."""

from __future__ import annotations

import io

import pytest

from tests.conftest import case_payload, org_today


@pytest.fixture()
def objects(web_org):  # noqa: ANN001
    member = web_org.attorney
    case = member.post("/api/v1/cases", json=case_payload()).get_json()
    event = member.post(
        f"/api/v1/cases/{case['id']}/events",
        json={"type": "complaint_served", "occurred_on": org_today().isoformat()},
    ).get_json()
    deadline = member.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["items"][0]
    communication = member.post(
        f"/api/v1/cases/{case['id']}/communications",
        json={
            "occurred_at": "2026-01-05T10:00:00",
            "channel": "letter",
            "direction": "outbound",
            "counterparty_type": "servicer",
            "category": "other",
        },
    ).get_json()
    attachment = member.client.post(
        f"/api/v1/communications/{communication['id']}/attachments",
        headers={"Authorization": f"Bearer {member.token}"},
        data={"file": (io.BytesIO(b"proof of mailing"), "proof.txt")},
    ).get_json()
    report = member.post(f"/api/v1/cases/{case['id']}/reports", json={"type": "case_timeline"}).get_json()
    party = member.post(
        f"/api/v1/cases/{case['id']}/parties", json={"role": "tenant", "name": "Walk Tenant"}
    ).get_json()
    upload = member.client.post(
        "/api/v1/imports",
        headers={"Authorization": f"Bearer {member.token}"},
        data={"file": (io.BytesIO(b"Borrower Name,State\nAna Diaz,IL\n"), "walk.csv")},
    )
    alias = web_org.admin.post(
        "/api/v1/servicer-aliases", json={"name": "Midland", "alias": "MidFirst Bank"}
    ).get_json()
    mapping = web_org.admin.post(
        "/api/v1/import-mappings", json={"name": "Walk", "mapping": {"State": "property.state"}}
    ).get_json()
    token = web_org.admin.post(f"/api/v1/users/{member.user_id}/tokens", json={"label": "walk"}).get_json()
    waiver = member.post(
        f"/api/v1/cases/{case['id']}/waiver-requests",
        json={"resolution": "short_sale", "recipient": "Midland", "ask": "full_waiver"},
    ).get_json()
    appointment = member.post(
        f"/api/v1/cases/{case['id']}/appointments",
        json={"kind": "court_date", "starts_at": "2027-01-05T09:30:00", "place": "Daley Center"},
    ).get_json()
    return {
        "appointment_id": appointment["id"],
        "user_id": member.user_id,
        "token_id": token["id"],
        "case_id": case["id"],
        "event_id": event["id"],
        "deadline_id": deadline["id"],
        "communication_id": communication["id"],
        "attachment_id": attachment["id"],
        "report_id": report["id"],
        "party_id": party["id"],
        "import_id": upload.get_json()["id"],
        "alias_id": alias["id"],
        "mapping_id": mapping["id"],
        "waiver_request_id": waiver["id"],
    }


def page_routes(app, with_ids: bool):  # noqa: ANN001
    from service.web.helpers import PAGE_BLUEPRINTS

    for rule in app.url_map.iter_rules():
        # The signed-out link routes (/reset/<token>, /invite/<token>) hold no organisation's object.
        if (
            rule.endpoint.split(".")[0] in PAGE_BLUEPRINTS
            and rule.endpoint != "web.static"
            and "token" not in rule.arguments
        ):
            if bool(set(rule.arguments) - {"code"}) == with_ids and "code" not in rule.arguments:
                yield rule


def fill(rule, objects) -> str:  # noqa: ANN001
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<id:{name}>", str(objects[name]))
    return path


def test_every_page_route_with_an_id_answers_404_to_another_organisation(app, page_client, make_org, objects):
    import os

    from tests.web.conftest import with_passwords

    other = with_passwords(make_org(), os.environ["DATABASE_URL"])
    checked = 0
    for role in ("admin", "viewer"):
        client = page_client(role, org=other)
        for rule in page_routes(app, with_ids=True):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = (
                    client.get(fill(rule, objects)) if method == "GET" else client.post(fill(rule, objects), data={})
                )
                assert response.status_code == 404, (method, rule.rule, role, response.status_code)
                checked += 1
    assert checked >= 8


# A viewer keeps their own account: profile, password, two-factor, reminders and calendar feed.
SELF_SERVICE = (
    "/settings/profile",
    "/settings/password",
    "/settings/notifications",
    "/settings/calendar",
    "/settings/two-factor",
)


def test_a_viewer_cannot_write_on_any_page_and_nothing_is_written(app, page_client, web_org, objects):
    client = page_client("viewer")
    before = web_org.attorney.get(f"/api/v1/cases/{objects['case_id']}/history").get_json()["total"]
    cases_before = web_org.attorney.get("/api/v1/cases").get_json()["total"]
    posts = 0
    for with_ids in (True, False):
        for rule in page_routes(app, with_ids=with_ids):
            if (
                "POST" not in rule.methods
                or rule.endpoint in ("web.login", "web.logout")
                or rule.rule.startswith("/login/")
                or rule.endpoint.startswith("accounts.")
                or rule.rule.startswith(SELF_SERVICE)
            ):
                continue  # the signed-out steps (sign-in, reset, invitation) change no organisation's data
            data = {
                "status": "met",
                "type": "complaint_served",
                "occurred_on": org_today().isoformat(),
                "title": "x",
                "due_on": org_today().isoformat(),
                "client.first_name": "V",
                "client.last_name": "W",
                "property.state": "IL",
            }
            response = client.post(fill(rule, objects), data=data)
            assert response.status_code == 403, (rule.rule, response.status_code)
            posts += 1
    assert posts >= 5
    assert web_org.attorney.get(f"/api/v1/cases/{objects['case_id']}/history").get_json()["total"] == before
    assert web_org.attorney.get("/api/v1/cases").get_json()["total"] == cases_before


def test_page_writes_without_a_csrf_token_are_refused_and_write_nothing(page_client, web_org, objects):
    client = page_client("attorney")
    before = web_org.attorney.get(f"/api/v1/cases/{objects['case_id']}/history").get_json()["total"]
    cases_before = web_org.attorney.get("/api/v1/cases").get_json()["total"]
    refused = [
        client.post(
            "/cases/new", csrf=False, data={"client.first_name": "A", "client.last_name": "B", "property.state": "IL"}
        ),
        client.post(
            f"/cases/{objects['case_id']}/events",
            csrf=False,
            data={"type": "first_missed_payment", "occurred_on": "2026-01-01"},
        ),
        client.post(f"/deadlines/{objects['deadline_id']}/status", csrf=False, data={"status": "met"}),
        client.post(f"/events/{objects['event_id']}/delete", csrf=False),
    ]
    assert [r.status_code for r in refused] == [400] * 4
    assert web_org.attorney.get(f"/api/v1/cases/{objects['case_id']}/history").get_json()["total"] == before
    assert web_org.attorney.get("/api/v1/cases").get_json()["total"] == cases_before
