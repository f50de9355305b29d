"""The cases resource: create, read, update with If-Match, soft delete, list, filters, validation, audit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Case
from tests.conftest import case_payload


def count_cases(db_session, org_id: int) -> int:
    return db_session.scalar(select(func.count()).select_from(Case).where(Case.org_id == org_id))


def test_create_and_read_a_case(org, new_case):
    created = new_case()
    assert created["client"]["last_name"] == "Gonzalez"
    assert created["co_borrowers"] == [
        {"first_name": "Luis", "last_name": "Gonzalez", "email": None, "phone": None, "preferred_language": None}
    ]
    assert created["loan"]["unpaid_principal"] == "600000.00"  # money is a decimal string
    assert created["property"]["acreage"] == "0.250"
    assert created["stage"] == "intake" and created["version"] == 1
    response = org.viewer.get(f"/api/v1/cases/{created['id']}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.get_json()["loan"]["loan_number"] == "4000123456"  # full in the detail


def test_create_answers_location_and_etag(org):
    response = org.attorney.post("/api/v1/cases", json=case_payload())
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/v1/cases/{response.get_json()['id']}"
    assert response.headers["ETag"] == '"1"'


def test_list_masks_loan_numbers_and_says_its_total(org, new_case):
    for _ in range(3):
        new_case()
    body = org.attorney.get("/api/v1/cases?per_page=2").get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 2 and len(body["items"]) == 2
    assert body["items"][0]["loan"]["loan_number"] == "******3456"
    past_the_end = org.attorney.get("/api/v1/cases?page=9").get_json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 3


def test_default_page_size_is_20(org, new_case):
    for _ in range(21):
        new_case()
    body = org.attorney.get("/api/v1/cases").get_json()
    assert body["per_page"] == 20 and len(body["items"]) == 20 and body["total"] == 21


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "per_page=0",
        "per_page=101",
        "page=x",
        "per_page=2.5",
        "sort=nope",
        "state=XX",
        "stage=nowhere",
        "bogus=1",
    ],
)
def test_bad_list_parameters_answer_422(org, query):
    response = org.attorney.get(f"/api/v1/cases?{query}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.get_json()["errors"]


def test_filters(org, new_case):
    il = new_case()
    mn = new_case(
        property={"state": "MN", "street": "88 Maple Ave", "zip": "55406"},
        client={"first_name": "James", "last_name": "Carter", "email": "jc@example.com"},
        loan={"loan_number": "7712009931"},
        co_borrowers=[{"first_name": "Ann", "last_name": "Zed", "email": "ann.zed@example.org"}],
        assigned_to=org.counselor.user_id,
    )

    def ids(query):
        return [c["id"] for c in org.attorney.get(f"/api/v1/cases?{query}").get_json()["items"]]

    assert ids("state=MN") == [mn["id"]]
    assert ids(f"assigned_to={org.counselor.user_id}") == [mn["id"]]
    assert ids("stage=intake&sort=created_at") == [il["id"], mn["id"]]
    assert ids("q=CARTER") == [mn["id"]]  # client name, case-insensitive
    assert ids("q=james carter") == [mn["id"]]  # full name
    assert ids("q=ann.zed@EXAMPLE") == [mn["id"]]  # a co-borrower's e-mail
    assert ids("q=9931") == [mn["id"]]  # loan number
    assert ids("q=maple") == [mn["id"]]  # street
    assert ids("q=100%") == []  # LIKE wildcards are literal
    assert ids("sort=client_last_name") == [mn["id"], il["id"]]
    assert ids("sort=-client_last_name") == [il["id"], mn["id"]]


def test_update_merges_and_bumps_the_version(org, new_case):
    case = new_case()
    response = org.paralegal.patch(
        f"/api/v1/cases/{case['id']}", json={"property": {"zip": "60614"}}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["property"]["zip"] == "60614" and body["property"]["street"] == "1420 W Addison St"
    assert body["version"] == 2 and response.headers["ETag"] == '"2"'


def test_stale_update_answers_412_and_changes_nothing(org, new_case, db_session):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}"
    assert org.attorney.patch(path, json={"notes": "first"}, headers={"If-Match": '"1"'}).status_code == 200
    stale = org.counselor.patch(path, json={"notes": "second"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.content_type == "application/problem+json"
    assert org.attorney.get(path).get_json()["notes"] == "first"


def test_update_without_if_match_answers_428(org, new_case):
    case = new_case()
    response = org.attorney.patch(f"/api/v1/cases/{case['id']}", json={"notes": "x"})
    assert response.status_code == 428


def test_concurrent_updates_one_wins(org, new_case):
    """Two writers read version 1; the version column makes the second commit fail with 412."""
    import threading

    case = new_case()
    path = f"/api/v1/cases/{case['id']}"
    results = []

    def write(member, note):
        results.append(member.patch(path, json={"notes": note}, headers={"If-Match": '"1"'}).status_code)

    threads = [threading.Thread(target=write, args=(m, m.role)) for m in (org.attorney, org.counselor)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [200, 412]
    assert org.attorney.get(path).get_json()["version"] == 2


def test_soft_delete_keeps_the_history(org, new_case, db_session):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}"
    assert org.attorney.delete(path).status_code == 204
    assert org.attorney.get(path).status_code == 404
    assert org.attorney.get("/api/v1/cases").get_json()["total"] == 0
    assert db_session.get(Case, case["id"]).deleted_at is not None  # still there
    history = org.attorney.get(f"{path}/history").get_json()["items"]
    assert [e["action"] for e in history] == ["create", "delete"]


def test_delete_with_a_stale_if_match_answers_412(org, new_case):
    case = new_case()
    response = org.attorney.delete(f"/api/v1/cases/{case['id']}", headers={"If-Match": '"7"'})
    assert response.status_code == 412


def test_audit_records_who_when_and_before_after(org, new_case):
    case = new_case()
    org.attorney.patch(
        f"/api/v1/cases/{case['id']}",
        json={"loan": {"credits": "100.50"}, "client": {"phone": None}},
        headers={"If-Match": '"1"'},
    )
    history = org.viewer.get(f"/api/v1/cases/{case['id']}/history").get_json()
    assert history["total"] == 2
    created, updated = history["items"]
    assert created["action"] == "create" and created["actor"] == org.attorney.user_id
    assert created["changes"]["client.last_name"] == {"before": None, "after": "Gonzalez"}
    assert updated["changes"] == {
        "loan.credits": {"before": "0.00", "after": "100.50"},
        "client.phone": {"before": "312-555-0100", "after": None},
    }
    assert updated["at"]


def test_audit_log_is_append_only_on_postgresql(org, new_case, db_session):
    if db_session.bind.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    new_case()
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.org_id == org.id)).first()
    entry.action = "forged"
    with pytest.raises(Exception, match="append-only"):
        db_session.commit()


@pytest.mark.parametrize(
    "overrides,bad_fields",
    [
        ({"property": {"state": "ZZ"}}, ["property.state"]),
        ({"property": {"zip": "1234"}}, ["property.zip"]),
        ({"client": {"email": "not-an-email"}}, ["client.email"]),
        ({"loan": {"unpaid_principal": "-1.00"}}, ["loan.unpaid_principal"]),
        ({"loan": {"unpaid_principal": 1000.5}}, ["loan.unpaid_principal"]),  # money is a string, never a float
        ({"loan": {"credits": "10.005"}}, ["loan.credits"]),
        ({"loan": {"investor": "bank"}}, ["loan.investor"]),
        ({"property": {"occupancy": "castle", "dwelling_units": 0}}, ["property.dwelling_units", "property.occupancy"]),
        ({"client": {"first_name": "x" * 201}}, ["client.first_name"]),
        ({"notes": "x" * 10_001}, ["notes"]),
        ({"foreclosure_process": "trial_by_combat"}, ["foreclosure_process"]),
        (
            {
                "loan": {"original_principal": "-5.00", "amount_claimed_at_sale": 12.5, "executed_on": "1850-01-01"},
                "property": {"homestead_claimed": "maybe"},
            },
            [
                "loan.amount_claimed_at_sale",
                "loan.executed_on",
                "loan.original_principal",
                "property.homestead_claimed",
            ],
        ),
        ({"surprise": True}, ["surprise"]),
        ({"client": {"last_name": ""}, "property": {"state": None}}, ["client.last_name", "property.state"]),
    ],
)
def test_bad_input_names_each_field_and_writes_nothing(org, db_session, overrides, bad_fields):
    before = count_cases(db_session, org.id)
    response = org.attorney.post("/api/v1/cases", json=case_payload(**overrides))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert sorted(body["errors"]) == bad_fields
    assert body["status"] == 422 and body["title"] and body["detail"]
    assert count_cases(db_session, org.id) == before


def test_assignee_of_another_organisation_is_422(org, other_org, db_session):
    response = org.attorney.post("/api/v1/cases", json=case_payload(assigned_to=other_org.attorney.user_id))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["assigned_to"]
    assert count_cases(db_session, org.id) == 0


def test_bad_patch_changes_nothing(org, new_case):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}"
    response = org.attorney.patch(
        path, json={"notes": "kept?", "property": {"zip": "nope"}}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422
    after = org.attorney.get(path).get_json()
    assert after["notes"] is None and after["version"] == 1


def test_viewer_cannot_write(org, new_case):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}"
    assert org.viewer.post("/api/v1/cases", json=case_payload()).status_code == 403
    assert org.viewer.patch(path, json={"notes": "x"}, headers={"If-Match": '"1"'}).status_code == 403
    assert org.viewer.delete(path).status_code == 403
    assert org.viewer.get(path).status_code == 200


@pytest.mark.parametrize("role", ["admin", "attorney", "paralegal", "counselor"])
def test_staff_roles_can_write(org, role):
    assert getattr(org, role).post("/api/v1/cases", json=case_payload()).status_code == 201


def test_wrong_content_type_is_415_and_oversized_body_413(org):
    response = org.attorney.post("/api/v1/cases", data="client=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response.content_type == "application/problem+json"
    big = org.attorney.post("/api/v1/cases", json=case_payload(notes="x" * (1024 * 1024 + 10)))
    assert big.status_code == 413 and big.content_type == "application/problem+json"


def test_malformed_json_is_a_problem_document_that_says_where(org):
    response = org.attorney.post("/api/v1/cases", data='{"client":\n  {nope', content_type="application/json")
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["detail"].startswith("The body is not valid JSON: ")
    assert "line 2, column 4" in problem["detail"]
    assert "_schema" not in json.dumps(problem)


def test_body_that_is_not_utf8_is_a_clear_400(org):
    response = org.attorney.post("/api/v1/cases", data=b'{"notes": "\xff"}', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("The body is not valid JSON: ")
    assert "column 12" in response.get_json()["detail"]


def test_errors_about_the_whole_body_are_keyed_body_not_marshmallows_schema(org):
    response = org.attorney.post("/api/v1/cases", json=["not", "an", "object"])
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["body"]


def test_unknown_route_and_method_are_problem_documents(org):
    assert org.attorney.get("/api/v1/nowhere").content_type == "application/problem+json"
    response = org.attorney.put("/api/v1/cases/1", json={})
    assert response.status_code == 405 and response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"client": {"first_name": "Ma\x00ria"}}, "client.first_name"),  # found by schemathesis on PostgreSQL
        ({"property": {"zip": "60613\n"}}, "property.zip"),
        ({"client": {"phone": "312-555-0100\n"}}, "client.phone"),
    ],
)
def test_nul_and_line_breaks_are_refused(org, overrides, field):
    response = org.attorney.post("/api/v1/cases", json=case_payload(**overrides))
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_huge_ids_and_pages_are_not_server_errors(org, new_case):
    new_case()
    assert org.attorney.get("/api/v1/cases/99999999999999999999").status_code == 404
    assert org.attorney.get("/api/v1/cases?page=254152323937072399278669824").status_code == 200
    assert org.attorney.get("/api/v1/cases?assigned_to=99999999999999").status_code == 422


def test_if_match_star_matches_the_current_version_and_a_list_matches_any_listed(org, new_case):
    case = new_case()
    path = f"/api/v1/cases/{case['id']}"
    assert org.attorney.patch(path, json={"notes": "any"}, headers={"If-Match": "*"}).status_code == 200
    assert org.attorney.patch(path, json={"notes": "listed"}, headers={"If-Match": '"1", "2"'}).status_code == 200
    stale = org.attorney.patch(path, json={"notes": "stale"}, headers={"If-Match": '"1", "2"'})
    assert stale.status_code == 412
    assert org.attorney.get(path).get_json()["notes"] == "listed"
    assert org.attorney.patch("/api/v1/cases/999999", json={"notes": "x"}, headers={"If-Match": "*"}).status_code == 404


@pytest.mark.parametrize("route", ["case", "event", "deadline", "preferences", "org-preferences"])
def test_a_put_or_patch_without_a_body_is_refused_and_changes_nothing(org, new_case, route):
    case = new_case()
    event = org.attorney.post(
        f"/api/v1/cases/{case['id']}/events", json={"type": "first_missed_payment", "occurred_on": "2026-01-01"}
    ).get_json()
    deadline = org.attorney.post(
        f"/api/v1/cases/{case['id']}/deadlines", json={"title": "Call back", "due_on": "2026-12-01"}
    ).get_json()
    member = org.admin
    method, path, headers = {
        "case": ("patch", f"/api/v1/cases/{case['id']}", {"If-Match": '"1"'}),
        "event": ("patch", f"/api/v1/events/{event['id']}", {}),
        "deadline": ("patch", f"/api/v1/deadlines/{deadline['id']}", {}),
        "preferences": ("put", "/api/v1/me/notification-preferences", {}),
        "org-preferences": ("put", "/api/v1/notification-preferences", {}),
    }[route]
    history = member.get(f"/api/v1/cases/{case['id']}/history?per_page=100").get_json()["total"]
    response = getattr(member.client, method)(path, headers={"Authorization": f"Bearer {member.token}", **headers})
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert member.get(f"/api/v1/cases/{case['id']}/history?per_page=100").get_json()["total"] == history
