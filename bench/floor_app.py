"""The honest floor for bench/api_bench.py: a separate, bare Flask app, outside the product, served the same
way (gunicorn, the same number of sync workers). What any authenticated, tenant-scoped read must do, and
nothing more:

- one psycopg connection per worker process, in autocommit (no BEGIN/ROLLBACK, no pool, no ping);
- the bearer token's SHA-256 looked up in the token table (one indexed query, joined to its user for the
  organisation, refusing revoked and expired tokens and inactive users);
- one case row fetched by primary key, scoped by that organisation;
- a JSON document of the same size as the product's case document (FLOOR_BODY_BYTES, measured by the
  bench from the product's own answer), returned with jsonify.

    DATABASE_URL=postgresql://... FLOOR_BODY_BYTES=1234 gunicorn bench.floor_app:app -w 4"""

from __future__ import annotations

import hashlib
import os

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)
app.json.sort_keys = False
_connection: psycopg.Connection | None = None
_BODY_BYTES = int(os.environ.get("FLOOR_BODY_BYTES", "0"))

TOKEN_SQL = (
    "SELECT u.org_id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = %s "
    "AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.is_active"
)
CASE_SQL = "SELECT * FROM cases WHERE id = %s AND org_id = %s AND deleted_at IS NULL"


def connection() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _connection = psycopg.connect(url, autocommit=True)
    return _connection


@app.get("/healthz")
def healthz():  # noqa: ANN201
    return {"ok": True}


@app.get("/floor/cases/<int:case_id>")
def case(case_id: int):  # noqa: ANN201
    authorization = request.headers.get("Authorization", "")
    if not authorization.startswith("Bearer "):
        return {"title": "Unauthorized"}, 401
    digest = hashlib.sha256(authorization[7:].strip().encode()).hexdigest()
    cursor = connection().cursor()
    found = cursor.execute(TOKEN_SQL, (digest,)).fetchone()
    if found is None:
        return {"title": "Unauthorized"}, 401
    cursor.execute(CASE_SQL, (case_id, found[0]))
    row = cursor.fetchone()
    if row is None:
        return {"title": "Not found"}, 404
    names = [column.name for column in cursor.description or ()]
    document = {name: value for name, value in zip(names, row) if name != "search_text"}
    response = jsonify(document)
    # Pad to the product's document size, so both answers carry the same bytes.
    missing = _BODY_BYTES - len(response.get_data())
    if missing > len(',"pad":""'):
        document["pad"] = "x" * (missing - len(',"pad":""'))
        response = jsonify(document)
    return response
