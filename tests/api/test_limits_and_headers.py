"""Security headers on every API answer; per-organisation rate limits answering 429 problem documents."""
from __future__ import annotations


def test_every_api_answer_is_nosniff_and_not_stored(org, new_case):
    case = new_case()
    for response in (org.viewer.get("/api/v1/cases"), org.viewer.get(f"/api/v1/cases/{case['id']}"),
                     org.viewer.get("/api/v1/cases/2147483647"), org.viewer.post("/api/v1/cases", json={}),
                     org.viewer.get("/api/v1/deadline-kinds")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]


def test_the_docs_load_swagger_ui_from_this_server(app):
    client = app.test_client()
    page = client.get("/docs").get_data(as_text=True)
    assert "cdn." not in page and 'src="/docs/swagger-ui-bundle.js"' in page
    asset = client.get("/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


def test_report_requests_are_limited_per_organisation(app, org, other_org, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMITS", {"report_requests": "2 per minute"})
    body = {"type": "caseload_deadlines"}
    assert [org.attorney.post("/api/v1/reports", json=body).status_code for _ in range(2)] == [202, 202]
    refused = org.admin.post("/api/v1/reports", json=body)  # the whole organisation shares the budget
    assert refused.status_code == 429 and refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0 and refused.get_json()["status"] == 429
    assert other_org.attorney.post("/api/v1/reports", json=body).status_code == 202
