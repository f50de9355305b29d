"""`forestall import`, run as a real process: a dry run writes no case, --commit creates them, again nothing twice."""

from __future__ import annotations

import json

from tests.test_cli import forestall


def test_import_dry_run_then_commit_then_again(org, tmp_path):
    sheet = tmp_path / "cases.csv"
    sheet.write_text("Ref,Homeowner,ST\nX-1,Ana Diaz,IL\nX-2,Luis Ortiz,TX\nX-3,Nobody,ZZ\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Ref": "key", "Homeowner": "client.name", "ST": "property.state"}))

    dry = forestall("import", str(sheet), "--org", org.slug, "--mapping", str(mapping))
    assert dry.returncode == 0, dry.stderr
    assert "checked; rows 3, valid 2, invalid 1" in dry.stdout and "row 4, column ST" in dry.stderr
    assert org.admin.get("/api/v1/cases").get_json()["total"] == 0

    done = forestall("import", str(sheet), "--org", org.slug, "--mapping", str(mapping), "--commit")
    assert done.returncode == 0, done.stderr
    assert "committed" in done.stdout and "created 2" in done.stdout
    again = forestall("import", str(sheet), "--org", org.slug, "--mapping", str(mapping), "--commit")
    assert "valid 0" in again.stdout
    assert org.admin.get("/api/v1/cases").get_json()["total"] == 2


def test_refusals_exit_nonzero_and_say_why(org, tmp_path):
    sheet = tmp_path / "cases.csv"
    sheet.write_bytes("Homeowner,ST\nJosé García,IL\n".encode("cp1252"))
    result = forestall("import", str(sheet), "--org", org.slug)
    assert result.returncode == 1 and "Windows-1252" in result.stderr
    assert forestall("import", str(sheet), "--org", "no-such-org").returncode == 1
