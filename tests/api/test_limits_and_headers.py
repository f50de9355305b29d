"""Security headers on every API answer; per-organisation rate limits answering 429 problem documents."""

from __future__ import annotations


def test_every_api_answer_is_nosniff_and_not_stored(org, new_case):
    case = new_case()
    for response in (
        org.viewer.get("/api/v1/cases"),
        org.viewer.get(f"/api/v1/cases/{case['id']}"),
        org.viewer.get("/api/v1/cases/2147483647"),
        org.viewer.post("/api/v1/cases", json={}),
        org.viewer.get("/api/v1/deadline-kinds"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert len(response.headers.getlist("X-Content-Type-Options")) == 1


def test_the_docs_load_swagger_ui_from_this_server(app):
    client = app.test_client()
    page = client.get("/docs").get_data(as_text=True)
    assert "cdn." not in page and 'src="/docs/swagger-ui-bundle.js"' in page
    asset = client.get("/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    # Swagger UI runs its own scripts: no page CSP; its files, public and unchanging, keep their caching.
    assert "Content-Security-Policy" not in asset.headers and asset.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in asset.headers["Cache-Control"] and "no-store" not in asset.headers["Cache-Control"]


def test_report_requests_are_limited_per_organisation(app, org, other_org, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMITS", {"report_requests": "2 per minute"})
    body = {"type": "caseload_deadlines"}
    assert [org.attorney.post("/api/v1/reports", json=body).status_code for _ in range(2)] == [202, 202]
    refused = org.admin.post("/api/v1/reports", json=body)  # the whole organisation shares the budget
    assert refused.status_code == 429 and refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0 and refused.get_json()["status"] == 429
    assert other_org.attorney.post("/api/v1/reports", json=body).status_code == 202


def test_the_api_limiter_counts_in_the_configured_storage(settings, org):
    """settings.ratelimit_storage_uri (RATELIMIT_STORAGE_URI) is the storage of the API's limits and of the
    sign-in throttle alike: one limiter, one storage (redis://... shares the counts between processes)."""
    from dataclasses import replace

    from limits.storage import MemoryStorage

    from service.accounts.signin import throttle
    from service.app import create_app
    from service.limits import limiter

    class RecordingStorage(MemoryStorage):
        STORAGE_SCHEME = ["forestall-test-recording"]  # registers the scheme with the `limits` library

    try:
        configured = create_app(replace(settings, ratelimit_storage_uri="forestall-test-recording://"))
        configured.config["RATE_LIMITS"] = {"report_requests": "1 per minute"}
        storage = limiter.storage
        assert isinstance(storage, RecordingStorage)
        assert throttle().limiter.storage is storage  # the sign-in throttle counts there too
        client = configured.test_client()
        headers = {"Authorization": f"Bearer {org.attorney.token}"}
        body = {"type": "caseload_deadlines"}
        assert [client.post("/api/v1/reports", json=body, headers=headers).status_code for _ in range(2)] == [202, 429]
        storage.reset()  # the count was in the configured storage: emptying it lets the next one through
        assert client.post("/api/v1/reports", json=body, headers=headers).status_code == 202
    finally:
        create_app(settings)  # the limiter (one per process) back on the suite's own storage
