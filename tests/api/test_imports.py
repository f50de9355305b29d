"""Spreadsheet imports: refusals, the dry run (writes nothing), the commit (as the API would), re-running
(nothing twice), a worker that died mid-commit, the failed rows and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest


HEADERS = "Case ID,Borrower Name,Email,State,Servicer,UPB,Sale Date,Complaint Served\n"
GOOD = (
    "A-1,\"Garcia, José\",jose@example.com,IL,Acme Servicing LLC,\"$250,000\",03/04/2027,2026-01-15\n"
    "A-2,Ana Diaz,,TX,Midland,120000.5,2027-06-01,\n"
)
BAD = "A-3,Bob,,ZZ,,lots,someday,\n"


def upload(member, content: bytes | str, filename="cases.csv", mapping=None, **form):
    data = {"file": (io.BytesIO(content.encode() if isinstance(content, str) else content), filename), **form}
    if mapping is not None:
        data["mapping"] = json.dumps(mapping)
    return member.post("/api/v1/imports", data=data, content_type="multipart/form-data")


def run_worker(database_url, import_id):
    from service.db import session_factory
    from service.imports.service import process_import

    with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
        return process_import(session, import_id)


def checked(member, database_url, content, **kw):
    response = upload(member, content, **kw)
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"] == f"/api/v1/imports/{response.get_json()['id']}"
    run_worker(database_url, response.get_json()["id"])
    return member.get(response.headers["Location"]).get_json()


def case_count(member) -> int:
    return member.get("/api/v1/cases").get_json()["total"]


def test_dry_run_reports_every_row_and_writes_nothing(org, database_url):
    result = checked(org.attorney, database_url, HEADERS + GOOD + BAD)
    assert result["state"] == "checked" and result["mapping_guessed"] is True
    assert (
        result["mapping"]["Borrower Name"] == "client.name" and result["mapping"]["Sale Date"] == "event:sale_scheduled"
    )
    assert result["rows"]["total"] == 3 and result["rows"]["valid"] == 2 and result["rows"]["invalid"] == 1
    columns = {e["column"] for e in result["errors"] if e["row"] == 4}
    assert {"Borrower Name", "State", "UPB", "Sale Date"} <= columns
    first = result["preview"][0]
    assert first["action"] == "create" and first["would_create"]["client"] == "José Garcia"
    assert any("could be read two ways" in w["message"] and w["column"] == "Sale Date" for w in first["warnings"])
    assert case_count(org.attorney) == 0


def test_commit_creates_cases_as_the_api_does_and_a_rerun_creates_nothing_twice(org, database_url):
    result = checked(org.attorney, database_url, HEADERS + GOOD + BAD)
    committed = org.attorney.post(f"/api/v1/imports/{result['id']}/commit")
    assert committed.status_code == 202 and committed.get_json()["state"] == "committing"
    run_worker(database_url, result["id"])
    done = org.attorney.get(f"/api/v1/imports/{result['id']}").get_json()
    assert done["state"] == "committed" and done["rows"]["created"] == 2 and done["rows"]["failed"] == 0
    cases = org.attorney.get("/api/v1/cases?q=garcia").get_json()["items"]
    assert len(cases) == 1
    case = org.attorney.get(f"/api/v1/cases/{cases[0]['id']}").get_json()
    assert case["client"]["first_name"] == "José" and case["loan"]["unpaid_principal"] == "250000.00"
    events = org.attorney.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    assert {(e["type"], e["occurred_on"]) for e in events} == {
        ("sale_scheduled", "2027-03-04"),
        ("complaint_served", "2026-01-15"),
    }
    kinds = {d["kind"] for d in org.attorney.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["items"]}
    assert "answer_due" in kinds  # the recompute ran
    assert case["stage"] == "sale_scheduled"  # derived from the imported events
    # Reminder plans follow the imported deadlines (one recompute per case, after its events were added).
    notices = org.attorney.get(f"/api/v1/cases/{case['id']}/notices?per_page=100").get_json()["items"]
    sale = next(
        d
        for d in org.attorney.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["items"]
        if d["kind"] == "sale_date"
    )
    assert any(n["deadline_id"] == sale["id"] and n["kind"] == "reminder" for n in notices)
    parties = org.attorney.get(f"/api/v1/cases/{case['id']}/parties").get_json()["items"]
    assert {p["role"] for p in parties} == {"client", "servicer"}

    # The same file again: every row is known (by its Case ID) and nothing is created twice.
    again = checked(org.attorney, database_url, HEADERS + GOOD + BAD)
    assert again["rows"]["valid"] == 0 and again["rows"]["duplicates"] == 2
    assert org.attorney.post(f"/api/v1/imports/{again['id']}/commit").status_code == 409
    assert case_count(org.attorney) == 2


def test_rows_without_an_id_column_are_keyed_by_their_content(org, database_url):
    content = "Borrower Name,State\nAna Diaz,IL\nAna Diaz,IL\nLuis Ortiz,IL\n"
    first = checked(org.attorney, database_url, content)
    assert first["rows"]["valid"] == 2 and first["rows"]["duplicates"] == 1  # the repeated row
    org.attorney.post(f"/api/v1/imports/{first['id']}/commit")
    run_worker(database_url, first["id"])
    second = checked(org.attorney, database_url, content)
    assert second["rows"]["valid"] == 0
    assert case_count(org.attorney) == 2


def test_a_worker_that_died_mid_commit_resumes_without_duplicates(org, database_url):
    from service.db import session_factory
    from service.imports import service

    rows = "".join(f"R-{i},Person{i} Example,IL\n" for i in range(7))
    result = checked(org.attorney, database_url, "Case ID,Borrower Name,State\n" + rows)
    org.attorney.post(f"/api/v1/imports/{result['id']}/commit")
    # A worker claims the commit, makes one batch, then dies (its lease runs on, the state stays committing).
    original = service.BATCH_SIZE
    service.BATCH_SIZE = 3
    try:
        with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
            assert service._claim(session, result["id"], dt.datetime.now(dt.timezone.utc)) == "committing"

            class Died(Exception):
                pass

            def die_after_first_batch(session_, row_, percent):
                raise Died()

            row = session.get(service.Import, result["id"])
            with pytest.raises(Died):
                service.commit_rows(session, row, progress=die_after_first_batch)
        assert case_count(org.attorney) == 3
        # Another worker, after the lease ran out (what the rescan finds), takes over and finishes.
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=6)
        with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
            assert result["id"] in service.imports_to_enqueue(session, later)
            service.process_import(session, result["id"], now=later)
    finally:
        service.BATCH_SIZE = original
    done = org.attorney.get(f"/api/v1/imports/{result['id']}").get_json()
    assert done["state"] == "committed" and done["rows"]["created"] == 7
    assert case_count(org.attorney) == 7


@pytest.mark.parametrize(
    "content, filename, message",
    [
        ("Borrower Name,State\nJosé García,IL\n".encode("cp1252"), "cases.csv", "Windows-1252"),
        (b"%PDF-1.7 not a spreadsheet", "cases.pdf", "neither CSV nor XLSX"),
        (b"PK\x03\x04 broken zip", "cases.xlsx", "not a readable .xlsx"),
        ("Borrower Name,State\n=HYPERLINK(\"http://x\"),IL\n", "cases.csv", "formula"),
        ("", "cases.csv", "empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(org, content, filename, message):
    response = upload(org.attorney, content, filename)
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    assert message in response.get_json()["detail"]
    assert org.attorney.get("/api/v1/imports").get_json()["total"] == 0


def test_a_formula_in_an_xlsx_cell_is_refused_without_evaluating_it(org):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Borrower Name", "State", "UPB"])
    sheet.append(["Ana Diaz", "IL", "=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(org.attorney, buffer.getvalue(), "cases.xlsx")
    assert response.status_code == 422 and "C2" in response.get_json()["detail"]


def test_xlsx_with_real_dates_is_read(org, database_url):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Borrower Name", "State", "Complaint Served"])
    sheet.append(["Ana Diaz", "IL", dt.datetime(2026, 1, 15)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = checked(org.attorney, database_url, buffer.getvalue(), filename="cases.xlsx")
    assert result["format"] == "xlsx" and result["rows"]["valid"] == 1
    assert result["preview"][0]["would_create"]["events"] == [{"type": "complaint_served", "occurred_on": "2026-01-15"}]


def test_a_mapping_naming_a_missing_column_is_refused(org):
    response = upload(org.attorney, HEADERS + GOOD, mapping={"Borrower": "client.name", "State": "property.state"})
    assert response.status_code == 422
    assert "mapping.Borrower" in response.get_json()["errors"]
    unknown = upload(
        org.attorney, HEADERS + GOOD, mapping={"Borrower Name": "client.shoe_size", "State": "property.state"}
    )
    assert unknown.status_code == 422 and "mapping.Borrower Name" in unknown.get_json()["errors"]


def test_more_than_50_mb_answers_413(org, monkeypatch):
    from service.imports import api, reading

    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(api, "MAX_FILE_BYTES", 1000)
    response = upload(org.attorney, HEADERS + GOOD * 20)
    assert response.status_code == 413 and response.content_type == "application/problem+json"


def test_day_first_organisations_read_ambiguous_dates_their_way(org, database_url):
    assert org.attorney.put("/api/v1/intake-settings", json={"date_order": "day_first"}).status_code == 403
    assert org.admin.put("/api/v1/intake-settings", json={"date_order": "day_first"}).status_code == 200
    result = checked(org.attorney, database_url, "Borrower Name,State,Complaint Served\nAna Diaz,IL,03/04/2026\n")
    assert result["date_order"] == "day_first"
    assert result["preview"][0]["would_create"]["events"][0]["occurred_on"] == "2026-04-03"
    assert "day first" in result["preview"][0]["warnings"][0]["message"]


def test_dry_run_flags_possible_duplicates_and_conflicts(org, new_case, database_url):
    new_case()  # Maria Gonzalez, serviced by Midland
    content = "Borrower Name,State,Servicer\nMaría González,IL,Other Bank\nPat Doe,IL,\"Gonzalez, Maria\"\n"
    result = checked(
        org.attorney,
        database_url,
        content,
        mapping={"Borrower Name": "client.name", "State": "property.state", "Servicer": "loan.servicer"},
    )
    first, second = result["preview"]
    assert first["duplicates"] and "accents" in first["duplicates"][0]["reason"]
    assert result["rows"]["duplicates"] == 1


def test_reuse_an_earlier_mapping(org, database_url):
    mapping = {"Who": "client.name", "Where": "property.state"}
    first = upload(org.attorney, "Who,Where\nAna Diaz,IL\n", mapping=mapping).get_json()
    second = upload(org.attorney, "Who,Where\nLuis Ortiz,TX\n", reuse_mapping_of=str(first["id"]))
    assert second.status_code == 202 and second.get_json()["mapping"] == mapping


def test_failed_rows_come_back_as_csv_to_fix(org, database_url):
    result = checked(org.attorney, database_url, HEADERS + GOOD + BAD)
    response = org.attorney.get(f"/api/v1/imports/{result['id']}/failed-rows.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][-1] == "Errors" and len(rows) == 2 and rows[1][0] == "A-3"
    assert "State" in rows[1][-1]


def test_viewers_cannot_import_and_other_organisations_cannot_see(org, other_org, database_url):
    assert upload(org.viewer, HEADERS + GOOD).status_code == 403
    result = checked(org.attorney, database_url, HEADERS + GOOD)
    assert other_org.admin.get(f"/api/v1/imports/{result['id']}").status_code == 404
    assert other_org.admin.post(f"/api/v1/imports/{result['id']}/commit").status_code == 404
    assert org.viewer.post(f"/api/v1/imports/{result['id']}/commit").status_code == 403
    json_body = org.attorney.post("/api/v1/imports", json={"file": "x"})
    assert json_body.status_code == 415


def test_export_has_the_columns_an_import_reads_back(org, other_org, new_case, database_url):
    case = new_case(client={"first_name": "=cmd", "last_name": "Gonzalez"})
    org.attorney.post(
        f"/api/v1/cases/{case['id']}/events", json={"type": "first_missed_payment", "occurred_on": "2026-01-01"}
    )
    response = org.viewer.get("/api/v1/exports/cases.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1 and rows[0]["Last Name"] == "Gonzalez" and rows[0]["First Name"] == "'=cmd"
    assert rows[0]["First Missed Payment"] == "2026-01-01" and rows[0]["Unpaid Principal"] == "600000.00"
    from service.imports.mapping import guess_mapping

    headers = list(rows[0])
    mapping = guess_mapping(headers)
    assert len(mapping) == len(headers) and mapping["First Missed Payment"] == "event:first_missed_payment"
    # Brought into another organisation, the export makes the same case.
    exported = response.get_data()
    moved = checked(other_org.admin, database_url, exported.replace(b"'=cmd", b"Maria"))
    assert moved["rows"]["valid"] == 1, moved["errors"]
    assert "Gonzalez" not in other_org.admin.get("/api/v1/exports/cases.csv").get_data(as_text=True)


def test_saved_import_mappings_are_written_by_administrators_only(org, other_org):
    mapping = {"Borrower Name": "client.name", "State": "property.state", "Sale Date": "event:sale_scheduled"}
    refused = org.attorney.post("/api/v1/import-mappings", json={"name": "Partner", "mapping": mapping})
    assert refused.status_code == 403
    assert org.attorney.get("/api/v1/import-mappings").get_json()["total"] == 0
    saved = org.admin.post("/api/v1/import-mappings", json={"name": "Partner", "mapping": mapping})
    assert saved.status_code == 201 and saved.headers["Location"] == f"/api/v1/import-mappings/{saved.get_json()['id']}"
    assert org.attorney.get(saved.headers["Location"]).get_json()["mapping"] == mapping
    assert org.admin.post("/api/v1/import-mappings", json={"name": "Partner", "mapping": mapping}).status_code == 409
    bad = org.admin.post(
        "/api/v1/import-mappings", json={"name": "Other", "mapping": {"X": "client.shoe_size", "Y": "key", "Z": "key"}}
    )
    assert bad.status_code == 422 and {"mapping.X", "mapping"} <= set(bad.get_json()["errors"])
    assert [m["name"] for m in org.viewer.get("/api/v1/import-mappings").get_json()["items"]] == ["Partner"]
    assert other_org.admin.get("/api/v1/import-mappings").get_json()["total"] == 0


def test_a_saved_mapping_is_renamed_and_removed_by_administrators_only(org, other_org, db_session):
    mapping = {"Borrower Name": "client.name", "State": "property.state"}
    first = org.admin.post("/api/v1/import-mappings", json={"name": "Partner", "mapping": mapping}).get_json()
    org.admin.post("/api/v1/import-mappings", json={"name": "County list", "mapping": mapping})
    path = f"/api/v1/import-mappings/{first['id']}"

    assert org.attorney.patch(path, json={"name": "Partner monthly"}).status_code == 403
    assert org.attorney.delete(path).status_code == 403
    assert other_org.admin.patch(path, json={"name": "Mine now"}).status_code == 404
    assert other_org.admin.delete(path).status_code == 404
    taken = org.admin.patch(path, json={"name": "County list"})
    assert taken.status_code == 409 and "exists already" in taken.get_json()["detail"]
    blank = org.admin.patch(path, json={"name": "   "})
    assert blank.status_code == 422 and "name" in blank.get_json()["errors"]
    assert org.admin.get(path).get_json()["name"] == "Partner"  # nothing changed by the refusals

    renamed = org.admin.patch(path, json={"name": "Partner monthly"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Partner monthly"
    assert renamed.get_json()["mapping"] == mapping
    assert org.admin.delete(path).status_code == 204
    assert org.admin.get(path).status_code == 404
    assert [m["name"] for m in org.viewer.get("/api/v1/import-mappings").get_json()["items"]] == ["County list"]
    from sqlalchemy import select

    from models.audit import AuditEntry

    changes = {
        entry.action: entry.changes
        for entry in db_session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "import_mapping", AuditEntry.entity_id == first["id"])
        )
    }
    assert changes["update"] == {"name": {"before": "Partner", "after": "Partner monthly"}}
    assert changes["delete"]["name"] == {"before": "Partner monthly", "after": None}
    assert changes["delete"]["mapping.State"] == {"before": "property.state", "after": None}
