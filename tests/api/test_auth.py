"""Tokens: required, hashed at rest, revocable, expiring."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select

from models import ApiToken


def test_no_token_or_a_bad_one_is_401(org, app):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/cases", headers=headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_are_stored_only_as_sha256(org, db_session):
    rows = db_session.scalars(select(ApiToken).where(ApiToken.user_id == org.attorney.user_id)).all()
    assert [r.token_sha256 for r in rows] == [hashlib.sha256(org.attorney.token.encode()).hexdigest()]
    assert org.attorney.token not in {r.token_sha256 for r in rows}


def test_revoked_and_expired_tokens_are_refused(org, db_session):
    assert org.attorney.get("/api/v1/cases").status_code == 200
    row = db_session.scalars(select(ApiToken).where(ApiToken.user_id == org.attorney.user_id)).one()
    row.expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    db_session.commit()
    assert org.attorney.get("/api/v1/cases").status_code == 401
    row.expires_at = None
    row.revoked_at = dt.datetime.now(dt.timezone.utc)
    db_session.commit()
    assert org.attorney.get("/api/v1/cases").status_code == 401


def test_passwords_use_argon2id():
    from service.auth import hash_password, verify_password

    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(stored, "correct horse") and not verify_password(stored, "wrong")


def test_health_and_readiness(app):
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": True, "broker": True}


def test_openapi_and_docs_are_served(app):
    client = app.test_client()
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/cases" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_a_revoked_token_or_deactivated_user_is_refused_on_the_very_next_read(org, new_case, db_session):
    """The case detail (a read-only view, no transaction) reads the token on every request: no cache."""
    from models import User

    case_id = new_case()["id"]
    path = f"/api/v1/cases/{case_id}"
    for _ in range(3):
        assert org.attorney.get(path).status_code == 200
    row = db_session.scalars(select(ApiToken).where(ApiToken.user_id == org.attorney.user_id)).one()
    row.revoked_at = dt.datetime.now(dt.timezone.utc)
    db_session.commit()
    assert org.attorney.get(path).status_code == 401
    for _ in range(3):
        assert org.paralegal.get(path).status_code == 200
    db_session.get(User, org.paralegal.user_id).is_active = False
    db_session.commit()
    assert org.paralegal.get(path).status_code == 401
