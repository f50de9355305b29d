"""Objects of the intake domain for the tenant walk: a party, a marked conflict, a conflict check, a servicer
alias, an import and a saved import mapping."""

from __future__ import annotations

import io


def make(owner, objects) -> dict:
    case_id = objects["case_id"]
    party = owner.attorney.post(
        f"/api/v1/cases/{case_id}/parties", json={"role": "tenant", "name": "Terry Tenant"}
    ).get_json()
    parties = owner.attorney.get(f"/api/v1/cases/{case_id}/parties").get_json()["items"]
    borrowers = [p["id"] for p in parties if p["role"] in ("client", "co_borrower")]
    conflict = owner.attorney.post(
        f"/api/v1/cases/{case_id}/conflicts",
        json={"kind": "co_borrower", "party_ids": borrowers, "description": "Divorcing"},
    ).get_json()
    check = owner.attorney.post(
        "/api/v1/conflict-checks", json={"parties": [{"name": "Maria Gonzalez", "role": "client"}]}
    ).get_json()
    alias = owner.admin.post(
        "/api/v1/servicer-aliases", json={"name": "Midland", "alias": "Midland Mortgage Co"}
    ).get_json()
    upload = owner.attorney.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(b"First Name,Last Name,State\nAna,Diaz,IL\n"), "cases.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 202, upload.get_json()
    saved = owner.admin.post(
        "/api/v1/import-mappings",
        json={"name": "Partner export", "mapping": {"Borrower Name": "client.name", "State": "property.state"}},
    )
    assert saved.status_code == 201, saved.get_json()
    return {
        "mapping_id": saved.get_json()["id"],
        "party_id": party["id"],
        "conflict_id": conflict["id"],
        "check_id": check["id"],
        "alias_id": alias["id"],
        "import_id": upload.get_json()["id"],
    }
