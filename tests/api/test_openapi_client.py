"""A client generated from /openapi.json by openapi-python-client, as an integrator would make one, then used.

What generated clients tripped on: nullable references typed as untyped dicts, one enum class per schema
and per nullability, `VALUE_3` for sort orders, missing operation ids, undeclared content types."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import case_payload

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated(app, tmp_path_factory):
    """The generated package, importable (its name: forestall_client)."""
    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_text(app.test_client().get("/openapi.json").get_data(as_text=True))
    # The generator reads binary answers as application/octet-stream; PDFs are binary.
    (root / "config.json").write_text(
        json.dumps({"content_type_overrides": {"application/pdf": "application/octet-stream"}})
    )
    generator = Path(sys.executable).parent / "openapi-python-client"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            "openapi.json",
            "--output-path",
            "forestall_client",
            "--meta",
            "none",
            "--config",
            "config.json",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    yield root / "forestall_client"
    sys.path.remove(str(root))
    for name in [module for module in sys.modules if module.startswith("forestall_client")]:
        del sys.modules[name]


def test_one_class_per_enum_and_typed_nullable_references(generated):
    models = {path.stem for path in (generated / "models").glob("*.py")}
    assert not [name for name in models if "_type_1" in name or "_type_2" in name]
    assert {"foreclosure_process", "computed_from", "sort"} <= models
    deadline = (generated / "models" / "deadline.py").read_text()
    assert "computed_from: ComputedFrom | None | Unset" in deadline
    sort = importlib.import_module("forestall_client.models.sort").Sort
    assert sort.CREATED_AT_DESCENDING.value == "-created_at"
    assert not [member for member in sort.__members__ if member.startswith("VALUE_")]


def test_operations_are_named_and_content_types_declared(generated):
    operations = {path.stem for path in (generated / "api").rglob("*.py")}
    assert {
        "list_cases",
        "create_case",
        "get_case",
        "update_case",
        "add_event",
        "list_case_deadlines",
        "get_case_calendar",
        "download_report_pdf",
        "get_health",
        "get_readiness",
        "list_stages",
    } <= operations
    spec = json.loads((generated.parent / "openapi.json").read_text())
    assert spec["servers"][0]["url"].startswith("http")
    responses = {
        path: spec["paths"][path]["get"]["responses"]["200"]["content"]
        for path in (
            "/api/v1/stages",
            "/api/v1/cases/{case_id}/calendar.ics",
            "/api/v1/reports/{report_id}/pdf",
            "/healthz",
            "/readyz",
            "/calendar/{token}.ics",
        )
    }
    assert set(responses["/api/v1/cases/{case_id}/calendar.ics"]) == {"text/calendar"}
    assert set(responses["/api/v1/reports/{report_id}/pdf"]) == {"application/pdf"}
    assert responses["/api/v1/stages"]["application/json"]["schema"]["type"] == "array"
    created = spec["paths"]["/api/v1/cases"]["post"]["responses"]["201"]
    assert "Location" in created["headers"] and "ETag" in created["headers"]
    assert "ETag" in spec["paths"]["/api/v1/cases/{case_id}"]["get"]["responses"]["200"]["headers"]


def test_the_generated_client_works_against_the_api(generated, app, org):
    """Typed objects back, not dicts: a case, its deadlines, a sorted list."""
    client_module = importlib.import_module("forestall_client")
    list_cases = importlib.import_module("forestall_client.api.cases.list_cases")
    get_case = importlib.import_module("forestall_client.api.cases.get_case")
    sort = importlib.import_module("forestall_client.models.sort").Sort
    case_model = importlib.import_module("forestall_client.models.case").Case

    created = org.admin.post("/api/v1/cases", json=case_payload())
    assert created.status_code == 201
    client = client_module.AuthenticatedClient(
        base_url="http://forestall.test", token=org.admin.token, httpx_args={"transport": httpx.WSGITransport(app=app)}
    )
    with client:
        case = get_case.sync(client=client, case_id=created.get_json()["id"])
        assert isinstance(case, case_model)
        assert case.id == created.get_json()["id"]
        listed = list_cases.sync(client=client, sort=sort.CREATED_AT_DESCENDING)
        assert listed.items[0].id == case.id


def test_the_document_states_what_the_server_refuses(app):
    """Rules the server enforces that a schema can say: no NUL in text, no line breaks in names, no unknown keys
    in an event's details; and a named field's description where a schema cannot say it."""
    import re

    schemas = app.test_client().get("/openapi.json").get_json()["components"]["schemas"]
    notes = schemas["CaseCreate"]["properties"]["notes"]
    assert re.fullmatch(notes["pattern"], "line one\nline two") and not re.search(notes["pattern"], "a\x00b")
    name = schemas["PartyCreate"]["properties"]["name"]
    assert not re.search(name["pattern"], "two\nlines") and re.search(name["pattern"], "Ana María Núñez")
    details = schemas["EventCreate"]["properties"]["details"]
    assert details["additionalProperties"] is False and {"sale_price", "note", "option"} <= set(details["properties"])
    assert "1970-01-01" in schemas["EventCreate"]["properties"]["occurred_on"]["description"]
