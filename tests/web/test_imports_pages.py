"""The import wizard: upload (a bad file refused next to its field), columns matched with suggestions from the
headers, the dry run in a worker (the page polls until it is checked), counts and row errors, the commit;
viewers read but cannot import. The worker's step runs as tests/api/test_imports.py runs it: the task body
(process_import) against the same database, while the page waits."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.api.test_imports import BAD, GOOD, HEADERS, run_worker


def upload(client, content: str | bytes, filename: str = "cases.csv"):  # noqa: ANN001
    data = {"file": (io.BytesIO(content.encode() if isinstance(content, str) else content), filename)}
    return client.post("/imports/new", data=data, content_type="multipart/form-data")


def mapping_form(page_html: str) -> dict[str, str]:
    """The mapping step's form as the browser would post it (the suggestions kept)."""
    form = {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="(staged|filename)" value="([^"]*)"', page_html)
    }
    for index, body in re.findall(r'<select [^>]*name="map-(\d+)"[^>]*>(.*?)</select>', page_html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        form[f"map-{index}"] = chosen.group(1) if chosen else ""
    form["date_order"] = "month_first"
    return form


def test_the_wizard_from_upload_to_commit(page_client, web_org, database_url, app):
    client = page_client("paralegal")
    step_two = upload(client, HEADERS + GOOD + BAD)
    assert step_two.status_code == 200
    assert re.search(
        r'name="map-1"[^>]*>\s*<option value="">- Not imported -</option>.*?<option value="client.name" selected>',
        step_two.text,
        re.S,
    )  # "Borrower Name": suggested from the header
    assert "Garcia, José" in step_two.text  # examples of each column's values
    form = mapping_form(step_two.text)
    staged = Path(app.config["FORESTALL"].var_dir) / "import-staging"
    assert any(p.name.endswith(form["staged"]) for p in staged.iterdir())

    queued = client.post("/imports/map", data=form)
    assert queued.status_code == 303
    import_id = int(queued.headers["Location"].rsplit("/", 1)[1])
    assert not any(p.name.endswith(form["staged"]) for p in staged.iterdir())  # the import holds the file now
    page = client.get(f"/imports/{import_id}")
    assert 'hx-trigger="every 2s"' in page.text and "Queued" in page.text
    assert web_org.attorney.get(f"/api/v1/imports/{import_id}").get_json()["mapping"]["Borrower Name"] == "client.name"

    run_worker(database_url, import_id)  # the dry run
    checked = client.get(f"/imports/{import_id}/status")
    assert "hx-trigger" not in checked.text and "Checked" in checked.text
    assert "<dt>Valid</dt><dd>2</dd>" in checked.text and "<dt>With errors</dt><dd>1</dd>" in checked.text
    assert re.search(r'<th scope="row" data-label="Row">4</th><td data-label="Column">State</td>', checked.text)
    assert "could be read two ways" in checked.text
    assert web_org.attorney.get("/api/v1/cases").get_json()["total"] == 0  # the dry run wrote nothing
    failed = client.get(f"/imports/{import_id}/failed-rows.csv")
    assert failed.status_code == 200 and "A-3" in failed.text and "A-1" not in failed.text

    committing = client.post(f"/imports/{import_id}/commit")
    assert committing.status_code == 303
    run_worker(database_url, import_id)  # the commit
    done = client.get(f"/imports/{import_id}").text
    assert "<dt>Cases created</dt><dd>2</dd>" in done
    assert web_org.attorney.get("/api/v1/cases").get_json()["total"] == 2
    assert f"/imports/{import_id}" in client.get("/imports").text


def test_a_bad_file_is_refused_next_to_its_field_and_nothing_is_stored(page_client, web_org):
    client = page_client("attorney")
    response = upload(client, b"%PDF-1.4 not a spreadsheet", "cases.pdf")
    assert response.status_code == 422
    assert re.search(r'id="f-file"[^>]*aria-describedby="f-file-hint f-file-error" aria-invalid="true"', response.text)
    assert "neither CSV nor XLSX" in response.text
    assert upload(client, b"").status_code == 422
    assert web_org.attorney.get("/api/v1/imports").get_json()["total"] == 0


def test_a_mapping_without_the_state_is_shown_again_with_its_error(page_client, web_org):
    client = page_client("attorney")
    form = mapping_form(upload(client, HEADERS + GOOD).text)
    form["map-3"] = ""  # State: not imported
    form["map-4"] = "client.name"  # and a field used twice
    response = client.post("/imports/map", data=form)
    assert response.status_code == 422
    assert re.search(r'id="f-map-4"[^>]*aria-invalid="true"', response.text)
    assert "mapped from" in response.text
    assert web_org.attorney.get("/api/v1/imports").get_json()["total"] == 0
    form["map-3"], form["map-4"] = "property.state", ""
    form["map-1"] = "client.name"
    assert client.post("/imports/map", data=form).status_code == 303  # the file is still waiting


def test_a_staged_file_is_the_uploader_s_own(page_client, web_org):
    form = mapping_form(upload(page_client("attorney"), HEADERS + GOOD).text)
    other = page_client("paralegal")
    response = other.post("/imports/map", data=form)
    assert response.status_code == 303 and response.headers["Location"].endswith("/imports/new")
    assert other.post("/imports/map", data={**form, "staged": "../../etc/passwd"}).status_code == 400
    assert web_org.attorney.get("/api/v1/imports").get_json()["total"] == 0


def test_a_viewer_reads_imports_but_cannot_import(page_client, web_org, database_url):
    writer = page_client("attorney")
    form = mapping_form(upload(writer, HEADERS + GOOD).text)
    import_id = int(writer.post("/imports/map", data=form).headers["Location"].rsplit("/", 1)[1])
    run_worker(database_url, import_id)
    viewer = page_client("viewer")
    assert viewer.get("/imports/new").status_code == 403
    assert upload(viewer, HEADERS + GOOD).status_code == 403
    page = viewer.get(f"/imports/{import_id}")
    assert page.status_code == 200 and "Commit import" not in page.text
    assert viewer.post(f"/imports/{import_id}/commit").status_code == 403
    assert web_org.attorney.get(f"/api/v1/imports/{import_id}").get_json()["state"] == "checked"


@pytest.mark.parametrize("javascript", [True])
def test_the_wizard_in_a_browser(signed_in, web_org, database_url, tmp_path, javascript):
    web_org.admin.post(
        "/api/v1/import-mappings", json={"name": "Partner export", "mapping": {"Borrower Name": "client.name"}}
    )
    tab = signed_in("admin", javascript=javascript)  # an admin's mapping step also offers to save the choices
    tab.goto("/cases/new")
    tab.page.get_by_role("link", name="Import them from a spreadsheet").click()
    tab.page.wait_for_url("**/imports/new")
    tab.assert_accessible()
    sheet = tmp_path / "cases.csv"
    sheet.write_text(HEADERS + GOOD + BAD)
    tab.page.get_by_label("Spreadsheet").set_input_files(str(sheet))
    tab.page.get_by_role("button", name="Upload and match columns").click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    assert tab.page.get_by_label("Borrower Name").input_value() == "client.name"
    assert tab.page.get_by_label("Sale Date").input_value() == "event:sale_scheduled"
    assert (
        tab.page.get_by_label("Saved mapping").is_visible()
        and tab.page.get_by_label("Save these choices as").is_visible()
    )
    tab.page.get_by_role("button", name="Start the dry run").click()
    tab.page.wait_for_url(re.compile(r"/imports/\d+$"))
    tab.assert_accessible()
    import_id = int(tab.page.url.rsplit("/", 1)[1])
    run_worker(database_url, import_id)  # the worker's dry run; the page asks every two seconds
    commit = tab.page.get_by_role("button", name="Commit import")
    commit.wait_for()
    assert "State" in tab.page.locator("#import-status").inner_text()
    tab.assert_accessible()
    commit.click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    run_worker(database_url, import_id)
    tab.page.get_by_text("Cases created").wait_for()
    tab.assert_accessible()
    assert web_org.attorney.get("/api/v1/cases").get_json()["total"] == 2


def test_an_admin_saves_a_mapping_by_name_and_the_wizard_applies_it(page_client, web_org):
    admin = page_client("admin")
    form = mapping_form(upload(admin, HEADERS + GOOD).text)
    form["map-6"] = ""  # Sale Date: not imported this time
    assert admin.post("/imports/map", data={**form, "save_as": "Partner export"}).status_code == 303
    saved = web_org.attorney.get("/api/v1/import-mappings").get_json()["items"]
    assert [m["name"] for m in saved] == ["Partner export"] and "Sale Date" not in saved[0]["mapping"]

    # A name used already: shown next to its field, and neither the mapping nor the import is saved.
    again = mapping_form(upload(admin, HEADERS + GOOD).text)
    refused = admin.post("/imports/map", data={**again, "save_as": "Partner export"})
    assert refused.status_code == 422 and re.search(r'id="f-save-as"[^>]*aria-invalid="true"', refused.text)
    assert web_org.attorney.get("/api/v1/imports").get_json()["total"] == 1

    # Another user, another file with the same layout: the saved mapping is offered and applied.
    attorney = page_client("attorney")
    step_two = upload(attorney, HEADERS + GOOD)
    assert "Save these choices as" not in step_two.text  # administrators only
    offered = mapping_form(step_two.text)
    applied = attorney.post(
        "/imports/map/apply",
        data={"staged": offered["staged"], "filename": "cases.csv", "saved_mapping": str(saved[0]["id"])},
    )
    assert applied.status_code == 200 and "Applied the mapping" in applied.text
    assert mapping_form(applied.text)["map-6"] == ""  # as saved (the suggestion would have been the sale date)
    assert mapping_form(applied.text)["map-1"] == "client.name"
    assert attorney.post("/imports/map", data={**offered, "save_as": "Mine"}).status_code == 403
    assert len(web_org.attorney.get("/api/v1/import-mappings").get_json()["items"]) == 1


def test_the_wizard_takes_a_file_larger_than_an_attachment(page_client, app):
    from service.app import MAX_UPLOAD_BYTES

    notes = "x" * 20_000
    rows = MAX_UPLOAD_BYTES // len(notes) + 100
    content = "Borrower Name,State,Notes\n" + "".join(f"Person{i} Example,IL,{notes}\n" for i in range(rows))
    assert len(content) > MAX_UPLOAD_BYTES + 1024 * 1024
    response = upload(page_client("attorney"), content)
    assert response.status_code == 200, response.status_code
    assert f"{rows:,} rows" in response.text
    form = mapping_form(response.text)
    for staged in (Path(app.config["FORESTALL"].var_dir) / "import-staging").glob(f"*-{form['staged']}"):
        staged.unlink()  # not left for the day-old sweep
