"""Parties on a case, conflict checks, servicer aliases and marked conflicts through the API."""

from __future__ import annotations

from tests.conftest import case_payload


def parties_of(member, case_id):
    return member.get(f"/api/v1/cases/{case_id}/parties").get_json()["items"]


def test_a_new_case_has_its_client_co_borrowers_and_servicer_as_parties(org, new_case):
    case = new_case()
    parties = {(p["role"], p["side"], p["name"], p["is_organisation"]) for p in parties_of(org.viewer, case["id"])}
    assert parties == {
        ("client", "ours", "Maria Gonzalez", False),
        ("co_borrower", "ours", "Luis Gonzalez", False),
        ("servicer", "adverse", "Midland", True),
    }


def test_changing_the_case_changes_its_parties(org, new_case):
    case = new_case()
    response = org.attorney.patch(
        f"/api/v1/cases/{case['id']}",
        json={
            "client": {"first_name": "María José", "preferred_language": "Spanish"},
            "co_borrowers": [],
            "loan": {"servicer": "Nationstar Mortgage LLC"},
        },
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.get_json()
    parties = {p["role"]: p for p in parties_of(org.attorney, case["id"])}
    assert set(parties) == {"client", "servicer"}
    assert parties["client"]["name"] == "María José Gonzalez"
    assert parties["client"]["preferred_language"] == "es"
    assert parties["servicer"]["name"] == "Nationstar Mortgage LLC"


def test_parties_crud_audited_and_mirrored_parties_change_on_the_case(org, new_case):
    case = new_case()
    created = org.paralegal.post(
        f"/api/v1/cases/{case['id']}/parties",
        json={"role": "plaintiff", "name": "U.S. Bank N.A., as Trustee", "address": "1 Main St"},
    )
    assert created.status_code == 201, created.get_json()
    party = created.get_json()
    assert party["side"] == "adverse" and party["is_organisation"] is True and party["mirrors_case"] is False
    changed = org.paralegal.patch(f"/api/v1/parties/{party['id']}", json={"name": "U.S. Bank National Association"})
    assert changed.status_code == 200 and changed.get_json()["name"] == "U.S. Bank National Association"
    assert org.paralegal.delete(f"/api/v1/parties/{party['id']}").status_code == 204
    assert org.paralegal.get(f"/api/v1/parties/{party['id']}").status_code == 404
    history = org.admin.get(f"/api/v1/cases/{case['id']}/history?per_page=100").get_json()["items"]
    assert [e["action"] for e in history if e["entity_type"] == "party"] == ["create", "update", "delete"]

    client = next(p for p in parties_of(org.attorney, case["id"]) if p["role"] == "client")
    refused = org.attorney.patch(f"/api/v1/parties/{client['id']}", json={"name": "Someone Else"})
    assert refused.status_code == 422 and "name" in refused.get_json()["errors"]
    assert (
        org.attorney.patch(f"/api/v1/parties/{client['id']}", json={"address": "1420 W Addison St"}).status_code == 200
    )
    assert org.attorney.delete(f"/api/v1/parties/{client['id']}").status_code == 409


def test_bad_party_input_is_refused_and_nothing_is_written(org, new_case):
    case = new_case()
    before = len(parties_of(org.attorney, case["id"]))
    for body in (
        {"role": "landlord", "name": "X"},
        {"role": "tenant", "name": ""},
        {"role": "tenant", "name": "X", "preferred_language": "fr"},
        {"role": "co_borrower", "name": "X", "side": "adverse"},
        {"role": "client", "name": "X"},
        {"role": "tenant", "name": "X", "extra": 1},
        {"role": "tenant", "name": "x" * 201},
    ):
        response = org.attorney.post(f"/api/v1/cases/{case['id']}/parties", json=body)
        assert response.status_code == 422, body
        assert response.content_type == "application/problem+json"
    assert len(parties_of(org.attorney, case["id"])) == before


def test_viewers_read_but_do_not_write(org, new_case):
    case = new_case()
    assert (
        org.viewer.post(f"/api/v1/cases/{case['id']}/parties", json={"role": "tenant", "name": "T"}).status_code == 403
    )
    assert (
        org.viewer.post("/api/v1/conflict-checks", json={"parties": [{"name": "A B", "role": "client"}]}).status_code
        == 403
    )
    assert org.viewer.get(f"/api/v1/cases/{case['id']}/parties").status_code == 200


def run_check(member, *parties, **extra):
    response = member.post("/api/v1/conflict-checks", json={"parties": list(parties), **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_conflict_check_finds_existing_parties_with_reasons(org, new_case):
    case = new_case()
    check = run_check(
        org.counselor,
        {"name": "GONZALEZ, MARÍA", "role": "client"},
        {"name": "Midland Mortgage, LLC", "role": "servicer"},
    )
    by_name = {(m["prospective"]["name"], m["party"]["name"]): m for m in check["matches"]}
    client = by_name[("GONZALEZ, MARÍA", "Maria Gonzalez")]
    assert client["case_id"] == case["id"] and client["party"]["side"] == "ours"
    assert "Last, First" in client["reason"] and 0 < client["score"] <= 1
    assert client["relation"] == "same_side"
    # Another Gonzalez who is not Maria: her last name alone is no match, nor is "Maria" alone.
    assert ("GONZALEZ, MARÍA", "Luis Gonzalez") not in by_name
    assert run_check(org.counselor, {"name": "Maria Lopez", "role": "client"})["matches"] == []
    # Recorded: who ran it, on what, and what it found.
    stored = org.viewer.get(f"/api/v1/conflict-checks/{check['id']}").get_json()
    assert stored["ran_by"] == org.counselor.user_id and stored["matches"] == check["matches"]
    assert stored["parties"][0]["name"] == "GONZALEZ, MARÍA"


def test_a_prospective_client_who_is_adverse_elsewhere_is_an_opposed_match(org, new_case):
    case = new_case()
    org.attorney.post(
        f"/api/v1/cases/{case['id']}/parties",
        json={"role": "opposing_counsel", "name": "Robert Kline", "is_organisation": False, "email": "rk@firm.example"},
    )
    check = run_check(org.attorney, {"name": "Bob Kline", "role": "client"})
    [match] = check["matches"]
    assert match["relation"] == "opposed" and "forms of one first name" in match["reason"]
    by_email = run_check(org.attorney, {"name": "R. Smith", "role": "client", "email": "RK@firm.example"})
    assert by_email["matches"][0]["reason"].startswith("same e-mail") and by_email["matches"][0]["score"] == 1.0


def test_closed_cases_count_and_deleted_ones_do_not(org, new_case):
    closed = new_case(outcome="dismissed")
    deleted = new_case(client={"first_name": "Zed", "last_name": "Quinn"})
    org.attorney.delete(f"/api/v1/cases/{deleted['id']}")
    found = {m["case_id"] for m in run_check(org.attorney, {"name": "Maria Gonzalez", "role": "client"})["matches"]}
    assert closed["id"] in found
    assert run_check(org.attorney, {"name": "Zed Quinn", "role": "client"})["matches"] == []


def test_servicer_aliases_are_admins_to_write_and_widen_the_check(org, new_case):
    new_case(loan={"servicer": "Ocwen Loan Servicing, LLC"})
    assert run_check(org.attorney, {"name": "PHH Mortgage Corporation", "role": "servicer"})["matches"] == []
    assert (
        org.attorney.post("/api/v1/servicer-aliases", json={"name": "Ocwen", "alias": "PHH Mortgage"}).status_code
        == 403
    )
    created = org.admin.post("/api/v1/servicer-aliases", json={"name": "Ocwen Loan Servicing", "alias": "PHH Mortgage"})
    assert created.status_code == 201
    assert (
        org.admin.post(
            "/api/v1/servicer-aliases", json={"name": "Ocwen Loan Servicing", "alias": "PHH Mortgage"}
        ).status_code
        == 409
    )
    [match] = run_check(org.attorney, {"name": "PHH Mortgage Corporation", "role": "servicer"})["matches"]
    assert "alias" in match["reason"] and match["party"]["role"] == "servicer"
    assert org.viewer.get("/api/v1/servicer-aliases").get_json()["total"] == 1


def test_a_check_is_filed_under_its_case_and_excludes_it(org, new_case):
    check = run_check(org.attorney, {"name": "Ana Diaz", "role": "client"})
    case = new_case(client={"first_name": "Ana", "last_name": "Diaz"})
    attached = org.attorney.patch(f"/api/v1/conflict-checks/{check['id']}", json={"case_id": case["id"]})
    assert attached.status_code == 200 and attached.get_json()["case_id"] == case["id"]
    listed = org.viewer.get(f"/api/v1/cases/{case['id']}/conflict-checks").get_json()
    assert [c["id"] for c in listed["items"]] == [check["id"]]
    rerun = run_check(org.attorney, {"name": "Ana Diaz", "role": "client"}, case_id=case["id"])
    assert rerun["matches"] == []  # the case's own client is not a conflict with itself


def test_co_borrower_conflict_marked_and_waived_in_the_audit(org, new_case):
    case = new_case()
    borrowers = [p["id"] for p in parties_of(org.attorney, case["id"]) if p["side"] == "ours"]
    marked = org.attorney.post(
        f"/api/v1/cases/{case['id']}/conflicts",
        json={"kind": "co_borrower", "party_ids": borrowers, "description": "Divorce pending; interests may diverge."},
    )
    assert marked.status_code == 201, marked.get_json()
    conflict = marked.get_json()
    no_reason = org.attorney.patch(f"/api/v1/conflicts/{conflict['id']}", json={"status": "waived"})
    assert no_reason.status_code == 422 and "waiver_reason" in no_reason.get_json()["errors"]
    waived = org.attorney.patch(
        f"/api/v1/conflicts/{conflict['id']}",
        json={"status": "waived", "waiver_reason": "Both clients gave informed consent, confirmed in writing."},
    ).get_json()
    assert waived["status"] == "waived" and waived["waived_by_id"] == org.attorney.user_id and waived["waived_at"]
    history = org.admin.get(f"/api/v1/cases/{case['id']}/history?per_page=100").get_json()["items"]
    waiver = [e for e in history if e["entity_type"] == "conflict" and e["action"] == "waive"]
    assert waiver and waiver[0]["actor"] == org.attorney.user_id
    assert "informed consent" in waiver[0]["changes"]["waiver_reason"]["after"]
    one = org.attorney.post(
        f"/api/v1/cases/{case['id']}/conflicts",
        json={"kind": "co_borrower", "party_ids": borrowers[:1], "description": "x"},
    )
    assert one.status_code == 422


def test_ids_of_another_organisation_in_bodies_answer_422(org, other_org, new_case):
    mine = new_case()
    theirs = other_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()
    theirs_check = other_org.attorney.post(
        "/api/v1/conflict-checks", json={"parties": [{"name": "A B", "role": "client"}]}
    ).get_json()
    assert (
        org.attorney.post(
            "/api/v1/conflict-checks", json={"parties": [{"name": "A B", "role": "client"}], "case_id": theirs["id"]}
        ).status_code
        == 422
    )
    assert (
        org.attorney.post(
            f"/api/v1/cases/{mine['id']}/conflicts",
            json={"kind": "other", "conflict_check_id": theirs_check["id"], "description": "x"},
        ).status_code
        == 422
    )
    # and the other organisation's parties are never matched
    assert run_check(org.attorney, {"name": "Maria Gonzalez", "role": "client"})["matches"][0]["case_id"] == mine["id"]
    assert all(
        m["case_id"] != theirs["id"]
        for m in run_check(org.attorney, {"name": "Maria Gonzalez", "role": "client"})["matches"]
    )
