"""Client data stays in its organisation: every route of the URL map, walked with another organisation's
token, answers 404 (and 401 without a token), and never shows the first organisation's data.

A route whose path parameters this walk does not know how to fill fails the meta-test below, so a new
route cannot escape the walk."""

from __future__ import annotations

import re

import pytest

from tests.conftest import case_payload

# Routes that are not organisation data (public or per-token) and need no walk.
PUBLIC = {
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/docs",
    "/docs/<path:filename>",
    "/static/<path:filename>",
    "/calendar/<token>.ics",
    "/calendar/<string:token>.ics",
    # The SMS provider's webhooks (signed by the provider) and the client's unsubscribe link (signed).
    "/webhooks/sms/inbound",
    "/webhooks/sms/status",
    "/client-messages/unsubscribe/<token>",
}


def make_objects(owner) -> dict[str, object]:
    """One object of each kind the URL map names, owned by `owner`'s organisation.

    Keys are URL parameter names; later issues add theirs here (the meta-test insists)."""
    case = owner.attorney.post("/api/v1/cases", json=case_payload()).get_json()
    objects: dict[str, object] = {"case_id": case["id"], **SHARED}
    for maker in OBJECT_MAKERS:
        objects.update(maker(owner, objects))
    return objects


def make_event_and_deadline(owner, objects):
    case_id = objects["case_id"]
    event = owner.attorney.post(
        f"/api/v1/cases/{case_id}/events", json={"type": "first_missed_payment", "occurred_on": "2026-01-01"}
    ).get_json()
    deadline = owner.attorney.post(
        f"/api/v1/cases/{case_id}/deadlines", json={"title": "Call the client", "due_on": "2026-12-01"}
    ).get_json()
    return {"event_id": event["id"], "deadline_id": deadline["id"]}


def _discovered_makers() -> list:
    """Each domain's tests/api/objects_<domain>.py defines make(owner, objects) -> {url param: id}."""
    import importlib
    import pkgutil
    from pathlib import Path

    here = Path(__file__).parent
    return [
        importlib.import_module(f"tests.api.{m.name}").make
        for m in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name)
        if m.name.startswith("objects_")
    ]


# Functions (owner, objects so far) -> {param: id}, one per kind of object the URL map names.
OBJECT_MAKERS: list = [make_event_and_deadline, *_discovered_makers()]

# Parameters naming shared reference data (the same for every organisation), not organisation data.
SHARED = {"code": "IL"}


def api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def fill(rule, objects) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(objects[name]), path)
    return path


def test_every_api_route_is_walked(app, org):
    objects = make_objects(org)
    missing = sorted(
        {f"{rule.rule} ({name})" for rule, _ in api_rules(app) for name in rule.arguments if name not in objects}
    )
    assert not missing, f"routes whose parameters the tenant walk cannot fill: {missing}"
    from service.web.helpers import PAGE_BLUEPRINTS  # pages for people: tests/web walks those

    unknown_public = sorted(
        r.rule
        for r in app.url_map.iter_rules()
        if not r.rule.startswith("/api/v1/")
        and r.rule not in PUBLIC
        and r.endpoint.split(".")[0] not in PAGE_BLUEPRINTS
    )
    assert not unknown_public, f"routes outside /api/v1 that are neither public nor walked: {unknown_public}"


def test_another_organisations_objects_answer_404(app, org, other_org):
    objects = make_objects(org)
    checked = 0
    for rule, method in api_rules(app):
        if not rule.arguments or set(rule.arguments) <= set(SHARED):
            continue
        path = fill(rule, objects)
        for member in (other_org.admin, other_org.viewer):
            response = getattr(member.client, method.lower())(
                path, json={}, headers={"Authorization": f"Bearer {member.token}", "If-Match": '"1"'}
            )
            assert response.status_code == 404, (method, path, member.role, response.status_code)
            assert response.content_type == "application/problem+json"
            checked += 1
    assert checked > 0


def test_every_api_route_needs_a_token(app, org):
    objects = make_objects(org)
    client = app.test_client()
    for rule, method in api_rules(app):
        response = getattr(client, method.lower())(fill(rule, objects), json={})
        assert response.status_code == 401, (method, rule.rule)


def test_collections_show_nothing_of_another_organisation(app, org, other_org):
    objects = make_objects(org)
    secret_values = {"Gonzalez", "4000123456", "maria@example.com", "1420 W Addison St", "Call the client"}
    checked_collections: list[str] = []
    for rule, method in api_rules(app):
        if method != "GET" or not set(rule.arguments) <= set(SHARED):
            continue
        response = other_org.admin.get(fill(rule, objects))
        assert response.status_code == 200, rule.rule
        checked_collections.append(rule.rule)
        text = response.get_data(as_text=True)
        assert not any(value in text for value in secret_values), rule.rule
    # The same lookups from the owner do find them (the negative control).
    assert "Gonzalez" in org.admin.get("/api/v1/cases").get_data(as_text=True)
    assert "Call the client" in org.admin.get("/api/v1/deadlines").get_data(as_text=True)
    assert "/api/v1/deadlines" in checked_collections
    assert objects


@pytest.mark.parametrize("query", ["q=Gonzalez", "q=3456", "state=IL"])
def test_filters_do_not_reach_across(org, other_org, query):
    org.attorney.post("/api/v1/cases", json=case_payload())
    assert other_org.admin.get(f"/api/v1/cases?{query}").get_json()["total"] == 0
    assert org.admin.get(f"/api/v1/cases?{query}").get_json()["total"] == 1
